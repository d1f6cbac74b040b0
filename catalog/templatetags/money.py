"""The one money format in templates: ``{{ amount|money:currency }}`` → "98,676.00 USD" and
``{{ amount|amount:currency }}`` → "98,676.00" (a column headed by its currency); both are
catalog.money.display, so pages, e-mails and the quote PDF agree with the Python side."""

from django import template

from catalog import money as _money

register = template.Library()


@register.filter
def money(value, currency):
    return _money.display(value, currency)


@register.filter
def amount(value, currency=None):
    return _money.display_amount(value, currency)
