"""Demo programme for this year and next, from the domain brief (texts invented)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    TargetGroup,
    Theme,
    VenueKind,
    utcnow,
)
from leerhuis.services.programme import AMSTERDAM

# title, type, organiser, month, day, start, end, break, themes, doelgroepen, extra
ACTIVITIES = [
    ("Werkbezoek Gezinshuis De Linde", "werkbezoek", "Gezinshuis De Linde", 2, 10, (13, 30),
     (16, 0), 0, ["gezinshuizen", "uithuisplaatsing-voorkomen"],
     ["jeugdconsulenten", "gezinsvoogden"],
     {"venue_kind": VenueKind.GEZINSHUIS, "capacity": 15, "max_per_organisation": 3,
      "summary": "Kennismaken met het leven in een gezinshuis: wat kan een gezinshuis bieden, "
                 "en wanneer is het de juiste plek?",
      "coupled": "Casuïstiekbespreking: wanneer kies je voor een gezinshuis?"}),
    ("Werkbezoek Jeugdhulp Het Baken", "werkbezoek", "Jeugdhulp Het Baken", 4, 14, (9, 30),
     (12, 0), 0, ["sociale-kaart", "jongerenproblematiek"], ["jeugdconsulenten", "hulpverleners"],
     {"venue_kind": VenueKind.INSTELLING, "capacity": 20,
      "summary": "Rondleiding en gesprek over ambulante en residentiële hulp voor jongeren.",
      "coupled": "Casuïstiekbespreking: residentieel of ambulant?"}),
    ("Gesprekstechnieken rond uithuisplaatsing", "training", "Jeugdhulp Het Baken", 3, 5,
     (9, 0), (12, 30), 30, ["gesprekstechnieken", "dilemma-s", "uithuisplaatsing-voorkomen"],
     ["jeugdconsulenten", "hulpverleners", "gezinsvoogden"],
     {"capacity": 16, "sessions": 3, "accredited": ("SKJ-2026-04417", Decimal(9)),
      "trainer": "Trainer gesprekstechnieken (extern)",
      "summary": "Drie ochtenden over moeilijke gesprekken: dilemma's, adoptie en samengestelde "
                 "gezinnen waar ouders het kind niet meer thuis willen, casussen die je mee naar "
                 "huis neemt."}),
    ("Spiegelbijeenkomst: wat had ons geholpen?", "spiegelbijeenkomst", "Stem van Jeugd en Ouders",
     5, 20, (15, 0), (17, 0), 0, ["uithuisplaatsing-voorkomen", "veerkracht"],
     ["jeugdconsulenten", "hulpverleners", "teamleiders"],
     {"capacity": 30, "summary": "Jongeren en ouders met ervaring vertellen wat ze anders "
                                 "hadden gewild, wat goed was en wat eerder had gekund."}),
    ("Interculturele communicatie in de jeugdhulp", "training", "Jeugd en Gezin Gooi", 9, 15,
     (13, 0), (17, 0), 30, ["interculturele-communicatie"], ["hulpverleners", "jeugdartsen"],
     {"capacity": 20}),
    ("Klankbordgroep Zo thuis mogelijk opgroeien (voorjaar)", "klankbordgroep",
     "Regio Gooi en Vechtstreek", 4, 2, (10, 0), (12, 0), 0, [], ["beleidsmedewerkers"],
     {"capacity": 30}),
    ("Klankbordgroep Zo thuis mogelijk opgroeien (najaar)", "klankbordgroep",
     "Regio Gooi en Vechtstreek", 10, 8, (10, 0), (12, 0), 0, [], ["beleidsmedewerkers"],
     {"capacity": 30}),
    ("Webinar: de richtlijn uithuisplaatsing in de praktijk", "webinar",
     "Jeugdbescherming Gooi (GI)",
     12, 9, (12, 0), (13, 0), 0, ["wat-is-veilig-genoeg"], ["gezinsvoogden", "jeugdconsulenten"],
     {"online": True}),
    ("Spiegelbijeenkomst: de overgang naar 18+", "spiegelbijeenkomst", "Stem van Jeugd en Ouders",
     12, 15, (15, 0), (17, 0), 0, ["soepele-overgang-18-18"], ["jeugdconsulenten", "hulpverleners"],
     {"capacity": 25}),
]


def seed_programme(_fake, regions: dict[str, Region], organisations: dict[str, Organisation]
                   ) -> dict[str, int]:
    region = regions["gooi-en-vechtstreek"]
    this_year = date.today().year
    created = 0
    for year, programme_status in ((this_year, ProgrammeStatus.PUBLISHED),
                                   (this_year + 1, ProgrammeStatus.DRAFT)):
        programme = db.session.scalars(select(ProgrammeYear).where(
            ProgrammeYear.region_id == region.id, ProgrammeYear.year == year)).first()
        if programme is None:
            db.session.add(ProgrammeYear(
                region_id=region.id, year=year, status=programme_status,
                published_at=utcnow() if programme_status is ProgrammeStatus.PUBLISHED else None))
        for spec in ACTIVITIES:
            created += _activity(region, organisations, year, *spec)
    db.session.flush()
    return {"events": db.session.scalar(select(db.func.count()).select_from(Event))}


def _activity(region, organisations, year, title, type_code, organiser, month, day, start, end,
              break_minutes, themes, target_groups, extra) -> int:
    existing = db.session.scalars(select(Event).where(
        Event.title == title, Event.programme_year == year, Event.region_id == region.id)).first()
    if existing is not None:
        return 0
    organisation = organisations[organiser]
    event_type = db.session.scalars(select(EventType).where(EventType.code == type_code)).one()
    first_day = date(year, month, day)
    sessions = []
    for index in range(extra.get("sessions", 1)):
        day_ = first_day + timedelta(weeks=2 * index)
        sessions.append(_session(day_, start, end, break_minutes,
                                 f"Bijeenkomst {index + 1}" if extra.get("sessions") else ""))
    ended = sessions[-1].ends_at < utcnow()
    status = EventStatus.FINISHED if ended else EventStatus.PUBLISHED
    event = Event(
        region_id=region.id, type=event_type, organisation=organisation, programme_year=year,
        status=status, title=title, summary=extra.get("summary", ""),
        description_md=extra.get("summary", "") + "\n\n**Voor wie:** professionals in de regio "
                       "die met jeugdigen en gezinnen werken.",
        learning_goals="Je kent het aanbod en weet wanneer het past.\nJe kunt beter inschatten "
                       "wat een gezin nodig heeft om thuis te blijven.",
        trainer=extra.get("trainer", ""), contact_name="Coördinator Leerhuis",
        contact_email="leerhuis@regio-gv.example.org",
        is_online=extra.get("online", False),
        online_url="https://meet.example.org/leerhuis-webinar" if extra.get("online") else "",
        venue_name="" if extra.get("online") else organisation.name,
        venue_kind=extra.get("venue_kind", VenueKind.OVERIG if not extra.get("online") else None),
        address="" if extra.get("online") else organisation.address.split(",")[0],
        city="" if extra.get("online") else (organisation.municipality.name
                                             if organisation.municipality else ""),
        postcode="" if extra.get("online") else "1234 AB",
        accessibility_notes="" if extra.get("online") else
        "De ruimte is rolstoeltoegankelijk; er is een invalidentoilet.",
        parking_notes="" if extra.get("online") else "Gratis parkeren voor de deur; 10 minuten "
                                                     "lopen van het station.",
        own_transport=not extra.get("online", False),
        capacity=extra.get("capacity"), max_per_organisation=extra.get("max_per_organisation"),
        registration_closes_at=sessions[0].starts_at - timedelta(days=2),
        cancellation_deadline=sessions[0].starts_at - timedelta(days=3),
        issues_certificate=event_type.issues_certificate,
        published_at=utcnow(), submitted_at=utcnow(),
    )
    if "accredited" in extra:
        number, points = extra["accredited"]
        event.is_accredited = True
        event.accreditation_number = number
        event.accreditation_points = points
        event.accreditation_valid_until = date(year + 1, 12, 31)
    event.sessions = sessions
    event.themes = list(db.session.scalars(select(Theme).where(Theme.slug.in_(themes))))
    event.target_groups = list(db.session.scalars(
        select(TargetGroup).where(TargetGroup.slug.in_(target_groups))))
    db.session.add(event)
    if extra.get("coupled"):
        case_type = db.session.scalars(select(EventType).where(
            EventType.code == "casuistiekbespreking")).one()
        last = sessions[-1]
        discussion = Event(
            region_id=region.id, type=case_type, organisation=organisation, programme_year=year,
            status=status, title=extra["coupled"],
            summary="Aansluitend op het werkbezoek bespreken we anoniem een casus uit de praktijk.",
            case_summary="Een jongere van vijftien woont sinds een jaar in een gezinshuis. Moeder "
                         "wil dat hij thuiskomt; het team twijfelt of het thuis veilig genoeg is.",
            venue_name=event.venue_name, venue_kind=event.venue_kind, address=event.address,
            city=event.city, postcode=event.postcode, capacity=event.capacity,
            registration_closes_at=event.registration_closes_at,
            cancellation_deadline=event.cancellation_deadline,
            issues_certificate=True, published_at=utcnow(), submitted_at=utcnow(),
            themes=list(event.themes), target_groups=list(event.target_groups))
        discussion.sessions = [EventSession(
            starts_at=last.ends_at + timedelta(minutes=15),
            ends_at=last.ends_at + timedelta(hours=1, minutes=45), break_minutes=0,
            net_hours=Decimal("1.5"))]
        discussion.coupled_to = event
        db.session.add(discussion)
    return 1


def _session(day: date, start: tuple[int, int], end: tuple[int, int], break_minutes: int,
             title: str) -> EventSession:
    starts = datetime.combine(day, time(*start), AMSTERDAM)
    ends = datetime.combine(day, time(*end), AMSTERDAM)
    net = Decimal((ends - starts).total_seconds() / 60 - break_minutes) / 60
    return EventSession(starts_at=starts, ends_at=ends, break_minutes=break_minutes,
                        net_hours=net.quantize(Decimal("0.25")), title=title)
