"""Demo data: Regio Gooi en Vechtstreek, Utrecht West, invented partners and professionals.

Idempotent: every record is looked up by a natural key before it is created, so running
it twice changes nothing. No real people: role titles and Faker nl_NL names only.
"""

from __future__ import annotations

import secrets

from faker import Faker
from sqlalchemy import func, select

from leerhuis.demo.learning import seed_learning
from leerhuis.demo.participation import seed_participation
from leerhuis.demo.programme import seed_programme
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Municipality,
    Organisation,
    OrganisationType,
    OrganiserRole,
    Region,
    SkjKamer,
    TargetGroup,
    User,
    utcnow,
)
from leerhuis.services.accounts import hash_password

DEMO_PASSWORD = "leerhuis-demo"

REGIONS = [
    {
        "slug": "gooi-en-vechtstreek",
        "name": "Gooi en Vechtstreek",
        "leerhuis_name": "Regionaal Leerhuis Gooi en Vechtstreek",
        "contact_email": "leerhuis@regio-gv.example.org",
        "website": "https://leerhuis.regio-gv.example.org",
        "signatory_name": "Programmamanager Jeugd",
        "signatory_function": "Regio Gooi en Vechtstreek",
        "municipalities": ["Hilversum", "Huizen", "Gooise Meren", "Wijdemeren",
                           "Blaricum", "Laren", "Eemnes"],
    },
    {
        "slug": "utrecht-west",
        "name": "Utrecht West",
        "leerhuis_name": "UW Academie",
        "contact_email": "academie@utrechtwest.example.org",
        "website": "https://academie.utrechtwest.example.org",
        "signatory_name": "Coördinator UW Academie",
        "signatory_function": "Regio Utrecht West",
        "municipalities": ["Woerden", "Montfoort", "Oudewater", "De Ronde Venen",
                           "Stichtse Vecht"],
    },
]

# (name, type, municipality, region slug); all invented.
ORGANISATIONS = [
    ("Regio Gooi en Vechtstreek", OrganisationType.REGIO, "Hilversum", "gooi-en-vechtstreek"),
    ("Gezinshuis De Linde", OrganisationType.ZORGAANBIEDER, "Huizen", "gooi-en-vechtstreek"),
    ("Jeugdhulp Het Baken", OrganisationType.ZORGAANBIEDER, "Hilversum", "gooi-en-vechtstreek"),
    ("Jeugdteam Hilversum", OrganisationType.GEMEENTE, "Hilversum", "gooi-en-vechtstreek"),
    ("Sociaal Team Gooise Meren", OrganisationType.GEMEENTE, "Gooise Meren", "gooi-en-vechtstreek"),
    ("Jeugdbescherming Gooi (GI)", OrganisationType.GECERTIFICEERDE_INSTELLING, "Hilversum",
     "gooi-en-vechtstreek"),
    ("Veilig Thuis Gooi en Vechtstreek", OrganisationType.VEILIG_THUIS, "Hilversum",
     "gooi-en-vechtstreek"),
    ("Jeugd en Gezin Gooi", OrganisationType.JEUGD_EN_GEZIN, "Huizen", "gooi-en-vechtstreek"),
    ("Huisartsenkring Het Gooi", OrganisationType.HUISARTSEN, "Laren", "gooi-en-vechtstreek"),
    ("Samenwerkingsverband Passend Onderwijs Gooi", OrganisationType.ONDERWIJS, "Hilversum",
     "gooi-en-vechtstreek"),
    ("Welzijn Wijdemeren", OrganisationType.WELZIJN, "Wijdemeren", "gooi-en-vechtstreek"),
    ("Stem van Jeugd en Ouders", OrganisationType.ERVARINGSDESKUNDIGEN, "Hilversum",
     "gooi-en-vechtstreek"),
    ("Regio Utrecht West", OrganisationType.REGIO, "Woerden", "utrecht-west"),
    ("Pleegzorg Groene Hart", OrganisationType.ZORGAANBIEDER, "Woerden", "utrecht-west"),
    ("Jeugdteam Woerden", OrganisationType.GEMEENTE, "Woerden", "utrecht-west"),
]

FUNCTIONS = [
    "jeugdconsulent", "hulpverlener", "gezinsvoogd", "teamleider", "huisarts", "POH-GGZ",
    "jeugdarts", "medewerker Veilig Thuis", "intern begeleider", "gedragswetenschapper",
    "gezinshuisouder", "pleegzorgbegeleider", "jeugd- en gezinscoach",
]

# Each function's doelgroep, so that invitations to a doelgroep reach the demo people.
FUNCTION_TARGET_GROUPS = {
    "jeugdconsulent": "jeugdconsulenten", "hulpverlener": "hulpverleners",
    "gezinsvoogd": "gezinsvoogden", "teamleider": "teamleiders",
    "huisarts": "huisartsen-en-poh-ggz", "POH-GGZ": "huisartsen-en-poh-ggz",
    "jeugdarts": "jeugdartsen", "medewerker Veilig Thuis": "medewerkers-veilig-thuis",
    "intern begeleider": "onderwijs", "gedragswetenschapper": "gedragswetenschappers",
    "gezinshuisouder": "gezinshuisouders-en-pleegouders",
    "pleegzorgbegeleider": "hulpverleners", "jeugd- en gezinscoach": "hulpverleners",
    "beleidsmedewerker jeugd": "beleidsmedewerkers",
}

DEMO_ACCOUNTS = [
    # email, first, last, function, organisation, admin, organiser, skj
    ("regio@example.org", "Regio", "Beheerder", "beleidsmedewerker jeugd",
     "Regio Gooi en Vechtstreek", True, False, None),
    ("organisator@example.org", "Demo", "Organisator", "coördinator gezinshuizen",
     "Gezinshuis De Linde", False, True, None),
    ("deelnemer@example.org", "Demo", "Deelnemer", "jeugdconsulent",
     "Jeugdteam Hilversum", False, False, "100234567"),
]


def seed_demo(professionals: int = 60) -> dict[str, int]:
    fake = Faker("nl_NL")
    fake.seed_instance(20261124)
    regions = {spec["slug"]: _region(spec) for spec in REGIONS}
    db.session.flush()
    organisations = {}
    for name, org_type, municipality_name, region_slug in ORGANISATIONS:
        region = regions[region_slug]
        municipality = next(m for m in region.municipalities if m.name == municipality_name)
        organisations[name] = _organisation(name, org_type, region, municipality)
    db.session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    for email, first, last, function, org_name, admin, organiser, skj in DEMO_ACCOUNTS:
        organisation = organisations[org_name]
        user = _user(email, first, last, function, organisation, password_hash,
                     skj_number=skj, admin=admin)
        if organiser and not user.is_organiser_for(organisation.id):
            db.session.add(OrganiserRole(user=user, organisation=organisation,
                                         status=ApprovalStatus.APPROVED, decided_at=utcnow(),
                                         motivation="Demo-account"))

    existing = db.session.scalar(select(func.count()).select_from(User)) or 0
    gv_orgs = [o for o in organisations.values() if o.region.slug == "gooi-en-vechtstreek"]
    for index in range(max(0, professionals + len(DEMO_ACCOUNTS) - existing)):
        organisation = gv_orgs[index % len(gv_orgs)]
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}.{index}@{_domain(organisation.name)}".lower().replace(" ", "")
        _user(email, first, last, FUNCTIONS[index % len(FUNCTIONS)], organisation, password_hash,
              skj_number=str(fake.random_number(digits=9, fix_len=True)) if index % 2 else None)
    db.session.flush()

    summary = {
        "regions": db.session.scalar(select(func.count()).select_from(Region)),
        "municipalities": db.session.scalar(select(func.count()).select_from(Municipality)),
        "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
    }
    for hook in EXTRA_SEEDERS:
        summary.update(hook(fake, regions, organisations))
    return summary


# Each module's demo data, in dependency order.
EXTRA_SEEDERS: list = [seed_programme, seed_participation, seed_learning]


def _domain(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20] + ".example.org"


def _region(spec: dict) -> Region:
    region = db.session.scalars(select(Region).where(Region.slug == spec["slug"])).first()
    if region is None:
        region = Region(slug=spec["slug"], name=spec["name"])
        db.session.add(region)
    for key in ("leerhuis_name", "contact_email", "website", "signatory_name",
                "signatory_function"):
        setattr(region, key, spec[key])
    db.session.flush()
    known = {m.name for m in region.municipalities}
    for name in spec["municipalities"]:
        if name not in known:
            region.municipalities.append(Municipality(name=name))
    return region


def _organisation(name, org_type, region, municipality) -> Organisation:
    organisation = db.session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if organisation is None:
        organisation = Organisation(name=name, type=org_type, region=region,
                                    municipality=municipality,
                                    website=f"https://www.{_domain(name)}",
                                    address=f"Voorbeeldstraat 1, {municipality.name}",
                                    status=ApprovalStatus.APPROVED)
        db.session.add(organisation)
    return organisation


def _user(email, first, last, function, organisation, password_hash, *, skj_number=None,
          admin=False) -> User:
    user = db.session.scalars(select(User).where(User.email == email.lower())).first()
    if user is None:
        user = User(
            email=email, password_hash=password_hash, first_name=first, last_name=last,
            function=function, organisation=organisation, region=organisation.region,
            municipality=organisation.municipality, skj_number=skj_number,
            skj_kamer=SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS if skj_number else None,
            email_verified_at=utcnow(), is_region_admin=admin, session_nonce=secrets.token_hex(8),
        )
        db.session.add(user)
    if user.target_group_id is None and function in FUNCTION_TARGET_GROUPS:
        user.target_group_id = db.session.scalar(select(TargetGroup.id).where(
            TargetGroup.slug == FUNCTION_TARGET_GROUPS[function]))
    return user
