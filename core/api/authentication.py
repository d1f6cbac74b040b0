import re

from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

# Keys are 40 hex characters; anything that could not be a key never reaches the database
# (PostgreSQL answers a NUL byte in a text parameter with an error, not with "no such row").
_KEY = re.compile(r"[!-~]{1,40}")


class AccountLocked(exceptions.PermissionDenied):
    default_detail = _(
        "This account is locked after too many failed logins. Try again when the lock ends."
    )
    default_code = "account_locked"


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, plus the login page's lock: while django-axes locks a user
    out (too many failed logins for that user name from this address), their token is refused
    from that address too (403), so a stolen token is no way around the lock."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            http_request = getattr(request, "_request", request)
            if AxesProxyHandler.is_locked(http_request, {"username": user.get_username()}):
                raise AccountLocked()
        return result

    def authenticate_credentials(self, key):
        if not _KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(key)
