"""A lease on certificate runs: the heartbeat of the worker that runs one, and its token

Revision ID: 0015_run_lease
Revises: 0014_evaluation_tokens
Create Date: 2026-12-08 11:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_run_lease'
down_revision = '0014_evaluation_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate_run', schema=None) as batch_op:
        batch_op.drop_column('lease_token')
        batch_op.drop_column('heartbeat_at')
