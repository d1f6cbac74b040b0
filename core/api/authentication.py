import re

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

# Keys are 40 hex characters; anything that could not be a key never reaches the database
# (PostgreSQL answers a NUL byte in a text parameter with an error, not with "no such row").
_KEY = re.compile(r"[!-~]{1,40}")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        if not _KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(key)
