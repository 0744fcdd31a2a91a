"""Programme: the yearly programme, event pages, and the organiser-to-Region workflow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from leerhuis import page_cache
from leerhuis.blueprints.forms_common import int_arg, page_arg, to_choices
from leerhuis.blueprints.programme.forms import EventForm, ReasonForm, RecurrenceForm
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.registrations.forms import RegistrationForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import db
from leerhuis.models import Event, EventStatus, EventType, Organisation, Region
from leerhuis.permissions import organiser_required, region_admin_required
from leerhuis.services import (
    calendar_invites,
    catalogue,
    directory,
    event_changes,
    form_tokens,
    programme,
    registrations,
    seats,
    visibility,
)
from leerhuis.services.markdown import render_markdown
from leerhuis.services.programme import AMSTERDAM, EventInput, SessionInput

bp = Blueprint("programme", __name__)


def _viewer():
    return current_user if current_user.is_authenticated else None


def _event_or_404(event_id: int) -> Event:
    event = catalogue.event_for_page(event_id)
    if event is None:
        abort(404)
    if not programme.can_view(current_user, event):
        # Drafts of other organisations: forbidden when logged in, unknown otherwise.
        abort(403 if current_user.is_authenticated else 404)
    return event


def _filter_from_args() -> catalogue.ProgrammeFilter:
    args = request.args
    return catalogue.ProgrammeFilter(
        type_codes=args.getlist("soort"), theme_slugs=args.getlist("thema"),
        target_group_slugs=args.getlist("doelgroep"), month=int_arg("maand", lo=1, hi=12),
        organisation_id=int_arg("organisatie"), municipality_id=int_arg("gemeente"),
        places_left=args.get("plaatsen") == "1", query=args.get("q", "")[:200],
    )


@bp.get("/programma")
def programme_home():
    region = current_user.region if current_user.is_authenticated else directory.default_region()
    return redirect(url_for("programme.programme_list", region_slug=region.slug,
                            year=date.today().year))


@bp.get("/programma/<region_slug>/<int:year>")
def programme_list(region_slug: str, year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    calendar_view = request.args.get("weergave") == "kalender"
    # The calendar opens on today's month: the day is part of what the page shows.
    key = page_cache.public_viewer_key(region_slug, year, request.query_string,
                                       date.today() if calendar_view else None)
    template = "programme/calendar.html" if calendar_view else "programme/list.html"
    cached = page_cache.lookup(template, key)
    if cached is not None:
        context = {"year": year, **cached[1]}
    else:
        context = _programme_context(region_slug, year, calendar_view)
    facts = {"month_start": context["month_start"]} if calendar_view else {}
    return page_cache.render_page(template, key, cached, context=context, facts=facts)


def _programme_context(region_slug: str, year: int, calendar_view: bool) -> dict:
    region = db.first_or_404(select(Region).where(Region.slug == region_slug))
    flt = _filter_from_args()
    programme_year = programme.get_programme_year(region, year)
    common = {"region": region, "year": year, "flt": flt,
              "options": catalogue.filter_options(region),
              "programme_year": programme_year,
              "regions": db.session.scalars(select(Region).order_by(Region.name)).all()}
    if calendar_view:
        month = flt.month or (date.today().month if date.today().year == year else 1)
        weeks = catalogue.month_calendar(region, year, month, _viewer(), flt)
        return dict(weeks=weeks, month=month, month_start=date(year, month, 1), **common)
    page = page_arg()
    # ?afdrukken=1: the whole (filtered) list on one page, to print; a year holds a few
    # hundred activities at most.
    per_page = 1000 if request.args.get("afdrukken") else 25
    pagination = catalogue.list_events(region, year, _viewer(), flt, page=page, per_page=per_page)
    taken = seats.taken([e.id for e in pagination.items])
    return dict(pagination=pagination, taken=taken, **common)


@bp.get("/activiteiten/<int:event_id>")
def event_page(event_id: int):
    key = page_cache.public_viewer_key(event_id)
    cached = page_cache.lookup("programme/event.html", key)
    if cached is None:
        return render_event_page(_event_or_404(event_id), cache_key=key)
    # Cached details exist only for an event the public could see at this data version;
    # the facts the registration box needs of it were stored with them.
    event = cached[1]["event"]
    programme.remember_public(event)
    return render_event_page(event, cache_key=key, cached=cached)


def render_event_page(event: Event | catalogue.EventFacts,
                      registration_form: RegistrationForm | None = None,
                      status: int = 200, *, cache_key=None, cached=None):
    """The event page; a refused registration comes back with its errors and values. The
    details come from the page cache for viewers who see only the public programme; the
    registration box is always rendered for the person asking."""
    registration = registrations.registration_for(event, current_user)

    def registration_form_to_show() -> RegistrationForm:
        # Built only when the page shows it: not for those already registered, nor for
        # closed or past activities (most views), as its fields cost a tenth of the page.
        if registration_form is not None:
            return registration_form
        form = RegistrationForm()
        if current_user.is_authenticated:
            form.skj_number.data = current_user.skj_number
        return form

    places_left = cached[1]["places_left"] if cached else seats.places_left(event)
    context = {
        "event": event, "places_left": places_left,
        "programme_published": programme.programme_is_published(event.region_id,
                                                                event.programme_year),
        "registration": registration,
        "registration_form_to_show": registration_form_to_show,
        "waitlist_position": (registrations.waitlist_position(registration)
                              if registration else None),
        "own_pseudonym": visibility.own_pseudonym(registration),
        "closed_reason": (registrations.registration_closed_reason(event, current_user)
                          if current_user.is_authenticated else
                          _("Log in om je aan te melden.")),
    }
    if cached is None:
        context.update(
            description_html=render_markdown(event.description_md),
            can_edit=programme.can_edit(current_user, event),
            is_organiser=programme.is_organiser_of(current_user, event),
            is_region_admin=programme.is_region_admin_for(current_user, event),
            reason_form=ReasonForm(),
            calendar_links={"google": calendar_invites.google_link,
                            "outlook": calendar_invites.outlook_link})
        if not programme.is_publicly_visible(event):
            cache_key = None  # drafts are never cached
    facts = ({"places_left": places_left, "event": catalogue.EventFacts.of(event)}
             if cache_key is not None and cached is None else None)
    return page_cache.render_page("programme/event.html", cache_key, cached, context=context,
                                  facts=facts,
                                  live_blocks=("registration",)), status


@bp.get("/organiseren")
@organiser_required
def my_events():
    pagination = catalogue.organiser_events(current_user, page_arg())
    return render_template("programme/my_events.html", pagination=pagination,
                           events=pagination.items)


def _prepare_form(form: EventForm) -> None:
    if current_user.is_region_admin:
        organisations = db.session.scalars(select(Organisation).where(
            Organisation.region_id == current_user.region_id).order_by(Organisation.name)).all()
    else:
        organisations = current_user.organiser_of()
    form.organisation_id.choices = to_choices([(o.id, o.name) for o in organisations])
    options = catalogue.filter_options(current_user.region)
    form.type_id.choices = to_choices([(None, _("Kies een soort"))]
                                      + [(t.id, t.label(str(_locale()))) for t in options["types"]])
    form.theme_ids.choices = to_choices([(t.id, t.name) for t in options["themes"]])
    form.target_group_ids.choices = to_choices([(g.id, g.name) for g in options["target_groups"]])
    form.co_organiser_ids.choices = to_choices([(o.id, o.name) for o in options["organisations"]])


def _locale():
    return get_locale()


def _handle_event_form(form: EventForm, save, template_args: dict):
    """Shared by new, edit and coupled: add a session row, or validate and call ``save``."""
    privacy = None
    loose_errors: list[str] = []
    failed = False
    if request.method == "POST" and "add_session" in request.form:
        form.sessions.append_entry()
    elif request.method == "POST" and "remove_session" in request.form and len(form.sessions) > 1:
        form.sessions.pop_entry()
    elif form.validate_on_submit():
        with unit_of_work(flash_others=False) as work:
            event = save(form.to_input())
        if isinstance(work.error, form_tokens.AlreadySubmitted):
            # A double click: show what the first submission made.
            return redirect(url_for("programme.event_page", event_id=work.error.object_id))
        if isinstance(work.error, form_tokens.TokenRefused):
            abort(400)
        if not work.ok:
            failed = True
            if isinstance(work.error, programme.PrivacyCheckFailed):
                privacy = work.error
            loose_errors = form.apply_errors(work.error.errors)
        else:
            if event.status is EventStatus.CONCEPT:
                flash(_("De activiteit is opgeslagen als concept. Dien haar in bij de regio "
                        "zodra ze klaar is."), "success")
            else:
                flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("programme.event_page", event_id=event.id))
    else:
        failed = request.method == "POST"
    status = 400 if failed and "add_session" not in request.form and (
        "remove_session" not in request.form) else 200
    return render_template("programme/form.html", form=form, privacy=privacy,
                           loose_errors=loose_errors, **template_args), status


def _once(form: EventForm, save):
    """``save`` for a creating form: once per form token (a double submit creates once)."""
    return lambda data: form_tokens.create_once(form.submitted_token(), by=current_user,
                                                create=lambda: save(data))


def _default_input(organisation_id: int | None, type_id: int | None) -> EventInput:
    day = date.today() + timedelta(days=30)
    return EventInput(type_id=type_id, title="", organisation_id=organisation_id, sessions=[
        SessionInput(datetime.combine(day, time(13, 30), AMSTERDAM),
                     datetime.combine(day, time(16, 30), AMSTERDAM), 15)])


@bp.route("/activiteiten/nieuw", methods=["GET", "POST"])
@organiser_required
def new_event():
    form = EventForm()
    _prepare_form(form)
    if request.method == "GET":
        type_code = request.args.get("soort")
        event_type = db.session.scalars(
            select(EventType).where(EventType.code == type_code)).first()
        organisations = current_user.organiser_of()
        form.fill_from(_default_input(organisations[0].id if organisations else None,
                                      event_type.id if event_type else None))
    return _handle_event_form(
        form, _once(form, lambda data: programme.create_event(data, by=current_user)),
        {"heading": _("Nieuwe activiteit"), "action": url_for("programme.new_event")})


@bp.route("/activiteiten/<int:event_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int):
    event = _event_or_404(event_id)
    if not programme.can_edit(current_user, event):
        abort(403)
    form = EventForm()
    _prepare_form(form)
    if str(event.organisation_id) not in {str(c.value)
                                          for c in form.organisation_id.iter_choices()}:
        # The Region edits an event of an organisation it does not organise for itself.
        form.organisation_id.choices = to_choices(
            [(event.organisation_id, event.organisation.name)])
    if request.method == "GET":
        form.fill_from(EventInput.from_event(event))
    return _handle_event_form(
        form, lambda data: event_changes.update_event(event, data, by=current_user),
        {"heading": _("Activiteit bewerken"), "event": event,
         "action": url_for("programme.edit_event", event_id=event.id)})


@bp.route("/activiteiten/<int:event_id>/casuistiekbespreking", methods=["GET", "POST"])
@login_required
def couple_case_discussion(event_id: int):
    werkbezoek = _event_or_404(event_id)
    if not programme.can_manage(current_user, werkbezoek):
        abort(403)
    if werkbezoek.type.code != "werkbezoek" or werkbezoek.coupled_discussion is not None:
        abort(400)
    form = EventForm()
    _prepare_form(form)
    if request.method == "GET":
        case_type = db.session.scalars(select(EventType).where(
            EventType.code == "casuistiekbespreking")).one()
        data = EventInput.from_event(werkbezoek)
        data.type_id = case_type.id
        data.title = _("Casuïstiekbespreking bij: %(title)s", title=werkbezoek.title)
        data.summary = data.description_md = data.learning_goals = data.case_summary = ""
        data.is_accredited, data.accreditation_number, data.accreditation_points = False, "", None
        last = werkbezoek.sessions[-1]
        data.sessions = [SessionInput(last.ends_at, last.ends_at + timedelta(hours=1, minutes=30))]
        form.fill_from(data)
    return _handle_event_form(
        form, _once(form, lambda data: programme.couple_case_discussion(werkbezoek, data,
                                                                         by=current_user)),
        {"heading": _("Casuïstiekbespreking koppelen"), "coupled_to": werkbezoek,
         "action": url_for("programme.couple_case_discussion", event_id=werkbezoek.id)})


@bp.route("/activiteiten/reeks", methods=["GET", "POST"])
@organiser_required
def new_series():
    form = EventForm()
    recurrence = RecurrenceForm(prefix="herhaling")
    _prepare_form(form)
    if request.method == "GET":
        organisations = current_user.organiser_of()
        form.fill_from(_default_input(organisations[0].id if organisations else None, None))

    def save(data):
        if not recurrence.validate():
            raise programme.ProgrammeError({"": "; ".join(
                e for errs in recurrence.errors.values() for e in errs)})
        events = programme.create_recurring(data, by=current_user, every=recurrence.every.data,
                                            count=recurrence.count.data)
        flash(_("%(n)d activiteiten aangemaakt als concept.", n=len(events)), "success")
        return events[0]

    return _handle_event_form(form, _once(form, save), {"heading": _("Reeks activiteiten"),
                                           "recurrence": recurrence,
                                           "action": url_for("programme.new_series")})


def _workflow(event_id: int, action, success: str, form_class=EmptyForm, allowed=None):
    """Run a workflow step: who may try it is checked before the form, the rule itself in
    the service."""
    event = db.get_or_404(Event, event_id)
    may = allowed or (lambda e: programme.can_manage(current_user, e))
    if not may(event):
        abort(403)
    form = form_class()
    if not form.validate_on_submit():
        if form_class is not ReasonForm:
            abort(400)
        # An empty reason, or one the guard refused (client data): say which.
        for message in form.reason.errors or [_("Geef een reden.")]:
            flash(message, "error")
        return redirect(url_for("programme.event_page", event_id=event.id))
    with unit_of_work() as work:
        result = action(event, form)
    if not work.ok:
        return redirect(url_for("programme.event_page", event_id=event.id))
    flash(success, "success")
    target = result if isinstance(result, Event) else event
    return redirect(url_for("programme.event_page", event_id=target.id))


@bp.post("/activiteiten/<int:event_id>/indienen")
@login_required
def submit_event(event_id: int):
    return _workflow(event_id, lambda e, f: programme.submit(e, by=current_user),
                     _("De activiteit is ingediend bij de regio."))


@bp.post("/activiteiten/<int:event_id>/publiceren")
@region_admin_required
def publish_event(event_id: int):
    return _workflow(event_id, lambda e, f: programme.publish(e, by=current_user),
                     _("De activiteit is goedgekeurd en staat in het programma."))


@bp.post("/activiteiten/<int:event_id>/terugsturen")
@region_admin_required
def return_event(event_id: int):
    return _workflow(event_id, lambda e, f: programme.return_to_organiser(
        e, by=current_user, reason=f.reason.data), _("De activiteit is teruggestuurd."), ReasonForm)


@bp.post("/activiteiten/<int:event_id>/annuleren")
@login_required
def cancel_event(event_id: int):
    return _workflow(event_id, lambda e, f: event_changes.cancel(e, by=current_user,
                                                             reason=f.reason.data),
                     _("De activiteit is geannuleerd."), ReasonForm)


@bp.post("/activiteiten/<int:event_id>/dupliceren")
@login_required
def duplicate_event(event_id: int):
    return _workflow(event_id, lambda e, f: programme.duplicate_event(e, by=current_user),
                     _("Er is een kopie gemaakt als concept. Controleer de data."))


@bp.get("/regio/beoordelen")
@region_admin_required
def review_queue():
    return render_template("programme/review_queue.html",
                           events=programme.review_queue(current_user.region),
                           reason_form=ReasonForm())


@bp.get("/regio/programma")
@region_admin_required
def programme_years():
    region = current_user.region
    this_year = date.today().year
    years = [(year, programme.get_programme_year(region, year))
             for year in (this_year - 1, this_year, this_year + 1)]
    return render_template("programme/programme_years.html", region=region, years=years)


@bp.post("/regio/programma/<int:year>/publiceren")
@region_admin_required
def publish_programme_year(year: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        programme.publish_programme_year(current_user.region, year, by=current_user)
    flash(_("Het jaarprogramma %(year)d is gepubliceerd.", year=year), "success")
    return redirect(url_for("programme.programme_years"))
