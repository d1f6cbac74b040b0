"""Validators shared by models, forms, serializers and imports.

One rule for every web address a user, the API or an import gives us (``website`` of
accounts, leads and competitors): http or https only. ``javascript:``, ``data:``, ``file:``
and ``ftp:`` addresses are refused, so a stored address can be shown as a link; one stored
before this rule existed is shown as text (``{% load web_links %}`` and ``value|is_web_url``).
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")


@deconstructible
class WebURLValidator(URLValidator):
    """A URL a browser opens as a page: ``http://`` or ``https://`` and a valid host."""

    message = _("Enter a web address starting with http:// or https://.")
    code = "web_url"  # not "invalid": a form field would put its own "Enter a valid URL." over it

    def __init__(self, **kwargs):
        super().__init__(schemes=list(WEB_SCHEMES), **kwargs)


validate_web_url = WebURLValidator()


def is_web_url(value) -> bool:
    try:
        validate_web_url(str(value or ""))
    except ValidationError:
        return False
    return True
