"""invitations

Revision ID: 45b4ba3e3781
Revises: 0005_attendance
Create Date: 2026-11-25 00:13:11.132515

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_invitations'
down_revision = '0005_attendance'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('programme_year', sa.Integer(), nullable=True),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.Enum('wachtend', 'bezig', 'klaar', name='invitation_batch_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_invitation_batch_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_invitation_batch_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_invitation_batch_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_batch'))
    )
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_batch_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_batch_region_id'), ['region_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['invitation_batch.id'], name=op.f('fk_invitation_batch_id_invitation_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_invitation_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_invitation_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('batch_id', 'email', name=op.f('uq_invitation_batch_id_email'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_user_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_batch_region_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_batch_event_id'))

    op.drop_table('invitation_batch')
