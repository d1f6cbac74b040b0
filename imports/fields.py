"""What an import can fill: target fields per kind, header guessing, value conversion."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email


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
        ),  # noqa: E501
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
        ),  # noqa: E501
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
        ),  # noqa: E501
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
        ),  # noqa: E501
        Target(
            f"{prefix}_country",
            f"{label} country",
            synonyms=("country", "land", "nazione", "paese", *(f"{e} country" for e in extra)),
            max_length=100,
        ),  # noqa: E501
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
    ),  # noqa: E501
    Target(
        "consent_phone",
        "Phone consent (yes/no)",
        "bool",
        synonyms=("phone opt in", "phone consent", "call opt in"),
    ),  # noqa: E501
    Target(
        "consent_sms",
        "SMS consent (yes/no)",
        "bool",
        synonyms=("sms opt in", "sms consent", "text opt in"),
    ),  # noqa: E501
]

CONTACT_TARGETS = [
    Target(
        "external_id",
        "External id",
        synonyms=("external id", "id", "customer id", "contact id", "crm id"),
        max_length=80,
    ),  # noqa: E501
    Target(
        "salutation",
        "Salutation",
        synonyms=("salutation", "anrede", "prefix", "mr mrs"),
        max_length=20,
    ),  # noqa: E501
    Target(
        "first_name",
        "First name",
        synonyms=("first name", "firstname", "given name", "forename", "vorname", "nome", "prenom"),
        max_length=100,
    ),  # noqa: E501
    Target(
        "last_name",
        "Last name",
        required=True,
        synonyms=("last name", "lastname", "surname", "family name", "nachname", "cognome", "nom"),
        max_length=100,
    ),  # noqa: E501
    Target(
        "title",
        "Job title",
        synonyms=("title", "job title", "position", "role", "jobtitle"),
        max_length=100,
    ),  # noqa: E501
    Target(
        "department", "Department", synonyms=("department", "abteilung", "reparto"), max_length=100
    ),  # noqa: E501
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
    ),  # noqa: E501
    Target(
        "account_external_id",
        "Account external id",
        synonyms=("account id", "account external id", "company id"),
        max_length=80,
    ),  # noqa: E501
    Target(
        "email",
        "E-mail",
        "email",
        synonyms=("email", "e-mail", "email address", "mail", "e mail"),
        max_length=254,
    ),  # noqa: E501
    Target(
        "phone",
        "Phone",
        synonyms=("phone", "telephone", "tel", "phone number", "work phone", "telefon", "telefono"),
        max_length=40,
    ),  # noqa: E501
    Target(
        "mobile",
        "Mobile",
        synonyms=("mobile", "mobile phone", "cell", "cell phone", "handy", "cellulare"),
        max_length=40,
    ),  # noqa: E501
    *_addr("mailing", "Mailing", extra=("mailing",)),
    Target(
        "birthday",
        "Birthday",
        "date",
        synonyms=("birthday", "birthdate", "date of birth", "dob", "geburtstag"),
    ),  # noqa: E501
    Target(
        "language", "Language", synonyms=("language", "lang", "sprache", "lingua"), max_length=10
    ),  # noqa: E501
    Target("source", "Source", synonyms=("source", "lead source"), max_length=60),
    Target("description", "Description", synonyms=("description", "notes", "note", "comments")),  # noqa: E501
    Target("tags", "Tags (comma-separated)", "tags", synonyms=("tags", "labels")),
    *CONSENT_TARGETS,
]

ACCOUNT_TARGETS = [
    Target(
        "external_id",
        "External id",
        synonyms=("external id", "id", "account id", "customer id", "crm id"),
        max_length=80,
    ),  # noqa: E501
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
    ),  # noqa: E501
    Target(
        "kind",
        "Kind (company/household)",
        "choice",
        choices=("company", "household"),
        synonyms=("kind", "type", "account type"),
    ),  # noqa: E501
    Target("industry", "Industry", synonyms=("industry", "sector", "branche"), max_length=80),
    Target(
        "tier",
        "Tier",
        "choice",
        choices=("strategic", "key", "standard", "small"),
        synonyms=("tier",),
    ),  # noqa: E501
    Target("segment", "Segment", synonyms=("segment",), max_length=80),
    Target(
        "parent",
        "Parent account (name)",
        synonyms=("parent", "parent account", "parent company"),
        max_length=200,
    ),  # noqa: E501
    Target(
        "parent_external_id",
        "Parent account external id",
        synonyms=("parent id", "parent external id"),
        max_length=80,
    ),  # noqa: E501
    Target("website", "Website", "url", synonyms=("website", "web", "url", "homepage", "web site")),  # noqa: E501
    Target(
        "phone",
        "Phone",
        synonyms=("phone", "telephone", "tel", "phone number", "telefon"),
        max_length=40,
    ),  # noqa: E501
    Target(
        "email",
        "E-mail",
        "email",
        synonyms=("email", "e-mail", "mail", "email address"),
        max_length=254,
    ),  # noqa: E501
    *_addr("billing", "Billing", extra=("billing",)),
    Target(
        "shipping_street",
        "Shipping street",
        synonyms=("shipping street", "shipping address"),
        max_length=255,
    ),  # noqa: E501
    Target("shipping_city", "Shipping city", synonyms=("shipping city",), max_length=100),
    Target(
        "shipping_postcode",
        "Shipping postcode",
        synonyms=("shipping postcode", "shipping zip", "shipping postal code"),
        max_length=20,
    ),  # noqa: E501
    Target(
        "shipping_region",
        "Shipping region",
        synonyms=("shipping region", "shipping state"),
        max_length=100,
    ),  # noqa: E501
    Target("shipping_country", "Shipping country", synonyms=("shipping country",), max_length=100),  # noqa: E501
    Target(
        "annual_revenue",
        "Annual revenue",
        "decimal",
        synonyms=("annual revenue", "revenue", "turnover", "umsatz", "fatturato"),
    ),  # noqa: E501
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
    ),  # noqa: E501
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


def header_signature(kind: str, headers: list[str]) -> str:
    joined = "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha256(f"{kind}\x1e{joined}".encode()).hexdigest()


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """{target: header} from header names: exact field name or label first, then synonyms."""
    by_norm = {}
    for h in headers:
        if h:
            by_norm.setdefault(normalise(h), h)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for rank in (0, 1):
        for t in targets(kind):
            if t.name in mapping:
                continue
            names = (
                (normalise(t.name), normalise(t.label))
                if rank == 0
                else tuple(normalise(s) for s in t.synonyms)
            )
            for n in names:
                header = by_norm.get(n)
                if header and header not in used:
                    mapping[t.name] = header
                    used.add(header)
                    break
    return mapping


# -- conversion ------------------------------------------------------------------------------
class RowErrors(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


TRUE = {
    "yes",
    "y",
    "true",
    "1",
    "x",
    "opt in",
    "optin",
    "opted in",
    "ja",
    "si",
    "oui",
    "subscribed",
}
FALSE = {"no", "n", "false", "0", "opt out", "optout", "opted out", "nein", "non", "unsubscribed"}


def parse_bool(value: str) -> bool | None:
    v = normalise(value)
    if not v:
        return None
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError("expected yes or no")


def parse_decimal(value: str) -> Decimal | None:
    """1234.5 · 1,234.50 · 1.234,50 · 1 234,50 · € 12k is refused."""
    v = re.sub(r"[\s\u00a0'’]|€|\$|£|EUR|USD|CHF|GBP", "", value or "", flags=re.I)
    if not v:
        return None
    if "," in v and "." in v:
        if v.rfind(",") > v.rfind("."):
            v = v.replace(".", "").replace(",", ".")
        else:
            v = v.replace(",", "")
    elif "," in v:
        head, _, tail = v.rpartition(",")
        v = (
            v.replace(",", "")
            if len(tail) == 3 and v.count(",") >= 1 and head
            else v.replace(",", ".")
        )  # noqa: E501
    try:
        number = Decimal(v)
    except InvalidOperation:
        raise ValueError(f"“{value}” is not a number") from None
    if not number.is_finite():
        raise ValueError(f"“{value}” is not a number")
    return number


def parse_int(value: str) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{value}” is not a whole number")
    if number < 0:
        raise ValueError("must not be negative")
    return int(number)


DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d/%m/%y",
    "%d.%m.%y",
)


def parse_date(value: str) -> dt.date | None:
    v = (value or "").strip()
    if not v:
        return None
    v = v.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", v) else v
    v = v.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} ", v) else v
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}” is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


_url = URLValidator()


def parse_url(value: str) -> str:
    v = (value or "").strip()
    if not v:
        return ""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", v, re.I):
        v = "https://" + v
    try:
        _url(v)
    except ValidationError:
        raise ValueError(f"“{value}” is not a web address") from None
    return v


def parse_email(value: str) -> str:
    v = (value or "").strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    if not v:
        return ""
    try:
        validate_email(v)
    except ValidationError:
        raise ValueError(f"“{value}” is not a valid e-mail address") from None
    return v


def convert(kind: str, mapping: dict[str, str], row: dict[str, str]) -> dict:
    """{target: python value} for the mapped, non-empty columns; raises RowErrors listing
    every problem of the row at once."""
    errors: list[tuple[str, str]] = []
    values: dict = {}
    for t in targets(kind):
        header = mapping.get(t.name)
        raw = (row.get(header) or "").strip() if header else ""
        if not raw:
            if t.required:
                errors.append((t.name, "is required"))
            continue
        try:
            if t.type == "email":
                value = parse_email(raw)
            elif t.type == "int":
                value = parse_int(raw)
            elif t.type == "decimal":
                value = parse_decimal(raw)
                if value is not None and value < 0:
                    raise ValueError("must not be negative")
            elif t.type == "date":
                value = parse_date(raw)
            elif t.type == "bool":
                value = parse_bool(raw)
            elif t.type == "url":
                value = parse_url(raw)
            elif t.type == "choice":
                value = normalise(raw)
                if value not in t.choices:
                    raise ValueError(f"“{raw}” is not one of {', '.join(t.choices)}")
            elif t.type == "tags":
                value = [tag.strip() for tag in re.split(r"[,;|]", raw) if tag.strip()]
            else:
                value = raw
                if t.max_length and len(value) > t.max_length:
                    raise ValueError(f"is longer than {t.max_length} characters")
        except ValueError as exc:
            errors.append((t.name, str(exc)))
            continue
        if value is not None:
            values[t.name] = value
    if errors:
        raise RowErrors(errors)
    return values
