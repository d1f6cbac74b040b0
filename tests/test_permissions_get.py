"""Who may open what, through the web pages: the GET matrix (every page, every role).

The matrix below is the access rules of the product spec for reading, one line per page, one
column per role. "ours" records belong to the rep's team (North) / the agent's queue (Tier 1);
"other" records to the other team (South) / queue (Billing); see ``conftest.records``.

A record a role may not read answers 404 (its id leaks nothing); a record it may read but not
change answers 403; a page that is not the role's business at all answers 403. Anonymous
visitors are sent to the login page everywhere.

POST rules (the POST matrix, bulk actions mixing allowed and forbidden rows) are in
``test_permissions_post.py``; object-level rules, CSRF, escaping and CSV export in
``test_permissions_rules.py``; the shared helpers in ``permission_helpers.py``.
"""

import pytest

from .permission_helpers import (
    LOGIN,
    assert_login_redirect,
    client_as,
    matrix_cases,
    record_ids,
)

# Ids in the URLs: {account} … {other_ticket} come from `records`; {user} is the rep's user,
# {team} the rep's sales team.
#
# fmt: off
GET_MATRIX = [
    # page                                     anon   admin sa_mgr   rep   mkt  agent su_mgr
    ("/",                                      LOGIN,  302,  302,   302,  302,  302,  302),
    ("/me/",                                   LOGIN,  200,  200,   200,  200,  200,  200),
    ("/me/token/",                             LOGIN,  405,  405,   405,  405,  405,  405),
    # workspaces
    ("/sales/workspace/",                      LOGIN,  200,  200,   200,  403,  403,  403),
    ("/service/workspace/",                    LOGIN,  200,  403,   403,  403,  200,  200),
    ("/marketing/",                            LOGIN,  200,  403,   403,  200,  403,  403),
    ("/dashboard/",                            LOGIN,  200,  200,   403,  403,  403,  200),
    # accounts: everyone reads; owner, team, managers and admins change
    ("/accounts/",                             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/add/",                         LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/{account}/",                   LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/{other_account}/",             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/{account}/edit/",              LOGIN,  200,  200,   200,  403,  403,  200),
    ("/accounts/{other_account}/edit/",        LOGIN,  200,  200,   403,  403,  403,  200),
    ("/accounts/{account}/delete/",            LOGIN,  200,  200,   200,  403,  403,  200),
    ("/accounts/{other_account}/delete/",      LOGIN,  200,  200,   403,  403,  403,  200),
    ("/accounts/bulk/edit/",                   LOGIN,  405,  405,   405,  405,  405,  405),
    ("/accounts/bulk/delete/",                 LOGIN,  405,  405,   405,  405,  405,  405),
    # contacts: same rules as accounts
    ("/contacts/",                             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/add/",                         LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/{contact}/",                   LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/{other_contact}/",             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/{contact}/edit/",              LOGIN,  200,  200,   200,  403,  403,  200),
    ("/contacts/{other_contact}/edit/",        LOGIN,  200,  200,   403,  403,  403,  200),
    ("/contacts/{contact}/delete/",            LOGIN,  200,  200,   200,  403,  403,  200),
    ("/contacts/{other_contact}/delete/",      LOGIN,  200,  200,   403,  403,  403,  200),
    # leads: rep = own + team queue; manager = their teams; marketing/support: nothing
    ("/sales/leads/",                          LOGIN,  200,  200,   200,  403,  403,  403),
    ("/sales/leads/add/",                      LOGIN,  200,  200,   200,  403,  403,  403),
    ("/sales/leads/{lead}/",                   LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{queue_lead}/",             LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{teammate_lead}/",          LOGIN,  200,  200,   404,  404,  404,  404),
    ("/sales/leads/{other_lead}/",             LOGIN,  200,  404,   404,  404,  404,  404),
    ("/sales/leads/{lead}/edit/",              LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{queue_lead}/edit/",        LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{teammate_lead}/edit/",     LOGIN,  200,  200,   404,  404,  404,  404),
    ("/sales/leads/{other_lead}/edit/",        LOGIN,  200,  404,   404,  404,  404,  404),
    ("/sales/leads/{lead}/delete/",            LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{teammate_lead}/delete/",   LOGIN,  200,  200,   404,  404,  404,  404),
    ("/sales/leads/{other_lead}/delete/",      LOGIN,  200,  404,   404,  404,  404,  404),
    ("/sales/leads/999999/",                   LOGIN,  404,  404,   404,  404,  404,  404),
    ("/sales/leads/bulk/edit/",                LOGIN,  405,  405,   405,  405,  405,  405),
    ("/sales/leads/bulk/delete/",              LOGIN,  405,  405,   405,  405,  405,  405),
    # tickets: agents = their queues; support managers and admins = all
    ("/service/tickets/",                      LOGIN,  200,  403,   403,  403,  200,  200),
    ("/service/tickets/add/",                  LOGIN,  200,  403,   403,  403,  200,  200),
    ("/service/tickets/{ticket}/",             LOGIN,  200,  404,   404,  404,  200,  200),
    ("/service/tickets/{other_ticket}/",       LOGIN,  200,  404,   404,  404,  404,  200),
    ("/service/tickets/{ticket}/edit/",        LOGIN,  200,  404,   404,  404,  200,  200),
    ("/service/tickets/{other_ticket}/edit/",  LOGIN,  200,  404,   404,  404,  404,  200),
    ("/service/tickets/{ticket}/delete/",      LOGIN,  200,  404,   404,  404,  200,  200),
    ("/service/tickets/{other_ticket}/delete/", LOGIN, 200,  404,   404,  404,  404,  200),
    ("/service/tickets/bulk/delete/",          LOGIN,  405,  405,   405,  405,  405,  405),
    # administration: administrators only (users are deactivated, never deleted)
    ("/admin-ui/users/",                       LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/users/add/",                   LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/users/{user}/",                LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/users/{user}/edit/",           LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/users/{user}/delete/",         LOGIN,  403,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/",                       LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/teams/add/",                   LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/teams/{team}/",                LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/{team}/edit/",           LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/{team}/delete/",         LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/bulk/delete/",           LOGIN,  405,  405,   405,  405,  405,  405),
]

# fmt: on


@pytest.mark.parametrize(("url", "role", "expected"), matrix_cases(GET_MATRIX))
def test_get(client, org, records, url, role, expected):
    url = url.format(**record_ids(org, records))
    response = client_as(client, org, role).get(url)
    if expected == LOGIN:
        assert_login_redirect(response, url)
    else:
        assert response.status_code == expected, f"{role} GET {url}"
