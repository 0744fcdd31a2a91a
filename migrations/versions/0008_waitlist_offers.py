"""waiting-list offers, per-attendee calendar sequence, reminders per session

Revision ID: 0008_waitlist_offers
Revises: 0007_learning
Create Date: 2026-11-25 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_waitlist_offers'
down_revision = '0007_learning'
branch_labels = None
depends_on = None

OLD_STATUS = sa.Enum('bevestigd', 'wachtlijst', 'afgemeld', name='registration_status',
                     native_enum=False, create_constraint=True, length=18)
NEW_STATUS = sa.Enum('bevestigd', 'wachtlijst', 'aangeboden', 'afgemeld',
                     name='registration_status', native_enum=False, create_constraint=True,
                     length=18)


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_hours', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('offer_hours_positive',
                                         'offer_hours IS NULL OR offer_hours >= 1')

    op.create_table('session_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_session_reminder_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], name=op.f('fk_session_reminder_session_id_event_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_reminder')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_session_reminder_registration_id_session_id'))
    )
    with op.batch_alter_table('session_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_reminder_session_id'), ['session_id'], unique=False)

    # Reminders already sent went out for the first session: keep them from going again.
    op.execute(
        "INSERT INTO session_reminder (registration_id, session_id, sent_at) "
        "SELECT r.id, s.id, r.reminder_sent_at FROM registration r "
        "JOIN event_session s ON s.event_id = r.event_id "
        "WHERE r.reminder_sent_at IS NOT NULL AND s.starts_at = "
        "(SELECT min(s2.starts_at) FROM event_session s2 WHERE s2.event_id = r.event_id)")

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=OLD_STATUS, type_=NEW_STATUS,
                              existing_nullable=False)
        batch_op.add_column(sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_registration_offered_until'), ['offered_until'], unique=False)
        batch_op.drop_column('reminder_sent_at')


def downgrade():
    # An open offer becomes a place on the waiting list again (at its old position).
    op.execute("UPDATE registration SET status = 'wachtlijst' WHERE status = 'aangeboden'")
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f('ix_registration_offered_until'))
        batch_op.drop_column('calendar_sequence')
        batch_op.drop_column('offered_until')
        batch_op.alter_column('status', existing_type=NEW_STATUS, type_=OLD_STATUS,
                              existing_nullable=False)
    op.execute(
        "UPDATE registration SET reminder_sent_at = (SELECT min(sr.sent_at) FROM "
        "session_reminder sr WHERE sr.registration_id = registration.id)")

    with op.batch_alter_table('session_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_reminder_session_id'))
    op.drop_table('session_reminder')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_event_offer_hours_positive'), type_='check')
        batch_op.drop_column('offer_hours')
