"""programme: events, sessions, types, themes, doelgroepen, programme years

Revision ID: bd4db30b4341
Revises: 0001_foundation
Create Date: 2026-11-24 23:30:20.798670

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_programme'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('target_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_group')),
    sa.UniqueConstraint('slug', name=op.f('uq_target_group_slug'))
    )
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('slug', name=op.f('uq_theme_slug'))
    )
    op.create_table('event_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_nl', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('issues_certificate', sa.Boolean(), nullable=False),
    sa.Column('skj_category', sa.Enum('informeel_leren', 'reflectie', 'geen', name='skj_category', native_enum=False, create_constraint=True, length=23), nullable=False),
    sa.Column('handles_cases', sa.Boolean(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_event_type_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_type')),
    sa.UniqueConstraint('code', name=op.f('uq_event_type_code'))
    )
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('programme_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('concept', 'ingediend', 'gepubliceerd', 'afgerond', 'geannuleerd', name='event_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description_md', sa.Text(), nullable=False),
    sa.Column('learning_goals', sa.Text(), nullable=False),
    sa.Column('trainer', sa.String(length=200), nullable=False),
    sa.Column('case_summary', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('venue_name', sa.String(length=160), nullable=False),
    sa.Column('venue_kind', sa.Enum('gezinshuis', 'instelling', 'kantoor', 'gemeentehuis', 'overig', name='venue_kind', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('accessibility_notes', sa.Text(), nullable=False),
    sa.Column('parking_notes', sa.Text(), nullable=False),
    sa.Column('own_transport', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('max_per_organisation', sa.Integer(), nullable=True),
    sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_accredited', sa.Boolean(), nullable=False),
    sa.Column('accreditation_number', sa.String(length=60), nullable=False),
    sa.Column('accreditation_points', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('accreditation_valid_until', sa.Date(), nullable=True),
    sa.Column('open_to_other_regions', sa.Boolean(), nullable=False),
    sa.Column('issues_certificate', sa.Boolean(), nullable=False),
    sa.Column('coupled_to_id', sa.Integer(), nullable=True),
    sa.Column('duplicated_from_id', sa.Integer(), nullable=True),
    sa.Column('series_key', sa.String(length=36), nullable=True),
    sa.Column('privacy_review_needed', sa.Boolean(), nullable=False),
    sa.Column('privacy_findings', sa.JSON(), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_event_capacity_not_negative')),
    sa.CheckConstraint('max_per_organisation IS NULL OR max_per_organisation >= 1', name=op.f('ck_event_max_per_organisation_positive')),
    sa.ForeignKeyConstraint(['coupled_to_id'], ['event.id'], name=op.f('fk_event_coupled_to_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_event_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['duplicated_from_id'], ['event.id'], name=op.f('fk_event_duplicated_from_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_event_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_event_region_id_region')),
    sa.ForeignKeyConstraint(['type_id'], ['event_type.id'], name=op.f('fk_event_type_id_event_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('coupled_to_id', name=op.f('uq_event_coupled_to_id'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_event_region_year_status', ['region_id', 'programme_year', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_series_key'), ['series_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_type_id'), ['type_id'], unique=False)

    op.create_table('programme_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('concept', 'gepubliceerd', name='programme_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_programme_year_published_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_programme_year_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_year')),
    sa.UniqueConstraint('region_id', 'year', name=op.f('uq_programme_year_region_id_year'))
    )
    op.create_table('event_co_organiser',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_co_organiser_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_event_co_organiser_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'organisation_id', name=op.f('pk_event_co_organiser'))
    )
    with op.batch_alter_table('event_co_organiser', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_co_organiser_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('event_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('break_minutes', sa.Integer(), nullable=False),
    sa.Column('net_hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('ical_uid', sa.String(length=80), nullable=False),
    sa.Column('ical_sequence', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_event_session_ends_after_start')),
    sa.CheckConstraint('net_hours >= 0', name=op.f('ck_event_session_net_hours_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_session_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_session')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_event_session_ical_uid'))
    )
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_session_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('event_target_group',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_target_group_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_group.id'], name=op.f('fk_event_target_group_target_group_id_target_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'target_group_id', name=op.f('pk_event_target_group'))
    )
    with op.batch_alter_table('event_target_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_target_group_target_group_id'), ['target_group_id'], unique=False)

    op.create_table('event_theme',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_theme_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_event_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'theme_id', name=op.f('pk_event_theme'))
    )
    with op.batch_alter_table('event_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_theme_theme_id'), ['theme_id'], unique=False)
    _seed_reference_data()


EVENT_TYPES = [
    # code, Dutch, English, issues certificate, SKJ category, handles cases
    ("werkbezoek", "Werkbezoek", "Work visit", True, "informeel_leren", False),
    ("casuistiekbespreking", "Casuïstiekbespreking", "Case discussion", True, "informeel_leren", True),
    ("training", "Training", "Training", True, "informeel_leren", False),
    ("spiegelbijeenkomst", "Spiegelbijeenkomst", "Mirror meeting", True, "informeel_leren", False),
    ("klankbordgroep", "Klankbordgroep-bijeenkomst", "Sounding-board meeting", False, "geen", False),
    ("intervisie", "Intervisie", "Peer consultation", True, "reflectie", True),
    ("webinar", "Webinar", "Webinar", True, "informeel_leren", False),
]
THEMES = [
    "uithuisplaatsing voorkomen", "gesprekstechnieken", "dilemma's", "adoptie en samengestelde gezinnen",
    "veerkracht", "interculturele communicatie", "complexe scheidingen", "jongerenproblematiek",
    "verklarende analyse", "wat is veilig genoeg", "pleegzorg", "gezinshuizen",
    "soepele overgang 18-/18+", "sociale kaart", "huiselijk geweld en kindermishandeling",
]
TARGET_GROUPS = [
    "jeugdconsulenten", "hulpverleners", "gezinsvoogden", "teamleiders", "huisartsen en POH-GGZ",
    "jeugdartsen", "medewerkers Veilig Thuis", "onderwijs", "gedragswetenschappers",
    "gezinshuisouders en pleegouders", "beleidsmedewerkers",
]


def _slug(name):
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _seed_reference_data():
    event_type = sa.table("event_type", sa.column("code"), sa.column("name_nl"), sa.column("name_en"),
                          sa.column("builtin"), sa.column("issues_certificate"),
                          sa.column("skj_category"), sa.column("handles_cases"))
    op.bulk_insert(event_type, [
        {"code": c, "name_nl": nl, "name_en": en, "builtin": True, "issues_certificate": cert,
         "skj_category": cat, "handles_cases": cases}
        for c, nl, en, cert, cat, cases in EVENT_TYPES])
    theme = sa.table("theme", sa.column("slug"), sa.column("name"))
    op.bulk_insert(theme, [{"slug": _slug(n), "name": n} for n in THEMES])
    target_group = sa.table("target_group", sa.column("slug"), sa.column("name"))
    op.bulk_insert(target_group, [{"slug": _slug(n), "name": n} for n in TARGET_GROUPS])


def downgrade():
    with op.batch_alter_table('event_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_theme_theme_id'))

    op.drop_table('event_theme')
    with op.batch_alter_table('event_target_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_target_group_target_group_id'))

    op.drop_table('event_target_group')
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_event_session_event_id'))

    op.drop_table('event_session')
    with op.batch_alter_table('event_co_organiser', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_co_organiser_organisation_id'))

    op.drop_table('event_co_organiser')
    op.drop_table('programme_year')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_type_id'))
        batch_op.drop_index(batch_op.f('ix_event_series_key'))
        batch_op.drop_index('ix_event_region_year_status')
        batch_op.drop_index(batch_op.f('ix_event_organisation_id'))

    op.drop_table('event')
    op.drop_table('event_type')
    op.drop_table('theme')
    op.drop_table('target_group')
