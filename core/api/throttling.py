"""API throttles that fail open when the cache is down.

The counts live in Redis (the Django cache) so every web node shares them. When Redis does not
answer, the pages keep working and the outbox catches up afterwards; the API does the same: the
request goes through unthrottled and a warning is logged, instead of a 500. The public
web-to-lead form's rate limit (``sales.leads.public.over_limit``) degrades the same way.
"""

import logging

from redis.exceptions import RedisError
from rest_framework import throttling

log = logging.getLogger(__name__)

# What the Django Redis cache raises when Redis is unreachable, times out or refuses.
CACHE_ERRORS = (RedisError,)


def cache_down(what: str, error: Exception) -> None:
    """Log that a rate limit was skipped because the cache is down (the one message for it)."""
    log.warning("%s not applied: the cache is unavailable (%s: %s)", what,
                type(error).__name__, error)  # fmt: skip


class FailOpenMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            cache_down(f"API throttle {self.scope!r}", error)
            return True


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass
