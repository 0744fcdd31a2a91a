"""Every URL rule of the app, for every role, against one explicit policy table.

Deny by default: a route without an entry in POLICY fails the test. Each entry names an
access level; the level says what each role gets. "allowed" means the request was handled
for that person (2xx, a redirect that is not to the login page, or a 400 for an empty form),
never a 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import make_user

from leerhuis.extensions import db
from leerhuis.models import (
    ActionItem,
    AgendaAction,
    ApprovalStatus,
    Attendance,
    AttendanceSource,
    AttendanceState,
    Certificate,
    CertificateRun,
    Event,
    EventSession,
    EventStatus,
    EventType,
    GroupType,
    InvitationBatch,
    KlankbordGroup,
    KlankbordMeeting,
    KlankbordMember,
    Lesson,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    MeetingDocument,
    Organisation,
    OrganisationType,
    OrganiserRole,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    utcnow,
)

ROLES = ["anonymous", "deelnemer", "organisator_own", "organisator_other", "klankbord_member",
         "regio"]
ALLOWED, DENIED, LOGIN, NOT_FOUND = "allowed", "denied", "login", "not found"


def level(anonymous, deelnemer, own, other, regio, member=None):
    """A klankbordgroep member is a deelnemer unless a level says otherwise."""
    values = (anonymous, deelnemer, own, other, deelnemer if member is None else member, regio)
    return dict(zip(ROLES, values, strict=True))


PUBLIC = level(ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
LOGGED_IN = level(LOGIN, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
REGION = level(LOGIN, DENIED, DENIED, DENIED, ALLOWED)
ORGANISERS = level(LOGIN, DENIED, ALLOWED, ALLOWED, ALLOWED)
EVENT_STAFF = level(LOGIN, DENIED, ALLOWED, DENIED, ALLOWED)
# A draft: strangers do not learn it exists (404), logged-in outsiders are refused (403).
DRAFT_PAGE = level(NOT_FOUND, DENIED, ALLOWED, DENIED, ALLOWED)
DRAFT_HIDDEN = level(LOGIN, NOT_FOUND, ALLOWED, NOT_FOUND, ALLOWED)
DRAFT_DOWNLOAD = level(NOT_FOUND, NOT_FOUND, ALLOWED, NOT_FOUND, ALLOWED)
DRAFT_ACTION = level(LOGIN, DENIED, ALLOWED, DENIED, ALLOWED)
BAD_TOKEN = level(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
BAD_LINK = level("400", "400", "400", "400", "400")
# The deelnemer owns the certificate; the organiser of the event and the Region manage it
# (the organiser because the deelnemer shared their name: test_participant_visibility covers
# a certificate of someone who did not).
CERTIFICATE_FILE = level(LOGIN, ALLOWED, ALLOWED, DENIED, ALLOWED, member=DENIED)
CERTIFICATE_ADMIN = level(LOGIN, DENIED, ALLOWED, DENIED, ALLOWED)
MEMBERS = level(LOGIN, DENIED, DENIED, DENIED, ALLOWED, member=ALLOWED)

POLICY: dict[str, dict[str, dict[str, str]]] = {
    "static": {"GET": PUBLIC},
    "main.home": {"GET": PUBLIC},
    "main.accessibility_statement": {"GET": PUBLIC},
    "main.privacy_statement": {"GET": PUBLIC},
    "main.switch_language": {"POST": PUBLIC},
    "auth.login": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.sign_up": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.forgot_password": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.resend_verification": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.verify_email": {"GET": BAD_LINK},
    "auth.reset_password": {"GET": BAD_LINK, "POST": BAD_LINK},
    "auth.logout": {"POST": PUBLIC},
    "auth.profile": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "auth.change_password": {"POST": LOGGED_IN},
    "auth.request_organiser": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "region.dashboard": {"GET": REGION},
    "region.requests": {"GET": REGION},
    "region.decide_request": {"POST": REGION},
    "region.decide_organisation": {"POST": REGION},
    "region.mail_outbox": {"GET": REGION},
    "region.mail_message": {"GET": REGION},
    "region.retry_mail": {"POST": REGION},
    "region.audit_log": {"GET": REGION},
    "region.event_types_page": {"GET": REGION, "POST": REGION},
    # The sample type is the region's own (built-in types cannot be edited).
    "region.edit_event_type": {"GET": REGION, "POST": REGION},
    "programme.programme_home": {"GET": PUBLIC},
    "programme.programme_list": {"GET": PUBLIC},
    "programme.event_page": {"GET": DRAFT_PAGE},
    "programme.my_events": {"GET": ORGANISERS},
    "programme.new_event": {"GET": ORGANISERS, "POST": ORGANISERS},
    "programme.new_series": {"GET": ORGANISERS, "POST": ORGANISERS},
    "programme.edit_event": {"GET": DRAFT_ACTION, "POST": DRAFT_ACTION},
    "programme.couple_case_discussion": {"GET": DRAFT_ACTION, "POST": DRAFT_ACTION},
    "programme.submit_event": {"POST": DRAFT_ACTION},
    "programme.cancel_event": {"POST": DRAFT_ACTION},
    "programme.duplicate_event": {"POST": DRAFT_ACTION},
    "programme.publish_event": {"POST": REGION},
    "programme.return_event": {"POST": REGION},
    "programme.review_queue": {"GET": REGION},
    "programme.programme_years": {"GET": REGION},
    "programme.publish_programme_year": {"POST": REGION},
    "api.events": {"GET": PUBLIC},
    "api.event_detail": {"GET": BAD_TOKEN},  # the sample event is a draft: never in the API
    "api.openapi": {"GET": PUBLIC},
    "feeds.programme_feed": {"GET": PUBLIC},
    "registrations.register": {"POST": DRAFT_HIDDEN},
    # Only the deelnemer has a registration for the sample event.
    "registrations.unregister": {"POST": level(LOGIN, ALLOWED, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                               member=NOT_FOUND)},
    "registrations.accept_offer": {"POST": level(LOGIN, ALLOWED, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                                 member=NOT_FOUND)},
    # The link in waiting-list mails works without login; a tampered token is a 404 for all.
    "registrations.waitlist_link": {"GET": BAD_TOKEN, "POST": BAD_TOKEN},
    "registrations.my_leerhuis": {"GET": LOGGED_IN},
    "registrations.event_calendar_download": {"GET": DRAFT_DOWNLOAD},
    "registrations.personal_feed": {"GET": BAD_TOKEN},
    "registrations.renew_feed": {"POST": LOGGED_IN},
    "registrations.revoke_feed": {"POST": LOGGED_IN},
    "attendance.attendance_sheet": {"GET": EVENT_STAFF, "POST": EVENT_STAFF},
    "attendance.close_attendance": {"POST": EVENT_STAFF},
    "attendance.presence_list_pdf": {"GET": EVENT_STAFF},
    "attendance.provider_export": {"GET": EVENT_STAFF},
    "certificates.start_certificate_run": {"POST": EVENT_STAFF},
    "certificates.run_progress": {"GET": EVENT_STAFF},
    "attendance.checkin": {"GET": DRAFT_HIDDEN, "POST": DRAFT_HIDDEN},
    "certificates.verify": {"GET": PUBLIC},
    "certificates.download": {"GET": CERTIFICATE_FILE},
    "certificates.manage": {"GET": CERTIFICATE_ADMIN, "POST": CERTIFICATE_ADMIN},
    "certificates.my_certificates": {"GET": LOGGED_IN},
    "certificates.my_certificates_zip": {"GET": LOGGED_IN},
    "certificates.skj_overview": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "certificates.skj_overview_csv": {"GET": LOGGED_IN},
    "certificates.skj_overview_pdf": {"GET": LOGGED_IN},
    "registrations.participant_list": {"GET": EVENT_STAFF, "POST": EVENT_STAFF},
    "registrations.remove_participant": {"POST": EVENT_STAFF},
    "registrations.participants_csv": {"GET": EVENT_STAFF},
    "registrations.participants_xlsx": {"GET": EVENT_STAFF},
    "invitations.invite_for_event": {"GET": EVENT_STAFF, "POST": EVENT_STAFF},
    "invitations.invite_for_programme": {"GET": REGION, "POST": REGION},
    "invitations.progress": {"GET": EVENT_STAFF},
    "reports.index": {"GET": REGION},
    "reports.grouping_csv": {"GET": REGION},
    "reports.all_xlsx": {"GET": REGION},
    "reports.all_pdf": {"GET": REGION},
    "reports.attendance_csv": {"GET": REGION},
    "reports.attendance_xlsx": {"GET": REGION},
    "klankbordgroep.groups": {"GET": LOGGED_IN},
    "klankbordgroep.group_page": {"GET": MEMBERS, "POST": REGION},
    "klankbordgroep.meeting_page": {"GET": MEMBERS, "POST": REGION},
    "klankbordgroep.document": {"GET": MEMBERS},
    "klankbordgroep.remove_member": {"POST": REGION},
    "klankbordgroep.new_group": {"GET": REGION, "POST": REGION},
    "klankbordgroep.edit_group": {"GET": REGION, "POST": REGION},
    # The chair (here: nobody) and the Region keep the action items.
    "klankbordgroep.action_item_status": {"POST": REGION},
    "klankbordgroep.invite_members": {"POST": REGION},
    "klankbordgroep.new_action": {"GET": REGION, "POST": REGION},
    "klankbordgroep.edit_action": {"GET": REGION, "POST": REGION},
    "klankbordgroep.agenda_page": {"GET": MEMBERS, "POST": MEMBERS},
    "klankbordgroep.progress_report": {"GET": MEMBERS},
    "lessons.index": {"GET": LOGGED_IN},
    "lessons.show": {"GET": LOGGED_IN},
    "lessons.new": {"GET": ORGANISERS, "POST": ORGANISERS},
    # The sample lesson is the Region's own, published: only the Region edits it.
    "lessons.edit": {"GET": REGION, "POST": REGION},
    "lessons.review_queue": {"GET": REGION},
    "lessons.review": {"POST": REGION},
    "evaluations.answer": {"GET": BAD_LINK, "POST": BAD_LINK},
    "evaluations.event_results": {"GET": EVENT_STAFF},
    "evaluations.region_results": {"GET": REGION},
    "evaluations.region_csv": {"GET": REGION},
    "privacy.my_data": {"GET": LOGGED_IN},
    "privacy.download": {"POST": LOGGED_IN},
    "privacy.delete_account": {"POST": level(LOGIN, "400", "400", "400", "400")},
}


@dataclass
class Sample:
    values: dict


@pytest.fixture
def sample(app, region, provider, other_provider, deelnemer, organisator, other_organisator,
           regio_admin):
    training = db.session.scalars(db.select(EventType).where(EventType.code == "werkbezoek")).one()
    start = utcnow() - timedelta(days=2)
    draft = Event(region_id=region.id, type=training, organisation=provider,
                  programme_year=start.year, status=EventStatus.CONCEPT, title="Concept",
                  address="A", city="B", is_accredited=True, accreditation_number="X",
                  accreditation_points=Decimal(2), attendance_closed_at=utcnow())
    draft.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                   net_hours=Decimal(2))]
    db.session.add(draft)
    db.session.flush()
    registration = Registration(event_id=draft.id, user_id=deelnemer.id,
                                status=RegistrationStatus.CONFIRMED, consent_share_name=True)
    db.session.add(registration)
    db.session.flush()
    db.session.add(Attendance(registration_id=registration.id, session_id=draft.sessions[0].id,
                              state=AttendanceState.PRESENT, source=AttendanceSource.ORGANISER))
    certificate = Certificate(
        code="ABCD-EFGH-JKLM",
        event_id=draft.id,
        registration_id=registration.id,
        user_id=deelnemer.id,
        participant_name="Sanne Jansen",
        event_title="Concept",
        event_type_label="Werkbezoek",
        activity_dates="",
        first_date=start,
        net_hours=Decimal(2),
        skj_category="informeel_leren",
        file_name="missing.pdf",
        sha256="0" * 64,
    )
    run = CertificateRun(event_id=draft.id, started_by_id=organisator.id)
    pending_org = Organisation(name="Voorgesteld", type=OrganisationType.WELZIJN, region=region,
                               status=ApprovalStatus.REQUESTED)
    # Mail to one of the region's people: its regio-beheerder may read it.
    message = OutboxMessage(recipient="x@example.org", subject="Test", mime=b"Subject: x\r\n\r\nx",
                            user_id=deelnemer.id)
    role = OrganiserRole(user=make_user(region, "vraagt@example.org"), organisation=provider)
    db.session.add_all([certificate, run, pending_org, role, message])
    batch = InvitationBatch(region_id=region.id, event_id=draft.id, created_by_id=organisator.id)
    db.session.add(batch)
    member = make_user(region, "lid@example.org", first_name="Lid")
    group = KlankbordGroup(region_id=region.id, name="Partners", type=GroupType.PARTNERS)
    group.members = [KlankbordMember(user=member)]
    meeting = KlankbordMeeting(group=group, event=draft)
    db.session.add_all([group, meeting])
    db.session.flush()
    document = MeetingDocument(
        meeting_id=meeting.id,
        original_name="agenda.pdf",
        stored_name="matrix-test.pdf",
        content_type="application/pdf",
        size=8,
    )
    lesson = Lesson(region_id=region.id, title="Les", source=LessonSource.GESPREK,
                    kind=LessonKind.POSITIVE, phase=LessonPhase.PREVENTIE,
                    status=LessonStatus.PUBLISHED)
    action = AgendaAction(region_id=region.id, number=1, title="Toegang")
    item = ActionItem(meeting_id=meeting.id, title="Notitie", owner="Regio")
    own_type = EventType(code="supervisie", name_nl="Supervisie", name_en="Supervision",
                         region_id=region.id)
    db.session.add_all([document, lesson, action, item, own_type])
    db.session.commit()
    stored = Path(app.config["CERTIFICATE_DIR"]) / certificate.file_name
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.7 test")
    upload = Path(app.config["UPLOAD_DIR"]) / document.stored_name
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.7")
    return Sample({
        "event_id": draft.id, "session_id": draft.sessions[0].id, "run_id": run.id,
        "code": certificate.code, "role_id": role.id, "organisation_id": pending_org.id,
        "message_id": message.id, "year": start.year, "region_slug": region.slug,
        "lang": "en", "token": "geknoeid-token", "filename": "css/leerhuis.css",
        "registration_id": registration.id, "batch_id": batch.id, "grouping": "soort",
        "group_id": group.id, "meeting_id": meeting.id, "document_id": document.id,
        "member_id": group.members[0].id, "lesson_id": lesson.id, "half_year": "2026-H2",
        "member_user": member, "item_id": item.id, "action_id": action.id,
        "type_id": own_type.id,
    })


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code == 403:
        return DENIED
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code in (301, 302, 303) and "/inloggen" in response.headers.get(
        "Location", ""
    ):
        return LOGIN
    if response.status_code == 400:
        return "400"
    return ALLOWED


def test_every_route_has_a_policy(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(POLICY))
    assert missing == [], f"routes without a policy entry (deny by default): {missing}"
    stale = sorted(set(POLICY) - endpoints)
    assert stale == [], f"policy entries without a route: {stale}"


def test_every_route_behaves_as_the_policy_says_for_every_role(
        app, sample, deelnemer, organisator, other_organisator, regio_admin):
    users = {"deelnemer": deelnemer, "organisator_own": organisator,
             "organisator_other": other_organisator, "regio": regio_admin,
             "klankbord_member": sample.values["member_user"]}
    failures, checked = [], 0

    def login_cookie(user) -> str:
        login = app.test_client()
        login.post("/inloggen", data={"email": user.email, "password": "correct-horse-battery"})
        return login.get_cookie("session").value

    cookies = {role: login_cookie(user) for role, user in users.items()}
    for role in ROLES:
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                expected = POLICY[rule.endpoint][method][role]
                client = app.test_client()
                if role != "anonymous":
                    client.set_cookie("session", cookies[role])
                url = app.url_map.bind("localhost").build(
                    rule.endpoint, {k: sample.values[k] for k in rule.arguments})
                response = client.open(url, method=method, data={})
                got = outcome(response)
                response.close()
                if rule.endpoint == "auth.logout" and role in users:
                    # Logging out ends every session of the user, this cookie's too.
                    cookies[role] = login_cookie(users[role])
                # Empty forms may be refused as bad input by those who may use them.
                if expected == ALLOWED and got == "400" and method == "POST":
                    got = ALLOWED
                checked += 1
                if got != expected:
                    failures.append(
                        f"{role:18} {method:4} {rule.rule:55} expected {expected}, got {got}"
                    )
                db.session.rollback()
    assert failures == [], "\n".join(failures)
    assert checked > 300
