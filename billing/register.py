"""Hooks billing adds to the rest of the product: timeline kinds, the "Balance due" key
figure, the ledger panel of the account page and orders in the search box. Called once from
``BillingConfig.ready()``."""

from accounts import panels, timeline

from . import selectors
from .access import can_read_ledger, can_see_status

LAST_ORDERS = 3


def balance_due(account_ids, user):
    """The balance per currency of the account (and its sub-accounts): one query over the
    ledger entries the user may read; None for roles without ledgers or nothing booked."""
    from .models import LedgerEntry

    if not LedgerEntry.access.can_list(user):
        return None
    return selectors.format_balances(selectors.summary(account_ids, user))


def ledger_panel(account, user):
    """Balance and overdue invoices per currency and the last orders. Support agents see only
    whether something is overdue. At most two queries (the summary is shared with the key
    figure when the account has no sub-accounts)."""
    if can_read_ledger(user, account):
        from .models import Order

        rows = selectors.summary([account.pk], user)
        orders = list(
            Order.objects.visible_to(user)
            .filter(account=account)
            .order_by("-ordered_on", "-id")[:LAST_ORDERS]
        )
        return {"ledger_rows": rows, "orders": orders, "amounts": True}
    if can_see_status(user, account):
        rows = selectors.summary([account.pk])
        return {"ledger_rows": rows, "orders": [], "amounts": False}
    return None


def register():
    timeline.register_kind("order", "Orders", icon="bag-check")
    timeline.register_kind("billing", "Invoices & payments", icon="receipt")
    timeline.register_figure("balance_due", "Balance due", balance_due)
    panels.register("ledger", "billing/_account_panel.html", context=ledger_panel, order=60)
    from . import search  # noqa: F401  (registers the order provider with core.search)
