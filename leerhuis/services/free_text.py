"""What every free-text field of the portal may hold (issue 21 §1, domain brief §6).

Rule: no client identifiers anywhere. A BSN (11-proef) or IBAN is refused in every free
text; an e-mail address or phone number too, except in the fields meant for the
organiser's own contact details. Case texts (casuïstiek, lessons, spiegelbijeenkomst
reports, evaluations) are refused the same identifiers here and pass the full guard
(names, dates, places, ages to confirm) in their own service, as before.

Each form names the kind of each of its text fields (``guarded`` in
``blueprints/forms_common.GuardedForm``); this module says what each kind refuses.
"""

from __future__ import annotations

from flask_babel import gettext as _

from leerhuis.services import anonymisation

CASE_TEXT = "case_text"  # identifiers refused here; names/dates confirmed by the case guard
NO_IDENTIFIERS = "no_identifiers"  # no BSN, IBAN, e-mail address or phone number
OWN_CONTACT = "own_contact"  # the organiser's own e-mail/phone allowed; no BSN or IBAN
KINDS = (CASE_TEXT, NO_IDENTIFIERS, OWN_CONTACT)


def refused(text: str | None, kind: str) -> anonymisation.GuardResult | None:
    """The identifiers ``text`` may not hold as a field of ``kind``, or None when it may be
    stored."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of text field: {kind!r}")
    if not text:
        return None
    result = anonymisation.check_identifiers(text, allow_contact=kind == OWN_CONTACT)
    return None if result.is_clean else result


def refusal_message(result: anonymisation.GuardResult) -> str:
    """One Dutch sentence naming what was found, in the order found."""
    labels = list(dict.fromkeys(finding.label for finding in result.findings))
    return _("Dit veld bevat gegevens die niet opgeslagen mogen worden: %(found)s. Haal ze weg.",
             found=", ".join(labels))
