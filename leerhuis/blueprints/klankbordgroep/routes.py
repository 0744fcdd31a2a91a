"""Klankbordgroepen (members only) and the uitvoeringsagenda with its progress report."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.klankbordgroep.forms import (
    ActionItemForm,
    ActionStatusForm,
    AgendaActionForm,
    AgendaItemForm,
    DocumentForm,
    GroupForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    ProgressForm,
)
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import db
from leerhuis.models import (
    ActionItem,
    ActionStatus,
    AgendaAction,
    GroupType,
    KlankbordGroup,
    KlankbordMeeting,
    KlankbordMember,
    MeetingDocument,
)
from leerhuis.permissions import region_admin_required
from leerhuis.services import accounts, agenda, form_tokens
from leerhuis.services import klankbordgroep as kbg

bp = Blueprint("klankbordgroep", __name__)


def _group(group_id: int) -> KlankbordGroup:
    group = db.get_or_404(KlankbordGroup, group_id)
    if not kbg.can_view(current_user, group):
        abort(403)
    return group


def _meeting(meeting_id: int) -> KlankbordMeeting:
    meeting = db.get_or_404(KlankbordMeeting, meeting_id)
    if not kbg.can_view(current_user, meeting.group):
        abort(403)
    return meeting


@bp.get("/klankbordgroepen")
@login_required
def groups():
    return render_template("klankbordgroep/groups.html", groups=kbg.groups_for(current_user))


def _group_form_page(group: KlankbordGroup | None):
    """Set up a new group or change one (the Region of the group only)."""
    form = GroupForm(obj=group) if request.method == "GET" and group else GroupForm()
    if group is not None and request.method == "GET":
        form.type.data = group.type.value
        form.chair_email.data = group.chair.email if group.chair else ""
    if form.validate_on_submit():
        chair = None
        if form.chair_email.data:
            chair = accounts.find_user_by_email(form.chair_email.data)
            if chair is None:
                form.chair_email.errors = [_("Er is geen account met dit e-mailadres.")]
        if not form.errors:
            with unit_of_work(form) as work:
                group = kbg.save_group(
                    current_user.region_id, name=form.name.data, type=GroupType(form.type.data),
                    chair=chair, meetings_per_year=form.meetings_per_year.data,
                    description=form.description.data or "", by=current_user, group=group)
            if work.ok:
                flash(_("De klankbordgroep is opgeslagen."), "success")
                return redirect(url_for("klankbordgroep.group_page", group_id=group.id))
    return render_template("klankbordgroep/group_form.html", form=form, group=group), (
        400 if form.errors else 200)


@bp.route("/klankbordgroepen/nieuw", methods=["GET", "POST"])
@region_admin_required
def new_group():
    return _group_form_page(None)


@bp.route("/klankbordgroepen/<int:group_id>/bewerken", methods=["GET", "POST"])
@region_admin_required
def edit_group(group_id: int):
    group = db.get_or_404(KlankbordGroup, group_id)
    if not kbg.is_region_admin_for(current_user, group):
        abort(403)
    return _group_form_page(group)


@bp.route("/klankbordgroepen/<int:group_id>", methods=["GET", "POST"])
@login_required
def group_page(group_id: int):
    group = _group(group_id)
    member_form, meeting_form = MemberForm(prefix="lid"), MeetingForm(prefix="bijeenkomst")
    is_admin = kbg.is_region_admin_for(current_user, group)
    if request.method == "POST":
        if not is_admin:
            abort(403)
        if "lid-email" in request.form and member_form.validate_on_submit():
            user = accounts.find_user_by_email(member_form.email.data)
            if user is None:
                member_form.email.errors = [_("Er is geen account met dit e-mailadres.")]
            else:
                with unit_of_work(member_form, field="email") as work:
                    kbg.add_member(group, user, by=current_user)
                if work.ok:
                    flash(_("%(name)s is lid geworden.", name=user.full_name), "success")
                    return redirect(url_for("klankbordgroep.group_page", group_id=group.id))
        elif "bijeenkomst-day" in request.form and meeting_form.validate_on_submit():
            with unit_of_work(meeting_form, field="end") as work:
                meeting = form_tokens.create_once(
                    meeting_form.submitted_token(), by=current_user,
                    create=lambda: kbg.plan_meeting(
                        group, day=meeting_form.day.data, start=meeting_form.start.data,
                        end=meeting_form.end.data, place=meeting_form.place.data,
                        by=current_user))
            if isinstance(work.error, form_tokens.AlreadySubmitted):
                return redirect(url_for("klankbordgroep.meeting_page",
                                        meeting_id=work.error.object_id))
            if isinstance(work.error, form_tokens.TokenRefused):
                abort(400)
            if work.ok:
                flash(_("De bijeenkomst is gepland. Nodig de leden uit vanaf deze pagina."),
                      "success")
                return redirect(url_for("klankbordgroep.meeting_page", meeting_id=meeting.id))
    status = 400 if member_form.errors or meeting_form.errors else 200
    return render_template("klankbordgroep/group.html", group=group, is_admin=is_admin,
                           member_form=member_form, meeting_form=meeting_form), status


@bp.post("/klankbordgroepen/leden/<int:member_id>/verwijderen")
@login_required
def remove_member(member_id: int):
    member = db.get_or_404(KlankbordMember, member_id)
    if (not kbg.is_region_admin_for(current_user, member.group)
            or not EmptyForm().validate_on_submit()):
        abort(403)
    group_id = member.group_id
    name = member.user.full_name
    with unit_of_work():
        kbg.remove_member(member, by=current_user)
    flash(_("%(name)s is geen lid meer van de groep.", name=name), "success")
    return redirect(url_for("klankbordgroep.group_page", group_id=group_id))


@bp.route("/klankbordgroepen/bijeenkomsten/<int:meeting_id>", methods=["GET", "POST"])
@login_required
def meeting_page(meeting_id: int):
    meeting = _meeting(meeting_id)
    may_edit = kbg.can_keep_minutes(current_user, meeting.group)
    forms = {"agenda": AgendaItemForm(prefix="agenda"),
             "minutes": MinutesForm(prefix="verslag", obj=meeting),
             "action": ActionItemForm(prefix="actie"), "document": DocumentForm(prefix="document")}
    if request.method == "POST":
        if not may_edit:
            abort(403)
        with unit_of_work(forms["document"], field="document") as work:
            if "agenda-title" in request.form and forms["agenda"].validate_on_submit():
                kbg.add_agenda_item(meeting, forms["agenda"].title.data)
            elif "verslag-minutes" in request.form and forms["minutes"].validate_on_submit():
                kbg.keep_minutes(meeting, minutes=forms["minutes"].minutes.data or "",
                                 decisions=forms["minutes"].decisions.data or "")
            elif "actie-title" in request.form and forms["action"].validate_on_submit():
                kbg.add_action_item(meeting, forms["action"].title.data,
                                    forms["action"].owner.data or "", forms["action"].due_date.data)
            elif "document-document" in request.files and forms["document"].validate_on_submit():
                upload = forms["document"].document.data
                try:
                    kbg.store_document(meeting, upload.filename or "",
                                       upload.read(kbg.MAX_DOCUMENT_BYTES + 1), by=current_user)
                finally:
                    upload.close()
        if work.ok and not any(f.errors for f in forms.values()):
            flash(_("Opgeslagen."), "success")
            return redirect(url_for("klankbordgroep.meeting_page", meeting_id=meeting.id))
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render_template("klankbordgroep/meeting.html", meeting=meeting, may_edit=may_edit,
                           forms=forms,
                           is_admin=kbg.is_region_admin_for(current_user, meeting.group)), status


@bp.post("/klankbordgroepen/bijeenkomsten/<int:meeting_id>/leden-uitnodigen")
@login_required
def invite_members(meeting_id: int):
    meeting = _meeting(meeting_id)
    if (not kbg.is_region_admin_for(current_user, meeting.group)
            or not EmptyForm().validate_on_submit()):
        abort(403)
    with unit_of_work() as work:
        batch = kbg.invite_members(meeting, by=current_user)
    if not work.ok:
        return redirect(url_for("klankbordgroep.meeting_page", meeting_id=meeting.id))
    return redirect(url_for("invitations.progress", batch_id=batch.id))


@bp.post("/klankbordgroepen/actiepunten/<int:item_id>/status")
@login_required
def action_item_status(item_id: int):
    item = db.get_or_404(ActionItem, item_id)
    meeting = _meeting(item.meeting_id)
    if not kbg.can_keep_minutes(current_user, meeting.group):
        abort(403)
    form = ActionStatusForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        kbg.set_action_status(item, ActionStatus(form.status.data))
    flash(_("De status van het actiepunt is bijgewerkt."), "success")
    return redirect(url_for("klankbordgroep.meeting_page", meeting_id=meeting.id) + "#actiepunten")


@bp.get("/klankbordgroepen/documenten/<int:document_id>")
@login_required
def document(document_id: int):
    doc = db.get_or_404(MeetingDocument, document_id)
    _meeting(doc.meeting_id)
    path = kbg.document_path(doc)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=doc.content_type, as_attachment=True,
                     download_name=doc.original_name)


@bp.route("/uitvoeringsagenda", methods=["GET", "POST"])
@login_required
def agenda_page():
    if not (current_user.is_region_admin or kbg.is_any_member(current_user)):
        abort(403)
    region = current_user.region
    half_year = request.args.get("halfjaar", agenda.current_half_year())
    try:
        agenda.half_year_bounds(half_year)
    except ValueError:
        abort(404)
    form = ProgressForm()
    organisation = None
    with unit_of_work(flash_others=False) as asked:  # refused: the page says why
        organisation = agenda.writing_organisation(current_user, region,
                                                   request.args.get("organisatie", type=int))
    refusal = asked.error.message if asked.error else None
    if request.method == "POST":
        action_id = request.form.get("action_id", type=int)
        if action_id is None:
            abort(400)
        action = db.get_or_404(AgendaAction, action_id)
        if action.region_id != region.id:
            abort(403)
        if refusal is None and form.validate_on_submit():
            with unit_of_work(form, field="text") as work:
                agenda.write_progress(action, half_year, form.text.data, by=current_user,
                                      organisation=organisation)
            if work.ok:
                flash(_("De voortgang is opgeslagen."), "success")
                return redirect(url_for("klankbordgroep.agenda_page", halfjaar=half_year,
                                        organisatie=organisation.id if organisation else None))
    status = 403 if refusal and request.method == "POST" else 400 if form.errors else 200
    return render_template("klankbordgroep/agenda.html", actions=agenda.actions(region),
                           progress=agenda.progress_for(region, half_year), half_year=half_year,
                           half_years=agenda.recent_half_years(half_year), form=form,
                           organisation=organisation, refusal=refusal,
                           posted_action_id=request.form.get("action_id", type=int),
                           organisations=agenda.contributing_organisations(current_user, region),
                           own_texts=agenda.own_texts(region, half_year, organisation)
                           if refusal is None else {}), status


def _action_form_page(action: AgendaAction | None):
    form = AgendaActionForm(obj=action)
    if form.validate_on_submit():
        with unit_of_work(form, field="number") as work:
            agenda.save_action(current_user.region, number=form.number.data, title=form.title.data,
                               measures=form.measures.data or "", by=current_user, action=action)
        if work.ok:
            flash(_("De actie is opgeslagen."), "success")
            return redirect(url_for("klankbordgroep.agenda_page"))
    return render_template("klankbordgroep/action_form.html", form=form, action=action), (
        400 if form.errors else 200)


@bp.route("/uitvoeringsagenda/acties/nieuw", methods=["GET", "POST"])
@region_admin_required
def new_action():
    return _action_form_page(None)


@bp.route("/uitvoeringsagenda/acties/<int:action_id>", methods=["GET", "POST"])
@region_admin_required
def edit_action(action_id: int):
    action = db.get_or_404(AgendaAction, action_id)
    if action.region_id != current_user.region_id:
        abort(403)
    return _action_form_page(action)


@bp.get("/uitvoeringsagenda/voortgangsrapportage-<half_year>.pdf")
@login_required
def progress_report(half_year: str):
    if not (current_user.is_region_admin or kbg.is_any_member(current_user)):
        abort(403)
    try:
        content = agenda.progress_report_pdf(current_user.region, half_year)
    except ValueError:
        abort(404)
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="voortgangsrapportage-{half_year}.pdf"'})
