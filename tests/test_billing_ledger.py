"""The ledger's rules through the services and the ledger page: one entry per document,
the running balance per currency (computed by PostgreSQL), overdue flags, partial payments,
credit notes, and refused input (nothing half-saved)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import CreditNote, Invoice, LedgerEntry, Payment
from billing.selectors import ledger_page, summary

from .factories import AccountFactory, CurrencyFactory


def days(n):
    """n days before today, read when the test runs (never at import: the clock may move)."""
    return timezone.localdate() - datetime.timedelta(days=n)


def invoice(account, amount, *, currency="EUR", ago=0, terms=30, by=None, tax="0"):
    return services.invoice_create(
        account=account, currency=currency, by=by, issued_on=days(ago), due_in_days=terms,
        lines=[{"description": "Work", "quantity": "1", "unit_price": amount, "tax_rate": tax}],
    )  # fmt: skip


def state(inv):
    inv.refresh_from_db()
    return inv.status, inv.paid_amount, inv.credited_amount, inv.outstanding


@pytest.fixture
def account(org):
    return AccountFactory(owner=org.rep, team=org.team)


@pytest.mark.django_db
def test_running_balance_per_currency_across_documents(org, account):
    a = invoice(account, "1000.00", ago=40)  # EUR debit
    b = invoice(account, "250.00", currency="USD", ago=35)  # USD debit
    services.payment_record(account=account, invoice=a, amount="400.00", received_on=days(30),
                            by=org.admin)  # fmt: skip
    services.credit_note_create(account=account, invoice=a, amount="100.00", reason="Late",
                                issued_on=days(25), by=org.admin)  # fmt: skip
    services.payment_record(account=account, invoice=b, amount="250.00", received_on=days(20),
                            by=org.admin)  # fmt: skip
    c = invoice(account, "80.00", ago=10)
    services.payment_record(account=account, amount="50.00", currency="EUR",
                            received_on=days(5), by=org.admin)  # on account  # fmt: skip

    # exactly one entry per document, debit for invoices, credit for the others
    assert LedgerEntry.objects.filter(account=account).count() == 7
    assert LedgerEntry.objects.get(invoice=a, kind="invoice").debit == Decimal("1000.00")
    for payment in Payment.objects.all():
        assert payment.entry.credit == payment.amount and payment.entry.debit == 0
    for note in CreditNote.objects.all():
        assert note.entry.credit == note.amount

    page = ledger_page(account)
    oldest_first = [(e.currency, e.debit, e.credit, e.balance) for e in reversed(page.entries)]
    assert oldest_first == [
        ("EUR", Decimal("1000.00"), Decimal("0.00"), Decimal("1000.00")),
        ("USD", Decimal("250.00"), Decimal("0.00"), Decimal("250.00")),
        ("EUR", Decimal("0.00"), Decimal("400.00"), Decimal("600.00")),
        ("EUR", Decimal("0.00"), Decimal("100.00"), Decimal("500.00")),
        ("USD", Decimal("0.00"), Decimal("250.00"), Decimal("0.00")),
        ("EUR", Decimal("80.00"), Decimal("0.00"), Decimal("580.00")),
        ("EUR", Decimal("0.00"), Decimal("50.00"), Decimal("530.00")),
    ]
    # a currency filter or a later page keeps the balances (they are computed over all rows)
    assert [e.balance for e in ledger_page(account, currency="USD").entries] == [
        Decimal("0.00"), Decimal("250.00"),
    ]  # fmt: skip
    second = ledger_page(account, page=2, per_page=3)
    assert [e.balance for e in second.entries] == [Decimal("500.00"), Decimal("600.00"),
                                                   Decimal("250.00")]  # fmt: skip
    assert second.has_next and second.has_previous

    totals = {t.currency: t for t in summary([account.pk])}
    assert totals["EUR"].balance == Decimal("530.00") and totals["USD"].balance == 0
    assert state(a) == ("open", Decimal("400.00"), Decimal("100.00"), Decimal("500.00"))
    assert state(b)[0] == "paid" and state(c)[0] == "open"


@pytest.mark.django_db
def test_overdue_flags_and_partial_payments(org, account):
    late = invoice(account, "300.00", ago=45, terms=30)  # due 15 days ago
    due_today = invoice(account, "100.00", ago=30, terms=30)  # due today: not overdue yet
    invoice(account, "50.00", ago=5)
    services.payment_record(account=account, invoice=late, amount="120.00", by=org.admin)

    (eur,) = summary([account.pk])
    assert (eur.overdue_count, eur.overdue_amount, eur.days_overdue) == (1, Decimal("180.00"), 15)
    assert state(late) == ("open", Decimal("120.00"), Decimal("0"), Decimal("180.00"))

    client = Client()
    client.force_login(org.sales_manager)
    html = client.get(reverse("billing:account_ledger", args=[account.pk])).content.decode()
    assert 'data-days-overdue="15"' in html and "180.00 overdue on 1 invoice" in html
    assert html.count('data-overdue="15"') == 1  # the entry of the late invoice is flagged
    listed = client.get(reverse("billing:invoice_list") + "?overdue=true").content.decode()
    assert late.number in listed and due_today.number not in listed

    # the rest of the payment settles it; overpaying is refused with a clear message
    with pytest.raises(ValidationError, match="still owes only 180.00 EUR"):
        services.payment_record(account=account, invoice=late, amount="180.01", by=org.admin)
    services.payment_record(account=account, invoice=late, amount="180.00", by=org.admin)
    assert state(late)[0] == "paid"
    assert summary([account.pk])[0].overdue_count == 0
    with pytest.raises(ValidationError, match="is paid"):
        services.payment_record(account=account, invoice=late, amount="1.00", by=org.admin)


@pytest.mark.django_db
def test_a_credit_note_for_the_whole_invoice_cancels_it(org, account):
    inv = invoice(account, "99.90")
    services.credit_note_create(account=account, invoice=inv, amount="99.90", reason="Wrong",
                                by=org.admin)  # fmt: skip
    assert state(inv)[0] == "cancelled"
    assert summary([account.pk])[0].balance == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "greater than zero"), ("0", "greater than zero"), ("abc", "Enter an amount"),
     ("1e400", "too large"), ("NaN", "Enter an amount"), ("10.001", "two decimals"),
     ("Infinity", "Enter an amount"), (None, "Enter an amount")],
)  # fmt: skip
def test_bad_amounts_are_refused_and_nothing_is_written(org, account, amount, message):
    inv = invoice(account, "100.00")
    before = (LedgerEntry.objects.count(), Payment.objects.count(), CreditNote.objects.count())
    with pytest.raises(ValidationError, match=message):
        services.payment_record(account=account, invoice=inv, amount=amount, by=org.admin)
    with pytest.raises(ValidationError, match=message):
        services.credit_note_create(
            account=account, amount=amount, currency="EUR", reason="x", by=org.admin
        )
    after = (LedgerEntry.objects.count(), Payment.objects.count(), CreditNote.objects.count())
    assert after == before and state(inv)[1] == 0


@pytest.mark.django_db
def test_currency_rules(org, account):
    inv = invoice(account, "100.00")
    with pytest.raises(ValidationError, match="is in EUR, not USD"):
        services.payment_record(account=account, invoice=inv, amount="10", currency="USD",
                                by=org.admin)  # fmt: skip
    with pytest.raises(ValidationError, match="three-letter"):
        invoice(account, "10.00", currency="EURO")
    CurrencyFactory(code="EUR")  # once the catalog lists currencies, only those are accepted
    with pytest.raises(ValidationError, match="not a currency of the catalog"):
        invoice(account, "10.00", currency="XYZ")
    other = AccountFactory()
    with pytest.raises(ValidationError, match="belongs to another account"):
        services.payment_record(account=other, invoice=inv, amount="10", by=org.admin)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.payment_record(account=account, invoice=inv, amount="10", by=org.admin,
                                received_on=days(-1))  # fmt: skip
    with pytest.raises(ValidationError, match="Payment terms"):
        invoice(account, "10.00", terms=400)
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_manual_invoice_rounds_each_line_half_up(account):
    inv = services.invoice_create(
        account=account, currency="EUR", by=None,
        lines=[{"description": "A", "quantity": "3", "unit_price": "0.35", "tax_rate": "22"},
               {"description": "B", "quantity": "1", "unit_price": "0.05", "tax_rate": "10"}],
    )  # fmt: skip
    # A: net 1.05, tax 0.231 -> 0.23; B: net 0.05, tax 0.005 -> 0.01 (half-up)
    assert [(ln.net_amount, ln.tax_amount) for ln in inv.lines.order_by("position")] == [
        (Decimal("1.05"), Decimal("0.23")), (Decimal("0.05"), Decimal("0.01")),
    ]  # fmt: skip
    assert inv.total == Decimal("1.34")
    with pytest.raises(ValidationError, match="more than zero"):
        services.invoice_create(account=account, currency="EUR", by=None,
                                lines=[{"description": "Free", "unit_price": "0"}])  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_people_paying_the_same_invoice_at_once_pay_it_once(org, account):
    """The invoice row is locked while a payment is checked: a double click on "record
    payment" for the full amount books one payment; the other is refused."""
    import threading

    from django.db import connection

    inv = invoice(account, "100.00")
    barrier, outcomes = threading.Barrier(2), []

    def pay():
        try:
            barrier.wait()
            services.payment_record(account=account, invoice=inv, amount="100.00", by=org.admin)
            outcomes.append("paid")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[1] == "paid" and "is paid" in sorted(outcomes)[0]
    assert Payment.objects.count() == 1 and LedgerEntry.objects.filter(kind="payment").count() == 1
    assert state(inv)[0] == "paid"
