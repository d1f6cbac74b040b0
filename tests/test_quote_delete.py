"""Deleting a draft quote: a confirmation page (POST, CSRF) or ``DELETE`` on the API; the quote
goes with its lines in one transaction, the version it revised is current again, its timeline
entries go and nothing links to it any more. Anything but a draft is refused (409)."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import TimelineEntry
from core.models import Notification
from sales.models import Quote, QuoteApproval, QuoteLine
from sales.quotes import services, tokens

from .api_helpers import API, client_for, json_error, send
from .factories import CurrencyFactory, ProductFactory, QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(currency=CurrencyFactory(code="USD"), unit_price=D("500.00"))


def draft(org, product, discount=0):
    return QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 2, discount)])


def delete_url(quote):
    return reverse("sales:quote_delete", args=[quote.pk])


def entries(quote_pk):
    return TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Quote), subject_id=quote_pk
    )


def in_status(org, product, status) -> Quote:
    """A quote of the rep brought to ``status`` through the services."""
    quote = draft(org, product, discount=D("15") if "approv" in status or status == "rejected"
                  else 0)  # fmt: skip
    if status in ("pending_approval", "approved", "rejected"):
        services.request_approval(quote=quote, by=org.rep)
    if status in ("approved", "rejected"):
        services.decide_approval(
            quote=quote, approve=status == "approved", by=org.sales_manager, comment="too much"
        )
    if status in ("sent", "accepted", "declined", "expired", "superseded"):
        services.send_quote(quote=quote, by=org.rep)
    if status == "accepted":
        services.accept_quote(quote=quote, name="Ann Buyer")
    if status == "declined":
        services.decline_quote(quote=quote, reason="too dear")
    if status == "expired":
        Quote.objects.filter(pk=quote.pk).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
        services.expire_quotes()
    if status == "superseded":
        services.revise_quote(quote=quote, by=org.rep)
    quote.refresh_from_db()
    assert quote.status == status
    return quote


# -- a draft --------------------------------------------------------------------------------------


def test_rep_deletes_a_draft_through_the_confirmation_page(client, org, product):
    quote = draft(org, product)
    opportunity, account = quote.opportunity, quote.account
    line_ids = list(quote.lines.values_list("pk", flat=True))
    assert entries(quote.pk).exists()
    client.force_login(org.rep)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert delete_url(quote) in page
    assert quote.get_absolute_url() in client.get(account.get_absolute_url()).content.decode()

    confirm = client.get(delete_url(quote))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert f"Delete the draft quote {quote.number} v1?" in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert Quote.objects.filter(pk=quote.pk).exists()  # a GET deletes nothing

    response = client.post(delete_url(quote), follow=True)

    assert response.redirect_chain == [(opportunity.get_absolute_url(), 302)]
    assert f"Quote {quote.number} v1 deleted." in response.content.decode()
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert not QuoteLine.objects.filter(pk__in=line_ids).exists()
    assert not entries(quote.pk).exists()
    account_page = client.get(account.get_absolute_url()).content.decode()
    assert quote.get_absolute_url() not in account_page  # no dead link: timeline, panel
    assert client.get(quote.get_absolute_url()).status_code == 404


def test_the_post_needs_the_csrf_token(org, product):
    quote = draft(org, product)
    c = Client(enforce_csrf_checks=True)
    c.force_login(org.rep)

    assert c.post(delete_url(quote)).status_code == 403

    assert Quote.objects.filter(pk=quote.pk).exists() and quote.lines.exists()


def test_api_deletes_a_draft(org, product):
    quote = draft(org, product)
    other = draft(org, product)

    response = send(client_for(org.sales_manager), "delete", f"{API}/quotes/{quote.pk}/")

    assert response.status_code == 204, response.content
    assert list(Quote.objects.values_list("pk", flat=True)) == [other.pk]
    assert not QuoteLine.objects.filter(quote_id=quote.pk).exists()
    assert other.lines.count() == 1


def test_notifications_about_a_deleted_draft_lose_their_link(client, org, product):
    """Approved, then changed: a draft again, with an approval history and notifications."""
    quote = in_status(org, product, "approved")
    line = quote.lines.get()
    services.update_line(line=line, by=org.rep, discount_percent="5")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT
    url = quote.get_absolute_url()
    told = Notification.objects.filter(url=url)
    assert {n.user for n in told} == {org.sales_manager, org.rep}
    ids = [n.pk for n in told]
    client.force_login(org.rep)

    assert client.post(delete_url(quote)).status_code == 302

    assert not QuoteApproval.objects.filter(quote_id=quote.pk).exists()
    kept = Notification.objects.filter(pk__in=ids)
    assert kept.count() == 2 and set(kept.values_list("url", flat=True)) == {""}
    assert url not in client.get(reverse("core:notifications")).content.decode()


# -- anything else is refused ---------------------------------------------------------------------

NOT_DRAFT = ["pending_approval", "approved", "rejected", "sent", "accepted", "declined",
             "expired", "superseded"]  # fmt: skip


@pytest.mark.parametrize("status", NOT_DRAFT)
def test_only_a_draft_can_be_deleted(client, org, product, status):
    quote = in_status(org, product, status)
    lines = quote.lines.count()
    client.force_login(org.rep)
    assert delete_url(quote) not in client.get(quote.get_absolute_url()).content.decode()

    page = client.get(delete_url(quote))
    posted = client.post(delete_url(quote))
    api = send(client_for(org.rep), "delete", f"{API}/quotes/{quote.pk}/")

    for response in (page, posted):
        assert response.status_code == 409
        assert "only a draft can be deleted" in response.content.decode()
    assert "only a draft can be deleted" in json_error(api, 409)["detail"]
    quote.refresh_from_db()
    assert quote.status == status and quote.lines.count() == lines


# -- revisions: the earlier version is current again ----------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("sent", "sent"),
        ("approved", "approved"),
        ("declined", "declined"),
        ("sent_then_lapsed", "expired"),  # its validity passed while v2 was drafted
    ],
)
def test_deleting_a_draft_revision_makes_the_earlier_version_current(
    client, org, product, before, after
):
    v1 = in_status(org, product, before.removesuffix("_then_lapsed"))
    v2 = services.revise_quote(quote=v1, by=org.rep)
    if before.endswith("_then_lapsed"):
        Quote.objects.filter(pk=v1.pk).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
    v1.refresh_from_db()
    assert (v1.status, v2.version, v2.previous_id) == ("superseded", 2, v1.pk)
    client.force_login(org.rep)
    assert "Version 1 stays as it is" in client.get(delete_url(v2)).content.decode()

    response = client.post(delete_url(v2), follow=True)

    assert f"Quote {v2.number} v2 deleted. Version 1 is the current one again." in (
        response.content.decode()
    )
    v1.refresh_from_db()
    assert v1.status == after
    assert list(Quote.objects.values_list("pk", flat=True)) == [v1.pk]
    page = client.get(v1.get_absolute_url())
    assert page.status_code == 200 and "superseded" not in page.content.decode().lower()
    if after in ("sent", "approved"):
        again = services.revise_quote(quote=v1, by=org.rep)  # the number's next version
        assert (again.number, again.version) == (v1.number, 2)


def test_the_customers_link_to_the_earlier_version_works_again(client, org, product):
    v1 = in_status(org, product, "sent")
    v2 = services.revise_quote(quote=v1, by=org.rep)
    link = tokens.public_path(v1)
    assert client.get(link).status_code == 410  # "a newer version exists"

    response = send(client_for(org.rep), "delete", f"{API}/quotes/{v2.pk}/")

    assert response.status_code == 204
    page = client.get(link)
    assert page.status_code == 200 and "Accept" in page.content.decode()
    v1.refresh_from_db()
    assert v1.status == Quote.Status.SENT


# -- access ---------------------------------------------------------------------------------------


def test_who_may_not_see_the_quote_gets_404_and_nothing_is_deleted(client, org, product):
    quote = draft(org, product)
    for user in (org.other_rep, org.other_manager, org.rep_teammate, org.marketing):
        client.force_login(user)
        assert client.get(delete_url(quote)).status_code == 404, user
        assert client.post(delete_url(quote)).status_code == 404, user
        api = send(client_for(user), "delete", f"{API}/quotes/{quote.pk}/")
        assert api.status_code == 404, user
    assert Quote.objects.filter(pk=quote.pk).exists() and quote.lines.count() == 1
    assert entries(quote.pk).exists()
