from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from leerhuis.blueprints.forms_common import GuardedForm, OneTimeFormMixin, strip_filter, to_choices
from leerhuis.models import VenueKind
from leerhuis.services.free_text import CASE_TEXT, NO_IDENTIFIERS, OWN_CONTACT
from leerhuis.services.programme import AMSTERDAM, EventInput, SessionInput

REQUIRED = _l("Dit veld is verplicht.")
NUMBER = _l("Vul een getal in.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value):
    return None if value in (None, "", "None") else int(value)


class SessionForm(GuardedForm, Form):
    guarded: ClassVar[dict[str, str]] = {"title": NO_IDENTIFIERS}

    class Meta:
        # A sub-form is a plain wtforms Form, without Flask-WTF's translations: give it
        # them, or its messages ("Not a valid date value.") stay English.
        def get_translations(self, form):
            return wtforms_translations

    date = DateField(_l("Datum"), validators=[InputRequired(_l("Vul een datum in."))])
    start = TimeField(_l("Begintijd"), validators=[InputRequired(_l("Vul een begintijd in."))])
    end = TimeField(_l("Eindtijd"), validators=[InputRequired(_l("Vul een eindtijd in."))])
    break_minutes = IntegerField(_l("Pauze (minuten)"), default=0,
                                 validators=[Optional(), NumberRange(min=0, max=600,
                                             message=_l("Pauze ligt tussen 0 en 600 minuten."))])
    net_hours = DecimalField(_l("Netto uren"), places=2,
                             description=_l("Leeg: duur min pauze."),
                             validators=[Optional()])
    title = StringField(_l("Naam van deze bijeenkomst"), filters=[strip_filter],
                        validators=[Optional(), Length(max=200)])

    def to_input(self) -> SessionInput:
        starts = datetime.combine(self.date.data, self.start.data, AMSTERDAM)
        ends = datetime.combine(self.date.data, self.end.data, AMSTERDAM)
        return SessionInput(starts, ends, self.break_minutes.data or 0, self.net_hours.data,
                            self.title.data or "")


VENUE_CHOICES = to_choices([("", _l("Kies een soort locatie")),
                            (VenueKind.GEZINSHUIS.value, _l("Gezinshuis")),
                            (VenueKind.INSTELLING.value, _l("Instelling")),
                            (VenueKind.KANTOOR.value, _l("Kantoor")),
                            (VenueKind.GEMEENTEHUIS.value, _l("Gemeentehuis")),
                            (VenueKind.OVERIG.value, _l("Anders"))])


class EventForm(GuardedForm, OneTimeFormMixin, FlaskForm):
    # Case texts pass the full guard (names, dates: confirm) in services/programme/ when
    # the event's type handles cases; on every type they are refused identifiers here.
    guarded: ClassVar[dict[str, str]] = {
        "title": CASE_TEXT, "summary": CASE_TEXT, "description_md": CASE_TEXT,
        "learning_goals": CASE_TEXT, "case_summary": CASE_TEXT,
        "trainer": NO_IDENTIFIERS, "contact_name": NO_IDENTIFIERS,
        "contact_email": OWN_CONTACT, "contact_phone": OWN_CONTACT,
        "online_url": NO_IDENTIFIERS, "venue_name": NO_IDENTIFIERS, "address": NO_IDENTIFIERS,
        "postcode": NO_IDENTIFIERS, "city": NO_IDENTIFIERS,
        "accessibility_notes": NO_IDENTIFIERS, "parking_notes": NO_IDENTIFIERS,
        "accreditation_number": NO_IDENTIFIERS,
    }

    type_id = SelectField(_l("Soort activiteit"), coerce=_optional_int,
                          validators=[InputRequired(REQUIRED)])
    organisation_id = SelectField(_l("Organiserende organisatie"), coerce=_optional_int,
                                  validators=[InputRequired(REQUIRED)])
    co_organiser_ids = MultiCheckboxField(_l("Mede-organisatoren"), coerce=int,
                                          validators=[Optional()])
    title = StringField(_l("Titel"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=200)])
    summary = TextAreaField(_l("Korte samenvatting"), filters=[strip_filter],
                            validators=[Optional(), Length(max=500)])
    description_md = TextAreaField(_l("Beschrijving"), filters=[strip_filter],
                                   description=_l("Je kunt Markdown gebruiken: **vet**, *schuin*, "
                                                  "lijstjes met -."),
                                   validators=[Optional(), Length(max=20000)])
    learning_goals = TextAreaField(_l("Leerdoelen"), filters=[strip_filter],
                                   validators=[Optional(), Length(max=5000)])
    trainer = StringField(_l("Trainer of begeleider"), filters=[strip_filter],
                          validators=[Optional(), Length(max=200)])
    case_summary = TextAreaField(
        _l("Anonieme casus"), filters=[strip_filter],
        description=_l("Alleen bij casuïstiekbesprekingen. Geen namen, geboortedata, adressen of "
                       "andere gegevens die naar een cliënt leiden."),
        validators=[Optional(), Length(max=10000)])
    theme_ids = MultiCheckboxField(_l("Thema's"), coerce=int, validators=[Optional()])
    target_group_ids = MultiCheckboxField(_l("Doelgroepen"), coerce=int, validators=[Optional()])
    sessions = FieldList(FormField(SessionForm), min_entries=1, max_entries=30)
    contact_name = StringField(_l("Contactpersoon"), filters=[strip_filter],
                               validators=[Optional(), Length(max=120)])
    contact_email = EmailField(_l("E-mail contactpersoon"), filters=[strip_filter],
                               validators=[Optional(), Email(_l("Vul een geldig e-mailadres in."))])
    contact_phone = StringField(_l("Telefoon contactpersoon"), filters=[strip_filter],
                                validators=[Optional(), Length(max=40)])
    is_online = BooleanField(_l("Online bijeenkomst"))
    online_url = StringField(_l("Link naar de online bijeenkomst"), filters=[strip_filter],
                             description=_l("Alleen zichtbaar voor aangemelde deelnemers."),
                             validators=[Optional(), Length(max=500)])
    venue_name = StringField(_l("Naam locatie"), filters=[strip_filter],
                             validators=[Optional(), Length(max=160)])
    # strip_filter: a blank answer passes Optional() unchecked and must be the empty choice.
    venue_kind = SelectField(_l("Soort locatie"), choices=VENUE_CHOICES, filters=[strip_filter],
                             validators=[Optional()])
    address = StringField(_l("Adres"), filters=[strip_filter],
                          validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), filters=[strip_filter],
                           validators=[Optional(), Length(max=10)])
    city = StringField(_l("Plaats"), filters=[strip_filter],
                       validators=[Optional(), Length(max=100)])
    accessibility_notes = TextAreaField(_l("Toegankelijkheid"), filters=[strip_filter],
                                        validators=[Optional(), Length(max=2000)])
    parking_notes = TextAreaField(_l("Parkeren en bereikbaarheid"), filters=[strip_filter],
                                  validators=[Optional(), Length(max=2000)])
    own_transport = BooleanField(_l("Deelnemers regelen zelf hun vervoer"), default=True)
    capacity = IntegerField(_l("Aantal plaatsen"), description=_l("Leeg: onbeperkt."),
                            validators=[Optional()])
    max_per_organisation = IntegerField(
        _l("Maximum per organisatie"),
        description=_l("Zo is een team nooit in zijn geheel afwezig. Leeg: geen maximum."),
        validators=[Optional()])
    offer_hours = IntegerField(
        _l("Vrijgekomen plaats aanbieden voor … uur"),
        description=_l("Leeg: wie vooraan op de wachtlijst staat, krijgt een vrijgekomen plaats "
                       "meteen. Met een aantal uren krijgt die persoon de plaats eerst "
                       "aangeboden; wie niet op tijd reageert, wordt overgeslagen."),
        validators=[Optional()])
    registration_opens_at = DateTimeLocalField(
        _l("Aanmelden kan vanaf"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        description=_l("Leeg: zodra de activiteit in het gepubliceerde programma staat."),
        validators=[Optional()])
    registration_closes_on = DateField(_l("Aanmelden kan tot en met"), validators=[Optional()])
    cancellation_deadline_on = DateField(_l("Kosteloos afmelden kan tot en met"),
                                         validators=[Optional()])
    is_accredited = BooleanField(_l("SKJ-geaccrediteerd"))
    accreditation_number = StringField(_l("Accreditatienummer"), filters=[strip_filter],
                                       validators=[Optional(), Length(max=60)])
    accreditation_points = DecimalField(_l("SKJ-punten"), places=2,
                                        validators=[Optional(), NumberRange(min=0, max=500)])
    accreditation_valid_until = DateField(_l("Accreditatie geldig tot"), validators=[Optional()])
    open_to_other_regions = BooleanField(_l("Ook open voor professionals uit andere regio's"))
    privacy_confirmed = BooleanField(
        _l("Ik heb de gemarkeerde gegevens gecontroleerd: ze leiden niet naar een cliënt."))

    def to_input(self) -> EventInput:
        def end_of_day(day):
            return None if day is None else datetime.combine(
                day, datetime.max.time().replace(microsecond=0), AMSTERDAM)

        return EventInput(
            type_id=self.type_id.data, title=self.title.data or "",
            organisation_id=self.organisation_id.data,
            sessions=[entry.form.to_input() for entry in self.sessions],
            summary=self.summary.data or "", description_md=self.description_md.data or "",
            learning_goals=self.learning_goals.data or "", trainer=self.trainer.data or "",
            case_summary=self.case_summary.data or "",
            theme_ids=self.theme_ids.data or [], target_group_ids=self.target_group_ids.data or [],
            co_organiser_ids=self.co_organiser_ids.data or [],
            contact_name=self.contact_name.data or "", contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "", is_online=self.is_online.data,
            online_url=self.online_url.data or "", venue_name=self.venue_name.data or "",
            venue_kind=VenueKind(self.venue_kind.data) if self.venue_kind.data else None,
            address=self.address.data or "", postcode=self.postcode.data or "",
            city=self.city.data or "", accessibility_notes=self.accessibility_notes.data or "",
            parking_notes=self.parking_notes.data or "", own_transport=self.own_transport.data,
            capacity=self.capacity.data, max_per_organisation=self.max_per_organisation.data,
            offer_hours=self.offer_hours.data,
            registration_opens_at=(self.registration_opens_at.data.replace(tzinfo=AMSTERDAM)
                                   if self.registration_opens_at.data else None),
            registration_closes_at=end_of_day(self.registration_closes_on.data),
            cancellation_deadline=end_of_day(self.cancellation_deadline_on.data),
            is_accredited=self.is_accredited.data,
            accreditation_number=self.accreditation_number.data or "",
            accreditation_points=self.accreditation_points.data,
            accreditation_valid_until=self.accreditation_valid_until.data,
            open_to_other_regions=self.open_to_other_regions.data,
            privacy_confirmed=self.privacy_confirmed.data,
        )

    def fill_from(self, data: EventInput) -> None:
        for name in EventInput.SCALARS:
            if hasattr(self, name):
                value = getattr(data, name)
                getattr(self, name).data = value.value if hasattr(value, "value") else value
        self.theme_ids.data = data.theme_ids
        self.target_group_ids.data = data.target_group_ids
        self.co_organiser_ids.data = data.co_organiser_ids
        # Shown as Amsterdam wall-clock time, like every other date on the form.
        self.registration_opens_at.data = (
            data.registration_opens_at.astimezone(AMSTERDAM).replace(tzinfo=None, second=0)
            if data.registration_opens_at else None)
        self.registration_closes_on.data = (data.registration_closes_at.astimezone(AMSTERDAM).date()
                                            if data.registration_closes_at else None)
        self.cancellation_deadline_on.data = (
            data.cancellation_deadline.astimezone(AMSTERDAM).date()
            if data.cancellation_deadline else None)
        while len(self.sessions.entries):
            self.sessions.pop_entry()
        for session in data.sessions:
            local_start = session.starts_at.astimezone(AMSTERDAM)
            self.sessions.append_entry({
                "date": local_start.date(), "start": local_start.time(),
                "end": session.ends_at.astimezone(AMSTERDAM).time(),
                "break_minutes": session.break_minutes, "net_hours": session.net_hours,
                "title": session.title})

    def apply_errors(self, errors: dict[str, str]) -> list[str]:
        """Put service errors on their fields; return those that belong to no field."""
        loose = []
        for key, message in errors.items():
            if key.startswith("sessions-"):
                _, index, name = key.split("-", 2)
                name = {"starts_at": "start", "ends_at": "end"}.get(name, name)
                entry = (self.sessions.entries[int(index)]
                         if int(index) < len(self.sessions.entries) else None)
                if entry is not None and hasattr(entry.form, name):
                    getattr(entry.form, name).errors = [*getattr(entry.form, name).errors, message]
                    continue
            field = getattr(self, key, None)
            if key and field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, message]
            else:
                loose.append(message)
        return loose


class ReasonForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"reason": NO_IDENTIFIERS}

    reason = TextAreaField(_l("Reden"), filters=[strip_filter],
                           validators=[DataRequired(_l("Geef een reden.")), Length(max=2000)])


class RecurrenceForm(FlaskForm):
    every = SelectField(_l("Herhaal"), choices=to_choices([
        ("month", _l("Maandelijks")), ("2weeks", _l("Elke twee weken")),
        ("week", _l("Wekelijks"))]))
    count = IntegerField(_l("Aantal keer (inclusief de eerste)"), default=6,
                         validators=[InputRequired(REQUIRED), NumberRange(min=2, max=24,
                                     message=_l("Kies tussen 2 en 24 herhalingen."))])
