"""What an import can fill: the target fields per kind (contact, account) and guessing which
file header feeds which field. Turning a row's text into values is in ``imports.conversion``."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    type: str = "text"  # text, email, int, decimal, date, bool, url, choice, tags
    required: bool = False
    synonyms: tuple[str, ...] = ()
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    help: str = field(default="")


def _addr(prefix: str, label: str, extra: tuple[str, ...] = ()) -> list[Target]:
    return [
        Target(
            f"{prefix}_street",
            f"{label} street",
            synonyms=(
                "street",
                "address",
                "address line 1",
                "strasse",
                "via",
                "indirizzo",
                *(f"{e} street" for e in extra),
            ),
            max_length=255,
        ),
        Target(
            f"{prefix}_city",
            f"{label} city",
            synonyms=(
                "city",
                "town",
                "ort",
                "stadt",
                "citta",
                "ville",
                *(f"{e} city" for e in extra),
            ),
            max_length=100,
        ),
        Target(
            f"{prefix}_postcode",
            f"{label} postcode",
            synonyms=(
                "postcode",
                "zip",
                "zip code",
                "postal code",
                "plz",
                "cap",
                *(f"{e} postal code" for e in extra),
            ),
            max_length=20,
        ),
        Target(
            f"{prefix}_region",
            f"{label} region",
            synonyms=(
                "region",
                "state",
                "province",
                "county",
                "provincia",
                *(f"{e} state" for e in extra),
            ),
            max_length=100,
        ),
        Target(
            f"{prefix}_country",
            f"{label} country",
            synonyms=("country", "land", "nazione", "paese", *(f"{e} country" for e in extra)),
            max_length=100,
        ),
    ]


CONSENT_TARGETS = [
    Target(
        "consent_email",
        "E-mail consent (yes/no)",
        "bool",
        synonyms=(
            "email opt in",
            "email optin",
            "e-mail opt-in",
            "newsletter",
            "email consent",
            "marketing emails",
            "email opt-in",
        ),
    ),
    Target(
        "consent_phone",
        "Phone consent (yes/no)",
        "bool",
        synonyms=("phone opt in", "phone consent", "call opt in"),
    ),
    Target(
        "consent_sms",
        "SMS consent (yes/no)",
        "bool",
        synonyms=("sms opt in", "sms consent", "text opt in"),
    ),
]


def _record_id(kind: str) -> Target:
    """The record's own ID, as the list's CSV export writes it: a re-import updates that
    record instead of matching it by e-mail or name (or duplicating it)."""
    return Target(
        "id",
        f"ID in this CRM (from our {kind} export)",
        "int",
        synonyms=(),  # guessed only for our own export (``guess_mapping``)
    )


CONTACT_TARGETS = [
    _record_id("contact"),
    Target(
        "external_id",
        "External id",
        synonyms=("external id", "id", "customer id", "contact id", "crm id"),
        max_length=80,
    ),
    Target(
        "salutation",
        "Salutation",
        synonyms=("salutation", "anrede", "prefix", "mr mrs"),
        max_length=20,
    ),
    Target(
        "first_name",
        "First name",
        synonyms=("first name", "firstname", "given name", "forename", "vorname", "nome", "prenom"),
        max_length=100,
    ),
    Target(
        "last_name",
        "Last name",
        required=True,
        synonyms=("last name", "lastname", "surname", "family name", "nachname", "cognome", "nom"),
        max_length=100,
    ),
    Target(
        "title",
        "Job title",
        synonyms=("title", "job title", "position", "role", "jobtitle"),
        max_length=100,
    ),
    Target(
        "department", "Department", synonyms=("department", "abteilung", "reparto"), max_length=100
    ),
    Target(
        "account",
        "Account (company name)",
        synonyms=(
            "account",
            "company",
            "account name",
            "organisation",
            "organization",
            "firma",
            "azienda",
            "employer",
        ),
        max_length=200,
    ),
    Target(
        "account_external_id",
        "Account external id",
        synonyms=("account id", "account external id", "company id"),
        max_length=80,
    ),
    Target(
        "email",
        "E-mail",
        "email",
        synonyms=("email", "e-mail", "email address", "mail", "e mail"),
        max_length=254,
    ),
    Target(
        "phone",
        "Phone",
        synonyms=("phone", "telephone", "tel", "phone number", "work phone", "telefon", "telefono"),
        max_length=40,
    ),
    Target(
        "mobile",
        "Mobile",
        synonyms=("mobile", "mobile phone", "cell", "cell phone", "handy", "cellulare"),
        max_length=40,
    ),
    *_addr("mailing", "Mailing", extra=("mailing",)),
    Target(
        "birthday",
        "Birthday",
        "date",
        synonyms=("birthday", "birthdate", "date of birth", "dob", "geburtstag"),
    ),
    Target(
        "language", "Language", synonyms=("language", "lang", "sprache", "lingua"), max_length=10
    ),
    Target("source", "Source", synonyms=("source", "lead source"), max_length=60),
    Target("description", "Description", synonyms=("description", "notes", "note", "comments")),  # noqa: E501
    Target("tags", "Tags (comma-separated)", "tags", synonyms=("tags", "labels")),
    *CONSENT_TARGETS,
]

ACCOUNT_TARGETS = [
    _record_id("account"),
    Target(
        "external_id",
        "External id",
        synonyms=("external id", "id", "account id", "customer id", "crm id"),
        max_length=80,
    ),
    Target(
        "name",
        "Name",
        required=True,
        synonyms=(
            "name",
            "account",
            "account name",
            "company",
            "company name",
            "organisation",
            "organization",
            "firma",
        ),
        max_length=200,
    ),
    Target(
        "kind",
        "Kind (company/household)",
        "choice",
        choices=("company", "household"),
        synonyms=("kind", "account kind", "type", "account type"),
    ),
    Target("industry", "Industry", synonyms=("industry", "sector", "branche"), max_length=80),
    Target(
        "tier",
        "Tier",
        "choice",
        choices=("strategic", "key", "standard", "small"),
        synonyms=("tier",),
    ),
    # Salesforce's Type ("Customer - Direct", "Partner"…) is a segment, as import_salesforce
    # reads it; a type column whose values are all company/household is the kind.
    Target("segment", "Segment", synonyms=("segment", "type", "account type"), max_length=80),
    Target(
        "parent",
        "Parent account (name)",
        synonyms=("parent", "parent account", "parent company"),
        max_length=200,
    ),
    Target(
        "parent_external_id",
        "Parent account external id",
        synonyms=("parent id", "parent external id"),
        max_length=80,
    ),
    Target("website", "Website", "url", synonyms=("website", "web", "url", "homepage", "web site")),  # noqa: E501
    Target(
        "phone",
        "Phone",
        synonyms=("phone", "telephone", "tel", "phone number", "telefon"),
        max_length=40,
    ),
    Target(
        "email",
        "E-mail",
        "email",
        synonyms=("email", "e-mail", "mail", "email address"),
        max_length=254,
    ),
    *_addr("billing", "Billing", extra=("billing",)),
    Target(
        "shipping_street",
        "Shipping street",
        synonyms=("shipping street", "shipping address"),
        max_length=255,
    ),
    Target("shipping_city", "Shipping city", synonyms=("shipping city",), max_length=100),
    Target(
        "shipping_postcode",
        "Shipping postcode",
        synonyms=("shipping postcode", "shipping zip", "shipping postal code"),
        max_length=20,
    ),
    Target(
        "shipping_region",
        "Shipping region",
        synonyms=("shipping region", "shipping state"),
        max_length=100,
    ),
    Target("shipping_country", "Shipping country", synonyms=("shipping country",), max_length=100),  # noqa: E501
    Target(
        "annual_revenue",
        "Annual revenue",
        "decimal",
        synonyms=("annual revenue", "revenue", "turnover", "umsatz", "fatturato"),
    ),
    Target("currency", "Currency", synonyms=("currency", "waehrung", "valuta"), max_length=3),
    Target(
        "employees",
        "Employees",
        "int",
        synonyms=(
            "employees",
            "number of employees",
            "headcount",
            "staff",
            "mitarbeiter",
            "dipendenti",
        ),
    ),
    Target("source", "Source", synonyms=("source", "account source"), max_length=60),
    Target("description", "Description", synonyms=("description", "notes", "note", "comments")),  # noqa: E501
    Target("tags", "Tags (comma-separated)", "tags", synonyms=("tags", "labels")),
]

TARGETS = {"contact": CONTACT_TARGETS, "account": ACCOUNT_TARGETS}


def targets(kind: str) -> list[Target]:
    return TARGETS[kind]


def normalise(header: str) -> str:
    text = unicodedata.normalize("NFKD", header or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def compact(header: str) -> str:
    """A header as guessing compares it: case, accents, spaces and separators ignored
    (``BILLINGCITY``, ``Billing_City`` and ``billing city`` are one name)."""
    return normalise(header).replace(" ", "")


def header_signature(kind: str, headers: list[str]) -> str:
    joined = "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha256(f"{kind}\x1e{joined}".encode()).hexdigest()


# Every customer list export (``core.export`` through the generic list) ends with these.
OWN_EXPORT_HEADERS = {"id", "ownerusername", "teamname"}


def is_own_export(headers: list[str]) -> bool:
    """A file this CRM exported: its ID column is our record id, not someone's external id."""
    return {compact(h) for h in headers if h} >= OWN_EXPORT_HEADERS


def fits_choice(target: Target, values) -> bool:
    """Every value of a column is one of a choice field's choices (so it may be guessed)."""
    seen = False
    for value in values:
        if not (value or "").strip():
            continue
        if normalise(value) not in target.choices:
            return False
        seen = True
    return seen


def guess_mapping(kind: str, headers: list[str], rows: list[dict] | None = None) -> dict[str, str]:
    """{target: header} from header names: exact field name or label first, then synonyms,
    compared without case and separators. A choice field is guessed only from a column whose
    values (in ``rows``, a sample of the file) are all among its choices; the record id only
    in our own export."""
    rows = rows or []
    by_key: dict[str, str] = {}
    for h in headers:
        if h:
            by_key.setdefault(compact(h), h)
    own_export = is_own_export(headers)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    if own_export and "id" in by_key:
        mapping["id"] = by_key["id"]
        used.add(by_key["id"])
    for rank in (0, 1):
        for t in targets(kind):
            if t.name in mapping or t.name == "id":
                continue
            names = (t.name, t.label) if rank == 0 else t.synonyms
            for n in names:
                header = by_key.get(compact(n))
                if not header or header in used:
                    continue
                if t.type == "choice" and not fits_choice(t, (r.get(header) for r in rows)):
                    continue  # free text (e.g. Salesforce's Type) is not a strict choice
                mapping[t.name] = header
                used.add(header)
                break
    return mapping
