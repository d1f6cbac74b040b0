"""The roles a user can have. No model imports here: the access layer builds on it."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    SALES_MANAGER = "sales_manager", "Sales manager"
    SALES_REP = "sales_rep", "Sales rep"
    MARKETING = "marketing", "Marketing"
    SUPPORT_AGENT = "support_agent", "Support agent"
    SUPPORT_MANAGER = "support_manager", "Support manager"


MANAGER_ROLES = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.SUPPORT_MANAGER})
SALES_ROLES = frozenset({Role.SALES_REP, Role.SALES_MANAGER})
# who steers sales: pipelines and stages, lead assignment rules, quotas, the catalogue
SALES_MANAGERS = frozenset({Role.SALES_MANAGER, Role.ADMIN})
SUPPORT_ROLES = frozenset({Role.SUPPORT_AGENT, Role.SUPPORT_MANAGER})
