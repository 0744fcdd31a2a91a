"""learning

Revision ID: acadfcc3d6e9
Revises: 0006_invitations
Create Date: 2026-11-25 00:20:11.616484

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_learning'
down_revision = '0006_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agenda_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_agenda_action_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_action')),
    sa.UniqueConstraint('region_id', 'number', name=op.f('uq_agenda_action_region_id_number'))
    )
    with op.batch_alter_table('agenda_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_action_region_id'), ['region_id'], unique=False)

    op.create_table('action_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('half_year', sa.String(length=7), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['agenda_action.id'], name=op.f('fk_action_progress_action_id_agenda_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_action_progress_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_action_progress_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_progress')),
    sa.UniqueConstraint('action_id', 'half_year', 'organisation_id', name=op.f('uq_action_progress_action_id_half_year_organisation_id'))
    )
    with op.batch_alter_table('action_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_progress_action_id'), ['action_id'], unique=False)

    op.create_table('klankbord_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('type', sa.Enum('partners', 'ambtelijk', 'ouders_jeugd', name='klankbord_group_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('meetings_per_year', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['chair_id'], ['user_account.id'], name=op.f('fk_klankbord_group_chair_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_klankbord_group_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_klankbord_group'))
    )
    with op.batch_alter_table('klankbord_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_klankbord_group_region_id'), ['region_id'], unique=False)

    op.create_table('evaluation_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('usefulness', sa.Integer(), nullable=False),
    sa.Column('do_differently', sa.Text(), nullable=False),
    sa.Column('suggestions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_evaluation_response_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_response'))
    )
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_response_event_id'), ['event_id'], unique=False)

    op.create_table('klankbord_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_klankbord_meeting_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['klankbord_group.id'], name=op.f('fk_klankbord_meeting_group_id_klankbord_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_klankbord_meeting')),
    sa.UniqueConstraint('event_id', name=op.f('uq_klankbord_meeting_event_id'))
    )
    with op.batch_alter_table('klankbord_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_klankbord_meeting_group_id'), ['group_id'], unique=False)

    op.create_table('klankbord_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['klankbord_group.id'], name=op.f('fk_klankbord_member_group_id_klankbord_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_klankbord_member_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_klankbord_member_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_klankbord_member')),
    sa.UniqueConstraint('group_id', 'user_id', name=op.f('uq_klankbord_member_group_id_user_id'))
    )
    with op.batch_alter_table('klankbord_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_klankbord_member_user_id'), ['user_id'], unique=False)

    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Enum('spiegelbijeenkomst', 'gesprek_jongeren_ouders', 'klankbordgroep_ouders_jeugd', 'casuistiekbespreking', 'evaluatie', name='lesson_source', native_enum=False, create_constraint=True, length=35), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('wanted_differently', sa.Text(), nullable=False),
    sa.Column('what_was_good', sa.Text(), nullable=False),
    sa.Column('earlier_prevention', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('aandachtspunt', 'positief_punt', name='lesson_kind', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('quote_consent', sa.Boolean(), nullable=False),
    sa.Column('quote_consent_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('quote_consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('phase', sa.Enum('preventie', 'instroom', 'stabilisatie', 'uitstroom', name='lesson_phase', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_proposal', sa.Text(), nullable=False),
    sa.Column('follow_up_owner', sa.String(length=160), nullable=False),
    sa.Column('follow_up_status', sa.Enum('open', 'in_behandeling', 'verwerkt_in_agenda', 'afgewezen', name='follow_up_status', native_enum=False, create_constraint=True, length=26), nullable=False),
    sa.Column('status', sa.Enum('concept', 'ter_beoordeling', 'gepubliceerd', 'afgewezen', name='lesson_status', native_enum=False, create_constraint=True, length=23), nullable=False),
    sa.Column('visibility', sa.Enum('regio', 'gedeeld', name='lesson_visibility', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('privacy_review_needed', sa.Boolean(), nullable=False),
    sa.Column('privacy_findings', sa.JSON(), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['agenda_action.id'], name=op.f('fk_lesson_action_id_agenda_action'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_lesson_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_lesson_event_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_consent_recorded_by_id'], ['user_account.id'], name=op.f('fk_lesson_quote_consent_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_lesson_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson'))
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_region_id'), ['region_id'], unique=False)

    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner', sa.String(length=160), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_behandeling', 'afgerond', name='action_item_status', native_enum=False, create_constraint=True, length=22), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['klankbord_meeting.id'], name=op.f('fk_action_item_meeting_id_klankbord_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('evaluation_receipt',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_evaluation_receipt_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_evaluation_receipt'))
    )
    op.create_table('lesson_theme',
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_theme_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_lesson_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lesson_id', 'theme_id', name=op.f('pk_lesson_theme'))
    )
    with op.batch_alter_table('lesson_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_theme_theme_id'), ['theme_id'], unique=False)

    op.create_table('meeting_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['klankbord_meeting.id'], name=op.f('fk_meeting_agenda_item_meeting_id_klankbord_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_item'))
    )
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['klankbord_meeting.id'], name=op.f('fk_meeting_document_meeting_id_klankbord_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_meeting_document_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_document')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_meeting_document_stored_name'))
    )
    with op.batch_alter_table('meeting_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_document_meeting_id'), ['meeting_id'], unique=False)

    # Full-text search on lessons that understands Dutch (see leerhuis/services/lesson_search.py).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_lesson_fts ON lesson USING gin "
                   "(to_tsvector('dutch', coalesce(title, '') || ' ' || coalesce(wanted_differently, '') "
                   "|| ' ' || coalesce(what_was_good, '') || ' ' || coalesce(earlier_prevention, '') "
                   "|| ' ' || coalesce(quote, '') || ' ' || coalesce(follow_up_proposal, '')))")
    else:
        op.execute("CREATE VIRTUAL TABLE lesson_fts USING fts5(search_text, "
                   "tokenize='unicode61 remove_diacritics 2')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_lesson_fts")
    else:
        op.execute("DROP TABLE IF EXISTS lesson_fts")
    with op.batch_alter_table('meeting_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_document_meeting_id'))

    op.drop_table('meeting_document')
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_item_meeting_id'))

    op.drop_table('meeting_agenda_item')
    with op.batch_alter_table('lesson_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_theme_theme_id'))

    op.drop_table('lesson_theme')
    op.drop_table('evaluation_receipt')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_meeting_id'))

    op.drop_table('action_item')
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_region_id'))

    op.drop_table('lesson')
    with op.batch_alter_table('klankbord_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_klankbord_member_user_id'))

    op.drop_table('klankbord_member')
    with op.batch_alter_table('klankbord_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_klankbord_meeting_group_id'))

    op.drop_table('klankbord_meeting')
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_response_event_id'))

    op.drop_table('evaluation_response')
    with op.batch_alter_table('klankbord_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_klankbord_group_region_id'))

    op.drop_table('klankbord_group')
    with op.batch_alter_table('action_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_progress_action_id'))

    op.drop_table('action_progress')
    with op.batch_alter_table('agenda_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_action_region_id'))

    op.drop_table('agenda_action')
