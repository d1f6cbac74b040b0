from .navigation import bar_breakpoint, items_for


def navigation(request):
    """Navigation items for the user's role; computed without a query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": items_for(user.role, "main"),
        "user_menu_items": items_for(user.role, "user"),
        "sales_menu_items": items_for(user.role, "sales"),
        "nav_expand": bar_breakpoint(user.role),
        "current_path": request.path,
    }
