"""One-time form tokens: a creating form submitted twice makes one record

Revision ID: 0013_form_submissions
Revises: 0012_audit_region
Create Date: 2026-12-03 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_form_submissions'
down_revision = '0012_audit_region'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_form_submission_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submission')),
        sa.UniqueConstraint('token', name=op.f('uq_form_submission_token')),
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_created_at'), ['created_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_form_submission_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    op.drop_table('form_submission')
