"""``{% load web_links %}``: show a stored web address as a link only when it is http(s)."""

from django import template

from core.validators import is_web_url as _is_web_url

register = template.Library()


@register.filter
def is_web_url(value) -> bool:
    """True for an http(s) address. An address stored before the rule (``javascript:…``)
    is shown as text, never as a link."""
    return _is_web_url(value)
