"""Registering for events, leaving them, and Mijn Leerhuis."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.access import managed_event
from leerhuis.blueprints.forms_common import page_arg
from leerhuis.blueprints.programme.routes import render_event_page
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.registrations.forms import (
    AddParticipantForm,
    MessageForm,
    RegistrationForm,
)
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import configured_limit, db, limiter, write_transaction
from leerhuis.labels import label
from leerhuis.models import Event, Registration, utcnow
from leerhuis.services import calendar_invites, participants, programme, registrations

bp = Blueprint("registrations", __name__)


@bp.post("/activiteiten/<int:event_id>/aanmelden")
@login_required
@limiter.limit(configured_limit("registration"))
def register(event_id: int):
    event = db.get_or_404(Event, event_id)
    if not programme.can_view(current_user, event):
        abort(404)
    form = RegistrationForm()
    if not form.validate_on_submit():
        # Back to the page with the errors on their fields and what was typed kept.
        return render_event_page(event, form, 400)
    data = registrations.RegistrationInput(
        skj_number=form.skj_number.data, diet=form.diet.data or "",
        accessibility_needs=form.accessibility_needs.data or "",
        consent_share_name=form.consent_share_name.data,
        function=form.function.data or "", municipality_name=form.municipality_name.data or "")
    with unit_of_work(form) as work:
        registration = registrations.retry_on_lock_timeout(
            lambda: registrations.register(event.id, current_user, data), event_id=event.id)
        position = registrations.waitlist_position(registration)
    if not work.ok:
        if work.error.field is not None:
            return render_event_page(event, form, work.status)
        return redirect(url_for("programme.event_page", event_id=event.id))
    if position is None:
        flash(_("Je bent aangemeld. Je ontvangt een bevestiging per e-mail."), "success")
    else:
        flash(_("De activiteit is vol. Je staat op de wachtlijst op plaats %(n)d.", n=position),
              "info")
    return redirect(url_for("programme.event_page", event_id=event.id))


def _change_own_registration(event_id: int, change, done: str):
    """Apply ``change`` to the current user's registration for the event under the event
    lock, and come back to the event page with ``done`` or the reason it could not."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    event = db.get_or_404(Event, event_id)
    registration = registrations.registration_for(event, current_user)
    if registration is None:
        abort(404)
    with unit_of_work() as work:
        registrations.retry_on_lock_timeout(lambda: change(registration), event_id=event.id)
    if work.ok:
        flash(done, "success")
    return redirect(url_for("programme.event_page", event_id=event.id))


@bp.post("/activiteiten/<int:event_id>/afmelden")
@login_required
def unregister(event_id: int):
    return _change_own_registration(
        event_id, lambda registration: registrations.unregister(registration, by=current_user),
        _("Je bent afgemeld."))


@bp.post("/activiteiten/<int:event_id>/plaats-aannemen")
@login_required
def accept_offer(event_id: int):
    return _change_own_registration(
        event_id, registrations.accept_offer,
        _("Je bent aangemeld. Je ontvangt een bevestiging per e-mail."))


@bp.route("/wachtlijst/<token>", methods=["GET", "POST"])
@limiter.limit(configured_limit("verify"))
def waitlist_link(token: str):
    """The link in waiting-list mails: leave the list, or take or decline an offered place,
    without logging in. GET only shows the choice — mail scanners that prefetch links must
    not take anyone off the list — and the POST acts."""
    registration = registrations.registration_for_link(token)
    if registration is None:
        abort(404)
    event = registration.event
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("actie")
        if action == "aannemen":
            change = functools.partial(registrations.accept_offer, registration)
            done = _("Je bent aangemeld. Je ontvangt een bevestiging per e-mail.")
        elif action == "afmelden":
            change = functools.partial(registrations.unregister, registration,
                                       by=registration.user)
            done = _("Je staat niet meer op de wachtlijst.")
        else:
            abort(400)
        with unit_of_work() as work:
            registrations.retry_on_lock_timeout(change, event_id=event.id)
        if work.ok:
            flash(done, "success")
        return redirect(url_for("registrations.waitlist_link", token=token))
    return render_template("registrations/waitlist_link.html", registration=registration,
                           event=event, form=form,
                           position=registrations.waitlist_position(registration))


@bp.get("/mijn-leerhuis")
@login_required
def my_leerhuis():
    rows = registrations.overview_for(current_user)
    feed_url = (url_for("registrations.personal_feed", token=current_user.calendar_token,
                        _external=True) if current_user.calendar_token else None)
    return render_template("registrations/my_leerhuis.html", registrations=rows, feed_url=feed_url,
                           positions={r.id: r.waitlist_position for r in rows
                                      if r.waitlist_position is not None},
                           now=utcnow())


@bp.get("/activiteiten/<int:event_id>/agenda.ics")
def event_calendar_download(event_id: int):
    event = db.get_or_404(Event, event_id)
    if not programme.can_view(current_user, event):
        abort(404)
    return Response(calendar_invites.event_download(event), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="leerhuis-{event.id}.ics"'})


@bp.get("/agenda/<token>.ics")
@limiter.limit(configured_limit("feed"))
def personal_feed(token: str):
    user = calendar_invites.user_for_feed_token(token)
    if user is None:
        abort(404)
    return Response(calendar_invites.personal_feed(user), mimetype="text/calendar",
                    headers={"Cache-Control": "no-store"})


@bp.post("/mijn-leerhuis/agenda-link")
@login_required
def renew_feed():
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        calendar_invites.renew_feed_token(current_user)
    flash(_("Je persoonlijke agenda-link is aangemaakt. Een eerdere link werkt niet meer."),
          "success")
    return redirect(url_for("registrations.my_leerhuis"))


@bp.post("/mijn-leerhuis/agenda-link/intrekken")
@login_required
def revoke_feed():
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        calendar_invites.revoke_feed_token(current_user)
    flash(_("Je persoonlijke agenda-link is ingetrokken."), "success")
    return redirect(url_for("registrations.my_leerhuis"))


@bp.route("/activiteiten/<int:event_id>/deelnemers", methods=["GET", "POST"])
@login_required
def participant_list(event_id: int):
    event = managed_event(event_id)
    add_form, message_form = AddParticipantForm(prefix="toevoegen"), MessageForm(prefix="bericht")
    if request.method == "POST":
        if "toevoegen-email" in request.form and add_form.validate_on_submit():
            with unit_of_work(add_form, field="email") as work:
                registration = registrations.retry_on_lock_timeout(
                    lambda: participants.add_by_hand(event, add_form.email.data, by=current_user),
                    event_id=event.id)
            if work.ok:
                flash(_("Toegevoegd als %(status)s.", status=label(registration.status)), "success")
                return redirect(url_for("registrations.participant_list", event_id=event.id))
        elif "bericht-subject" in request.form and message_form.validate_on_submit():
            with unit_of_work(message_form):
                count = participants.message_participants(event, message_form.subject.data,
                                                          message_form.body.data, by=current_user)
            flash(_("Het bericht gaat naar %(n)d deelnemers.", n=count), "success")
            return redirect(url_for("registrations.participant_list", event_id=event.id))
    status = 400 if add_form.errors or message_form.errors else 200
    shown = participants.page(event, current_user, page_arg())
    return render_template("participants/list.html", event=event, pagination=shown.pagination,
                           rows=shown.rows, add_form=add_form,
                           show_skj=("SKJ-nummer", "skj_number") in participants.columns(
                               event, current_user),
                           message_form=message_form), status


@bp.post("/activiteiten/<int:event_id>/deelnemers/<int:registration_id>/verwijderen")
@login_required
def remove_participant(event_id: int, registration_id: int):
    event = managed_event(event_id)
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event.id or not EmptyForm().validate_on_submit():
        abort(404)
    with unit_of_work() as work:
        registrations.retry_on_lock_timeout(
            lambda: participants.remove(registration, by=current_user), event_id=event.id)
    if work.ok:
        flash(_("De deelnemer is afgemeld; de wachtlijst schuift door."), "success")
    return redirect(url_for("registrations.participant_list", event_id=event.id))


@bp.get("/activiteiten/<int:event_id>/deelnemers.csv")
@login_required
def participants_csv(event_id: int):
    event = managed_event(event_id)
    with write_transaction():  # the export is recorded in the audit log
        body = participants.as_csv(event, current_user)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="deelnemers-{event.id}.csv"'})


@bp.get("/activiteiten/<int:event_id>/deelnemers.xlsx")
@login_required
def participants_xlsx(event_id: int):
    event = managed_event(event_id)
    with write_transaction():  # the export is recorded in the audit log
        content = participants.as_xlsx(event, current_user)
    return Response(content, headers={
        "Content-Disposition": f'attachment; filename="deelnemers-{event.id}.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
