"""Accounts and contacts in the search box (and the lists' ``q``): see ``core.search``."""

from django.db.models import Q
from django.db.models.functions import Lower

from core import search

from .models import Account, Contact, ContactPoint


class AccountSearch(search.Provider):
    key = "accounts"
    label = "Accounts"
    icon = "building"
    model = Account
    list_url_name = "accounts:account_list"
    order = 10
    names = {"search_name": Lower("name")}  # account_name_trgm
    emails = ("email",)  # account_email_idx
    phones = search.phone_digits("phone", "phone_alt")  # account_phone_trgm
    tiebreak = ("name", "pk")

    def describe(self, obj):
        return " · ".join(v for v in (obj.industry, obj.billing_city, obj.email) if v)

    def pickable(self, user):
        return _not_merged(self.visible(user))


class ContactSearch(search.Provider):
    key = "contacts"
    label = "Contacts"
    icon = "person-lines-fill"
    model = Contact
    list_url_name = "accounts:contact_list"
    order = 20
    names = {"search_name": search.full_name("first_name", "last_name")}  # contact_fullname_trgm
    emails = ("email",)  # contact_email_idx
    phones = search.phone_digits("phone", "mobile")  # contact_phone_trgm
    tiebreak = ("last_name", "first_name", "pk")
    select_related = ("account",)
    narrowed_by = ("account",)

    def email_condition(self, queryset, query):
        # The primary e-mail or a further one (contactpoint_value_idx on lower(value)), as one
        # semi-join on the id: an OR with a subquery could use neither index.
        primary = (
            Contact.objects.alias(search_value=Lower("email"))
            .filter(search_value=query.email)
            .values("pk")
        )
        points = (
            ContactPoint.objects.alias(search_value=Lower("value"))
            .filter(kind=ContactPoint.Kind.EMAIL, search_value=query.email)
            .values("contact_id")
        )
        return queryset, Q(pk__in=primary.union(points))

    def describe(self, obj):
        account = obj.account.name if obj.account_id else ""
        return " · ".join(v for v in (obj.title, account, obj.email) if v)

    def pickable(self, user):
        # An erased person (GDPR) is kept as an empty shell for the records that point at it.
        queryset = _not_merged(self.visible(user))
        return None if queryset is None else queryset.filter(erased_at__isnull=True)


def _not_merged(queryset):
    """A merged record lives on in the one it was merged into: nothing new links to it."""
    return None if queryset is None else queryset.filter(merged_into__isnull=True)


search.register(AccountSearch())
search.register(ContactSearch())
