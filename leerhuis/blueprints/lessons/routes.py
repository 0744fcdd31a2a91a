"""Geleerde lessen: the register, Dutch search, writing with the guard, the Region's review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.forms_common import page_arg, to_choices
from leerhuis.blueprints.lessons.forms import LABELS, PHASES, LessonForm
from leerhuis.blueprints.region.forms import DecisionForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import db
from leerhuis.models import (
    FollowUpStatus,
    Lesson,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    Visibility,
)
from leerhuis.permissions import region_admin_required
from leerhuis.services import catalogue, form_tokens, lessons
from leerhuis.services.programme import PrivacyCheckFailed

bp = Blueprint("lessons", __name__)


@bp.get("/lessen")
@login_required
def index():
    page = page_arg()
    themes = request.args.getlist("thema")
    phase = request.args.get("fase", "")
    if phase and phase not in {p.value for p in LessonPhase}:
        phase = ""
    results = lessons.search(current_user, query=request.args.get("q", "")[:200],
                             theme_slugs=themes, phase=phase, page=page)
    return render_template("lessons/index.html", pagination=results,
                           options=catalogue.filter_options(current_user.region),
                           query=request.args.get("q", ""), themes=themes, phase=phase,
                           phases=PHASES, labels=LABELS, can_write=lessons.can_write(current_user))


@bp.get("/lessen/<int:lesson_id>")
@login_required
def show(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    if not lessons.can_view(current_user, lesson):
        abort(404)
    return render_template("lessons/show.html", lesson=lesson, form=DecisionForm(), labels=LABELS,
                           can_edit=lessons.can_edit(current_user, lesson))


def _lesson_form_page(lesson: Lesson | None):
    """Write a new lesson or change one; the guard checks every text on each save."""
    form = LessonForm(obj=lesson)
    if lesson is not None and request.method == "GET":
        for name in ("source", "kind", "phase", "follow_up_status", "visibility"):
            getattr(form, name).data = getattr(lesson, name).value
        form.theme_ids.data = [t.id for t in lesson.themes]
        form.privacy_confirmed.data = False
    form.theme_ids.choices = to_choices([(t.id, t.name) for t in catalogue.filter_options(
        current_user.region)["themes"]])
    form.action_id.choices = to_choices([(None, _("Geen"))] + [
        (a.id, f"{a.number}. {a.title}") for a in lessons.agenda_actions(current_user)])
    privacy, failed = None, False
    if form.validate_on_submit():
        data = lessons.LessonInput(
            title=form.title.data, source=LessonSource(form.source.data),
            kind=LessonKind(form.kind.data), phase=LessonPhase(form.phase.data),
            wanted_differently=form.wanted_differently.data or "",
            what_was_good=form.what_was_good.data or "",
            earlier_prevention=form.earlier_prevention.data or "", quote=form.quote.data or "",
            quote_consent=form.quote_consent.data, theme_ids=form.theme_ids.data or [],
            action_id=form.action_id.data, follow_up_proposal=form.follow_up_proposal.data or "",
            follow_up_owner=form.follow_up_owner.data or "",
            follow_up_status=FollowUpStatus(form.follow_up_status.data),
            visibility=Visibility(form.visibility.data),
            event_id=lesson.event_id if lesson else None,
            privacy_confirmed=form.privacy_confirmed.data)
        # Only a new lesson is made once per form token; an edit may be saved again.
        saving = lesson
        with unit_of_work(form) as work:
            lesson = form_tokens.create_once(
                form.submitted_token() if saving is None else None, by=current_user,
                create=lambda: lessons.save_lesson(data, by=current_user, lesson=saving))
        if isinstance(work.error, form_tokens.AlreadySubmitted):
            return redirect(url_for("lessons.show", lesson_id=work.error.object_id))
        if isinstance(work.error, form_tokens.TokenRefused):
            abort(400)
        if not work.ok:
            failed = True
            if isinstance(work.error, PrivacyCheckFailed):
                privacy = work.error
        else:
            if lesson.status is LessonStatus.PUBLISHED:
                flash(_("De les is bijgewerkt."), "success")
            else:
                flash(_("De les is opgeslagen en wacht op beoordeling door de regio."), "success")
            return redirect(url_for("lessons.show", lesson_id=lesson.id))
    elif request.method == "POST":
        failed = True
    return render_template("lessons/form.html", form=form, privacy=privacy, lesson=lesson), (
        400 if failed else 200)


@bp.route("/lessen/nieuw", methods=["GET", "POST"])
@login_required
def new():
    if not lessons.can_write(current_user):
        abort(403)
    return _lesson_form_page(None)


@bp.route("/lessen/<int:lesson_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    if not lessons.can_edit(current_user, lesson):
        abort(403)
    return _lesson_form_page(lesson)


@bp.get("/regio/lessen")
@region_admin_required
def review_queue():
    return render_template("lessons/review.html", lessons=lessons.review_queue(current_user),
                           form=DecisionForm(), labels=LABELS)


@bp.post("/lessen/<int:lesson_id>/beoordelen")
@region_admin_required
def review(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    form = DecisionForm()
    if lesson.region_id != current_user.region_id:
        abort(403)
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(form):
        lessons.review(lesson, publish=form.decision.data == "approve", by=current_user,
                       note=form.reason.data or "")
    flash(_("Het besluit is opgeslagen."), "success")
    return redirect(url_for("lessons.review_queue"))
