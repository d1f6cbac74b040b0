"""A discount above the rep's limit needs a sales manager's approval before the quote can be
sent: through the pages, with both sides notified; reps can never approve."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.models import Notification
from sales.models import Quote, QuoteApproval
from sales.quotes import services

from .factories import CurrencyFactory, ProductFactory, QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(currency=CurrencyFactory(code="USD"), unit_price=D("1000"))


@pytest.fixture
def big_discount(org, product):
    """15 % on a line: above the rep's 10 % limit."""
    assert org.rep.discount_limit == D("10")
    return QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 2, D("15"))])


def notes(user):
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def test_within_the_limit_the_rep_sends_directly(client, org, product):
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 1, D("10"))])
    client.force_login(org.rep)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "Send to customer" in page and "Request approval" not in page

    response = client.post(reverse("sales:quote_send", args=[quote.pk]))

    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "sent" and quote.sent_at is not None


def test_quote_discount_and_line_discount_add_up(org, product):
    quote = QuoteFactory(
        owner=org.rep, team=org.team, lines=[(product, 1, D("6"))], discount_percent=D("5")
    )
    assert quote.max_discount_percent == D("10.70")
    assert services.needs_approval(quote)


def test_full_approval_flow(client, org, big_discount):
    quote = big_discount
    client.force_login(org.rep)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "Request approval" in page and "Send to customer" not in page
    assert "above the limit of 10" in page

    # sending is refused, nothing changes
    refused = client.post(reverse("sales:quote_send", args=[quote.pk]))
    assert refused.status_code == 400
    assert "request a manager&#x27;s approval first" in refused.content.decode()
    quote.refresh_from_db()
    assert quote.status == "draft"

    assert client.post(reverse("sales:quote_request_approval", args=[quote.pk])).status_code == 302
    quote.refresh_from_db()
    assert quote.status == "pending_approval"
    approval = QuoteApproval.objects.get(quote=quote)
    assert (approval.decision, approval.discount_percent, approval.requested_by) == (
        "pending",
        D("15.00"),
        org.rep,
    )
    assert any("Approval needed" in s for s in notes(org.sales_manager))
    assert not notes(org.other_manager)

    # the rep may not approve, not even their own quote; the other team's manager sees nothing
    assert client.post(reverse("sales:quote_approve", args=[quote.pk])).status_code == 403
    client.force_login(org.other_manager)
    assert client.post(reverse("sales:quote_approve", args=[quote.pk])).status_code == 404
    quote.refresh_from_db()
    assert quote.status == "pending_approval"

    # the team's manager approves with a comment; the rep is told
    client.force_login(org.sales_manager)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert 'data-testid="decision"' in page
    response = client.post(
        reverse("sales:quote_approve", args=[quote.pk]), {"comment": "Strategic account"}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    approval.refresh_from_db()
    assert (quote.status, quote.approved_by, quote.approval_comment) == (
        "approved",
        org.sales_manager,
        "Strategic account",
    )
    assert (approval.decision, approval.decided_by) == ("approved", org.sales_manager)
    assert any("approved" in s for s in notes(org.rep))

    # approved: the rep may send it
    client.force_login(org.rep)
    assert "Send to customer" in client.get(quote.get_absolute_url()).content.decode()
    assert client.post(reverse("sales:quote_send", args=[quote.pk])).status_code == 302
    quote.refresh_from_db()
    assert quote.status == "sent"
    history = client.get(quote.get_absolute_url()).content.decode()
    assert "Approval history" in history and "Strategic account" in history


def test_an_approved_quote_says_so_instead_of_asking_for_approval(client, org, big_discount):
    """Issue 17, item 4: the "must approve it before it can be sent" banner stayed on an
    approved quote."""
    quote = big_discount
    client.force_login(org.rep)
    asking = "a sales manager must approve it before it can be sent"
    assert asking in client.get(quote.get_absolute_url()).content.decode()
    services.request_approval(quote=quote, by=org.rep)
    services.decide_approval(quote=quote, approve=True, by=org.sales_manager)

    page = client.get(quote.get_absolute_url()).content.decode()

    assert asking not in page
    assert (
        f"The discount of 15&nbsp;% was approved by "
        f"{org.sales_manager}: the quote can be sent." in page
    )
    assert "Send to customer" in page


def test_the_administrator_sets_a_users_discount_limit(client, org, big_discount):
    """Issue 17, item 7: the limit existed but no form set it. At 20 % the rep sends the 15 %
    quote without asking anyone."""
    from users.forms import UserForm

    from .permission_helpers import form_data

    client.force_login(org.admin)
    url = f"/admin-ui/users/{org.rep.pk}/edit/"
    assert 'name="discount_limit"' in client.get(url).content.decode()
    refused = client.post(url, form_data(UserForm, user=org.admin, instance=org.rep,
                                         discount_limit="150"))  # fmt: skip
    assert refused.status_code == 400
    assert client.post(url, form_data(UserForm, user=org.admin, instance=org.rep,
                                      discount_limit="20")).status_code == 302  # fmt: skip
    org.rep.refresh_from_db()
    assert org.rep.discount_limit == D("20")
    detail = client.get(f"/admin-ui/users/{org.rep.pk}/").content.decode()
    assert "iscount limit" in detail and "20.00" in detail

    client.force_login(org.rep)
    page = client.get(big_discount.get_absolute_url()).content.decode()
    assert "must approve it" not in page and "Send to customer" in page


def test_reject_needs_a_comment_and_sends_the_quote_back(client, org, big_discount):
    quote = big_discount
    services.request_approval(quote=quote, by=org.rep)
    client.force_login(org.sales_manager)

    no_comment = client.post(reverse("sales:quote_reject", args=[quote.pk]), {"comment": ""})
    assert no_comment.status_code == 400 and "Say why" in no_comment.content.decode()
    quote.refresh_from_db()
    assert quote.status == "pending_approval"

    response = client.post(reverse("sales:quote_reject", args=[quote.pk]), {"comment": "Too low"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "rejected"
    assert QuoteApproval.objects.get(quote=quote).decision == "rejected"
    assert any("rejected" in s for s in notes(org.rep))

    # back to editable: lowering the discount makes it a draft within the limit
    client.force_login(org.rep)
    line = quote.lines.get()
    response = client.post(
        reverse("sales:quote_line_edit", args=[quote.pk, line.pk]),
        {"quantity": "2", "discount_percent": "8"},
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.status, quote.max_discount_percent) == ("draft", D("8.00"))
    assert client.post(reverse("sales:quote_send", args=[quote.pk])).status_code == 302


def test_changing_an_approved_quote_resets_it_to_draft(org, big_discount, product):
    quote = big_discount
    services.request_approval(quote=quote, by=org.rep)
    services.decide_approval(quote=quote, approve=True, by=org.sales_manager)
    services.add_line(quote=quote, product=product, quantity=1, discount_percent=20, by=org.rep)
    quote.refresh_from_db()
    assert quote.status == "draft" and quote.approved_by is None
    with pytest.raises(services.QuoteError, match="approval"):
        services.send_quote(quote=quote, by=org.rep)


def test_pending_quote_cannot_be_changed(org, big_discount, product):
    quote = big_discount
    services.request_approval(quote=quote, by=org.rep)
    with pytest.raises(services.QuoteError, match="waiting for a manager"):
        services.add_line(quote=quote, product=product, quantity=1, by=org.rep)
    assert quote.lines.count() == 1


def test_admin_approves_and_a_rep_of_the_team_cannot(org, big_discount):
    quote = big_discount
    services.request_approval(quote=quote, by=org.rep)
    with pytest.raises(PermissionDenied):
        services.decide_approval(quote=quote, approve=True, by=org.rep_teammate)
    services.decide_approval(quote=quote, approve=True, by=org.admin)
    assert Quote.objects.get(pk=quote.pk).status == "approved"


def test_request_approval_within_the_limit_is_refused(org, product):
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 1, D("5"))])
    with pytest.raises(services.QuoteError, match="within the owner's limit"):
        services.request_approval(quote=quote, by=org.rep)


def test_a_higher_limit_needs_no_approval(org, product):
    org.rep.discount_limit = D("20")
    org.rep.save()
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 2, D("15"))])
    assert not services.needs_approval(quote)
    services.send_quote(quote=quote, by=org.rep)
