"""Who may see and change the catalogue (products, price books, currencies, rates, options,
values and rules).

Everyone with a role reads it - reps need prices to quote, marketing and service look products
up - but only sales managers and administrators create, change or delete anything in it.
"""

from core.access import ALL_ROWS, NO_ROWS, Policy, active_role
from users.roles import SALES_MANAGERS, SALES_ROLES, Role

CONFIGURATOR_USERS = SALES_ROLES | {Role.ADMIN}


class CatalogPolicy(Policy):
    def read_condition(self, user):
        return ALL_ROWS if active_role(user) else NO_ROWS

    def editable(self, user, qs):
        return qs if self.can_add(user) else qs.none()

    def can_read(self, user, obj):
        return bool(active_role(user))

    def can_change(self, user, obj):
        return self.can_add(user)

    def can_add(self, user):
        return active_role(user) in SALES_MANAGERS

    def can_list(self, user):
        return bool(active_role(user))


def can_manage(user) -> bool:
    """Sales managers and administrators keep the catalogue."""
    return active_role(user) in SALES_MANAGERS


def can_configure(user) -> bool:
    """The configurator (page and API) is for the sales roles."""
    return active_role(user) in CONFIGURATOR_USERS
