"""Evaluation links as random single-use tokens (only their hash stored, no registration);
answers keyed by a random id; "invited" kept on the registration instead of a receipt

Revision ID: 0014_evaluation_tokens
Revises: 0013_form_submissions
Create Date: 2026-12-08 10:00:00

Existing answers keep their content; each gets a random id, and they are written back in a
random order. Old signed links have no token row and stop working.
"""
import random
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_evaluation_tokens'
down_revision = '0013_form_submissions'
branch_labels = None
depends_on = None

ANSWER_COLUMNS = {'event_id': sa.Integer(), 'answered_on': sa.Date(), 'grade': sa.Integer(),
                  'usefulness': sa.Integer(), 'do_differently': sa.Text(),
                  'suggestions': sa.Text()}


def _answer_columns():
    return [sa.Column('event_id', sa.Integer(), nullable=False),
            sa.Column('answered_on', sa.Date(), nullable=False),
            sa.Column('grade', sa.Integer(), nullable=False),
            sa.Column('usefulness', sa.Integer(), nullable=False),
            sa.Column('do_differently', sa.Text(), nullable=False),
            sa.Column('suggestions', sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(['event_id'], ['event.id'],
                                    name=op.f('fk_evaluation_response_event_id_event'),
                                    ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_response'))]


def _replace_answers(id_column, new_id, **table_options):
    """Copy the answers into a new evaluation_response with another kind of id."""
    bind = op.get_bind()
    old = sa.table('evaluation_response',
                   *(sa.column(name, type_) for name, type_ in ANSWER_COLUMNS.items()))
    rows = [dict(row._mapping) for row in bind.execute(sa.select(old))]
    random.SystemRandom().shuffle(rows)
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_response_event_id'))
    op.drop_table('evaluation_response')
    table = op.create_table('evaluation_response', id_column, *_answer_columns(),
                            **table_options)
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_response_event_id'), ['event_id'],
                              unique=False)
    if rows:
        op.bulk_insert(table, [{'id': new_id(n), **row} for n, row in enumerate(rows, 1)])


def upgrade():
    # Everyone who had a link counts as invited, answered or not: marking only those who
    # answered would keep exactly the fact this revision stops recording. Read first: on
    # SQLite the batch below may rebuild registration, and the receipts cascade away.
    receipt = sa.table('evaluation_receipt', sa.column('registration_id', sa.Integer()))
    invited = list(op.get_bind().execute(sa.select(receipt.c.registration_id)).scalars())
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_invited', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    registration = sa.table('registration', sa.column('id', sa.Integer()),
                            sa.column('evaluation_invited', sa.Boolean()))
    for start in range(0, len(invited), 500):
        op.execute(registration.update().where(registration.c.id.in_(invited[start:start + 500]))
                   .values(evaluation_invited=True))
    op.drop_table('evaluation_receipt')

    _replace_answers(sa.Column('id', sa.String(length=32), nullable=False),
                     lambda n: uuid.uuid4().hex, sqlite_with_rowid=False)

    op.create_table('evaluation_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_evaluation_token_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_evaluation_token')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('evaluation_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_token_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evaluation_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_token_event_id'))
    op.drop_table('evaluation_token')

    _replace_answers(sa.Column('id', sa.Integer(), nullable=False), lambda n: n)

    op.create_table('evaluation_receipt',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_evaluation_receipt_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_evaluation_receipt'))
    )
    # Who answered is not known any more; an invited registration gets no second link.
    registration = sa.table('registration', sa.column('id', sa.Integer()),
                            sa.column('evaluation_invited', sa.Boolean()))
    invited = list(op.get_bind().execute(sa.select(registration.c.id).where(
        registration.c.evaluation_invited.is_(True))).scalars())
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('evaluation_invited')
    receipt = sa.table('evaluation_receipt', sa.column('registration_id', sa.Integer()),
                       sa.column('responded', sa.Boolean()))
    if invited:
        op.bulk_insert(receipt, [{'registration_id': r, 'responded': True} for r in invited])
