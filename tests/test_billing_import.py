"""``manage.py import_online_retail``: the real file (65,535 rows) and a crafted one with bad
rows. Counts come from the file itself (see ../shared/data/online_retail/SOURCE.txt)."""

import csv
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F, Sum

from accounts.models import Account
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, LedgerEntry, Payment

from .factories import UserFactory

REAL = settings.SHARED_DATA_DIR / "online_retail" / "online_retail_first65535rows.csv"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def run(*args) -> str:
    out = StringIO()
    call_command("import_online_retail", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def importer(db):
    return UserFactory(username="importer", role="admin")


def balances():
    return dict(
        LedgerEntry.objects.values("account__external_id")
        .annotate(b=Sum(F("debit") - F("credit")))
        .values_list("account__external_id", "b")
    )


@pytest.mark.django_db
def test_import_of_the_real_file(settings):
    started = time.monotonic()
    out = run()  # the default path, under SHARED_DATA_DIR
    elapsed = time.monotonic() - started
    assert elapsed < 60, out

    # 1,204 customers, 2,001 invoices and 443 cancellations with a customer in the file
    assert Account.objects.filter(external_id__startswith="retail:").count() == 1204
    assert Invoice.objects.filter(external_id__startswith="retail:").count() == 2001
    assert CreditNote.objects.filter(external_id__startswith="retail:").count() == 443
    assert "Skipped rows, no CustomerID: 25317" in out
    # every line of a known customer, read independently from the file
    with open(REAL, encoding="utf-8", newline="") as handle:
        known = [r for r in csv.DictReader(handle) if r["CustomerID"]]
    cancelled = [r for r in known if r["InvoiceNo"].startswith("C")]
    assert CreditNoteLine.objects.count() == len(cancelled) == 1028
    assert InvoiceLine.objects.count() == len(known) - len(cancelled) == 39190

    account = Account.objects.get(external_id="retail:17850")
    assert account.name == "Retail customer 17850 (United Kingdom)"
    assert account.billing_country == "United Kingdom" and account.currency == "GBP"
    first = Invoice.objects.get(external_id="retail:536365")
    assert first.account == account and first.number == "536365"
    assert str(first.issued_on) == "2010-12-01" and str(first.due_on) == "2010-12-31"
    assert first.lines.count() == 7
    assert first.total == Decimal("139.12")  # 6*2.55 + 6*3.39 + 8*2.75 + 6*3.39*3 + 2*7.65 + ...
    assert first.status == Invoice.Status.PAID and first.outstanding == 0

    # cancellations: matched to an earlier invoice of the customer with the same stock code
    matched = CreditNote.objects.exclude(invoice=None)
    assert matched.exists()
    for note in matched.select_related("invoice")[:50]:
        assert note.invoice.account_id == note.account_id
        assert note.invoice.issued_on <= note.issued_on
        skus = set(note.invoice.lines.values_list("sku", flat=True))
        assert skus & set(note.lines.values_list("sku", flat=True))
    # C536379 is a "Discount" line (stock code D) with no earlier invoice: standalone
    discount = CreditNote.objects.get(external_id="retail:C536379")
    assert discount.invoice is None and discount.amount == Decimal("27.50")

    # every document has its ledger entry; an account's balance is the minus of its
    # standalone credits (paid invoices net of matched credits)
    assert LedgerEntry.objects.filter(kind="invoice").count() == 2001
    assert LedgerEntry.objects.filter(kind="credit_note").count() == 443
    assert LedgerEntry.objects.filter(kind="payment").count() == Payment.objects.count()
    assert not Invoice.objects.filter(status=Invoice.Status.OPEN).exists()
    unallocated = dict(
        CreditNote.objects.values("account__external_id")
        .annotate(c=Sum("amount"))
        .values_list("account__external_id", "c")
    )
    credited = dict(
        Invoice.objects.values("account__external_id")
        .annotate(c=Sum("credited_amount"))
        .values_list("account__external_id", "c")
    )
    for ext, balance in balances().items():
        assert balance == credited.get(ext, 0) - unallocated.get(ext, 0), ext
    assert balances()["retail:17850"] == 0

    # running it again adds nothing
    before = (Account.objects.count(), Invoice.objects.count(), CreditNote.objects.count(),
              LedgerEntry.objects.count(), Payment.objects.count())  # fmt: skip
    again = run(str(REAL))
    assert (Account.objects.count(), Invoice.objects.count(), CreditNote.objects.count(),
            LedgerEntry.objects.count(), Payment.objects.count()) == before  # fmt: skip
    assert "Accounts: 0 created, 0 updated, 1204 unchanged" in again
    assert "Already imported (left alone): 2444 invoices" in again


@pytest.mark.django_db
def test_bad_rows_are_reported_and_their_invoice_is_not_written(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(
        HEADER
        + "900001,A1,GOOD MUG,2,2010-12-01 08:26,2.50,12345,France\n"
        + "900001,A2,GOOD PLATE,1,12/1/2010 8:26,4.00,12345,France\n"
        + "900002,B1,FINE LAMP,1,2010-12-02 09:00,10.00,12345,France\n"
        + "900002,B2,BAD PRICE,1,2010-12-02 09:00,abc,12345,France\n"
        + "900003,C1,BAD DATE,1,yesterday,1.00,12345,France\n"
        + "900004,D1,NEGATIVE,-3,2010-12-03 10:00,1.00,12345,France\n"
        + "C900005,A1,GOOD MUG,-1,2010-12-04 10:00,2.50,12345,France\n"
        + "900006,E1,NO CUSTOMER,1,2010-12-04 10:00,1.00,,France\n",
        encoding="utf-8",
    )
    out = run(str(path))

    assert "line 5 (invoice 900002): UnitPrice 'abc' is not a number" in out
    assert "line 6 (invoice 900003): InvoiceDate 'yesterday' is not a date" in out
    assert "line 7 (invoice 900004): Quantity -3 is negative on an invoice" in out
    assert "3 row error(s) in 3 invoice(s)" in out
    assert "Skipped rows, no CustomerID: 1" in out
    assert "Skipped rows, invoice group rejected (row errors): 4" in out
    # the good invoice and the cancellation are in; nothing of 900002 (its good line neither)
    assert list(Invoice.objects.values_list("number", flat=True)) == ["900001"]
    good = Invoice.objects.get()
    assert good.total == Decimal("9.00") and good.issued_on.isoformat() == "2010-12-01"
    assert not InvoiceLine.objects.filter(sku="B1").exists()
    note = CreditNote.objects.get()
    assert note.invoice == good and note.amount == Decimal("2.50")
    good.refresh_from_db()
    assert (good.credited_amount, good.paid_amount, good.status) == (
        Decimal("2.50"), Decimal("6.50"), Invoice.Status.PAID,
    )  # fmt: skip
    assert balances() == {"retail:12345": Decimal("0.00")}


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_a_missing_file_is_an_error(tmp_path):
    out = run(str(REAL), "--dry-run")
    assert "dry run: nothing written" in out and "Skipped rows, no CustomerID: 25317" in out
    assert not Invoice.objects.exists() and not Account.objects.exists()
    with pytest.raises(CommandError, match="missing column"):
        (tmp_path / "x.csv").write_text("a,b\n1,2\n")
        run(str(tmp_path / "x.csv"))
    with pytest.raises(CommandError):
        run(str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError, match="No user"):
        run(str(REAL), "--as", "nobody")
