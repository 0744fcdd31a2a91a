"""The programme's errors: a broken rule, and texts the anonymisation guard stopped."""

from __future__ import annotations

from flask_babel import gettext as _

from leerhuis.errors import DomainError
from leerhuis.services import anonymisation


class ProgrammeError(DomainError):
    """A rule of the programme (who may create, change, publish or cancel what) was broken."""


class PrivacyCheckFailed(ProgrammeError):
    """The guard found identifying data; ``results`` holds its findings per field. Texts
    that only may identify someone need the author's confirmation (``privacy_confirmed``)."""

    def __init__(self, results: dict[str, anonymisation.GuardResult], needs_confirmation: bool):
        self.results = results
        self.needs_confirmation = needs_confirmation
        errors = {name: self.message_for(result) for name, result in results.items()}
        if needs_confirmation:
            errors["privacy_confirmed"] = _("Vink aan dat je de gemarkeerde gegevens hebt "
                                            "gecontroleerd.")
        super().__init__(errors=errors)

    @staticmethod
    def message_for(result: anonymisation.GuardResult) -> str:
        """Names what was actually found, never a kind the text does not hold."""
        if result.blocking:
            return _("Deze tekst bevat gegevens die niet opgeslagen mogen worden: %(kinds)s. "
                     "Haal ze weg.", kinds=", ".join(result.labels(result.blocking)))
        return _("Deze tekst bevat mogelijk gegevens van een cliënt: %(kinds)s. Bevestig dat de "
                 "tekst anoniem is.", kinds=", ".join(result.labels()))
