"""The sales objects of a Salesforce export: Campaign, Lead, Opportunity, CampaignMember, and
the links a converted lead keeps to what it became (``imports.salesforce`` runs them after
accounts and contacts, so every reference resolves through the ``sf:`` external ids).

- Campaigns are written as they are (no service: marketing has none); ``ParentId`` has no
  place in our model and is left out.
- Leads go through ``sales.leads.services.lead_save`` (validation, timeline, score); new
  leads without a (mapped) owner then get the assignment rules once, as any import.
  A lead whose ``Company`` is an account id of the export gets that account's name.
- Opportunities go through ``sales.pipeline.services.opportunity_save`` (the stage history's
  first row, the timeline, the optimistic lock); Salesforce's ``Probability`` and
  ``ForecastCategoryName`` are kept as they were. ``StageName`` maps to a stage of the
  default pipeline by name or by Salesforce's standard names (``Closed Won`` → the won stage,
  ``Proposal/Price Quote`` → Proposal, …, see ``STAGE_ALIASES``). A stage name that matches
  nothing is created in a pipeline called "Salesforce" (with its own won and lost stages),
  so no deal is forced into a stage it was not in.
- Converted leads (``IsConverted``) link to the imported account, contact and opportunity
  (``Converted*Id``) once those exist; a converted lead is not changed again by a re-run.
- Campaign members are matched on (campaign, lead) or (campaign, contact): a re-run updates.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Contact

from .conversion import parse_url

PIPELINE_NAME = "Salesforce"
STAGE_ALIASES = {
    "discovery": "Prospecting",
    "needs analysis": "Qualification",
    "value proposition": "Proposal",
    "id. decision makers": "Proposal",
    "perception analysis": "Proposal",
    "proposal/price quote": "Proposal",
    "proposal/quote": "Proposal",
    "negotiation/review": "Negotiation",
}
LEAD_STATUS = {
    "open - not contacted": "new",
    "new": "new",
    "working - contacted": "working",
    "working": "working",
    "nurturing": "working",
    "qualified": "qualified",
    "closed - converted": "qualified",
    "closed - not converted": "disqualified",
    "unqualified": "disqualified",
    "disqualified": "disqualified",
}
CAMPAIGN_KIND = {
    "email": "email",
    "event": "event",
    "conference": "event",
    "trade show": "event",
    "webinar": "webinar",
    "advertisement": "advertising",
    "banner ads": "advertising",
    "web marketing": "advertising",
    "social media": "advertising",
    "telemarketing": "phone",
    "direct mail": "other",
    "referral program": "referral",
    "partners": "referral",
}
CAMPAIGN_STATUS = {
    "planned": "planned",
    "in progress": "active",
    "completed": "completed",
    "aborted": "aborted",
}
FORECAST_CATEGORY = {
    "pipeline": "pipeline",
    "best case": "best_case",
    "bestcase": "best_case",
    "commit": "commit",
    "forecast": "commit",
    "closed": "closed",
    "omitted": "omitted",
}


def _datetime(value):
    """Salesforce's ``2024-01-22T16:14:25.000+0000`` (or a date) → an aware datetime."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


class SalesObjects:
    """Mixed into ``imports.salesforce.SalesforceImport`` (its helpers: ``read``, ``stats``,
    ``owner``, ``_upsert``, ``_custom``)."""

    def _ids(self, model) -> dict[str, int]:
        from .salesforce import PREFIX

        return dict(
            model.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk")
        )

    # -- campaigns ------------------------------------------------------------------------
    def campaigns(self):
        from marketing.models import Campaign

        from .salesforce import _date, _decimal, sf

        stats = self.stats["Campaign"]
        for row in self.read("Campaign.csv"):
            kind = CAMPAIGN_KIND.get((row.get("Type") or "").strip().lower(), "other")
            status = CAMPAIGN_STATUS.get((row.get("Status") or "").strip().lower(), "planned")
            if row.get("ParentId"):
                stats.notes["parent campaign left out"] += 1
            data = {
                "name": (row.get("Name") or "")[:200] or row["Id"],
                "kind": kind,
                "status": status,
                "start_date": _date(row.get("StartDate")),
                "end_date": _date(row.get("EndDate")),
                "budget": _decimal(row.get("BudgetedCost")) or 0,
                "actual_cost": _decimal(row.get("ActualCost")) or 0,
                "expected_revenue": _decimal(row.get("ExpectedRevenue")) or 0,
                "description": self._custom(row, row.get("Description") or ""),
                "owner": self.owner(row.get("OwnerId")),
            }
            self._upsert(Campaign, self._save_model(Campaign), "Campaign", sf(row["Id"]), data)

    @staticmethod
    def _save_model(model):
        """A saver for models without a service: validate, save (same signature)."""

        def save(*, data, by, **existing):
            obj = existing.get(model._meta.model_name) or model()
            for name, value in data.items():
                setattr(obj, name, value)
            obj.full_clean()
            obj.save()
            return obj

        return save

    # -- leads ----------------------------------------------------------------------------
    def leads(self):
        from sales.leads.services import after_import, lead_save
        from sales.models import Lead

        from .salesforce import _int, sf

        stats = self.stats["Lead"]
        accounts = dict(
            Account.objects.filter(external_id__startswith="sf:").values_list("external_id", "name")
        )
        converted = set(
            Lead.objects.filter(external_id__startswith="sf:", converted_at__isnull=False)
            .values_list("external_id", flat=True)
        )  # fmt: skip
        known = set(self._ids(Lead))
        created = []
        for row in self.read("Lead.csv"):
            external_id = sf(row["Id"])
            if external_id in converted:
                stats.unchanged += 1  # kept as it was converted
                continue
            raw_status = (row.get("Status") or "").strip().lower()
            status = LEAD_STATUS.get(raw_status)
            if status is None:
                status = "qualified" if _truthy_any(row, "IsConverted") else "new"
                stats.notes[f"status {row.get('Status')!r} → {status}"] += 1
            company = (row.get("Company") or "").strip()
            if sf(company) in accounts:
                company = accounts[sf(company)]
                stats.notes["Company was an account id: the account's name"] += 1
            try:
                website = parse_url(row.get("Website") or "")[:200]
            except ValueError:  # not an http(s) address: the one URL rule (core.validators)
                website = ""
                stats.notes["invalid website left empty"] += 1
            data = {
                "salutation": (row.get("Salutation") or "")[:20],
                "first_name": (row.get("FirstName") or "")[:100],
                "last_name": (row.get("LastName") or "")[:100] or "(unknown)",
                "title": (row.get("Title") or "")[:120],
                "company": company[:200],
                "industry": (row.get("Industry") or "")[:80],
                "employees": _int(row.get("NumberOfEmployees")),
                "website": website,
                "email": (row.get("Email") or "").strip(),
                "phone": (row.get("Phone") or row.get("MobilePhone") or "")[:40],
                "country": (row.get("Country") or "")[:80],
                "region": (row.get("State") or "")[:80],
                "city": (row.get("City") or "")[:80],
                "source": (row.get("LeadSource") or "Salesforce")[:60],
                "message": self._custom(row, row.get("Description") or ""),
                "status": status,
                "owner": self.owner(row.get("OwnerId")),
            }
            if status == "disqualified":
                data["disqualified_reason"] = "other"
                data["disqualified_note"] = f"Salesforce: {row.get('Status')}"[:255]
            # assign=False: the rules run once for the whole file, below
            lead = self._upsert(Lead, lead_save, "Lead", external_id, data, assign=False)
            if lead is not None and external_id not in known:
                created.append(lead)
        if created:
            after_import([lead for lead in created if lead.owner_id is None], by=self.by)

    # -- opportunities ----------------------------------------------------------------------
    def _stage_for(self, row):
        from sales.models import Pipeline, Stage
        from sales.pipeline.services import default_pipeline

        name = (row.get("StageName") or "").strip()
        cache = self.__dict__.setdefault("_stages", {})
        if name in cache:
            return cache[name]
        pipeline = default_pipeline()
        stages = list(pipeline.stages.all())
        by_name = {s.name.lower(): s for s in stages}
        wanted = name.lower()
        stage = by_name.get(wanted) or by_name.get(STAGE_ALIASES.get(wanted, "").lower())
        if stage is None and wanted in ("closed won", "closed lost"):
            kind = Stage.Kind.WON if wanted == "closed won" else Stage.Kind.LOST
            stage = next((s for s in stages if s.kind == kind), None)
        if stage is None:
            sf_pipeline, made = Pipeline.objects.get_or_create(
                name=PIPELINE_NAME, defaults={"position": 90, "description": "From Salesforce"}
            )
            if made:
                Stage.objects.bulk_create([
                    Stage(pipeline=sf_pipeline, name="Closed Won", position=900, kind="won",
                          probability=100, forecast_category="closed"),
                    Stage(pipeline=sf_pipeline, name="Closed Lost", position=901, kind="lost",
                          probability=0, forecast_category="omitted"),
                ])  # fmt: skip
            won, closed = _truthy_any(row, "IsWon"), _truthy_any(row, "IsClosed")
            kind = Stage.Kind.WON if won else Stage.Kind.LOST if closed else Stage.Kind.OPEN
            stage, made = Stage.objects.get_or_create(
                pipeline=sf_pipeline,
                name=name[:80] or "(no stage)",
                defaults={
                    "kind": kind,
                    "position": sf_pipeline.stages.count(),
                    "probability": min(max(int(float(row.get("Probability") or 0)), 0), 100),
                    "forecast_category": FORECAST_CATEGORY.get(
                        (row.get("ForecastCategoryName") or "").lower(), "pipeline"
                    ),
                },
            )
            if made:
                self.stats["Opportunity"].notes[f"stage {name!r} created in “{PIPELINE_NAME}”"] += 1
        cache[name] = stage
        return stage

    def opportunities(self):
        from catalog import money
        from marketing.models import Campaign
        from sales.models import Opportunity
        from sales.pipeline.services import opportunity_save

        from .salesforce import _date, _decimal, _int, sf

        stats = self.stats["Opportunity"]
        accounts = {a.external_id: a for a in Account.objects.filter(external_id__startswith="sf:")}
        campaigns = {
            c.external_id: c for c in Campaign.objects.filter(external_id__startswith="sf:")
        }  # noqa: E501
        categories = {}
        for row in self.read("Opportunity.csv"):
            stage = self._stage_for(row)
            account = accounts.get(sf(row.get("AccountId")))
            if row.get("AccountId") and account is None:
                stats.notes["account not in the export"] += 1
            campaign = campaigns.get(sf(row.get("CampaignId")))
            if row.get("CampaignId") and campaign is None:
                stats.notes["campaign not in the export"] += 1
            amount = _decimal(row.get("Amount"))
            if amount is None and row.get("Amount"):
                stats.notes["amount not a number: 0"] += 1
            data = {
                "name": (row.get("Name") or "")[:200] or row["Id"],
                "account": account,
                "campaign": campaign,
                "stage": stage,
                "amount": amount or 0,
                "currency": (row.get("CurrencyIsoCode") or money.base_currency()).upper()[:3],
                "close_date": _date(row.get("CloseDate")) or timezone.localdate(),
                "source": (row.get("LeadSource") or "")[:60],
                "next_step": (row.get("NextStep") or "")[:255],
                "description": self._custom(row, row.get("Description") or ""),
                "owner": self.owner(row.get("OwnerId")),
            }
            if stage.kind == "open" and row.get("Probability"):
                data["probability"] = min(max(_int(row["Probability"]) or 0, 0), 100)
            if stage.kind == "lost":
                data["close_reason"] = "other"
                data["close_note"] = "Closed lost in Salesforce"
            if (
                account is not None
                and not Opportunity.objects.filter(external_id=sf(row["Id"])).exists()
            ):
                data["team"] = account.team
            opp = self._upsert(Opportunity, opportunity_save, "Opportunity", sf(row["Id"]), data)
            category = FORECAST_CATEGORY.get((row.get("ForecastCategoryName") or "").lower())
            if opp is not None and category and opp.forecast_category != category:
                categories[opp.pk] = category
        for pk, category in categories.items():  # as Salesforce had it, not the stage's
            Opportunity.objects.filter(pk=pk).update(forecast_category=category)
        if categories:
            stats.notes["forecast category kept from Salesforce"] += len(categories)

    # -- converted leads --------------------------------------------------------------------
    def conversions(self):
        from sales.models import Lead, Opportunity

        from .salesforce import sf

        stats = self.stats["Lead"]
        leads = self._ids(Lead)
        accounts, contacts = self._ids(Account), self._ids(Contact)
        opportunities = self._ids(Opportunity)
        for row in self.read("Lead.csv"):
            if not _truthy_any(row, "IsConverted"):
                continue
            pk = leads.get(sf(row["Id"]))
            if pk is None:
                continue
            links = {}
            for field, column, known in (
                ("converted_account_id", "ConvertedAccountId", accounts),
                ("converted_contact_id", "ConvertedContactId", contacts),
                ("converted_opportunity_id", "ConvertedOpportunityId", opportunities),
            ):
                links[field] = known.get(sf(row.get(column)))
                if row.get(column) and links[field] is None:
                    stats.notes[f"{column} not in the export"] += 1
            when = _datetime(row.get("ConvertedDate")) or _datetime(row.get("LastModifiedDate"))
            with transaction.atomic():
                updated = Lead.objects.filter(pk=pk, converted_at__isnull=True).update(
                    **links, converted_at=when or timezone.now(), converted_by=self.by,
                    status="qualified",
                )  # fmt: skip
                if updated:
                    stats.notes["converted: linked to what it became"] += 1
                    if links["converted_opportunity_id"]:
                        Opportunity.objects.filter(
                            pk=links["converted_opportunity_id"], lead__isnull=True
                        ).update(lead_id=pk)
                    from sales.leads import timeline

                    timeline.follow(Lead.objects.get(pk=pk))

    # -- campaign members -------------------------------------------------------------------
    def campaign_members(self):
        from marketing.models import Campaign, CampaignMember
        from sales.models import Lead

        from .salesforce import sf

        stats = self.stats["CampaignMember"]
        campaigns, leads, contacts = self._ids(Campaign), self._ids(Lead), self._ids(Contact)
        for row in self.read("CampaignMember.csv"):
            campaign_id = campaigns.get(sf(row.get("CampaignId")))
            lead_id = leads.get(sf(row.get("LeadId")))
            contact_id = contacts.get(sf(row.get("ContactId")))
            if campaign_id is None or (lead_id is None and contact_id is None):
                stats.failed += 1
                stats.errors.append(f"{row['Id']}: campaign, lead or contact not in the export")
                continue
            responded = _truthy_any(row, "HasResponded")
            status = (row.get("Status") or "").strip().lower()
            values = {
                "status": "responded" if responded or status == "responded" else "sent",
                "responded_at": _datetime(row.get("FirstRespondedDate")) if responded else None,
            }
            key = {"campaign_id": campaign_id}
            key.update({"lead_id": lead_id} if lead_id else {"contact_id": contact_id})
            try:
                with transaction.atomic():
                    member = CampaignMember.objects.filter(**key).first()
                    if member is None:
                        CampaignMember.objects.create(**key, **values, added_by=self.by)
                        stats.created += 1
                    elif member.status == "converted" or all(
                        getattr(member, k) == v for k, v in values.items()
                    ):
                        stats.unchanged += 1
                    else:
                        CampaignMember.objects.filter(pk=member.pk).update(**values)
                        stats.updated += 1
            except ValidationError as exc:
                stats.failed += 1
                stats.errors.append(f"{row['Id']}: {'; '.join(exc.messages)}")


def _truthy_any(row, column) -> bool:
    return str(row.get(column) or "").strip().lower() in ("1", "true", "yes")
