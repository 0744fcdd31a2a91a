"""What people read for a stored state.

The database keeps short Dutch codes ("bevestigd", "ingetrokken", "veilig_thuis"); they are
data, not text. Every page, mail and PDF shows the label from this table instead, through
Flask-Babel, so an English reader sees English and a code can be renamed in the UI without a
migration. Tables are keyed by the enum's stored value (the form values and the JSON of the
data export use the same strings).

Templates use the ``label`` filter (``{{ certificate.status|label }}``); Python code calls
:func:`label`.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from leerhuis.models import (
    ActionStatus,
    ApprovalStatus,
    AttendanceState,
    CertificateStatus,
    EventStatus,
    GroupType,
    OrganisationType,
    OutboxStatus,
    RegistrationStatus,
    RunStatus,
)
from leerhuis.services.anonymisation import KIND_LABELS as PRIVACY_FINDING_KIND  # noqa: F401 - the guard owns its labels

EVENT_STATUS = {
    "concept": _l("concept"),
    "ingediend": _l("ingediend"),
    "gepubliceerd": _l("gepubliceerd"),
    "afgerond": _l("afgerond"),
    "geannuleerd": _l("geannuleerd"),
}
REGISTRATION_STATUS = {
    "bevestigd": _l("aangemeld"),
    "wachtlijst": _l("op de wachtlijst"),
    "aangeboden": _l("plaats aangeboden"),
    "afgemeld": _l("afgemeld"),
}
ATTENDANCE_STATE = {
    "aanwezig": _l("aanwezig"),
    "afwezig": _l("afwezig"),
    "afgemeld": _l("afgemeld"),
}
CERTIFICATE_STATUS = {
    "geldig": _l("geldig"),
    "ingetrokken": _l("ingetrokken"),
}
RUN_STATUS = {
    "wachtend": _l("in de wachtrij"),
    "bezig": _l("bezig"),
    "klaar": _l("klaar"),
    "mislukt": _l("mislukt"),
}
OUTBOX_STATUS = {
    "wachtend": _l("wacht op verzending"),
    "verzonden": _l("verzonden"),
    "mislukt": _l("mislukt"),
}
# An invitation's status is derived (its mail's status, or 'aangemeld' once the invitee
# registered): see services.invitations.batch_state.
INVITATION_STATUS = {
    "wachtend": _l("wacht op verzending"),
    "verzonden": _l("verzonden"),
    "mislukt": _l("mislukt"),
    "aangemeld": _l("aangemeld"),
}
APPROVAL_STATUS = {
    "aangevraagd": _l("aangevraagd"),
    "goedgekeurd": _l("goedgekeurd"),
    "afgewezen": _l("afgewezen"),
}
ORGANISATION_TYPE = {
    "zorgaanbieder": _l("Zorgaanbieder"),
    "gemeente": _l("Gemeente / uitvoeringsdienst"),
    "gecertificeerde_instelling": _l("Gecertificeerde instelling"),
    "veilig_thuis": _l("Veilig Thuis"),
    "jeugd_en_gezin": _l("Jeugd en Gezin"),
    "huisartsen": _l("Huisartsen"),
    "onderwijs": _l("Onderwijs"),
    "welzijn": _l("Welzijn / voorveld"),
    "ervaringsdeskundigen": _l("Ervaringsdeskundigen-organisatie"),
    "regio": _l("Regio"),
}
GROUP_TYPE = {
    "partners": _l("partners Zo thuis mogelijk opgroeien"),
    "ambtelijk": _l("ambtelijk"),
    "ouders_jeugd": _l("ouders en jeugd"),
}
ACTION_STATUS = {
    "open": _l("open"),
    "in_behandeling": _l("in behandeling"),
    "afgerond": _l("afgerond"),
}

# What the Region reads in the audit log for each recorded action (services call
# audit.record("<code>", …); tests/test_labels.py checks every code in the sources has one).
AUDIT_ACTION = {
    "account.deleted": _l("account verwijderd"),
    "agenda.action_saved": _l("actie in de uitvoeringsagenda opgeslagen"),
    "attendance.changed": _l("presentie gewijzigd"),
    "attendance.closed": _l("presentie afgesloten"),
    "certificate.issued": _l("bewijs van deelname uitgegeven"),
    "certificate.revoked": _l("bewijs van deelname ingetrokken"),
    "event.cancelled": _l("activiteit geannuleerd"),
    "event.created": _l("activiteit aangemaakt"),
    "event.message_sent": _l("bericht aan de deelnemers verstuurd"),
    "event.published": _l("activiteit gepubliceerd"),
    "event.returned": _l("activiteit teruggestuurd"),
    "event.submitted": _l("activiteit ingediend"),
    "event_type.created": _l("soort activiteit toegevoegd"),
    "event_type.updated": _l("soort activiteit gewijzigd"),
    "export.attendance": _l("presentie-export gedownload"),
    "export.overview": _l("overzicht gedownload"),
    "export.own_data": _l("eigen gegevens gedownload"),
    "export.registrations": _l("deelnemerslijst gedownload"),
    "export.skj_points": _l("SKJ-overzicht gedownload"),
    "klankbord.group_changed": _l("klankbordgroep gewijzigd"),
    "klankbord.group_created": _l("klankbordgroep aangemaakt"),
    "klankbord.member_added": _l("lid aan klankbordgroep toegevoegd"),
    "klankbord.member_removed": _l("lid uit klankbordgroep verwijderd"),
    "mail.viewed": _l("verzonden e-mail bekeken"),
    "invitation.outside_addresses": _l("adressen van buiten de regio uitgenodigd"),
    "lesson.published": _l("les gepubliceerd"),
    "lesson.rejected": _l("les afgewezen"),
    "organisation.approved": _l("organisatie goedgekeurd"),
    "organisation.denied": _l("organisatie afgewezen"),
    "organiser_role.approved": _l("organisator goedgekeurd"),
    "organiser_role.denied": _l("organisator afgewezen"),
    "programme.published": _l("jaarprogramma gepubliceerd"),
    "registration.added_by_hand": _l("deelnemer toegevoegd door organisator of regio"),
    "registration.removed_by_hand": _l("deelnemer afgemeld door organisator of regio"),
    "retention.applied": _l("bewaartermijn toegepast (gegevens geanonimiseerd)"),
}

BY_ENUM: dict[type[enum.Enum], dict] = {
    EventStatus: EVENT_STATUS,
    RegistrationStatus: REGISTRATION_STATUS,
    AttendanceState: ATTENDANCE_STATE,
    CertificateStatus: CERTIFICATE_STATUS,
    RunStatus: RUN_STATUS,
    OutboxStatus: OUTBOX_STATUS,
    ApprovalStatus: APPROVAL_STATUS,
    OrganisationType: ORGANISATION_TYPE,
    GroupType: GROUP_TYPE,
    ActionStatus: ACTION_STATUS,
}

# The organisation types as form choices, in the order of the enum.
ORGANISATION_TYPE_LABELS = {t: ORGANISATION_TYPE[t.value] for t in OrganisationType}


def audit_action(code: str) -> str:
    """The audit log's reading of an action code; an unknown code is shown as it is."""
    found = AUDIT_ACTION.get(code)
    return str(found) if found is not None else code


def label(member: enum.Enum | None) -> str:
    """The translated label of a stored state; '' for None. A member without a label is a
    programming error (tests/test_labels.py checks every enum in BY_ENUM), but a page still
    shows its code rather than failing."""
    if member is None:
        return ""
    table = BY_ENUM.get(type(member), {})
    found = table.get(member.value)
    return str(found) if found is not None else str(member.value)
