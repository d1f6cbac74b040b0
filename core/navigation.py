"""Who lands where, and what each role finds in the navigation bar."""

from dataclasses import dataclass

from users.models import Role

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


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: frozenset
    section: str  # the URL prefix that marks the item active
    menu: str = "main"  # "main": the bar; "user": the user menu (rarely used pages)


NAVIGATION = (
    NavItem("Dashboard", "analytics:dashboard", "speedometer2", frozenset(MANAGERS), "/dashboard/"),
    NavItem("My day", "accounts:my_day", "calendar-check", frozenset(EVERYONE), "/my-day/"),
    NavItem("Sales", "sales:workspace", "briefcase", frozenset(SALES), "/sales/workspace"),
    NavItem("Leads", "sales:lead_list", "person-plus", frozenset(SALES), "/sales/leads"),
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
    NavItem("Import", "imports:index", "upload", frozenset(EVERYONE), "/imports/", "user"),
    NavItem(
        "Users", "users:user_list", "people", frozenset({Role.ADMIN}), "/admin-ui/users", "user"
    ),  # fmt: skip
    NavItem(
        "Teams", "users:team_list", "diagram-3", frozenset({Role.ADMIN}), "/admin-ui/teams", "user"
    ),  # fmt: skip
)


def items_for(role: str, menu: str | None = None) -> list[NavItem]:
    return [item for item in NAVIGATION if role in item.roles and menu in (None, item.menu)]
