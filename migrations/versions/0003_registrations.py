"""registrations

Revision ID: 322e1a05c946
Revises: 0002_programme
Create Date: 2026-11-24 23:32:49.882124

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_registrations'
down_revision = '0002_programme'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('bevestigd', 'wachtlijst', 'afgemeld', name='registration_status', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('function', sa.String(length=120), nullable=False),
    sa.Column('municipality_name', sa.String(length=120), nullable=False),
    sa.Column('skj_number', sa.String(length=20), nullable=True),
    sa.Column('diet', sa.String(length=300), nullable=False),
    sa.Column('accessibility_needs', sa.Text(), nullable=False),
    sa.Column('consent_share_name', sa.Boolean(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waitlisted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_registration_added_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_registration_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_registration_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_registration_event_id_user_id'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_user_id'))
        batch_op.drop_index(batch_op.f('ix_registration_organisation_id'))
        batch_op.drop_index('ix_registration_event_status')

    op.drop_table('registration')
