"""API errors are JSON in every case: an unknown URL under /api/ (DEBUG on or off), and a
token whose user the login page has locked out (django-axes) is refused with 403 while the
lock lasts, from the address the lock is for."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .api_helpers import API, json_error, token_client
from .factories import PASSWORD

UNKNOWN = [
    f"{API}/no-such-thing/",
    f"{API}/accounts/1/no-such-action/",
    f"{API}/no-such-thing",
    "/api/",
    "/api/v2/accounts/",
]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_api_url_answers_json_404(org, settings, debug, path):
    settings.DEBUG = debug
    key = Token.objects.create(user=org.rep).key
    for method in ("get", "post", "delete"):
        response = getattr(token_client(key), method)(path)
        assert json_error(response, 404) == {"detail": "Not found."}, (method, path)


def test_a_known_url_without_its_slash_is_still_redirected(org):
    key = Token.objects.create(user=org.rep).key
    response = token_client(key).get(f"{API}/accounts?q=x")
    assert response.status_code == 301
    assert response["Location"] == f"{API}/accounts/?q=x"


def lock_out(username: str, address: str) -> None:
    client = Client(REMOTE_ADDR=address)
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": username, "password": f"guess-{n}"})
    locked = client.post("/login/", {"username": username, "password": PASSWORD})
    assert locked.status_code == 429  # the login page's lock


def test_a_locked_out_users_token_is_refused_while_the_lock_lasts(org):
    key = Token.objects.create(user=org.rep).key
    here, elsewhere = "127.0.0.1", "10.1.2.3"
    lock_out(org.rep.username, here)

    refused = Client(REMOTE_ADDR=here, headers={"authorization": f"Token {key}"})
    body = json_error(refused.get(f"{API}/accounts/"), 403)
    assert "locked" in body["detail"]
    assert refused.post(f"{API}/accounts/", {"name": "X"}, "application/json").status_code == 403
    # The lock is per user name and address, as on the login page.
    other_address = Client(REMOTE_ADDR=elsewhere, headers={"authorization": f"Token {key}"})
    assert other_address.get(f"{API}/accounts/").status_code == 200
    other_user = Token.objects.create(user=org.rep_teammate).key
    teammate = Client(REMOTE_ADDR=here, headers={"authorization": f"Token {other_user}"})
    assert teammate.get(f"{API}/accounts/").status_code == 200

    # When the lock ends (AXES_COOLOFF_TIME), the token works again.
    after = timezone.now() + datetime.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(after, tick=False):
        assert refused.get(f"{API}/accounts/").status_code == 200
