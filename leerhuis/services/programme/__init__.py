"""The programme: creating, checking and moving events through the organiser-to-Region workflow.

One module per job, each with the rules it enforces in its own docstring:
- ``permissions``: who may see, create, edit and run which event;
- ``public``: what the public sees (published event in a published year, no members-only
  meeting), as SQL clauses and as Python checks kept equal;
- ``validation``: the event and session input and its checks, the anonymisation guard;
- ``editing``: creating, changing, copying, repeating, coupling and cancelling events;
- ``workflow``: submit, approve, return, finish, and publish a programme year;
- ``errors``: ProgrammeError and PrivacyCheckFailed.

Callers use the package (``programme.can_view(...)``, ``from leerhuis.services.programme
import EventInput``); the modules import each other, never this package, and form no cycle
(permissions → public; editing and workflow → permissions, validation, errors).
"""

from leerhuis.formatting import AMSTERDAM
from leerhuis.services.programme.editing import (
    EventUpdate,
    apply_cancel,
    apply_update,
    couple_case_discussion,
    create_event,
    create_recurring,
    duplicate_event,
    programme_year_of,
)
from leerhuis.services.programme.errors import PrivacyCheckFailed, ProgrammeError
from leerhuis.services.programme.permissions import (
    EDITABLE_BY_ORGANISER,
    attends_meeting,
    can_create_for,
    can_edit,
    can_manage,
    can_view,
    in_draft_programme,
    is_organiser_in_region,
    is_organiser_of,
    is_region_admin_for,
)
from leerhuis.services.programme.public import (
    is_members_only,
    is_publicly_visible,
    is_released,
    members_only_clause,
    programme_is_published,
    public_clause,
    released_clause,
    remember_public,
    was_published,
    was_published_clause,
)
from leerhuis.services.programme.validation import (
    EventInput,
    SessionInput,
    check_privacy,
    guard_texts,
    validate,
)
from leerhuis.services.programme.workflow import (
    finish_past_events,
    get_programme_year,
    organisers_of,
    publish,
    publish_programme_year,
    return_to_organiser,
    review_queue,
    submit,
)

__all__ = [
    "AMSTERDAM",
    "EDITABLE_BY_ORGANISER",
    "EventInput",
    "EventUpdate",
    "PrivacyCheckFailed",
    "ProgrammeError",
    "SessionInput",
    "apply_cancel",
    "apply_update",
    "attends_meeting",
    "can_create_for",
    "can_edit",
    "can_manage",
    "can_view",
    "check_privacy",
    "couple_case_discussion",
    "create_event",
    "create_recurring",
    "duplicate_event",
    "finish_past_events",
    "get_programme_year",
    "guard_texts",
    "in_draft_programme",
    "is_members_only",
    "is_organiser_in_region",
    "is_organiser_of",
    "is_publicly_visible",
    "is_region_admin_for",
    "is_released",
    "members_only_clause",
    "organisers_of",
    "programme_is_published",
    "programme_year_of",
    "public_clause",
    "publish",
    "publish_programme_year",
    "released_clause",
    "remember_public",
    "return_to_organiser",
    "review_queue",
    "submit",
    "validate",
    "was_published",
    "was_published_clause",
]
