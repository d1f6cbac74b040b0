"""vCard (2.1, 3.0, 4.0) import into contacts, and export of a contact as vCard 3.0.

vobject parses vCard 3.0 well but trips over what phones and mail programs write: 2.1
quoted-printable soft line breaks, unindented base64 photos, bare parameters (``TEL;CELL:``),
``CHARSET=``, unescaped commas, ``PROFILE:``. ``normalise()`` turns each card into clean 3.0
text first; photos and other binaries are dropped (not stored)."""

from __future__ import annotations

import datetime as dt
import quopri
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

import vobject
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from accounts import services as customer
from accounts.models import Account, Contact, ContactPoint

from .conversion import RowErrors, parse_email
from .parsing import decode
from .services import Context, _may_change, _validation_errors

PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+(?:;[^:]*)?:")
DROPPED = {"PHOTO", "LOGO", "SOUND", "KEY", "PROFILE", "AGENT", "LABEL"}
CONTACT_UID = re.compile(r"^crm-contact-(\d+)@(.+)$")


# -- reading ---------------------------------------------------------------------------------
def _split(line: str) -> tuple[str, list[str], str]:
    """(NAME, [params], value) of one unfolded content line; quotes may hold ':' and ';'."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        return "", [], ""
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    name = parts[0].split(".")[-1].upper() if parts else ""
    return name, parts[1:], value


def _is_qp(params: list[str]) -> bool:
    return any(p.upper() in ("ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE") for p in params)


def _is_binary(params: list[str]) -> bool:
    return any(p.upper() in ("ENCODING=BASE64", "ENCODING=B", "BASE64") for p in params)


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if lines:
            prev = lines[-1]
            _, params, _ = _split(prev)
            if line[:1] in (" ", "\t"):
                lines[-1] = prev + line[1:]
                continue
            if _is_qp(params) and prev.endswith("=") and not PROPERTY.match(line):
                lines[-1] = prev[:-1] + line
                continue
            if not PROPERTY.match(line) and (_is_binary(params) or not _is_qp(params)):
                # base64 of a 2.1 photo goes on unindented; other stray lines are dropped
                lines[-1] = prev + (line if _is_binary(params) else "")
                continue
        lines.append(line)
    return lines


def _clean_line(line: str, version: str) -> str | None:
    name, params, value = _split(line)
    if not name or name in DROPPED or _is_binary(params):
        return None
    charset, kept = "utf-8", []
    for p in params:
        key, sep, val = p.partition("=")
        key_u = key.upper()
        if key_u == "CHARSET":
            charset = val.strip('"') or "utf-8"
        elif key_u == "ENCODING" or key_u == "QUOTED-PRINTABLE":
            continue
        elif not sep:  # 2.1 bare parameter: TEL;WORK;VOICE
            kept.append(f"TYPE={key}")
        else:
            kept.append(p)
    if _is_qp(params):
        data = quopri.decodestring(value.encode("utf-8", errors="replace"))
        try:
            value = data.decode(charset, errors="replace")
        except LookupError:
            value = data.decode("cp1252", errors="replace")
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    if version == "2.1" and name not in ("CATEGORIES",):
        value = re.sub(r"(?<!\\),", r"\\,", value)
    if name == "VERSION":
        value = "3.0"
    return ";".join([name, *kept]) + ":" + value


def normalise(text: str) -> list[str]:
    """The cards of a file, each as clean vCard 3.0 text."""
    cards, current, version = [], None, "3.0"
    for line in _unfold(text):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            current, version = [], "3.0"
            continue
        if upper == "END:VCARD":
            if current is not None:
                if not any(item.upper().startswith("FN") for item in current):
                    current.append("FN:")
                cards.append(
                    "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                    + "\r\n".join(
                        item for item in current if not item.upper().startswith("VERSION")
                    )
                    + "\r\nEND:VCARD\r\n"
                )
            current = None
            continue
        if current is None:
            continue
        if upper.startswith("VERSION:"):
            version = upper.split(":", 1)[1].strip()
            continue
        cleaned = _clean_line(line, version)
        if cleaned:
            current.append(cleaned)
    return cards


def _text(value) -> str:
    if isinstance(value, list | tuple):
        value = ", ".join(_text(v) for v in value if _text(v))
    return str(value or "").strip()


def _name(value) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_name(v) for v in value if _name(v))
    return str(value or "").strip()


def _types(line) -> list[str]:
    types = []
    for key, values in line.params.items():
        if key.upper() == "TYPE":
            for v in values:
                types += [t.strip().lower() for t in v.split(",") if t.strip()]
        elif key.upper() == "PREF":
            types.append("pref")
    return types


def _lines(card, name: str) -> list:
    return card.contents.get(name.lower(), [])


def _first(card, name: str):
    lines = _lines(card, name)
    for line in lines:
        if "pref" in _types(line):
            return line
    return lines[0] if lines else None


def _date(value: str) -> dt.date | None:
    v = (value or "").strip()
    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", v)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _phone(value: str) -> str:
    v = _text(value)
    return v[4:] if v.lower().startswith("tel:") else v


def _label(line, skip=("internet", "pref", "voice", "x400")) -> str:
    return ",".join(t for t in _types(line) if t not in skip)[:40]


NOT_A_VOICE_LINE = {"fax", "pager", "cell", "modem", "car", "isdn", "bbs", "textphone"}


def _main_phones(lines: list) -> tuple[object, object]:
    """(the TEL line for the contact's phone, the one for its mobile); the other numbers
    become contact points with their labels. The phone is the business line: a work voice
    number (the preferred one first), else a number with no place at all; a home number
    stays a home number. The mobile is the preferred cell number, else the first."""

    def pick(candidates):
        candidates = [line for line in candidates if _phone(line.value)]
        preferred = [line for line in candidates if "pref" in _types(line)]
        return (preferred or candidates or [None])[0]

    voice = [line for line in lines if not NOT_A_VOICE_LINE & set(_types(line))]
    unplaced = [line for line in voice if not {"home", "work"} & set(_types(line))]
    phone = pick([line for line in voice if "work" in _types(line)]) or pick(unplaced)
    mobile = pick([line for line in lines if "cell" in _types(line) and line is not phone])
    return phone, mobile


@dataclass
class Card:
    """What we read from one vCard, in CRM terms."""

    data: dict = field(default_factory=dict)
    uid: str = ""
    external_id: str = ""
    organisation: str = ""
    emails: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    name: str = ""


def read_card(card) -> Card:
    out = Card()
    data = out.data
    fn = _text(card.fn.value) if "fn" in card.contents else ""
    if "n" in card.contents:
        n = card.n.value
        if isinstance(n, vobject.vcard.Name):
            data["last_name"] = _name(n.family)
            data["first_name"] = " ".join(p for p in (_name(n.given), _name(n.additional)) if p)
            data["salutation"] = _name(n.prefix)[:20]
        else:
            data["last_name"] = _text(n)
    if not data.get("last_name"):
        parts = fn.rsplit(" ", 1)
        data["last_name"] = parts[-1] if parts and parts[-1] else ""
        if len(parts) == 2 and not data.get("first_name"):
            data["first_name"] = parts[0]
    for key in ("first_name", "last_name"):
        data[key] = data.get(key, "")[:100]

    if org := _first(card, "org"):
        value = org.value if isinstance(org.value, list) else [org.value]
        parts = [_text(v) for v in value if _text(v)]
        if parts:
            out.organisation = parts[0][:200]
            if len(parts) > 1:
                data["department"] = parts[1][:100]
    if title := _first(card, "title"):
        data["title"] = _text(title.value)[:100]

    for line in _lines(card, "email"):
        try:
            email = parse_email(_text(line.value))
        except ValueError:
            continue
        if email and email.lower() not in {e.lower() for e, _ in out.emails}:
            entry = (email, _label(line))
            out.emails.insert(0, entry) if "pref" in _types(line) else out.emails.append(entry)
    if out.emails:
        data["email"] = out.emails[0][0]

    phone, mobile = _main_phones(_lines(card, "tel"))
    for line in _lines(card, "tel"):
        number = _phone(line.value)[:40]
        if not number:
            continue
        if line is phone and not data.get("phone"):
            data["phone"] = number
        elif line is mobile and not data.get("mobile"):
            data["mobile"] = number
        elif number not in {n for n, _label in out.phones}:
            out.phones.append((number, _label(line)))

    if adr := _first(card, "adr"):
        a = adr.value
        if isinstance(a, vobject.vcard.Address):
            parts = (_text(a.box), _text(a.extended), _text(a.street))
            street = ", ".join(p.strip(" ,") for p in parts if p.strip(" ,") and ":" not in p)
            data.update(
                mailing_street=street[:255],
                mailing_city=_text(a.city)[:100],
                mailing_region=_text(a.region)[:100],
                mailing_postcode=_text(a.code)[:20],
                mailing_country=_text(a.country)[:100],
            )
    if bday := _first(card, "bday"):
        data["birthday"] = _date(_text(bday.value))
    if note := _first(card, "note"):
        data["description"] = _text(note.value)
    if uid := _first(card, "uid"):
        out.uid = _text(uid.value)[:70]
    if ext := _first(card, "x-crm-external-id"):
        out.external_id = _text(ext.value)[:80]
    out.name = fn or f"{data.get('first_name', '')} {data.get('last_name', '')}".strip()
    if not data["last_name"]:
        data["last_name"] = (out.emails[0][0].split("@")[0] if out.emails else "") or "(no name)"
    return out


# -- importing -------------------------------------------------------------------------------
@dataclass
class Result:
    cards: int = 0
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (card no., name, message)


def own_uid(contact: Contact) -> str:
    if contact.external_id and contact.external_id.startswith("vcard:"):
        return contact.external_id[len("vcard:") :]
    host = urlparse(settings.SITE_URL).hostname or "crm"
    return f"crm-contact-{contact.pk}@{host}"


def _match(card: Card) -> Contact | None:
    if card.uid:
        found = Contact.objects.filter(external_id=f"vcard:{card.uid}").first()
        if found:
            return found
        m = CONTACT_UID.match(card.uid)
        host = urlparse(settings.SITE_URL).hostname or "crm"
        if m and m[2] == host:
            found = Contact.objects.filter(pk=int(m[1])).first()
            if found:
                return found
    if card.external_id:
        found = Contact.objects.filter(external_id=card.external_id).first()
        if found:
            return found
    if card.data.get("email"):
        matches = list(
            Contact.objects.filter(
                email__iexact=card.data["email"], merged_into__isnull=True
            ).order_by("pk")[:2]
        )
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise RowErrors([("email", "several contacts have this e-mail")])
    return None


def _save_card(card: Card, ctx: Context) -> tuple[str, Contact]:
    user = ctx.user
    existing = _match(card)
    if existing is not None:
        _may_change(user, existing)
    data = {k: v for k, v in card.data.items() if v not in ("", None)}
    if card.organisation:
        account = (
            Account.objects.filter(name__iexact=card.organisation, merged_into__isnull=True)
            .order_by("pk")
            .first()
        )
        if account is None:
            account = customer.account_save(
                data={"name": card.organisation, "owner": user, "team": ctx.team}, by=user
            )
        if existing is None or existing.account_id is None or existing.account_id != account.pk:
            data["account"] = account
    if card.uid and (existing is None or not existing.external_id):
        taken = Contact.objects.filter(external_id=f"vcard:{card.uid}").exists()
        if not taken and not CONTACT_UID.match(card.uid):
            data["external_id"] = f"vcard:{card.uid}"
    if existing is None:
        data.setdefault("owner", user)
        data.setdefault("team", data["account"].team if data.get("account") else ctx.team)
        data.setdefault("source", "vCard")
    try:
        contact = customer.contact_save(contact=existing, data=data, by=user)
    except ValidationError as exc:
        raise _validation_errors(exc) from exc
    points = [(ContactPoint.Kind.EMAIL, e, label) for e, label in card.emails[1:]]
    points += [(ContactPoint.Kind.PHONE, p, label) for p, label in card.phones]
    for kind, value, label in points:
        if kind == ContactPoint.Kind.EMAIL and value.lower() == (contact.email or "").lower():
            continue
        if not contact.points.filter(kind=kind, value__iexact=value).exists():
            ContactPoint.objects.create(contact=contact, kind=kind, value=value, label=label)
    return ("updated" if existing else "created"), contact


def import_vcards(raw: bytes, *, user, source: str = "vCard") -> Result:
    """Import every card of a file; each card in its own savepoint."""
    result = Result()
    text, _ = decode(raw)
    ctx = Context.for_user(user, note=f"vCard import {source}")
    for number, card_text in enumerate(normalise(text), start=1):
        result.cards += 1
        name = ""
        try:
            component = vobject.readOne(card_text, ignoreUnreadable=True)
            card = read_card(component)
            name = card.name
            with transaction.atomic():
                action, contact = _save_card(card, ctx)
        except RowErrors as exc:
            result.errors.append((number, name, str(exc)))
            continue
        except (vobject.base.VObjectError, ValueError, DatabaseError) as exc:
            result.errors.append((number, name, f"unreadable card: {exc}"[:300]))
            continue
        (result.created if action == "created" else result.updated).append(contact)
    return result


# -- exporting -------------------------------------------------------------------------------
def export_vcard(contact: Contact) -> str:
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name, given=contact.first_name, prefix=contact.salutation
    )
    card.add("fn").value = str(contact) or contact.last_name
    if contact.account_id or contact.department:
        org = [contact.account.name if contact.account_id else ""]
        card.add("org").value = org + ([contact.department] if contact.department else [])
    if contact.title:
        card.add("title").value = contact.title
    if contact.email:
        line = card.add("email")
        line.value, line.type_paramlist = contact.email, ["INTERNET", "PREF"]
    # The phone is the work line and the mobile the preferred cell (``_main_phones`` reads
    # them back as such); other numbers keep their labels, never PREF.
    if contact.phone:
        line = card.add("tel")
        line.value, line.type_paramlist = contact.phone, ["WORK", "VOICE", "PREF"]
    if contact.mobile:
        line = card.add("tel")
        line.value, line.type_paramlist = contact.mobile, ["CELL", "PREF"]
    for point in contact.points.order_by("pk"):
        line = card.add("email" if point.kind == ContactPoint.Kind.EMAIL else "tel")
        line.value = point.value
        labels = [t.upper() for t in point.label.split(",") if t and t.lower() != "pref"]
        if labels:
            line.type_paramlist = labels
    if any(
        getattr(contact, f"mailing_{p}")
        for p in ("street", "city", "postcode", "region", "country")
    ):  # noqa: E501
        line = card.add("adr")
        line.value = vobject.vcard.Address(
            street=contact.mailing_street,
            city=contact.mailing_city,
            region=contact.mailing_region,
            code=contact.mailing_postcode,
            country=contact.mailing_country,
        )
        line.type_paramlist = ["WORK"]
    if contact.birthday:
        card.add("bday").value = contact.birthday.isoformat()
    if contact.description:
        card.add("note").value = contact.description
    card.add("uid").value = own_uid(contact)
    if contact.external_id and not contact.external_id.startswith("vcard:"):
        card.add("x-crm-external-id").value = contact.external_id
    card.add("rev").value = contact.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return card.serialize()


def filename_for(contact: Contact) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", str(contact)).strip("_") or f"contact-{contact.pk}"
    return f"{name[:80]}.vcf"
