"""Who lands where, and what each role finds in the navigation bar."""

from dataclasses import dataclass

from users.models import Role
from users.roles import SALES_MANAGERS

WORKSPACE_BY_ROLE = {
    Role.SALES_REP: "sales:workspace",
    Role.SALES_MANAGER: "analytics:dashboard",
    Role.SUPPORT_AGENT: "service:workspace",
    Role.SUPPORT_MANAGER: "analytics:dashboard",
    Role.MARKETING: "marketing:workspace",
    Role.ADMIN: "analytics:dashboard",
}

SALES = {Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN}
SUPPORT = {Role.SUPPORT_AGENT, Role.SUPPORT_MANAGER, Role.ADMIN}
MANAGERS = {Role.SALES_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN}
EVERYONE = set(Role)


S = frozenset(SALES)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: frozenset
    section: str  # the URL prefix that marks the item active
    menu: str = "main"  # "main": the bar; "sales": the bar's Sales menu; "user": the user menu


NAVIGATION = (
    NavItem("Dashboard", "analytics:dashboard", "speedometer2", frozenset(MANAGERS), "/dashboard/"),
    NavItem("My day", "accounts:my_day", "calendar-check", frozenset(EVERYONE), "/my-day/"),
    # The "Sales" dropdown of the bar (menu="sales"): the rep's day-to-day pages.
    NavItem("Workspace", "sales:workspace", "briefcase", S, "/sales/workspace", "sales"),
    NavItem("Leads", "sales:lead_list", "person-plus", S, "/sales/leads", "sales"),
    NavItem("Pipeline", "sales:board_default", "kanban", S, "/sales/board", "sales"),
    NavItem(
        "Opportunities", "sales:opportunity_list", "cash-stack", S, "/sales/opportunities", "sales"
    ),  # fmt: skip
    NavItem("Quotes", "sales:quote_list", "file-earmark-text", S, "/sales/quotes", "sales"),
    NavItem("Forecast", "sales:forecast", "graph-up", S, "/sales/forecast", "sales"),
    NavItem("Orders", "billing:order_list", "bag-check", S, "/billing/orders", "sales"),
    NavItem("Products", "catalog:product_list", "box-seam", S, "/catalog/products", "sales"),
    NavItem("Accounts", "accounts:account_list", "building", frozenset(EVERYONE), "/accounts/"),
    NavItem(
        "Contacts", "accounts:contact_list", "person-lines-fill", frozenset(EVERYONE), "/contacts/"
    ),  # fmt: skip
    NavItem(
        "Marketing",
        "marketing:workspace",
        "megaphone",
        frozenset({Role.MARKETING, Role.ADMIN}),
        "/marketing/",
    ),  # fmt: skip
    NavItem("Service", "service:workspace", "headset", frozenset(SUPPORT), "/service/workspace"),
    NavItem(
        "Tickets", "service:ticket_list", "ticket-detailed", frozenset(SUPPORT), "/service/tickets"
    ),  # fmt: skip
    NavItem(
        "Pipelines",
        "sales:pipeline_list",
        "sliders",
        SALES_MANAGERS,
        "/sales/pipelines/",
        "user",
    ),
    NavItem(
        "Lead assignment",
        "sales:lead_rules",
        "signpost-split",
        SALES_MANAGERS,
        "/sales/leads/rules",
        "user",
    ),
    NavItem(
        "Quotas",
        "sales:quota_list",
        "bullseye",
        SALES_MANAGERS,
        "/sales/quotas",
        "user",
    ),
    NavItem("Import", "imports:index", "upload", frozenset(EVERYONE), "/imports/", "user"),
    NavItem(
        "Invoices",
        "billing:invoice_list",
        "receipt",
        frozenset(MANAGERS),
        "/billing/invoices",
        "user",
    ),
    NavItem(
        "Price books",
        "catalog:pricebook_list",
        "journal-text",
        SALES_MANAGERS,
        "/catalog/price-books",
        "user",
    ),
    NavItem(
        "Currencies",
        "catalog:currency_list",
        "currency-exchange",
        SALES_MANAGERS,
        "/catalog/currencies",
        "user",
    ),
    NavItem(
        "Users", "users:user_list", "people", frozenset({Role.ADMIN}), "/admin-ui/users", "user"
    ),  # fmt: skip
    NavItem(
        "Teams", "users:team_list", "diagram-3", frozenset({Role.ADMIN}), "/admin-ui/teams", "user"
    ),  # fmt: skip
)


# A bar of more entries than this (the administrator's 8, a support manager's 6) is too wide for
# a 1,200-1,399 px window: it opens from 1,400 px (Bootstrap's xxl), smaller bars from 1,200 (xl).
WIDE_BAR_ENTRIES = 5


def bar_breakpoint(role: str) -> str:
    """The Bootstrap breakpoint from which the role's bar is open (below: the menu button)."""
    entries = len(items_for(role, "main")) + bool(items_for(role, "sales"))
    return "xxl" if entries > WIDE_BAR_ENTRIES else "xl"


def items_for(role: str, menu: str | None = None) -> list[NavItem]:
    return [item for item in NAVIGATION if role in item.roles and menu in (None, item.menu)]
