"""The API throttles each client (counted in Redis, shared by every web node): too many
requests answer 429 with a JSON error and a Retry-After header, and other users are not
affected."""

from django.core.cache import cache
from rest_framework.throttling import UserRateThrottle

from .api_helpers import API, client_for, json_error


def test_a_user_over_the_rate_gets_429_json_and_others_do_not(org, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    cache.clear()
    rep = client_for(org.rep)
    assert [rep.get(f"{API}/accounts/").status_code for _ in range(3)] == [200, 200, 200]
    limited = rep.get(f"{API}/accounts/")
    body = json_error(limited, 429)
    assert "throttled" in str(body).lower() or "request was throttled" in str(body).lower()
    assert int(limited["Retry-After"]) > 0
    assert client_for(org.other_rep).get(f"{API}/accounts/").status_code == 200
