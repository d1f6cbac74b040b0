import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Account, Contact
from sales.models import Lead
from service.models import Ticket
from users.models import Role, Team, TeamMembership, User

PASSWORD = "correct-horse-battery-9"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.SALES_REP
    password = factory.django.Password(PASSWORD)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = Team.Kind.SALES

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for user in extracted or ():
            TeamMembership.objects.get_or_create(team=self, user=user)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    industry = "Technology"
    billing_country = "Italy"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Contact{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    account = factory.SubFactory(AccountFactory)


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Lead{n}")
    company = "Acme"
    email = factory.Sequence(lambda n: f"lead{n}@example.com")


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Ticket {n}")


# -- sales, catalog --------------------------------------------------------------------------
class CurrencyFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.Currency"
        django_get_or_create = ("code",)

    code = "USD"
    name = factory.LazyAttribute(lambda c: c.code)
    minor_units = 2


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.Product"

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    family = "Hardware"
    unit_price = Decimal("100.00")
    currency = factory.SubFactory(CurrencyFactory)
    tax_rate = Decimal("20.00")


class OpportunityFactory(DjangoModelFactory):
    """An open deal in the default pipeline's first stage, written through the service so
    the stage history exists as in real use."""

    class Meta:
        model = "sales.Opportunity"

    name = factory.Sequence(lambda n: f"Deal {n}")
    account = factory.SubFactory(AccountFactory)
    amount = Decimal("1000.00")
    currency = "USD"
    close_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from sales.pipeline.services import opportunity_save

        by = kwargs.pop("by", None) or kwargs.get("owner")
        return opportunity_save(data=kwargs, by=by)


# -- catalog (price books, configurable products) ----------------------------------------------
class PriceBookFactory(DjangoModelFactory):
    class Meta:
        model = "catalog.PriceBook"

    name = factory.Sequence(lambda n: f"Price book {n}")
    kind = "list"
    currency = factory.SubFactory(CurrencyFactory)


def ConfigurableProductFactory(**kwargs):  # noqa: N802 - reads like the other factories
    """The demo's "GTK 500 Workstation" (5,000.00 USD): Size 14″/16″/18″ (pick one, required),
    Support level basic/business/premium (pick one, required), Add-ons dock/case/battery/
    cooling/onsite (pick any). Rules: 18″ requires cooling and excludes battery; basic
    excludes onsite; onsite +120.00; premium +8 %."""
    from catalog.demo import build_configuration

    kwargs.setdefault("name", "GTK 500 Workstation")
    kwargs.setdefault("unit_price", Decimal("5000.00"))
    kwargs.setdefault("is_configurable", True)
    product = ProductFactory(**kwargs)
    build_configuration(product)
    return product


# -- forecast and quotas -----------------------------------------------------------------------
class ExchangeRateFactory(DjangoModelFactory):
    """``rate`` units of ``currency`` per unit of the base currency, valid from 2000 on."""

    class Meta:
        model = "catalog.ExchangeRate"
        django_get_or_create = ("currency", "valid_from")

    currency = factory.SubFactory(CurrencyFactory, code="EUR")
    rate = Decimal("0.5")
    valid_from = datetime.date(2000, 1, 1)


def _quarter_start(day):
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


class QuotaFactory(DjangoModelFactory):
    """This quarter's quota of a rep (10,000.00 USD unless told)."""

    class Meta:
        model = "sales.Quota"

    user = factory.SubFactory(UserFactory)
    period = "quarter"
    start = factory.LazyFunction(lambda: _quarter_start(timezone.localdate()))
    amount = Decimal("10000.00")
    currency = "USD"


def stage_named(name: str, pipeline=None):
    """A stage of the default pipeline (created on first use) by name, e.g. "Negotiation"."""
    from sales.pipeline.services import default_pipeline

    return (pipeline or default_pipeline()).stages.get(name=name)


# -- quotes --------------------------------------------------------------------------------------
def QuoteFactory(*, owner, team=None, lines=(), contact=True, discount_percent=None, **opp):  # noqa: N802
    """A draft quote built through ``sales.quotes.services`` on a new opportunity of ``owner``
    (in ``team``), its account's contact receiving it. ``lines``: ``(product, quantity,
    discount %)`` tuples."""
    from sales.quotes import services

    opp.setdefault("owner", owner)
    opp.setdefault("team", team)
    if contact and "contact" not in opp:
        account = opp.setdefault("account", AccountFactory(owner=owner, team=team))
        opp["contact"] = ContactFactory(account=account, owner=owner, team=team)
    quote = services.create_quote(opportunity=OpportunityFactory(**opp), by=owner)
    for product, quantity, discount in lines:
        services.add_line(
            quote=quote, product=product, quantity=quantity, discount_percent=discount, by=owner
        )
    if discount_percent is not None:
        services.update_quote(quote=quote, data={"discount_percent": discount_percent}, by=owner)
    quote.refresh_from_db()
    return quote


# -- leads: campaigns, assignment rules ----------------------------------------------------------
class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = "marketing.Campaign"

    name = factory.Sequence(lambda n: f"Campaign {n}")
    kind = "webinar"
    status = "active"


class AssignmentRuleFactory(DjangoModelFactory):
    """A rule sending leads to ``team`` (round-robin); position follows creation order."""

    class Meta:
        model = "sales.AssignmentRule"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if extracted:
            self.products.set(extracted)


# -- pipeline: many deals at once ----------------------------------------------------------------
def make_opportunities(count, *, stage=None, start=0, **fields):
    """``count`` open deals in one INSERT (board, list and budget tests: thousands of rows
    without the service's per-deal history). ``fields`` override the defaults; a callable
    value is called with the row number."""
    from sales.models import Opportunity
    from sales.pipeline.services import default_pipeline, first_open_stage

    stage = stage or first_open_stage(default_pipeline())
    rows = []
    for i in range(start, start + count):
        values = {
            "name": f"Bulk deal {i:05}",
            "amount": Decimal("100.00"),
            "currency": "USD",
            "close_date": timezone.localdate() + datetime.timedelta(days=30),
            **{k: (v(i) if callable(v) else v) for k, v in fields.items()},
        }
        rows.append(
            Opportunity(
                pipeline_id=stage.pipeline_id,
                stage=stage,
                status=stage.kind,
                probability=stage.probability,
                forecast_category=stage.forecast_category,
                **values,
            )
        )
    return Opportunity.objects.bulk_create(rows, batch_size=2000)


# -- billing --------------------------------------------------------------------------------------
class OrderFactory(DjangoModelFactory):
    """An order row as ``order_from_quote`` leaves it (without a quote), with one line."""

    class Meta:
        model = "billing.Order"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"SO-T{n:05d}")
    account = factory.SubFactory(AccountFactory)
    ordered_on = factory.LazyFunction(timezone.localdate)
    currency = "EUR"
    total = Decimal("1200.00")

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        from billing.models import OrderLine

        OrderLine.objects.create(order=self, description="Consulting", quantity=1,
                                 unit_price=self.total, net_amount=self.total)  # fmt: skip


def make_invoice(account, amount="100.00", *, currency="EUR", ago=0, terms=30, by=None):
    """An invoice through the billing service (so its ledger entry exists)."""
    from billing.services import invoice_create

    return invoice_create(
        account=account, currency=currency, by=by, due_in_days=terms,
        issued_on=timezone.localdate() - datetime.timedelta(days=ago),
        lines=[{"description": "Work", "quantity": "1", "unit_price": amount}],
    )  # fmt: skip
