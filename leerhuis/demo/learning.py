"""Demo data for what the Leerhuis learns: three klankbordgroepen with meetings, minutes and
action items, the uitvoeringsagenda with progress and partner contributions, and published
lessons from experts by experience. Wording invented from the domain brief.

Idempotent: groups, actions and lessons are looked up by their names before they are made.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    ActionItem,
    ActionStatus,
    AgendaAction,
    ApprovalStatus,
    Event,
    FollowUpStatus,
    GroupType,
    KlankbordGroup,
    KlankbordMeeting,
    KlankbordMember,
    Lesson,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    MeetingAgendaItem,
    Organisation,
    OrganiserRole,
    Region,
    Registration,
    RegistrationStatus,
    Theme,
    User,
    Visibility,
    utcnow,
)
from leerhuis.services import agenda, klankbordgroep, lesson_search
from leerhuis.services.programme import organisers_of

GROUPS = [
    # name, type, description, member organisations
    ("Klankbordgroep Zo thuis mogelijk opgroeien", GroupType.PARTNERS,
     ("Verwijzers en aanbieders adviseren over de uitvoeringsagenda. Voorzitter: de "
     "portefeuillehouder jeugd. De regio rapporteert de voortgang, partners wat zij bijdragen."),
     ["Gezinshuis De Linde", "Jeugdhulp Het Baken", "Jeugdteam Hilversum",
      "Jeugdbescherming Gooi (GI)", "Veilig Thuis Gooi en Vechtstreek", "Jeugd en Gezin Gooi"]),
    ("Ambtelijke klankbordgroep jeugd", GroupType.AMBTELIJK,
     "Beleidsmedewerkers van de gemeenten stemmen de uitvoering af.",
     ["Jeugdteam Hilversum", "Sociaal Team Gooise Meren"]),
    ("Klankbordgroep ouders en jeugd", GroupType.OUDERS_JEUGD,
     ("Jongeren en ouders met ervaring, via de participatieorganisatie, geven hun kijk op "
     "wat werkt."), ["Stem van Jeugd en Ouders"]),
]

ACTIONS = [
    (1, "Faciliteren toegang en toeleiding",
     ("Eén route naar hulp voor gezinnen en verwijzers\nSociale kaart actueel en vindbaar\n"
     "Werkbezoeken zodat verwijzers het aanbod kennen")),
    (2, "Versterken van het voorveld en de lokale teams",
     "Praktijkondersteuning jeugd bij huisartsen\nSamenwerking met onderwijs rond verzuim"),
    (3, "Regionaal Leerhuis: leren van en met elkaar",
     ("Jaarprogramma met werkbezoeken, casuïstiek, trainingen en spiegelbijeenkomsten\n"
     "Lessen van ervaringsdeskundigen terug naar de praktijk")),
    (4, "Zo thuis mogelijk: gezinshuizen en pleegzorg",
     "Meer gezinshuisplekken in de regio\nBegeleiding van pleeggezinnen versterken"),
    (5, "Inkoop en bekostiging",
     "Contractafspraken die ambulante hulp thuis belonen\nMonitoring van uithuisplaatsingen"),
]

REGION_PROGRESS = {
    1: "De sociale kaart is vernieuwd en vier werkbezoeken zijn gehouden; verwijzers noemen "
       "ze de beste manier om het aanbod te leren kennen.",
    2: "In drie gemeenten werkt nu een praktijkondersteuner jeugd bij de huisarts.",
    3: "Het jaarprogramma loopt: de trainingen gesprekstechnieken zaten vol, met wachtlijst.",
    4: "Twee nieuwe gezinshuizen zijn gestart; de werving van pleegouders loopt achter.",
    5: "De nieuwe contracten belonen ambulante hulp; de eerste monitor volgt in het voorjaar.",
}
CONTRIBUTIONS = [
    ("Gezinshuis De Linde", 4, ("Wij openden een tweede gezinshuis en ontvingen twee groepen "
                               "verwijzers op werkbezoek.")),
    ("Jeugdteam Hilversum", 1, "Alle consulenten bezochten minstens één aanbieder."),
    ("Jeugdhulp Het Baken", 3, "Onze trainers gaven de training gesprekstechnieken."),
]

LESSONS = [
    # title, source, kind, phase, themes, wanted differently, good, earlier, quote
    ("Praat met de jongere, niet over de jongere", LessonSource.SPIEGELBIJEENKOMST,
     LessonKind.ATTENTION, LessonPhase.INSTROOM,
     ["uithuisplaatsing-voorkomen", "gesprekstechnieken"],
     ("Jongeren wilden bij de gesprekken over hun plaatsing zijn en hun eigen woorden kunnen "
     "gebruiken."), "De jeugdconsulent die elke week belde, ook als er niets te melden was.",
     "Eerder samen met school kijken naar de signalen van verzuim.",
     "Ik hoorde pas achteraf dat er over mij was besloten."),
    ("Een vaste contactpersoon geeft rust", LessonSource.GESPREK, LessonKind.POSITIVE,
     LessonPhase.STABILISATIE, ["veerkracht", "gezinshuizen"],
     "", "Eén vaste contactpersoon in het gezinshuis, die ook na de verhuizing bereikbaar bleef.",
     "Ouders eerder laten kennismaken met de gezinshuisouders.", ""),
    ("Ouders willen weten wat er van hen verwacht wordt", LessonSource.OUDERS_JEUGD,
     LessonKind.ATTENTION, LessonPhase.PREVENTIE, ["uithuisplaatsing-voorkomen", "dilemma-s"],
     ("Ouders misten duidelijke afspraken over wat er moest veranderen om hun kind thuis te "
     "houden."), "Het gesprek waarin de hulpverlener eerlijk vertelde wat de zorgen waren.",
     "Een gezamenlijk plan met ouders, school en huisarts voordat het escaleerde.", ""),
    ("De overgang naar achttien begint op zestien", LessonSource.SPIEGELBIJEENKOMST,
     LessonKind.ATTENTION, LessonPhase.UITSTROOM,
     ["soepele-overgang-18-18", "jongerenproblematiek"],
     "Jongeren wilden eerder weten wat er na hun achttiende verandert aan wonen, geld en hulp.",
     "De mentor die hielp met de aanvraag van toeslagen.",
     "Op zestien al beginnen met een toekomstplan.",
     "Op mijn verjaardag stond ik ineens alleen."),
    ("Cultuur bespreekbaar maken voorkomt misverstanden", LessonSource.CASUISTIEK,
     LessonKind.POSITIVE, LessonPhase.PREVENTIE, ["interculturele-communicatie"],
     "", "Een tolk en een sleutelfiguur uit de gemeenschap bij het eerste gesprek.",
     "Eerder vragen hoe het gezin zelf naar het probleem kijkt.", ""),
    ("Broers en zussen bij elkaar houden", LessonSource.GESPREK, LessonKind.ATTENTION,
     LessonPhase.INSTROOM, ["pleegzorg", "gezinshuizen"],
     "Kinderen wilden bij hun broers en zussen blijven, ook als dat een grotere plek vroeg.",
     "Het gezinshuis dat drie kinderen uit één gezin opving.",
     "Bij de eerste zorgen al nagaan welke plekken broers en zussen samen kunnen opvangen.", ""),
]
REVIEW_LESSON = ("Wachttijden maken de zorgen groter", LessonSource.EVALUATIE, LessonKind.ATTENTION,
                 LessonPhase.PREVENTIE, ["sociale-kaart"],
                 "Deelnemers zagen dat gezinnen maanden wachten op passende hulp.", "", "", "")


def seed_learning(_fake, regions: dict[str, Region], organisations: dict[str, Organisation]
                  ) -> dict[str, int]:
    region = regions["gooi-en-vechtstreek"]
    admin = db.session.scalars(select(User).where(User.email == "regio@example.org")).one()
    organiser = db.session.scalars(
        select(User).where(User.email == "organisator@example.org")).one()
    groups = [_group(region, admin, organiser, organisations, *spec) for spec in GROUPS]
    _meetings(groups[0], admin)
    actions = _actions(region, admin)
    _progress(region, admin, organisations, actions)
    lessons = [_lesson(region, organiser, admin, spec, published=True) for spec in LESSONS]
    lessons.append(_lesson(region, organiser, admin, REVIEW_LESSON, published=False))
    db.session.flush()
    return {"klankbordgroepen": len(groups), "agenda_actions": len(actions),
            "lessons": len(lessons)}


def _group(region, admin, organiser, organisations, name, group_type, description, member_orgs):
    group = db.session.scalars(select(KlankbordGroup).where(
        KlankbordGroup.region_id == region.id, KlankbordGroup.name == name)).first()
    if group is not None:
        return group
    chair = admin if group_type is GroupType.PARTNERS else None
    group = klankbordgroep.save_group(region.id, name=name, type=group_type, chair=chair,
                                      meetings_per_year=2, description=description, by=admin)
    for org_name in member_orgs:
        member = organiser if org_name == organiser.organisation.name else db.session.scalars(
            select(User).where(User.organisation_id == organisations[org_name].id,
                               User.is_region_admin.is_(False)).order_by(User.id)).first()
        if member is not None and not klankbordgroep.is_member(member, group):
            db.session.add(KlankbordMember(group_id=group.id, user_id=member.id,
                                           organisation_id=member.organisation_id))
    db.session.flush()
    return group


def _meetings(group: KlankbordGroup, admin: User) -> None:
    """The programme's klankbordgroep events become this group's meetings."""
    events = db.session.scalars(select(Event).join(Event.type).where(
        Event.region_id == group.region_id, Event.title.like("Klankbordgroep Zo thuis%"))
        .order_by(Event.id)).all()
    known = {m.event_id for m in group.meetings}
    now = utcnow()
    for event in events:
        if event.type.code != "klankbordgroep" or event.id in known:
            continue
        meeting = KlankbordMeeting(group=group, event=event)
        db.session.add(meeting)
        db.session.flush()
        for position, title in enumerate(["Opening en mededelingen",
                                          "Voortgang van de uitvoeringsagenda (regio)",
                                          "Wat brachten de partners in?",
                                          "Terugkoppeling uit het Leerhuis en de "
                                          "spiegelbijeenkomsten",
                                          "Advies van de klankbordgroep"], start=1):
            db.session.add(MeetingAgendaItem(meeting_id=meeting.id, position=position, title=title))
        for member in group.members:
            if db.session.scalar(select(Registration.id).where(
                    Registration.event_id == event.id,
                    Registration.user_id == member.user_id)) is None:
                db.session.add(Registration(event_id=event.id, user_id=member.user_id,
                                            status=RegistrationStatus.CONFIRMED,
                                            organisation_id=member.organisation_id,
                                            registered_at=now, confirmed_at=now))
        if event.ends_at < now:
            meeting.minutes = ("De regio presenteerde de voortgang per actie. Partners herkennen "
                               "dat werkbezoeken het aanbod zichtbaar maken. Zorg over de "
                               "wachttijden voor specialistische hulp.")
            meeting.decisions = ("Actie 4: werving van pleegouders krijgt voorrang.\n"
                                 "Het Leerhuis organiseert een extra spiegelbijeenkomst over 18+.")
            db.session.add_all([
                ActionItem(meeting_id=meeting.id, title="Notitie wachttijden opstellen",
                           owner="Regio", due_date=date(event.starts_at.year, 12, 1),
                           status=ActionStatus.IN_PROGRESS),
                ActionItem(meeting_id=meeting.id, title="Werkbezoek pleegzorg plannen",
                           owner="Gezinshuis De Linde", due_date=date(event.starts_at.year, 11, 1),
                           status=ActionStatus.DONE)])


def _actions(region: Region, admin: User) -> list[AgendaAction]:
    existing = {a.number: a for a in agenda.actions(region)}
    for number, title, measures in ACTIONS:
        if number not in existing:
            existing[number] = agenda.save_action(region, number=number, title=title,
                                                  measures=measures, by=admin)
    return [existing[n] for n in sorted(existing)]


def _progress(region, admin, organisations, actions) -> None:
    by_number = {a.number: a for a in actions}
    today = date.today()
    previous = agenda.current_half_year(date(today.year, 1, 1) if today.month > 6
                                        else date(today.year - 1, 7, 1))
    for half_year in (previous, agenda.current_half_year()):
        if agenda.own_texts(region, half_year, None):
            continue
        for number, text in REGION_PROGRESS.items():
            agenda.write_progress(by_number[number], half_year, text, by=admin)
        for org_name, number, text in CONTRIBUTIONS:
            organisation = organisations[org_name]
            writer = _partner_writer(organisation)
            if writer is not None:
                agenda.write_progress(by_number[number], half_year, text, by=writer,
                                      organisation=organisation)


def _partner_writer(organisation: Organisation) -> User | None:
    """A partner writes its contribution through an organiser role the Region approved;
    the demo approves one for a colleague of the organisation when it has none."""
    organisers = organisers_of(organisation.id)
    if organisers:
        return organisers[0]
    # The newest colleague: one of the generated professionals, so the demo accounts keep
    # the rights their login shows off.
    colleague = db.session.scalars(select(User).where(
        User.organisation_id == organisation.id, User.is_region_admin.is_(False))
        .order_by(User.id.desc())).first()
    if colleague is None:
        return None
    colleague.organiser_roles.append(OrganiserRole(
        organisation=organisation, status=ApprovalStatus.APPROVED, decided_at=utcnow(),
        motivation="Demo: schrijft de bijdrage aan de uitvoeringsagenda"))
    db.session.flush()
    return colleague


def _lesson(region, author, admin, spec, *, published: bool) -> Lesson:
    title, source, kind, phase, themes, wanted, good, earlier, quote = spec
    lesson = db.session.scalars(select(Lesson).where(
        Lesson.region_id == region.id, Lesson.title == title)).first()
    if lesson is not None:
        return lesson
    now = utcnow()
    lesson = Lesson(region_id=region.id, title=title, source=source, kind=kind, phase=phase,
                    wanted_differently=wanted, what_was_good=good, earlier_prevention=earlier,
                    quote=quote, quote_consent=bool(quote),
                    quote_consent_recorded_by_id=author.id if quote else None,
                    quote_consent_at=now if quote else None,
                    visibility=Visibility.SHARED if published else Visibility.REGION,
                    follow_up_status=FollowUpStatus.IN_AGENDA if published else FollowUpStatus.OPEN,
                    status=LessonStatus.PUBLISHED if published else LessonStatus.REVIEW,
                    published_at=now if published else None, created_by_id=author.id,
                    themes=list(db.session.scalars(select(Theme).where(Theme.slug.in_(themes)))))
    db.session.add(lesson)
    db.session.flush()
    lesson_search.index_lesson(lesson)
    return lesson
