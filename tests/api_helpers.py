"""Helpers shared by the REST API tests (``test_api_access``, ``test_api_input``).

Every client is built with ``raise_request_exception=False`` so a server error shows up as a
500 response (and fails the assertion) instead of an exception inside the test.
"""

import json

from django.test import Client

API = "/api/v1"


def client_for(user=None, **headers) -> Client:
    c = Client(raise_request_exception=False, headers=headers or None)
    if user is not None:
        c.force_login(user)
    return c


def token_client(key: str) -> Client:
    return Client(raise_request_exception=False, headers={"authorization": f"Token {key}"})


def send(c: Client, method: str, path: str, body=None, content_type="application/json"):
    """One request; a dict/list body is sent as JSON, a str body as UTF-8, bytes verbatim
    (whatever charset the content type claims)."""
    if method == "get":
        return c.get(path)
    if body is not None and not isinstance(body, str | bytes):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    return c.generic(method.upper(), path, body or b"", content_type=content_type)


def json_error(response, status: int | None = None) -> dict:
    """The response is a 4xx (or ``status``) with a JSON object body."""
    code = response.status_code
    assert code == status if status else 400 <= code < 500, (code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict) and body, body
    return body


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
