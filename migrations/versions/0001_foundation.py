"""foundation: regions, organisations, users, outbox, audit

Revision ID: a546c961c1ee
Revises: 
Create Date: 2026-11-24 23:23:08.604880

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('leerhuis_name', sa.String(length=160), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=254), nullable=False),
    sa.Column('signatory_name', sa.String(length=120), nullable=False),
    sa.Column('signatory_function', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('name', name=op.f('uq_region_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_region_slug'))
    )
    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_municipality_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('region_id', 'name', name=op.f('uq_municipality_region_id_name'))
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_region_id'), ['region_id'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('type', sa.Enum('zorgaanbieder', 'gemeente', 'gecertificeerde_instelling', 'veilig_thuis', 'jeugd_en_gezin', 'huisartsen', 'onderwijs', 'welzijn', 'ervaringsdeskundigen', 'regio', name='organisation_type', native_enum=False, create_constraint=True, length=34), nullable=False),
    sa.Column('website', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('status', sa.Enum('aangevraagd', 'goedgekeurd', 'afgewezen', name='approval_status', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_organisation_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_organisation_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_region_id'), ['region_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=120), nullable=False),
    sa.Column('function', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('skj_number', sa.String(length=20), nullable=True),
    sa.Column('skj_kamer', sa.Enum('jeugd_en_gezinsprofessionals', 'gedragswetenschappers', 'jeugdzorgwerkers', name='skj_kamer', native_enum=False, create_constraint=True, length=36), nullable=True),
    sa.Column('preferred_language', sa.String(length=5), nullable=False),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_region_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active_account', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_nonce', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_user_account_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_account_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_user_account_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        # One account per address whatever its case (expression index: not autogenerated).
        batch_op.create_index('uq_user_account_email_lower', [sa.text('lower(email)')], unique=True)
        batch_op.create_index(batch_op.f('ix_user_account_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_region_id'), ['region_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)

    op.create_table('organiser_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('aangevraagd', 'goedgekeurd', 'afgewezen', name='approval_status', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_organiser_role_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organiser_role_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_organiser_role_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organiser_role')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_organiser_role_user_id_organisation_id'))
    )
    with op.batch_alter_table('organiser_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_role_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('mime', sa.LargeBinary(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('wachtend', 'verzonden', 'mislukt', name='outbox_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_outbox_message_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient'), ['recipient'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient'))
        batch_op.drop_index('ix_outbox_message_due')

    op.drop_table('outbox_message')
    with op.batch_alter_table('organiser_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_role_organisation_id'))

    op.drop_table('organiser_role')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index('uq_user_account_email_lower')
        batch_op.drop_index(batch_op.f('ix_user_account_region_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_municipality_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_region_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_name'))

    op.drop_table('organisation')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_region_id'))

    op.drop_table('municipality')
    op.drop_table('region')
