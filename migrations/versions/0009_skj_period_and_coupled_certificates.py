"""SKJ registration period start on the profile; the coupled discussion a certificate covers

Revision ID: 0009_skj_period
Revises: 0008_waitlist_offers
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_skj_period'
down_revision = '0008_waitlist_offers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skj_period_start', sa.Date(), nullable=True))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupled_event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificate_coupled_event_id'), ['coupled_event_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificate_coupled_event_id_event'), 'event',
                                    ['coupled_event_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_coupled_event_id_event'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificate_coupled_event_id'))
        batch_op.drop_column('coupled_event_id')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('skj_period_start')
