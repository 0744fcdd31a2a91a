"""The anonymisation guard: checks free text that may touch client information.

Rule (domain brief §6): client data may never be stored. Before a case text, lesson or
evaluation is saved, it is checked for
- identifiers that block saving: BSN (11-proef), e-mail address, phone number, IBAN,
  postcode with house number;
- names, dates and places, found by deduce (Dutch de-identification), which need the
  author's explicit confirmation and are flagged for the Region's review.
The checks reduce risk; they do not guarantee anonymity.

deduce takes seconds to load: one shared instance per process, loaded by ``warm_up()`` in
a background thread at worker start, never on the request path unless it is still loading.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

BLOCKING = "block"
CONFIRM = "confirm"

KIND_LABELS = {
    "bsn": _l("BSN"),
    "email": _l("e-mailadres"),
    "phone": _l("telefoonnummer"),
    "iban": _l("IBAN"),
    "postcode_address": _l("adres of postcode"),
    "dossier_number": _l("dossier-, cliënt- of zaaknummer"),
    "licence_plate": _l("kenteken"),
    "handle": _l("account op sociale media"),
    "name": _l("naam"),
    "nickname": _l("bijnaam of roepnaam"),
    "initials": _l("initialen"),
    "date": _l("datum"),
    "date_of_birth": _l("geboortedatum"),
    "place": _l("plaats of adres"),
    "age": _l("leeftijd"),
    "age_family": _l("leeftijden en gezinssamenstelling"),
    "school_club_workplace": _l("school, club of werkplek"),
    "rare_role": _l("zeldzame rol"),
    "institution": _l("instelling"),
}
PLACEHOLDERS = {
    "bsn": "[BSN]", "email": "[E-MAIL]", "phone": "[TELEFOON]", "iban": "[IBAN]",
    "postcode_address": "[ADRES]", "dossier_number": "[DOSSIERNUMMER]",
    "licence_plate": "[KENTEKEN]", "handle": "[ACCOUNT]", "name": "[NAAM]",
    "nickname": "[NAAM]", "initials": "[NAAM]", "date": "[DATUM]", "date_of_birth": "[DATUM]",
    "place": "[PLAATS]", "age": "[LEEFTIJD]", "age_family": "[GEZIN]",
    "school_club_workplace": "[SCHOOL/CLUB/WERK]", "rare_role": "[ROL]",
    "institution": "[INSTELLING]",
}
EXPLANATIONS = {
    "bsn": _l("Dit is een burgerservicenummer. Een BSN mag nooit in het portaal staan."),
    "email": _l("Met een e-mailadres is iemand direct te vinden."),
    "phone": _l("Met een telefoonnummer is iemand direct te vinden."),
    "iban": _l("Een rekeningnummer hoort bij één persoon of gezin."),
    "postcode_address": _l("Een adres of postcode wijst het huis van het gezin aan."),
    "dossier_number": _l("Met een dossier-, cliënt- of zaaknummer is het dossier van de cliënt "
                         "terug te vinden."),
    "licence_plate": _l("Een kenteken hoort bij één auto en dus bij één eigenaar."),
    "handle": _l("Een account op sociale media leidt direct naar de persoon."),
    "name": _l("Een naam maakt de cliënt of een familielid herkenbaar."),
    "nickname": _l("Ook een bijnaam of roepnaam maakt iemand herkenbaar voor wie hem kent."),
    "initials": _l("Initialen zijn samen met de rest van de casus vaak genoeg om iemand te "
                   "herkennen."),
    "date": _l("Een precieze datum kan een geboortedatum of een herkenbare gebeurtenis zijn."),
    "date_of_birth": _l("Een geboortedatum maakt iemand bijna uniek."),
    "place": _l("Een plaats of adres kan het gezin aanwijzen."),
    "age": _l("Een precieze leeftijd maakt iemand samen met andere gegevens herkenbaar."),
    "age_family": _l("Precieze leeftijden of geboortejaren samen met de gezinssamenstelling "
                     "wijzen in een kleine gemeente vaak één gezin aan."),
    "school_club_workplace": _l("Een school, klas, club of werkplek met een naam of plaats "
                                "maakt de kring rond iemand klein."),
    "rare_role": _l("Een rol die maar weinig mensen hebben, wijst precies één persoon aan."),
    "institution": _l("Een instelling kan samen met de rest van de casus iemand aanwijzen."),
}
REWRITES = {
    "bsn": _l("laat het nummer weg"),
    "email": _l("laat het adres weg"),
    "phone": _l("laat het nummer weg"),
    "iban": _l("laat het rekeningnummer weg"),
    "postcode_address": _l("\"in de regio\" of \"in een dorp in de regio\""),
    "dossier_number": _l("laat het nummer weg; verwijs zo nodig naar \"het dossier\""),
    "licence_plate": _l("\"de auto van vader\""),
    "handle": _l("\"op sociale media\""),
    "name": _l("een rol, zoals \"het meisje\", \"de jongere\" of \"moeder\""),
    "nickname": _l("\"de jongere\" of \"het kind\""),
    "initials": _l("een rol, zoals \"moeder\" of \"de jongere\""),
    "date": _l("\"in het voorjaar\" of \"vorig jaar\""),
    "date_of_birth": _l("een leeftijdsgroep, zoals \"een kind van basisschoolleeftijd\""),
    "place": _l("\"in de regio\""),
    "age": _l("een leeftijdsgroep, zoals \"een tiener\""),
    "age_family": _l("\"een gezin met meerdere kinderen van basisschoolleeftijd\""),
    "school_club_workplace": _l("\"op de basisschool\", \"op een sportclub\" of \"in de "
                                "detailhandel\""),
    "rare_role": _l("\"vader heeft een bekende functie in het dorp\" of laat de rol weg"),
    "institution": _l("\"een instelling in de regio\""),
}
# "Lotte (12)" → an age group instead of name and age.
_AGE_GROUPS = ((3, _l("een peuter")), (12, _l("een kind van basisschoolleeftijd")),
               (17, _l("een tiener")), (200, _l("een volwassene")))


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int
    severity: str  # BLOCKING or CONFIRM

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def explanation(self) -> str:
        """Why this part may identify someone, in plain Dutch for the author."""
        return str(EXPLANATIONS.get(self.kind, EXPLANATIONS["name"]))

    @property
    def rewrite(self) -> str:
        """A suggested anonymous wording for this part."""
        age = re.search(r"\((\d{1,2})\)", self.text)
        if self.kind in ("name", "nickname", "initials") and age:
            return str(next(label for limit, label in _AGE_GROUPS if int(age.group(1)) <= limit))
        return str(REWRITES.get(self.kind, REWRITES["name"]))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class GuardResult:
    text: str
    findings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

    @property
    def to_confirm(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == CONFIRM]

    @property
    def is_clean(self) -> bool:
        return not self.findings

    def labels(self, findings: Iterable[Finding] | None = None) -> list[str]:
        """The distinct labels of the findings (all, or those given), in order of appearance."""
        out: list[str] = []
        for finding in self.findings if findings is None else findings:
            if finding.label not in out:
                out.append(finding.label)
        return out

    def suggestion(self) -> str:
        """The text with every finding replaced by a placeholder."""
        out, pos = [], 0
        for finding in self.findings:
            if finding.start < pos:
                continue
            out.append(self.text[pos:finding.start])
            out.append(PLACEHOLDERS.get(finding.kind, "[…]"))
            pos = finding.end
        out.append(self.text[pos:])
        return "".join(out)

    def segments(self) -> list[tuple[str, Finding | None]]:
        """The text cut into plain parts and findings, for highlighting in a template."""
        parts: list[tuple[str, Finding | None]] = []
        pos = 0
        for finding in self.findings:
            if finding.start < pos:
                continue
            if finding.start > pos:
                parts.append((self.text[pos:finding.start], None))
            parts.append((self.text[finding.start:finding.end], finding))
            pos = finding.end
        if pos < len(self.text):
            parts.append((self.text[pos:], None))
        return parts


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch numbers: 06-12345678, 06 1234 5678, 020-1234567, +31 6 12345678, 0031…, 06 - 1122 3344
_SEP = r"(?:\s?-\s?|\s)?"
_PHONE = re.compile(
    rf"(?<![\w+])(?:(?:\+|00)31{_SEP}(?:\(0\))?{_SEP}|0)(?:[1-9](?:{_SEP}\d){{8}})(?!\d)")
_STREET_SUFFIX = (r"(?:straatweg|straat|laan|weg|plein|kade|gracht|singel|dreef|hof|pad|steeg|"
                  r"plantsoen|dijk|markt|brink|allee|boulevard|park|erf|veld|wal|haven|meent)")
_POSTCODE_HOUSE = re.compile(
    r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b(?:[\s,]+(?:huisnr\.?\s*|nr\.?\s*)?\d{1,5}[a-zA-Z]?\b)?"
    rf"|(?<![\w@.])[A-Za-zÀ-ÿ'’-]{{2,}}{_STREET_SUFFIX}\s+(?:nr\.?\s*)?\d{{1,4}}"
    r"(?:\s?(?:hs|bis|[a-zA-Z])\b)?(?![\d-])", re.IGNORECASE)
_POSTCODE_ONLY = re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b")
_NINE_DIGITS = re.compile(r"(?<![\d-])(\d[\s.-]?){8}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[\s]?(?:[A-Z0-9]{4}[\s]?){2,7}[A-Z0-9]{1,4}\b", re.IGNORECASE)
# A Dutch account number by its shape: one typo in the check digits still points at one account.
_DUTCH_ACCOUNT = re.compile(r"NL\d{2}[A-Z]{4}\d{10}", re.IGNORECASE)
_MONTHS = (r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
           r"december|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)")
_DATE = re.compile(
    # no month 00 and no ".00" after: "15.00-17.00" is a time range, not a date
    r"\b(?:[0-3]?\d[-/.](?:0?[1-9]|1[0-2])[-/.](?P<y1>(?:19|20)?\d{2}))\b(?![.:]\d)"
    r"|\b(?P<y2>(?:19|20)\d{2})-[01]\d-[0-3]\d\b"
    rf"|\b[0-3]?\d\s+{_MONTHS}\.?\s+(?P<y3>(?:19|20)\d{{2}})\b", re.IGNORECASE)
_BIRTH_CUE = re.compile(r"\b(?:geb(?:oren)?\.?|geboortedatum|gebdat|dob)\b[\s:(]*(?:op\s+)?$",
                        re.IGNORECASE)
# After a birth cue a partial date is a date of birth too: "geboren in maart 2015", "bj 2012",
# "jarig op 2 februari", "geboren op 17 aug jl." (the year left implicit).
_BIRTH_PARTIAL = re.compile(
    rf"\b(?:geboren|geb\.|gebdat\.?|bj\.?|geboortejaar|jarig)\s*:?\s*(?:op\s+|in\s+)?"
    rf"(?P<date>[0-3]?\d\s+{_MONTHS}\b\.?(?:\s+(?:19|20)\d{{2}}|\s+jl\.?)?"
    rf"|{_MONTHS}\s+(?:19|20)\d{{2}}|(?:19|20)\d{{2}})\b", re.IGNORECASE)
_NUMBER_WORDS = (r"(?:dossier\s*(?:-\s*)?(?:nummer|nr\.?)|dossier\s+nr\.?|"
                 r"cli[eë]nt\s*(?:-\s*)?(?:nummer|nr\.?|id)|cli[eë]nt\s+id|"
                 r"zaak\s*(?:-\s*)?(?:nummer|nr\.?|id)|casus\s*(?:-\s*)?(?:nummer|nr\.?)|"
                 r"kenmerk|referentie|registratie\s*(?:-\s*)?(?:nummer|nr\.?))")
_DOSSIER = re.compile(
    rf"(?<!SKJ[- ])\b{_NUMBER_WORDS}"
    rf"(?:\s+(?:van\s+de\s+[A-Za-zÀ-ÿ]+|bij\s+de\s+[A-Za-zÀ-ÿ]+|[A-Za-zÀ-ÿ-]+))?"
    rf"[\s:#.]*(?:is\s+)?"
    r"(?P<number>[A-Z]{0,5}[\s-]?\d[\d./-]{2,}\d)", re.IGNORECASE)
# "GI-dossier 1034-77", "dossier 2023/118": a number straight after the word dossier names it.
# A bare year ("het dossier 2019") is no number of the dossier.
_DOSSIER_BARE = re.compile(r"\bdossier\s*[:#]?\s*(?!(?:19|20)\d{2}\b(?![./-]\d))"
                           r"(?P<number>\d[\d./-]{2,}\d)", re.IGNORECASE)
# The programme's own references: "Kenmerk activiteit LH-2026-014" names an activity, no client.
_OWN_REFERENCE = re.compile(r"\b(?:activiteit|training|bijeenkomst|cursus|programma|leergang|"
                            r"module|scholing|evenement)\w*\s*[:#]?\s*$", re.IGNORECASE)
_CODE = re.compile(r"\b[A-Z]{2,5}[-\s]\d{2,4}[-/.]\d{3,6}\b|\b[A-Z]-\d{5,}\b")
# People type plates in lower case too ("68-rj-zt"); _is_plate keeps only plate shapes.
_PLATE = re.compile(r"(?<![\w-])(?:[A-Z]{1,3}|\d{1,3})-(?:[A-Z]{1,3}|\d{1,3})-"
                    r"(?:[A-Z]{1,3}|\d{1,3})"
                    r"(?![\w-])", re.IGNORECASE)
# After the word kenteken, six letters and digits without dashes are a plate as well.
_PLATE_NAMED = re.compile(r"\bkenteken\w*\s*[:]?\s*(?:is\s+|van\s+\w+\s*:?\s*)?"
                          r"(?P<plate>[A-Za-z0-9]{6})\b", re.IGNORECASE)
# A quoted name a few words after a platform is the account or page: fb onder 'Naam'.
_PLATFORMS = (r"tiktok|insta(?:gram)?|snap(?:chat)?|facebook|fb|youtube|discord|twitter|"
              r"telegram|twitch")
_HANDLE_QUOTED = re.compile(
    rf"\b(?:{_PLATFORMS}|whatsapp|x)\b[^.\n'\"‘“]{{0,25}}?['\"‘“](?P<handle>[^'\"’”\n]{{2,40}})['\"’”]",
    re.IGNORECASE)
# An underscore inside a word (DarkSlayer_035, xx_naam_xx) occurs in user names, not in prose.
_HANDLE_UNDERSCORE = re.compile(r"(?<![\w@.])[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+(?![\w@]|\.\w)")
_HANDLE_AT = re.compile(r"(?<![\w.@])@[A-Za-z0-9_.]{2,30}[A-Za-z0-9_]")
_HANDLE_PLATFORM = re.compile(
    rf"\b(?:{_PLATFORMS})\b[^.\n@]{{0,30}}?(?:\b(?:als|is|kanaal|account|naam)\b|:)\s*['\"‘“]?"
    r"(?P<handle>[\w.#-]{3,40})", re.IGNORECASE)
_RELATIONS = (r"(?:moeder|vader|stiefvader|stiefmoeder|pleegmoeder|pleegvader|oma|opa|tante|oom|"
              r"broer|broertje|zus|zusje|zoon|dochter|neef|nicht|jongen|meisje|jongere|cli[eë]nt|"
              r"kind|vriend|vriendin|partner|buurman|buurvrouw|mevrouw|meneer|mevr|mw|dhr|fam|"
              r"familie|jeugdige)")
_INITIALS = re.compile(
    r"\b[A-Z]\.\s?(?:[A-Z]\.\s?)+(?:[A-Z][a-z]+)?"
    r"|\b[A-Z]\.\s(?:(?:van|de|der|den|v\.d\.|vd)\s)+[A-Z]\."
    rf"|\b{_RELATIONS}\.?\s+\(?(?:(?:van|de|der|den|v\.d\.|vd)\s+)*[A-Z]\.(?!\w)",
    re.IGNORECASE)
_NICKNAME = re.compile(
    r"\b(?:(?:bij|roep)naam(?:\s+\w+){0,3}?\s+(?:is\s+)?|noemen?\s+(?:hem|haar)(?:\s+\w+){0,2}?\s+"
    r"|(?:kent|kennen)\s+(?:hem|haar)\s+als\s+|door\s+het\s+leven\s+als\s+"
    r"|heet\s+(?:hij|ze|zij)?\s*(?:gewoon\s+|eigenlijk\s+)?)"
    r"(?P<nick>['\"‘“][^'\"’”]{2,30}['\"’”]|[A-Za-zÀ-ÿ]{2,20}(?:\s+[A-Z][a-zà-ÿ]+)?)"
    r"|(?:wordt|werd)\s+(?:\w+\s+){0,3}?(?P<nick2>[A-Za-zÀ-ÿ]{2,20})\s+genoemd"
    # "die ze op straat 'Kleine K' noemen": a quoted name right before the verb of naming
    r"|(?P<nick3>['\"‘“][^'\"’”\n]{1,30}['\"’”])\s+(?:noemen|noemt|noemde|noemden|genoemd)\b",
    re.IGNORECASE)
_AGE = re.compile(r"\((?P<a>\d{1,2})\)|\b(?:van|is|zijn|met)\s+(?P<b>\d{1,2})(?![\d.:,-]\d)\b"
                  r"|\b(?P<c>\d{1,2})\s*(?:jaar|jr|-jarige)\b"
                  # case shorthand: "jongen 16", "vader 62", "ouders 38 en 45"
                  r"|\b(?:moeder|vader|zoon|dochter|zus|broer|stiefvader|stiefmoeder|jongen|meisje|"
                  r"jongere|jgd|kind|ouders)\s+(?P<d>\d{1,2})\b(?!\s*(?:x|keer|uur|min|wk|weken|dagen)\b)"
                  r"|(?<=,)\s*(?P<e>\d{1,2})\b(?=\s*(?:,|en\b|jaar))|\ben\s+(?P<f>\d{1,2})\b")
_BIRTH_YEAR = re.compile(r"(?:geboren(?:\s+in)?|geb\.?|\()\s*(?:19|20)\d{2}\b", re.IGNORECASE)
_FAMILY = re.compile(
    r"\b(?:moeder|vader|stief\w+|pleeg\w+|oma|opa|grootouders|broer\w*|zus\w*|zoon|zonen|"
    r"dochter\w*|kinderen|kind|kids|ouders|tweeling|oudste|jongste|middelste|halfbroer|halfzus|gezin|"
    r"partner|vriend|klein(?:dochter|zoon)|baby|zwanger)\b", re.IGNORECASE)
_SIBLING_POSITION = re.compile(r"\b(?:oudste|jongste|middelste)\s+van\s+(?:\w+)\s+kinderen\b"
                               r"|\btweeling\b|\benig\s+kind\b",
                               re.IGNORECASE)
_SCHOOL_WORD = (r"(?i:[\w-]*(?:school|college|lyceum|gymnasium|kinderdagverblijf)|kdv|bso|"
                r"peuterspeelzaal|scouting|[\w-]*(?:vereniging|club))")
_NAMED = r"(?:[A-Z][\w'-]+\s+){0,3}"
_SCHOOL = re.compile(
    rf"\b{_NAMED}{_SCHOOL_WORD}\b(?:\s+(?:{_NAMED}[A-Z][\w'-]+))?"
    r"(?P<tail>(?:[\s,(]+(?:in|uit|te)\s+[A-Z][\w'-]+)|(?:[\s,(]+(?:in\s+)?(?:groep|klas)\s+\d\w?)"
    r"|(?:[\s,(]+(?:in\s+)?(?:\d\s?)?(?:havo|vwo|vmbo[\w-]*|mavo)\b)|(?:[\s,(]+(?:[A-Z]{1,2}\d{1,2}[\w-]*)))?")
_CLASS = re.compile(r"\b(?:groep|klas)\s+\d\w?\s+(?:van|op)\s+(?:de|het)?\s*"
                    r"[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*"
                    r"(?:\s+in\s+[A-Z][\w'-]+)?")
_CLUB = re.compile(r"\b(?:VV|SV|HC|RKSV|KV)\s+[A-Z][\w'-]+\b"
                   r"|\b(?:voetbalt|hockeyt|turnt|zwemt|korfbalt|tennist|danst|judoot)\s+bij\s+"
                   r"(?:de\s+|het\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*")
_WORK = re.compile(
    r"\b(?:werkt|werkzaam|stage|leraar|lerares|juf|meester)\b[^.;\n]{0,60}?\b(?:bij|op|aan|in)\s+"
    r"(?:de\s+|het\s+)?[^.;\n]{0,50}?\b(?:in|gemeente)\s+[A-Z][\w'-]+"
    # a bus or train route is worked by a handful of drivers: "buschauffeur op lijn 320"
    r"|\b\w*(?:chauffeur|machinist|conducteur|bestuurder)\b[^.;\n]{0,20}?\blijn\s+\d+")
_RARE_ROLE = re.compile(
    r"\b(?:de|het)\s+(?:enige|bekende)\s+(?:[\w-]+\s+){1,5}?(?:in|van|op|bij)\s+"
    r"(?:de\s+|het\s+|zijn\s+|haar\s+)?[\w'-]+(?:\s+(?:in|van)\s+[A-Z][\w'-]+)?"
    r"|\b(?:is|was)\s+(?:de\s+)?(?:dominee|burgemeester|wethouder|pastoor|imam|rabbijn|notaris|"
    r"tandarts|huisarts|wijkagent|politieagent|directeur|presentat\w+)\s+(?:van|in|bij)\s+"
    r"(?:\w+\s+){0,4}?(?:[A-Z][\w'-]+|dorp|gemeente\w*|regio|buurt)", re.IGNORECASE)
# An office few people hold, with their relative: "de wethouder zijn zoon", "de dochter van de
# burgemeester"; someone known from television or radio.
_NOTABLE = (r"(?:burgemeester|wethouder|dominee|pastoor|imam|rabbijn|notaris|huisarts|wijkagent|"
            r"directeur|schooldirecteur|rector|gedeputeerde|raadslid|voorzitter)")
_RELATIVE = (r"(?:zoon|dochter|kind|kinderen|vrouw|man|partner|broer|zus|neef|nicht|"
             r"kleinzoon|kleindochter)")
_NOTABLE_RELATIVE = re.compile(
    rf"\bde\s+{_NOTABLE}\s+(?:zijn|haar|z'n|d'r)\s+{_RELATIVE}\b"
    rf"|\b{_RELATIVE}\s+van\s+de\s+{_NOTABLE}\b"
    r"|\bbekend\s+(?:van|op|uit)\s+(?:de\s+)?(?:tv|televisie|radio|youtube|tiktok|het\s+journaal)\b"
    r"|\b(?:bekende\s+nederlander|bn'?er)\b", re.IGNORECASE)
# "het enige Syrische gezin in ...": the role names a family itself.
_FAMILY_UNIT = re.compile(r"\b(?:gezin|familie)\b", re.IGNORECASE)
_PERSON_CUE = re.compile(r"\b(?:moeder|vader|stief\w+|pleeg\w+|oma|opa|oom|tante|broer\w*|zus\w*|"
                         r"zoon|dochter|ze|zij|hij|jongen|meisje|jongere|kind)\b", re.IGNORECASE)
# Words that name a provider: what follows is an organisation's name, not a client's.
_ORGANISATION_WORDS = (r"(?:gezinshuis|jongerenhuis|buurthuis|wijkcentrum|gemeentehuis|"
                       r"zorgboerderij|"
                       r"woongroep|stichting|\w*opvang|behandelgroep|kinderdagcentrum|jeugdhulp|"
                       r"pleegzorg|werkbezoek|locatie|praktijk|bibliotheek|zaal|station)")
# "Gezinshuis Familie Jansen", "Jongerenhuis De Stek": the article or "Familie" is the name's.
_ORGANISATION_WORD = re.compile(
    rf"{_ORGANISATION_WORDS}(?:\s+(?:de|het|familie))?\s*$", re.IGNORECASE)
# "De Meent Opvang": a name that ends in what the place is, is the place's name.
_ORGANISATION_NAME = re.compile(rf"\s{_ORGANISATION_WORDS}$", re.IGNORECASE)
# "Het Baken": no person's name begins with "het", so what follows it is a thing's name.
_THING_ARTICLE = re.compile(r"\bhet\s+$", re.IGNORECASE)
# "Max. 16 deelnemers": a capitalised word with a full stop before a number is an abbreviation.
_ABBREVIATION = re.compile(r"\.\s*\d")
# "Trainer: Sanne de Vries", "Docent: dhr. P. Visser": the programme names its professional.
_ROLE_LABEL = re.compile(
    r"\b(?:trainers?|trainster|docent(?:en)?|begeleiding|begeleiders?|sprekers?|gespreksleider|"
    r"facilitator|contactpersoon)\s*:\s*(?:(?:dhr|mw|mevr|drs|dr|mr|ir|prof|ing)\.?\s*)*$",
    re.IGNORECASE)
# A venue line: an address after the name of the place ("Locatie: Gezinshuis De Linde,
# Lindenlaan 3", "Verzamelen bij ... Het Anker, Kerkbrink 7"), with nobody said to live there.
# A client's address comes with a person or a verb of living ("oma woont op ..."); a bare
# "Adres: Kerkstraat 12" names no place and stays a finding.
_VENUE_NAME = re.compile(rf"(?i:{_ORGANISATION_WORDS})\b|\b(?i:de|het)\s+[A-Z][\w'-]+"
                         r"(?:\s+[A-Z][\w'-]+)*\s*,")
_RESIDENCE_CUE = re.compile(
    r"\b(?:woon\w*|wonen|verhuis\w*|slaap\w*|verblijf\w*|logeert|thuis|huis|adres\s+van|"
    r"moeder|vader|ouders|oma|opa|oom|tante|broer|zus|jongen|meisje|jongere|kind|cli[eë]nt|gezin|"
    r"vriend\w*|ex)\b", re.IGNORECASE)

_DEDUCE_KINDS = {
    "persoon": "name", "person": "name", "patient": "name", "patiënt": "name",
    "locatie": "place", "location": "place",
    "datum": "date", "date": "date",
}
# deduce also finds these; our own stricter checks cover them. A lone age, a lone place or an
# institution identifies nobody (our combination rules use them as context).
_DEDUCE_SKIPPED = {"telefoonnummer", "phone_number", "email", "emailadres", "email_address",
                   "bsn", "url",
                   "id", "identifier", "patient_number", "patientnummer", "leeftijd", "age",
                   "instelling", "ziekenhuis", "institution", "hospital"}

_lock = threading.Lock()
_loaded = threading.Event()
_deduce = None


def _loaded_deduce():
    """The Deduce instance, loaded on first use."""
    if _loaded.is_set():
        assert _deduce is not None  # _loaded is set only once _deduce is
        return _deduce
    return _load_deduce()


def _load_deduce():
    global _deduce
    with _lock:
        if _deduce is None:
            root = logging.getLogger()
            handlers, level = list(root.handlers), root.level
            from deduce import Deduce  # noqa: PLC0415 - deduce costs 0.17 s to import, and it reconfigures logging: loaded on first guard use

            # deduce calls logging.basicConfig(stream=sys.stdout, level=DEBUG) on import:
            # every library's debug chatter on stdout, slowing each request and blocking a
            # worker whose stdout is a pipe nobody reads. Put the logging back as it was.
            for handler in root.handlers[len(handlers):]:
                root.removeHandler(handler)
            root.setLevel(level)
            # deduce unpickles ~80 MB of lookup tries: millions of small objects, each
            # allocation a chance for the cyclic GC to walk all of them again (45 s instead
            # of 3). Nothing cyclic is freed meanwhile, so the GC waits; afterwards the
            # tries are frozen out of every later collection, which would walk them too.
            gc.disable()
            try:
                _deduce = Deduce()
            finally:
                gc.enable()
            gc.freeze()
            _loaded.set()
    return _deduce


def warm_up() -> threading.Thread:
    """Start loading deduce in the background (call at worker start)."""
    thread = threading.Thread(target=_load_deduce, name="deduce-warm-up", daemon=True)
    thread.start()
    return thread


def is_ready() -> bool:
    return _loaded.is_set()


def check_text(text: str, allowed_terms: Iterable[str] = (), *,
               known_context: Iterable[str] = ()) -> GuardResult:
    """Find identifying data in ``text``; blocking findings decide whether it may be saved.

    ``allowed_terms`` are words that identify nobody here, such as the region's
    municipalities: a case discussion "in Huizen" is not a client's address.
    ``known_context`` is the portal's own data (registered organisations, venues and their
    addresses, the trainer, generated titles): it is not flagged either. Neither hides a
    finding beside it: in "Lotte uit Huizen" the name is still found.
    """
    text = text or ""
    findings = _identifier_findings(text) + _date_findings(text) + _combination_findings(text)
    if text.strip():
        findings += _name_findings(text)
        findings += _deduce_findings(text)
    known = _known_spans(text, [*allowed_terms, *known_context])
    return GuardResult(text, _without_overlaps(
        [kept for f in findings if (kept := _outside_known(text, f, known)) is not None]))


def _identifier_findings(text: str) -> list[Finding]:
    """Identifiers that block saving: each one points at one person by itself."""
    found = [Finding("email", m.group(), m.start(), m.end(), BLOCKING)
             for m in _EMAIL.finditer(text)]
    found += [Finding("iban", m.group(), m.start(), m.end(), BLOCKING)
              for m in _IBAN.finditer(text) if stdnum_iban.is_valid(m.group().upper())
              or _DUTCH_ACCOUNT.fullmatch(re.sub(r"\s", "", m.group()))]
    dossiers = [Finding("dossier_number", m.group("number"), m.start("number"), m.end("number"),
                        BLOCKING) for pattern in (_DOSSIER, _DOSSIER_BARE)
                for m in pattern.finditer(text)]
    dossiers += [Finding("dossier_number", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _CODE.finditer(text) if not _PLATE.fullmatch(m.group())]
    dossiers = [d for d in dossiers
                if not _OWN_REFERENCE.search(text[max(0, d.start - 30):d.start])]
    found += dossiers
    # A number named as a dossier or client number is that, even when it passes the 11-proef.
    found += [Finding("bsn", m.group(), m.start(), m.end(), BLOCKING)
              for m in _NINE_DIGITS.finditer(text)
              if stdnum_bsn.is_valid(re.sub(r"\D", "", m.group()))
              and not any(d.start <= m.start() < d.end for d in dossiers)]
    found += [Finding("phone", m.group(), m.start(), m.end(), BLOCKING)
              for m in _PHONE.finditer(text)]
    for m in _POSTCODE_HOUSE.finditer(text):
        if _is_venue_address(text, m.start(), m.end()):
            continue
        if _has_house_number(m.group()):
            found.append(Finding("postcode_address", m.group(), m.start(), m.end(), BLOCKING))
        elif _POSTCODE_ONLY.fullmatch(m.group()):
            found.append(Finding("postcode_address", m.group(), m.start(), m.end(), CONFIRM))
    found += [Finding("licence_plate", m.group(), m.start(), m.end(), BLOCKING)
              for m in _PLATE.finditer(text) if _is_plate(m.group())]
    found += [Finding("licence_plate", m.group("plate"), m.start("plate"), m.end("plate"), BLOCKING)
              for m in _PLATE_NAMED.finditer(text) if _is_plate(m.group("plate"))]
    found += [Finding("handle", m.group(), m.start(), m.end(), BLOCKING)
              for m in _HANDLE_AT.finditer(text)]
    found += [Finding("handle", m.group("handle"), m.start("handle"), m.end("handle"), BLOCKING)
              for m in _HANDLE_QUOTED.finditer(text)]
    found += [Finding("handle", m.group(), m.start(), m.end(), BLOCKING)
              for m in _HANDLE_UNDERSCORE.finditer(text)]
    found += [Finding("handle", m.group("handle"), m.start("handle"), m.end("handle"), BLOCKING)
              for m in _HANDLE_PLATFORM.finditer(text) if _looks_like_handle(m)]
    return found


def _is_venue_address(text: str, start: int, end: int) -> bool:
    sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?;\n") + 1
    sentence_end = min((i for i in (text.find(m, end) for m in "!?;\n") if i >= 0),
                       default=len(text))
    dot = re.search(r"\.(?:\s|$)", text[end:])
    sentence_end = min(sentence_end, end + dot.start()) if dot else sentence_end
    return bool(_VENUE_NAME.search(text[sentence_start:start])) and not _RESIDENCE_CUE.search(
        text[sentence_start:sentence_end])


def _is_plate(candidate: str) -> bool:
    """Dutch licence plates: six letters and digits in three groups, both kinds present."""
    bare = candidate.replace("-", "")
    return len(bare) == 6 and any(c.isdigit() for c in bare) and any(c.isalpha() for c in bare)


def _looks_like_handle(match: re.Match) -> bool:
    handle = match.group("handle").rstrip(".")
    quoted = match.group()[match.start("handle") - match.start() - 1] in "'\"‘“"
    return quoted or bool(re.search(r"[\d_.#]|[a-z][A-Z]", handle))


def _date_findings(text: str) -> list[Finding]:
    """Dates with a year: a date of birth when introduced as one; other dates unless they lie
    in this or a later year (then they are the programme's own dates, not a life event)."""
    found = []
    this_year = date.today().year
    for m in _DATE.finditer(text):
        year = m.group("y1") or m.group("y2") or m.group("y3")
        year_number = int(year) if len(year) == 4 else 2000 + int(year)
        if _BIRTH_CUE.search(text[max(0, m.start() - 20):m.start()]):
            found.append(Finding("date_of_birth", m.group(), m.start(), m.end(), CONFIRM))
        elif year_number < this_year:
            found.append(Finding("date", m.group(), m.start(), m.end(), CONFIRM))
    found += [Finding("date_of_birth", m.group("date"), m.start("date"), m.end("date"), CONFIRM)
              for m in _BIRTH_PARTIAL.finditer(text)]
    return found


def _sentences(text: str) -> Iterable[tuple[int, str]]:
    for m in re.finditer(r"[^.!?;\n]+(?:[.!?;\n]|$)", text):
        yield m.start(), m.group()


def _combination_findings(text: str) -> list[Finding]:
    """What identifies in combination: ages with family composition, a school or club tied to
    a name or place, a workplace in a place, a role few people have."""
    found = []
    for offset, sentence in _sentences(text):
        ages = [m for m in _AGE.finditer(sentence)
                if any(m.group(g) for g in "abcdef") and _plausible_age(m)]
        years = list(_BIRTH_YEAR.finditer(sentence))
        adult = any(int(next(g for g in m.groups() if g)) >= 18 for m in ages)
        family = _FAMILY.search(sentence)
        if family and (len(ages) >= 3 or (len(ages) >= 2 and adult) or years
                       or (ages and _SIBLING_POSITION.search(sentence))):
            spans = [(m.start(), m.end()) for m in [*ages, *years]] or [family.span()]
            start, end = min(s for s, _ in spans), max(e for _, e in spans)
            found.append(Finding("age_family", sentence[start:end], offset + start, offset + end,
                                 CONFIRM))
    for pattern in (_CLASS, _CLUB, _WORK):
        found += [Finding("school_club_workplace", m.group(), m.start(), m.end(), CONFIRM)
                  for m in pattern.finditer(text)]
    for m in _SCHOOL.finditer(text):
        named = bool(re.match(r"[A-Z]", m.group())) and not _at_sentence_start(text, m.start())
        if m.group("tail") or named or re.search(r"\s[A-Z]", m.group()):
            found.append(Finding("school_club_workplace", m.group(), m.start(), m.end(), CONFIRM))
    for m in _RARE_ROLE.finditer(text):
        # the person it points at may be named before or after: "is de oom van het meisje"
        if _PERSON_CUE.search(text[max(0, m.start() - 40):m.start()]) or _PERSON_CUE.search(
                text[m.end():m.end() + 40]) or _FAMILY_UNIT.search(m.group()):
            found.append(Finding("rare_role", m.group(), m.start(), m.end(), CONFIRM))
    found += [Finding("rare_role", m.group(), m.start(), m.end(), CONFIRM)
              for m in _NOTABLE_RELATIVE.finditer(text)]
    return found


def _plausible_age(match: re.Match) -> bool:
    value = int(next(g for g in match.groups() if g))
    return 0 < value < 100


def _at_sentence_start(text: str, position: int) -> bool:
    return not text[:position].strip() or text[:position].rstrip()[-1] in ".!?:;\n"


def _name_findings(text: str) -> list[Finding]:
    """Names as people write them in case texts: initials, nicknames, lower-case first names
    (deduce's first-name list, minus its common words) and a name after a family role."""
    found = [Finding("initials", m.group().strip(), m.start(), m.start() + len(m.group().strip()),
                     CONFIRM) for m in _INITIALS.finditer(text) if "." in m.group()
             and not _ROLE_LABEL.search(text[:m.start()])]
    for m in _NICKNAME.finditer(text):
        group = next(g for g in ("nick", "nick2", "nick3") if m.group(g))
        if m.group(group).lower() not in _lookup("stop_word").items():
            found.append(Finding("nickname", m.group(group), m.start(group), m.end(group), CONFIRM))
    for m in re.finditer(r"(?<![\w@.'’-])([a-zà-ÿ][a-zà-ÿ]{2,15})(?![\w@'’-]|\.\w)", text):
        word = m.group(1)
        if _is_first_name(word.capitalize()) and (
                not _is_common_word(word) or _acts_as_person(text, m.start(1), m.end(1))):
            found.append(_with_age(text, Finding("name", word, m.start(1), m.end(1), CONFIRM)))
    return found


# Verbs only a person does: a first name that is also a word ("roos", "hoop") is a name when it
# is their subject and no article or possessive makes it a thing ("de hoop", "haar roos").
_PERSON_VERB = re.compile(r"\s+(?:wil|wilde|zegt|zei|vertelt|vertelde|woont|woonde|durft|huilt|"
                          r"slaapt|gamet|voelt\s+zich|liep|loopt\s+weg|is\s+boos|is\s+bang)\b")
_DETERMINER = re.compile(r"\b(?:de|het|een|die|deze|dat|dit|mijn|zijn|haar|hun|onze|ons|jouw|"
                         r"uw|geen|veel|meer|elke|ieder)\s+$", re.IGNORECASE)


def _acts_as_person(text: str, start: int, end: int) -> bool:
    return bool(_PERSON_VERB.match(text, end)) and not _DETERMINER.search(text[:start])


def _with_age(text: str, finding: Finding) -> Finding:
    """"Lotte (12)": the age in brackets belongs to the name (and to its rewrite)."""
    age = re.match(r"\s*\(\d{1,2}\)", text[finding.end:])
    if not age:
        return finding
    end = finding.end + age.end()
    return Finding(finding.kind, text[finding.start:end], finding.start, end, finding.severity)


def _lookup(name: str):
    deduce = _loaded_deduce()
    return deduce.lookup_structs[name]


def _is_first_name(word: str) -> bool:
    return _lookup("first_name").longest_matching_prefix([word]) is not None


def _is_common_word(word: str) -> bool:
    lowered = word.lower()
    return any(lowered in _lookup(name).items() or word in _lookup(name).items()
               for name in ("common_word", "stop_word", "whitelist", "medical_term")) or (
        lowered in _COMMON_DUTCH)


# Everyday Dutch words that deduce's first-name list also holds; deduce's own common-word and
# whitelist lists cover most others.
_COMMON_DUTCH = frozenset({
    "hulp", "huis", "vader", "zorg", "werk", "meer", "team", "zaal", "deel", "leren", "wil",
    "zien", "zoals", "mee", "even", "jaar", "maart", "mei", "juni", "april", "roos", "hoop",
    "iris", "ster", "zon", "rust", "gaat", "gaan", "wel", "ben", "lief", "samen", "laat", "kort",
    "goed", "mark", "bas"})


# The portal's own roles and rooms, which deduce takes for a name at the start of a sentence.
_ROLE_WORDS = frozenset({"trainer", "trainster", "gespreksleider", "begeleider", "begeleiding",
                         "facilitator", "contactpersoon", "docent", "spreker", "zaal", "locatie"})


def _has_house_number(match: str) -> bool:
    return (bool(re.search(r"\d{4}\s?[A-Z]{2}[\s,]+\D{0,8}\d", match))
            or not re.match(r"\d{4}", match))


def _deduce_findings(text: str) -> list[Finding]:
    deduce = _loaded_deduce()
    document = deduce.deidentify(text)
    found = []
    for annotation in document.annotations:
        tag = annotation.tag.lower()
        base = tag.split("_")[0] if tag not in _DEDUCE_KINDS else tag
        if tag in _DEDUCE_SKIPPED or base in _DEDUCE_SKIPPED:
            continue
        kind = _DEDUCE_KINDS.get(tag) or _DEDUCE_KINDS.get(base)
        if kind is None:
            continue
        if kind == "place" and (not re.search(r"\d", annotation.text) or _is_venue_address(
                text, annotation.start_char, annotation.end_char)):
            continue  # a place name alone identifies nobody; a venue line is the portal's
        if kind == "date":
            continue  # our own date rules decide which dates matter
        if _ORGANISATION_WORD.search(text[:annotation.start_char]) or (
                _ORGANISATION_NAME.search(annotation.text)):
            continue  # "Gezinshuis De Linde", "De Meent Opvang": a provider's name
        if kind == "name" and (_THING_ARTICLE.search(text[:annotation.start_char])
                               or _ROLE_LABEL.search(text[:annotation.start_char])):
            continue  # "Het Baken", "Trainer: Sanne de Vries"
        if kind == "name" and " " not in annotation.text.strip() and _ABBREVIATION.match(
                text, annotation.end_char):
            continue  # "Max. 16 deelnemers"
        if kind == "name" and " " not in annotation.text.strip() and (
                _is_common_word(annotation.text) or annotation.text.lower() in _ROLE_WORDS):
            continue  # "Zaal 2", "Trainer Marieke Jansen": a word at the start, not a name
        finding = Finding(kind, annotation.text, annotation.start_char, annotation.end_char,
                          CONFIRM)
        found.append(_with_age(text, finding) if kind == "name" else finding)
    return found


def _known_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    parts = {part.strip() for t in terms if t for part in [t, *t.split(",")] if part.strip()}
    for term in parts:
        pattern = r"(?<!\w)" + r"\s*".join(map(re.escape, term.split())) + r"(?!\w)"
        spans += [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


def _outside_known(text: str, finding: Finding, known: list[tuple[int, int]]) -> Finding | None:
    """The part of a finding outside the portal's own data: none if it lies within it, the
    rest when a known term only stands beside a finding ("Lotte Huizen" → "Lotte")."""
    covered = [(max(s, finding.start), min(e, finding.end)) for s, e in known
               if s < finding.end and e > finding.start]
    if not covered:
        return finding
    positions = [i for i in range(finding.start, finding.end)
                 if not any(s <= i < e for s, e in covered)]
    rest = "".join(text[i] for i in positions)
    if len(re.sub(r"[\W_]", "", rest)) < 2 or finding.kind in ("school_club_workplace",
                                                                 "rare_role", "age_family"):
        # the combination rules use the place as context: they stand as they are
        return finding if len(re.sub(r"[\W_]", "", rest)) >= 2 else None
    if finding.kind in ("name", "place") and not any(
            _is_first_name(word) or _lookup("surname").longest_matching_prefix([word])
            for word in re.findall(r"[A-Za-zÀ-ÿ]{2,}", rest)
            if not _is_common_word(word) and word.lower() not in _lookup("interfix").items()):
        return None  # what remains beside the known term is no name: "van het", "Leerhuis"
    start = positions[0]
    end = start
    while end < finding.end and not any(s <= end < e for s, e in covered):
        end += 1
    piece = text[start:end]
    stripped = piece.rstrip(" ,.;:-(")
    start += len(piece) - len(piece.lstrip(" ,.;:-)"))
    end = start + len(stripped.lstrip(" ,.;:-)")) if stripped else start
    if end - start < 2:
        return None
    return Finding(finding.kind, text[start:end], start, end, finding.severity)


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Sorted by position; where findings overlap the blocking (then the longer) one wins."""
    ordered = sorted(findings, key=lambda f: (f.start, f.severity != BLOCKING, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in ordered:
        if kept and finding.start < kept[-1].end:
            if finding.severity == BLOCKING and kept[-1].severity != BLOCKING:
                kept[-1] = finding
            continue
        kept.append(finding)
    return kept


def check_identifiers(text: str, *, allow_contact: bool = False) -> GuardResult:
    """Only the identifiers that may never be stored in any free text: BSN (11-proef), IBAN
    and, unless ``allow_contact`` (a field for the organiser's own contact details), e-mail
    addresses and phone numbers. All blocking; no names or dates, so it is cheap enough for
    every field of every form (deduce is not asked)."""
    text = text or ""
    findings = [Finding("iban", m.group(), m.start(), m.end(), BLOCKING)
                for m in _IBAN.finditer(text) if stdnum_iban.is_valid(m.group())]
    findings += [Finding("bsn", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _NINE_DIGITS.finditer(text)
                 if stdnum_bsn.is_valid(re.sub(r"\D", "", m.group()))]
    if not allow_contact:
        findings += [Finding("email", m.group(), m.start(), m.end(), BLOCKING)
                     for m in _EMAIL.finditer(text)]
        findings += [Finding("phone", m.group(), m.start(), m.end(), BLOCKING)
                     for m in _PHONE.finditer(text)]
    return GuardResult(text, _without_overlaps(findings))
