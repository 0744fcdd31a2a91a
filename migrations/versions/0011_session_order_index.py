"""An event's sessions indexed in order (event_id, starts_at), replacing the index on event_id

Revision ID: 0011_session_order_index
Revises: 0010_data_version
Create Date: 2026-12-01 14:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_session_order_index'
down_revision = '0010_data_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_event_session_event_id_starts_at', 'event_session',
                    ['event_id', 'starts_at'], unique=False)
    op.drop_index('ix_event_session_event_id', table_name='event_session')


def downgrade():
    op.create_index('ix_event_session_event_id', 'event_session', ['event_id'], unique=False)
    op.drop_index('ix_event_session_event_id_starts_at', table_name='event_session')
