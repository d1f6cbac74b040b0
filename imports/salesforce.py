"""Import a Salesforce org export: Account, Contact, AccountContactRelation, Campaign, Lead,
Opportunity, CampaignMember and Task CSV files (the sales objects: ``salesforce_sales``).

Every record keeps its Salesforce id as ``external_id`` ("sf:" + 18-char id), so references
between the files are resolved through it and a second run updates instead of duplicating.
Writes go through the services (``accounts.services``, ``lead_save``, ``opportunity_save``:
history, timeline, stage history). A task about a lead or an opportunity is linked to it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as customer
from accounts.models import Account, AccountContactRelation, Activity, Channel, Consent, Contact

from .conversion import parse_url
from .parsing import decode
from .salesforce_sales import SalesObjects

PREFIX = "sf:"
TASK_KINDS = {
    "call": Activity.Kind.CALL,
    "meeting": Activity.Kind.MEETING,
    "email": Activity.Kind.EMAIL,
    "note": Activity.Kind.NOTE,
}


@dataclass
class Stats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    notes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


# The files this command reads, in the order they refer to each other, and the columns
# each must have (every other column is optional).
FILES = {
    "Account.csv": ("Id",),
    "Contact.csv": ("Id",),
    "AccountContactRelation.csv": ("Id", "AccountId", "ContactId"),
    "Campaign.csv": ("Id",),
    "Lead.csv": ("Id",),
    "Opportunity.csv": ("Id",),
    "CampaignMember.csv": ("Id", "CampaignId"),
    "Task.csv": ("Id",),
}


class ExportError(ValueError):
    """A file of the export cannot be imported as it is (a required column is missing)."""


class Row(dict):
    """One CSV row whose columns are found whatever their case: Data Loader writes ``ID``,
    ``NAME``, the export API ``Id``, ``Name``."""

    def __init__(self, values: dict):
        super().__init__(values)
        self._names = {}
        for key in values:
            if isinstance(key, str):
                self._names.setdefault(key.lower(), key)

    def _key(self, key):
        return self._names.get(key.lower(), key) if isinstance(key, str) else key

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __contains__(self, key):
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)


def read_csv(path: Path) -> list[Row]:
    if not path.exists():
        return []
    text, _encoding = decode(path.read_bytes())
    reader = csv.DictReader(text.splitlines(keepends=True))
    missing = [
        column
        for column in FILES.get(path.name, ())
        if reader.fieldnames is not None
        and column.lower() not in {(f or "").strip().lower() for f in reader.fieldnames}
    ]
    if missing:
        raise ExportError(
            _("%(file)s has no %(columns)s column (its columns: %(present)s)")
            % {
                "file": path.name,
                "columns": ", ".join(missing),
                "present": ", ".join(f for f in reader.fieldnames if f) or "none",
            }
        )
    return [Row(r) for r in reader]


def sf(value: str | None) -> str | None:
    return f"{PREFIX}{value}" if value else None


def _truthy(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes")


def _decimal(value):
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _int(value):
    try:
        return int(Decimal(value)) if value else None
    except (InvalidOperation, ValueError):
        return None


def _date(value):
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _address(row: dict, prefix: str, target: str) -> dict:
    """Salesforce writes an address twice: in columns and as JSON; the columns win."""
    compound = {}
    if row.get(f"{prefix}Address"):
        try:
            compound = json.loads(row[f"{prefix}Address"]) or {}
        except ValueError:
            compound = {}
    pick = lambda col, key: (row.get(f"{prefix}{col}") or compound.get(key) or "").strip()  # noqa: E731
    return {
        f"{target}_street": pick("Street", "street")[:255],
        f"{target}_city": pick("City", "city")[:100],
        f"{target}_postcode": pick("PostalCode", "postalCode")[:20],
        f"{target}_region": pick("State", "state")[:100],
        f"{target}_country": pick("Country", "country")[:100],
    }


class SalesforceImport(SalesObjects):
    def __init__(
        self, folder, *, by=None, user_map: dict | None = None, custom_to_description=False
    ):  # noqa: E501
        self.folder = Path(folder)
        self.by = by
        self.user_map = user_map or {}
        self.custom_to_description = custom_to_description
        self.stats: dict[str, Stats] = defaultdict(Stats)
        self.ignored_custom: Counter = Counter()
        self.absent: list[str] = []  # files of FILES not in the folder
        self.skipped: dict[str, int] = {}  # other CSV files (objects not imported): rows

    # -- helpers ---------------------------------------------------------------------------
    def read(self, name: str) -> list[dict]:
        """The rows of one file of the export, deleted ones left out."""
        return [r for r in read_csv(self.folder / name) if not _truthy(r.get("IsDeleted"))]

    def owner(self, sf_id: str):
        return self.user_map.get(sf_id)

    def _custom(self, row: dict, description: str) -> str:
        extra = []
        for key, value in row.items():
            if isinstance(key, str) and key.lower().endswith("__c") and value:
                if self.custom_to_description:
                    extra.append(f"{key[:-3].replace('_', ' ')}: {value}")
                else:
                    self.ignored_custom[key] += 1
        if extra:
            description = (description + "\n\n" if description else "") + "\n".join(extra)
        return description

    def _upsert(self, model, saver, name: str, external_id: str, data: dict, **kwargs):
        stats = self.stats[name]
        existing = model.objects.filter(external_id=external_id).first()
        try:
            with transaction.atomic():
                if existing is None:
                    obj = saver(data={**data, "external_id": external_id}, by=self.by, **kwargs)
                    stats.created += 1
                    return obj
                if all(getattr(existing, k) == v for k, v in data.items()):
                    stats.unchanged += 1  # no save: no history row, no timeline entry
                    return existing
                obj = saver(**{model._meta.model_name: existing}, data=data, by=self.by, **kwargs)
                stats.updated += 1
                return obj
        except ValidationError as exc:
            stats.failed += 1
            stats.errors.append(f"{external_id}: {'; '.join(exc.messages)}")
            return None

    # -- objects ---------------------------------------------------------------------------
    def accounts(self):
        rows = [r for r in read_csv(self.folder / "Account.csv") if not _truthy(r.get("IsDeleted"))]
        for row in rows:
            try:
                website = parse_url(row.get("Website", ""))
            except ValueError:
                website = ""
                self.stats["Account"].notes["invalid website left empty"] += 1
            data = {
                "name": (row.get("Name") or "")[:200] or row["Id"],
                "industry": (row.get("Industry") or "")[:80],
                "segment": (row.get("Type") or "")[:80],
                "website": website,
                "phone": (row.get("Phone") or "")[:40],
                "annual_revenue": _decimal(row.get("AnnualRevenue")),
                "employees": _int(row.get("NumberOfEmployees")),
                "source": (row.get("AccountSource") or "Salesforce")[:60],
                "description": self._custom(row, row.get("Description") or ""),
                "owner": self.owner(row.get("OwnerId")),
                **_address(row, "Billing", "billing"),
                **_address(row, "Shipping", "shipping"),
            }
            self._upsert(Account, customer.account_save, "Account", sf(row["Id"]), data)
        # Parents in a second pass: a parent may come later in the file than its child.
        ids = {sf(r["Id"]): sf(r.get("ParentId")) for r in rows}
        by_ext = {a.external_id: a for a in Account.objects.filter(external_id__in=list(ids))}
        parents = {
            a.external_id: a
            for a in Account.objects.filter(external_id__in=[p for p in ids.values() if p])
        }  # noqa: E501
        for child_ext, parent_ext in ids.items():
            child = by_ext.get(child_ext)
            if child is None:
                continue
            parent = parents.get(parent_ext) if parent_ext else None
            if parent_ext and parent is None:
                self.stats["Account"].notes["parent not in the export"] += 1
            if child.parent_id != (parent.pk if parent else None):
                customer.account_save(account=child, data={"parent": parent}, by=self.by)
                self.stats["Account"].notes["parent linked"] += 1

    def contacts(self):
        accounts = dict(
            Account.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk")
        )  # noqa: E501
        account_objs = {}
        for row in read_csv(self.folder / "Contact.csv"):
            if _truthy(row.get("IsDeleted")):
                continue
            account = None
            if row.get("AccountId"):
                pk = accounts.get(sf(row["AccountId"]))
                if pk is None:
                    self.stats["Contact"].notes["account not in the export"] += 1
                else:
                    account = account_objs.get(pk) or Account.objects.get(pk=pk)
                    account_objs[pk] = account
            email = (row.get("Email") or "").strip()
            data = {
                "salutation": (row.get("Salutation") or "")[:20],
                "first_name": (row.get("FirstName") or "")[:100],
                "last_name": (row.get("LastName") or "")[:100] or "(unknown)",
                "title": (row.get("Title") or "")[:100],
                "department": (row.get("Department") or "")[:100],
                "account": account,
                "email": email,
                "phone": (row.get("Phone") or "")[:40],
                "mobile": (row.get("MobilePhone") or "")[:40],
                "birthday": _date(row.get("Birthdate")),
                "source": (row.get("LeadSource") or "Salesforce")[:60],
                "description": self._custom(row, row.get("Description") or ""),
                "owner": self.owner(row.get("OwnerId")),
                **_address(row, "Mailing", "mailing"),
            }
            if (
                account is not None
                and Contact.objects.filter(external_id=sf(row["Id"])).exists() is False
            ):  # noqa: E501
                data["team"] = account.team
            contact = self._upsert(Contact, customer.contact_save, "Contact", sf(row["Id"]), data)
            if contact is None:
                continue
            for column, channel in (
                ("HasOptedOutOfEmail", Channel.EMAIL),
                ("DoNotCall", Channel.PHONE),
            ):  # noqa: E501
                if not _truthy(row.get(column)):
                    continue
                current = Consent.objects.filter(contact=contact, channel=channel).first()
                if current is None or current.status != Consent.Status.OPTED_OUT:
                    customer.consent_set(
                        contact=contact,
                        channel=channel,
                        status=Consent.Status.OPTED_OUT,
                        method=Consent.Method.IMPORT,
                        by=self.by,
                        note="Salesforce " + column,
                    )
                    self.stats["Contact"].notes[f"{column} → opted out"] += 1

    def relations(self):
        stats = self.stats["AccountContactRelation"]
        accounts = dict(
            Account.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk")
        )  # noqa: E501
        contacts = dict(
            Contact.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk")
        )  # noqa: E501
        for row in read_csv(self.folder / "AccountContactRelation.csv"):
            if _truthy(row.get("IsDeleted")):
                continue
            account_id, contact_id = (
                accounts.get(sf(row["AccountId"])),
                contacts.get(sf(row["ContactId"])),
            )  # noqa: E501
            if account_id is None or contact_id is None:
                stats.failed += 1
                stats.errors.append(f"{row['Id']}: account or contact not in the export")
                continue
            values = {
                "role": (row.get("Roles") or "")[:100],
                "is_active": _truthy(row.get("IsActive")),
            }  # noqa: E501
            rel = (
                AccountContactRelation.objects.filter(external_id=sf(row["Id"])).first()
                or AccountContactRelation.objects.filter(
                    account_id=account_id, contact_id=contact_id
                ).first()
            )  # noqa: E501
            if rel is None:
                AccountContactRelation.objects.create(
                    account_id=account_id,
                    contact_id=contact_id,
                    external_id=sf(row["Id"]),
                    **values,
                )
                stats.created += 1
                continue
            new = {
                **values,
                "account_id": account_id,
                "contact_id": contact_id,
                "external_id": sf(row["Id"]),
            }  # noqa: E501
            if any(getattr(rel, k) != v for k, v in new.items()):
                for k, v in new.items():
                    setattr(rel, k, v)
                rel.save()
                stats.updated += 1
            else:
                stats.unchanged += 1

    def tasks(self):
        accounts = dict(
            Account.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk")
        )  # noqa: E501
        contacts = {
            c.external_id: c for c in Contact.objects.filter(external_id__startswith=PREFIX)
        }  # noqa: E501
        account_objs = {a.pk: a for a in Account.objects.filter(pk__in=accounts.values())}
        leads, deals = self._related_records()
        for row in read_csv(self.folder / "Task.csv"):
            if _truthy(row.get("IsDeleted")):
                continue
            notes = self.stats["Task"].notes
            who, what = row.get("WhoId") or "", row.get("WhatId") or row.get("AccountId") or ""
            contact = contacts.get(sf(who)) if who.startswith("003") else None
            account = account_objs.get(accounts.get(sf(what))) if what.startswith("001") else None
            # a lead (WhoId) or an opportunity (WhatId): the task's related record
            related = leads.get(sf(who)) if who.startswith("00Q") else None
            deal = deals.get(sf(what)) if what.startswith("006") else None
            if related is None and deal is not None:
                related = deal[:2]
                account = account_objs.get(deal[2]) or account
            body = row.get("Description") or ""
            if who and contact is None and not (related and who.startswith("00Q")):
                kind = "lead" if who.startswith("00Q") else "record"
                notes[f"WhoId is a {kind} not imported (id kept in the body)"] += 1
                body = (body + "\n" if body else "") + f"Salesforce {kind}: {who}"
            if what and account is None and deal is None:
                notes["WhatId not imported (id kept in the body)"] += 1
                body = (body + "\n" if body else "") + f"Salesforce record: {what}"
            if account is None and contact is not None and contact.account_id:
                account = account_objs.get(contact.account_id) or contact.account
            due = _date(row.get("ActivityDate"))
            starts_at = (
                timezone.make_aware(dt.datetime.combine(due, dt.time(9, 0))) if due else None
            )
            kind = TASK_KINDS.get(
                (row.get("Type__c") or row.get("TaskSubtype") or "").lower(), Activity.Kind.TASK
            )  # noqa: E501
            done = _truthy(row.get("IsClosed")) or (row.get("Status") or "").lower() == "completed"
            data = {
                "kind": kind,
                "subject": (row.get("Subject") or "Task")[:200],
                "body": body,
                "starts_at": starts_at,
                "done": done,
                "duration_minutes": (_int(row.get("CallDurationInSeconds")) or 0) // 60 or None,
                "outcome": (row.get("CallDisposition") or "")[:200],
                "assigned_to": self.owner(row.get("OwnerId")),
                "account": account,
                "contact": contact,
                "related_type": related[0] if related else None,
                "related_id": related[1] if related else None,
            }
            self._upsert(Activity, customer.activity_save, "Task", sf(row["Id"]), data)

    def _related_records(self):
        """{sf id: (content type, pk)} of the imported leads; {sf id: (content type, pk,
        account id)} of the imported opportunities."""
        from django.contrib.contenttypes.models import ContentType

        from sales.models import Lead, Opportunity

        lead_type = ContentType.objects.get_for_model(Lead)
        deal_type = ContentType.objects.get_for_model(Opportunity)
        leads = {ext: (lead_type, pk) for ext, pk in self._ids(Lead).items()}
        deals = {
            ext: (deal_type, pk, account_id)
            for ext, pk, account_id in Opportunity.objects.filter(
                external_id__startswith=PREFIX
            ).values_list("external_id", "pk", "account_id")
        }
        return leads, deals

    def check_files(self) -> None:
        """Every file present has the columns it needs (raises ExportError before anything is
        imported); ``absent`` and ``skipped`` say what the summary must mention."""
        for name in FILES:
            read_csv(self.folder / name)
        self.absent = [name for name in FILES if not (self.folder / name).exists()]
        self.skipped = {
            path.name: len(read_csv(path))
            for path in sorted(self.folder.iterdir())
            if path.suffix.lower() == ".csv" and path.name not in FILES
        }

    def run(self) -> dict[str, Stats]:
        self.check_files()
        # in the order the files refer to each other
        for step in (
            self.accounts,
            self.contacts,
            self.relations,
            self.campaigns,
            self.leads,
            self.opportunities,
            self.conversions,
            self.campaign_members,
            self.tasks,
        ):
            step()
        return dict(self.stats)
