"""A region-sized, deterministic data set for benchmarks (`flask --app leerhuis seed-large`).

3 regions, 400 organisations, 20,000 professionals, 5 years × 1,000 events, 150,000
registrations with attendance, and certificate records for the present participants.
Rows go in through Core bulk inserts in chunks; the same seed gives the same data.
Seeded certificates are records only (no PDF file): rendering 100,000 PDFs is what the
certificates_bulk benchmark measures separately.
"""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    Certificate,
    Event,
    EventSession,
    EventType,
    Municipality,
    Organisation,
    OrganisationType,
    ProgrammeYear,
    Region,
    Registration,
    TargetGroup,
    Theme,
    User,
)
from leerhuis.models.programme import event_target_group, event_theme
from leerhuis.services.accounts import hash_password

AMS = ZoneInfo("Europe/Amsterdam")
CHUNK = 5000

REGIONS = [
    ("gooi-en-vechtstreek", "Gooi en Vechtstreek", "Regionaal Leerhuis Gooi en Vechtstreek",
     ["Hilversum", "Huizen", "Gooise Meren", "Wijdemeren", "Blaricum", "Laren", "Eemnes"]),
    ("utrecht-west", "Utrecht West", "UW Academie",
     ["Woerden", "Montfoort", "Oudewater", "De Ronde Venen", "Stichtse Vecht"]),
    ("rijnmond", "Rijnmond", "Samen leren wat werkt",
     ["Rotterdam", "Schiedam", "Vlaardingen", "Capelle aan den IJssel", "Barendrecht",
      "Ridderkerk", "Maassluis"]),
]
FIRST_NAMES = ["Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Mila", "Finn", "Tess", "Noah",
               "Sophie", "Levi", "Zoë", "Milan", "Eva", "Bram", "Fleur", "Thijs", "Lotte", "Jesse"]
LAST_NAMES = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
              "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos",
              "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer"]
FUNCTIONS = ["jeugdconsulent", "hulpverlener", "gezinsvoogd", "teamleider", "huisarts",
             "POH-GGZ", "jeugdarts", "medewerker Veilig Thuis", "intern begeleider",
             "gedragswetenschapper"]
TITLES = {
    "werkbezoek": ["Werkbezoek gezinshuis {n}", "Werkbezoek instelling {n}"],
    "casuistiekbespreking": ["Casuïstiekbespreking {n}"],
    "training": ["Gesprekstechnieken rond uithuisplaatsing {n}", "Interculturele communicatie {n}",
                 "Complexe scheidingen {n}", "Verklarende analyse {n}"],
    "spiegelbijeenkomst": ["Spiegelbijeenkomst {n}"],
    "intervisie": ["Intervisie {n}"],
    "webinar": ["Webinar richtlijn uithuisplaatsing {n}"],
}


def _chunks(rows, size=CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _bulk(model_or_table, rows) -> None:
    table = getattr(model_or_table, "__table__", model_or_table)
    for chunk in _chunks(rows):
        db.session.execute(insert(table), chunk)


def seed_large(*, organisations: int = 400, professionals: int = 20_000, years: int = 5,
               events_per_year: int = 1_000, registrations: int = 150_000, seed: int = 20261124,
               progress=print) -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(User)):
        raise RuntimeError("seed-large verwacht een lege database (na `flask db upgrade`).")
    rng = random.Random(seed)
    now = datetime.now(UTC)

    region_ids, municipality_ids = [], {}
    for slug, name, leerhuis, municipalities in REGIONS:
        region = Region(slug=slug, name=name, leerhuis_name=leerhuis,
                        signatory_name="Programmamanager Jeugd", signatory_function=f"Regio {name}")
        region.municipalities = [Municipality(name=m) for m in municipalities]
        db.session.add(region)
        db.session.flush()
        region_ids.append(region.id)
        municipality_ids[region.id] = [m.id for m in region.municipalities]
    progress("regio's en gemeenten")

    types = list(OrganisationType)
    org_rows = []
    for index in range(organisations):
        region_id = region_ids[index % len(region_ids)]
        org_rows.append({"name": f"Organisatie {index + 1:03d}", "type": types[index % len(types)],
                         "region_id": region_id,
                         "municipality_id": rng.choice(municipality_ids[region_id]),
                         "website": f"https://org{index + 1}.example.org",
                         "address": f"Voorbeeldstraat {index + 1}", "status": "goedgekeurd",
                         "created_at": now})
    _bulk(Organisation, org_rows)
    orgs = db.session.execute(select(Organisation.id, Organisation.region_id,
                                     Organisation.municipality_id)).all()
    orgs_by_region = {}
    for org_id, region_id, municipality_id in orgs:
        orgs_by_region.setdefault(region_id, []).append((org_id, municipality_id))
    progress(f"{len(orgs)} organisaties")

    password = hash_password("leerhuis-bench")
    user_rows = []
    for index in range(professionals):
        region_id = region_ids[index % len(region_ids)]
        org_id, municipality_id = rng.choice(orgs_by_region[region_id])
        user_rows.append({
            "email": f"prof{index:05d}@bench.example.org", "password_hash": password,
            "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
            "function": rng.choice(FUNCTIONS), "organisation_id": org_id,
            "municipality_id": municipality_id, "region_id": region_id,
            "skj_number": f"{100_000_000 + index}" if index % 3 else None,
            "skj_kamer": "jeugd_en_gezinsprofessionals" if index % 3 else None,
            "preferred_language": "nl", "email_verified_at": now, "is_region_admin": index < 3,
            "is_active_account": True, "created_at": now, "session_nonce": secrets.token_hex(8),
        })
    _bulk(User, user_rows)
    users = db.session.execute(select(User.id, User.region_id, User.organisation_id,
                                      User.skj_number)).all()
    users_by_region = {}
    for row in users:
        users_by_region.setdefault(row.region_id, []).append(row)
    progress(f"{len(users)} professionals")

    event_types = {t.code: t for t in db.session.scalars(select(EventType))}
    theme_ids = list(db.session.scalars(select(Theme.id)))
    group_ids = list(db.session.scalars(select(TargetGroup.id)))
    first_year = now.astimezone(AMS).year - years + 1
    for year in range(first_year, first_year + years + 1):
        for region_id in region_ids:
            db.session.add(ProgrammeYear(region_id=region_id, year=year, status="gepubliceerd",
                                         published_at=now))
    event_rows = []
    codes = list(TITLES)
    for year in range(first_year, first_year + years):
        for index in range(events_per_year):
            region_id = region_ids[index % len(region_ids)]
            code = codes[index % len(codes)]
            org_id, _ = rng.choice(orgs_by_region[region_id])
            day = date(year, 1, 1) + timedelta(days=rng.randrange(0, 360))
            accredited = code == "training" and index % 2 == 0
            event_rows.append({
                "region_id": region_id, "type_id": event_types[code].id, "organisation_id": org_id,
                "programme_year": year,
                "status": "afgerond" if day < now.date() else "gepubliceerd",
                "title": rng.choice(TITLES[code]).format(n=f"{year}-{index:04d}"),
                "summary": "Activiteit uit het jaarprogramma van het Regionaal Leerhuis.",
                "description_md": "Een activiteit over **zo thuis mogelijk opgroeien**.",
                "learning_goals": "Je kent het aanbod.\nJe weet wanneer het past.",
                "trainer": "", "case_summary": "", "contact_name": "Coördinator",
                "contact_email": "leerhuis@bench.example.org", "contact_phone": "",
                "is_online": code == "webinar", "online_url": "https://meet.example.org/x"
                if code == "webinar" else "", "venue_name": "Locatie",
                "address": "" if code == "webinar" else "Plein 1", "postcode": "1234 AB",
                "city": "" if code == "webinar" else "Hilversum", "accessibility_notes": "",
                "parking_notes": "", "own_transport": True,
                "capacity": rng.choice([20, 30, 40, 60]),
                "is_accredited": accredited, "accreditation_number": "SKJ-B" if accredited else "",
                "accreditation_points": Decimal(6) if accredited else None,
                "open_to_other_regions": index % 10 == 0,
                "issues_certificate": event_types[code].issues_certificate,
                "privacy_review_needed": False, "privacy_findings": [], "return_reason": "",
                "cancel_reason": "", "created_at": now, "updated_at": now, "published_at": now,
                "attendance_closed_at": now if day < now.date() else None,
                "_day": day, "_sessions": 2 if code == "training" else 1,
            })
    plain = [{k: v for k, v in row.items() if not k.startswith("_")} for row in event_rows]
    _bulk(Event, plain)
    event_ids = list(db.session.scalars(select(Event.id).order_by(Event.id)))
    session_rows, link_theme, link_group = [], [], []
    for event_id, row in zip(event_ids, event_rows, strict=True):
        for number in range(row["_sessions"]):
            day = row["_day"] + timedelta(days=14 * number)
            starts = datetime.combine(day, time(13, 30), AMS)
            session_rows.append({"event_id": event_id, "title": "", "starts_at": starts,
                                 "ends_at": starts + timedelta(hours=3), "break_minutes": 0,
                                 "net_hours": Decimal(3),
                                 "ical_uid": f"{uuid.UUID(int=rng.getrandbits(128))}@leerhuis",
                                 "ical_sequence": 0})
        link_theme.append({"event_id": event_id, "theme_id": rng.choice(theme_ids)})
        link_group.append({"event_id": event_id, "target_group_id": rng.choice(group_ids)})
    _bulk(EventSession, session_rows)
    _bulk(event_theme, link_theme)
    _bulk(event_target_group, link_group)
    progress(f"{len(event_ids)} activiteiten, {len(session_rows)} bijeenkomsten")

    sessions_by_event = {}
    for session_id, event_id, starts_at in db.session.execute(
            select(EventSession.id, EventSession.event_id, EventSession.starts_at)):
        sessions_by_event.setdefault(event_id, []).append((session_id, starts_at))
    per_event = registrations // len(event_ids)
    extra = registrations - per_event * len(event_ids)
    registration_rows = []
    for index, (event_id, row) in enumerate(zip(event_ids, event_rows, strict=True)):
        count = per_event + (1 if index < extra else 0)
        people = rng.sample(users_by_region[row["region_id"]], count)
        for rank, person in enumerate(people):
            confirmed = rank < row["capacity"]
            registration_rows.append({
                "event_id": event_id, "user_id": person.id,
                "status": "bevestigd" if confirmed else "wachtlijst",
                "organisation_id": person.organisation_id, "function": "", "municipality_name": "",
                "skj_number": person.skj_number, "diet": "", "accessibility_needs": "",
                "consent_share_name": True, "registered_at": now,
                "confirmed_at": now if confirmed else None,
                "waitlisted_at": None if confirmed else now,
            })
    _bulk(Registration, registration_rows)
    progress(f"{len(registration_rows)} aanmeldingen")

    attendance_rows, certificate_rows = [], []
    states = ["aanwezig"] * 17 + ["afwezig"] * 2 + ["afgemeld"]
    event_by_id = dict(zip(event_ids, event_rows, strict=True))
    for registration_id, event_id, user_id, skj_number in db.session.execute(
            select(Registration.id, Registration.event_id, Registration.user_id,
                   Registration.skj_number).where(Registration.status == "bevestigd")):
        row = event_by_id[event_id]
        if row["_day"] >= now.date():
            continue
        present = []
        for session_id, starts_at in sessions_by_event[event_id]:
            state = rng.choice(states)
            attendance_rows.append({"registration_id": registration_id, "session_id": session_id,
                                    "state": state, "source": "organisator", "marked_at": now})
            if state == "aanwezig":
                present.append(starts_at)
        if present and row["issues_certificate"] and (
                not row["is_accredited"] or len(present) == len(sessions_by_event[event_id])):
            code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(12))
            certificate_rows.append({
                "code": f"{code[:4]}-{code[4:8]}-{code[8:]}", "event_id": event_id,
                "registration_id": registration_id, "user_id": user_id,
                "participant_name": "Deelnemer", "skj_number": skj_number,
                "event_title": row["title"], "event_type_label": "Activiteit",
                "activity_dates": row["_day"].isoformat(), "first_date": present[0],
                "net_hours": Decimal(3 * len(present)),
                "skj_points": row["accreditation_points"], "accreditation_number":
                row["accreditation_number"], "skj_category": "informeel_leren",
                "status": "geldig", "issued_at": now, "file_name": "", "sha256": "",
                "revoked_reason": ""})
    _bulk(Attendance, attendance_rows)
    _bulk(Certificate, certificate_rows)
    progress(f"{len(attendance_rows)} presentieregels, {len(certificate_rows)} bewijzen")
    return {"regions": len(region_ids), "organisations": len(orgs), "users": len(users),
            "events": len(event_ids), "sessions": len(session_rows),
            "registrations": len(registration_rows), "attendance": len(attendance_rows),
            "certificates": len(certificate_rows)}
