"""Views read like a sentence: the unit of work commits or rolls back and puts refusals on
the form, and the services queue their own background work once the transaction commits."""

from __future__ import annotations

import pytest
from conftest import ROOT

from leerhuis.errors import Busy, DomainError
from leerhuis.services import (
    accounts,
    agenda,
    attendance,
    certificates,
    evaluations,
    event_types,
    form_tokens,
    invitations,
    klankbordgroep,
    lessons,
    participants,
    programme,
    registrations,
    skj,
    tokens,
)

ROUTES = sorted((ROOT / "leerhuis" / "blueprints").glob("*/routes.py"))
assert len(ROUTES) >= 10, "the views were not found: a check of nothing proves nothing"


@pytest.mark.parametrize("path", ROUTES, ids=lambda path: path.parent.name)
@pytest.mark.parametrize("forbidden", ["db.session.commit(", "db.session.rollback(",
                                       "from leerhuis.tasks", "from leerhuis import tasks"])
def test_no_view_commits_rolls_back_or_queues_tasks_itself(path, forbidden):
    assert forbidden not in path.read_text()


def test_every_refusal_of_a_service_is_a_domain_error():
    refusals = [accounts.AccountError, agenda.AgendaError, attendance.AttendanceError,
                certificates.CertificateError, evaluations.EvaluationError,
                event_types.EventTypeError, form_tokens.AlreadySubmitted,
                form_tokens.TokenRefused, invitations.InvitationError,
                klankbordgroep.KlankbordError, lessons.LessonError, participants.ParticipantError,
                programme.ProgrammeError, programme.PrivacyCheckFailed,
                registrations.RegistrationError, skj.SkjError, tokens.TokenError]
    assert all(issubclass(refusal, DomainError) for refusal in refusals)
    assert issubclass(registrations.RegistrationBusy, Busy)


def test_a_domain_error_keeps_its_message_on_its_field_or_on_the_whole_form():
    on_field = DomainError("Kies een datum.", field="start")
    assert on_field.errors == {"start": "Kies een datum."}
    assert on_field.field == "start"
    whole = DomainError("Dit kan niet.")
    assert whole.errors == {"": "Dit kan niet."}
    assert whole.message == "Dit kan niet."
    several = DomainError(errors={"title": "Geef een titel.", "city": "Geef een plaats."})
    assert several.message == "Geef een titel.; Geef een plaats."
    assert DomainError("x").status == 400
