"""Hooks this part of sales adds to the rest of the product (timeline kinds, key figures,
account panels, search providers). Called once from ``SalesConfig.ready()``."""


def account_quotes(account, user):
    """The account page's "Quotes" card: the latest versions, newest first (one query)."""
    from ..models import Quote

    if not Quote.access.can_list(user):
        return None
    quotes = list(
        Quote.objects.visible_to(user)
        .filter(account=account)
        .exclude(status=Quote.Status.SUPERSEDED)
        .order_by("-created_at", "-id")[:10]
    )
    return {"quotes": quotes}


def register():
    from accounts import panels, timeline

    from . import handlers, search, tasks  # noqa: F401  (outbox handlers, provider, tasks)

    timeline.register_kind("quote", "Quotes", icon="file-earmark-text")
    panels.register("quotes", "sales/quotes/_account_quotes.html", context=account_quotes, order=20)
