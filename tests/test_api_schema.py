"""The OpenAPI schema tells the truth: schemathesis generates requests from ``/api/schema/``
for every operation, sends them in-process to the WSGI app with a rep's token, and fails on
any 5xx, an undocumented status or content type, a response outside its schema, a
schema-violating request accepted or a schema-valid request rejected.

Bounded so the whole run stays within a couple of minutes: a fixed seed, derandomized, no
example database, a few fuzzed examples per operation, plus schemathesis' coverage phase (the
boundaries of every limit, format, enum and required field, valid and invalid).

One pytest test per operation, parametrized here rather than by ``schema.parametrize()``:
under pytest 9 that plugin gives every operation the same node id, which xdist cannot
distribute. The operation's Hypothesis test is built the way the plugin builds it.
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

SEED = 20261207
EXAMPLES_PER_OPERATION = 3
# The exceptions to "schema-valid data is accepted", each a 400 naming the field: an id (or
# currency code) of a record that does not exist or that this user may not use - no schema can
# list which ids exist - and the one rule between two fields. A 400 with any other message (or
# one more besides) still fails.
UNKNOWN_REFERENCE = re.compile(
    r'Invalid pk ".*" - object does not exist\.'
    r"|Select a valid choice\. .*(is not one|That choice is not one) of the available choices\."
    r"|You can only use one of your own teams\."
    r"|“.*” is not one of the active currencies\."
    # A rule between two fields, which an OpenAPI 3.0 schema cannot state:
    r"|Say why the lead is disqualified\."
)


def _messages(body):
    if isinstance(body, str):
        yield body
    elif isinstance(body, dict):
        for value in body.values():
            yield from _messages(value)
    elif isinstance(body, list):
        for value in body:
            yield from _messages(value)


@schemathesis.check
def positive_data_acceptance_but_unknown_ids(ctx, response, case):
    """schemathesis' positive_data_acceptance, except for a 400 whose every message is an
    unknown reference (see UNKNOWN_REFERENCE)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 400:
            messages = list(_messages(response.json()))
            if messages and all(UNKNOWN_REFERENCE.fullmatch(m) for m in messages):
                return None
        raise


CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance_but_unknown_ids",
)
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
            # PostgreSQL cannot store NUL in text: every text field refuses it (400); not
            # something to repeat on each string of the schema.
            "allow-x00": False,
        },
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "phases": {"stateful": {"enabled": False}},
    }
)

# Django's URLValidator is stricter than RFC 3986 (e.g. a host label of 64 characters); generate
# the URLs people use, so "schema-valid" means valid to both.
schemathesis.openapi.format(
    "uri",
    st.from_regex(r"\Ahttps?://[a-z][a-z0-9-]{0,20}\.(com|org|example)(/[a-z0-9_-]{0,12})?\Z"),
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)
OPERATIONS = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}


@pytest.fixture
def rep_token(org, records) -> str:
    return Token.objects.create(user=org.rep).key


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (Django's test
    client prevents it the same way): keep it, it holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_has_every_operation():
    assert len(OPERATIONS) >= 90, sorted(OPERATIONS)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_agrees_with_the_schema(label, rep_token):
    headers = {"Authorization": f"Token {rep_token}"}

    def call_and_validate(case):
        case.call_and_validate(headers=headers)

    run = build_operation_test(
        config=schema.config,
        operation=OPERATIONS[label],
        test_func=call_and_validate,
        given_kwargs={},
        feedback=FeedbackSources(),
    )
    run()
