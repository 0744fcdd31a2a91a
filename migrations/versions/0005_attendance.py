"""attendance

Revision ID: d7d142336191
Revises: 0004_calendar
Create Date: 2026-11-24 23:40:36.091559

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_attendance'
down_revision = '0004_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('wachtend', 'bezig', 'klaar', 'mislukt', name='run_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_certificate_run_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_certificate_run_started_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_run'))
    )
    with op.batch_alter_table('certificate_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_run_event_id'), ['event_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('aanwezig', 'afwezig', 'afgemeld', name='attendance_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('source', sa.Enum('organisator', 'zelf', 'iedereen_aanwezig', name='attendance_source', native_enum=False, create_constraint=True, length=25), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'], name=op.f('fk_attendance_marked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_attendance_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], name=op.f('fk_attendance_session_id_event_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_attendance_registration_id_session_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_session_id'), ['session_id'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('participant_name', sa.String(length=200), nullable=False),
    sa.Column('skj_number', sa.String(length=20), nullable=True),
    sa.Column('event_title', sa.String(length=200), nullable=False),
    sa.Column('event_type_label', sa.String(length=80), nullable=False),
    sa.Column('activity_dates', sa.String(length=500), nullable=False),
    sa.Column('first_date', sa.DateTime(timezone=True), nullable=False),
    sa.Column('net_hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('skj_points', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('accreditation_number', sa.String(length=60), nullable=False),
    sa.Column('skj_category', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('geldig', 'ingetrokken', name='certificate_status', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_certificate_event_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_certificate_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_certificate_registration_id_registration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaces_id'], ['certificate.id'], name=op.f('fk_certificate_replaces_id_certificate'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['certificate_run.id'], name=op.f('fk_certificate_run_id_certificate_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_certificate_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('uq_certificate_valid_registration', ['registration_id'], unique=True,
                              sqlite_where=sa.text("status = 'geldig'"),
                              postgresql_where=sa.text("status = 'geldig'"))
        batch_op.create_index('ix_certificate_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_user_id'), ['user_id'], unique=False)

    op.create_table('attendance_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=False),
    sa.Column('old_state', sa.Enum('aanwezig', 'afwezig', 'afgemeld', name='old_attendance_state', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('new_state', sa.Enum('aanwezig', 'afwezig', 'afgemeld', name='new_attendance_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('source', sa.Enum('organisator', 'zelf', 'iedereen_aanwezig', name='attendance_source', native_enum=False, create_constraint=True, length=25), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendance.id'], name=op.f('fk_attendance_change_attendance_id_attendance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_attendance_change_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_change'))
    )
    with op.batch_alter_table('attendance_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_change_attendance_id'), ['attendance_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_closed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_code', sa.String(length=12), nullable=True))



def downgrade():
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.drop_column('checkin_code')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('attendance_closed_at')

    with op.batch_alter_table('attendance_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_change_attendance_id'))

    op.drop_table('attendance_change')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_valid_registration')
        batch_op.drop_index(batch_op.f('ix_certificate_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_run_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_registration_id'))
        batch_op.drop_index('ix_certificate_event_status')

    op.drop_table('certificate')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_registration_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('certificate_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_run_event_id'))

    op.drop_table('certificate_run')
