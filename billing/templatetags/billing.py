from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value):
    """1234.5 -> "1,234.50" (the currency code is shown next to it by the template)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value):,.2f}"
