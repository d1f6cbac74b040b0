import datetime
from decimal import Decimal

import factory
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
    close_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from sales.pipeline.services import opportunity_save

        by = kwargs.pop("by", None) or kwargs.get("owner")
        return opportunity_save(data=kwargs, by=by)
