"""Audit entries belong to a region, so each region's admins read only their own log

Revision ID: 0012_audit_region
Revises: 0011_session_order_index
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_audit_region'
down_revision = '0011_session_order_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_region_id'), ['region_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_region_id_region'), 'region',
                                    ['region_id'], ['id'], ondelete='CASCADE')
    # Existing entries: the region of the event they are about, else the actor's region.
    # Entries with neither (system runs, deleted actors) stay with no region.
    op.execute(
        "UPDATE audit_event SET region_id = (SELECT event.region_id FROM event "
        "WHERE 'event:' || CAST(event.id AS VARCHAR(20)) = audit_event.subject) "
        "WHERE audit_event.subject LIKE 'event:%'")
    op.execute(
        "UPDATE audit_event SET region_id = (SELECT user_account.region_id FROM user_account "
        "WHERE user_account.id = audit_event.actor_id) "
        "WHERE audit_event.region_id IS NULL AND audit_event.actor_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_region_id_region'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_region_id'))
        batch_op.drop_column('region_id')
