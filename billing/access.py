"""Who sees and posts to an account's ledger (invoices, payments, credit notes, entries).

Orders are sales records (``SalesRecordPolicy``, on the model). The ledger belongs to the
account, so its rule follows the account's owner and team:

============================  =====================================  ===================
role                          reads (pages, API, panel, export)      posts documents
============================  =====================================  ===================
administrator                 every ledger                           yes
sales manager                 every ledger                           yes
support manager               every ledger                           no
sales rep                     accounts they may change: their own    no
                              and their teams' accounts
support agent                 no amounts: the account panel shows    no
                              only whether invoices are overdue
marketing                     none (403)                             no
============================  =====================================  ===================

"Posts documents" = create an invoice (from an order or by hand), record a payment, issue a
credit note. The same ``LedgerPolicy`` guards every billing document model; the functions
below answer the same question for an account (the ledger page, the panel, the API).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from core.access import ALL_ROWS, NO_ROWS, Policy, active_role
from users.roles import Role

READ_ALL = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.SUPPORT_MANAGER})
POSTERS = frozenset({Role.ADMIN, Role.SALES_MANAGER})
STATUS_ONLY = frozenset({Role.SUPPORT_AGENT})


def can_read_ledger(user, account) -> bool:
    """May the user read this account's ledger (amounts included)? No query: the account's
    owner/team ids and the user's cached team ids decide."""
    role = active_role(user)
    if role in READ_ALL:
        return True
    if role == Role.SALES_REP:
        return account.owner_id == user.pk or account.team_id in user.team_ids
    return False


def can_post(user, account) -> bool:
    return active_role(user) in POSTERS and can_read_ledger(user, account)


def can_see_status(user, account) -> bool:
    """Overdue or not, without amounts (support agents, on the account page)."""
    return can_read_ledger(user, account) or active_role(user) in STATUS_ONLY


def check_ledger(user, account, *, post: bool = False) -> None:
    """403 on the ledger of an account the user may not read (accounts are readable by
    every role, so their existence is no secret) or post to."""
    if not (can_post(user, account) if post else can_read_ledger(user, account)):
        raise PermissionDenied


class LedgerPolicy(Policy):
    """Billing documents by the rule above, through their ``account``."""

    owner_field = "account__owner"
    team_field = "account__team"

    def read_condition(self, user):
        role = active_role(user)
        if role in READ_ALL:
            return ALL_ROWS
        if role == Role.SALES_REP:
            return Q(account__owner=user) | Q(account__team__in=user.team_ids)
        return NO_ROWS

    def editable(self, user, qs):
        return self.readable(user, qs) if active_role(user) in POSTERS else qs.none()

    def can_read(self, user, obj):
        return can_read_ledger(user, obj.account)

    def can_change(self, user, obj):
        return can_post(user, obj.account)

    def can_add(self, user):
        return active_role(user) in POSTERS

    def can_list(self, user):
        return active_role(user) in READ_ALL | {Role.SALES_REP}
