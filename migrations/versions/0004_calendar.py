"""calendar

Revision ID: 0c94592ff0a2
Revises: 0003_registrations
Create Date: 2026-11-24 23:34:15.988100

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_calendar'
down_revision = '0003_registrations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_target_group_id'), ['target_group_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_calendar_token'), ['calendar_token'])
        batch_op.create_foreign_key(batch_op.f('fk_user_account_target_group_id_target_group'), 'target_group', ['target_group_id'], ['id'], ondelete='SET NULL')
    # SQLite's batch mode recreates the table and cannot carry expression indexes over.
    op.create_index('uq_user_account_email_lower', 'user_account', [sa.text('lower(email)')],
                    unique=True, if_not_exists=True)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_target_group_id_target_group'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_user_account_calendar_token'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_user_account_target_group_id'))
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('target_group_id')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('reminder_sent_at')

    op.create_index('uq_user_account_email_lower', 'user_account', [sa.text('lower(email)')],
                    unique=True, if_not_exists=True)
