"""Every endpoint × every role × anonymous: refused with 401/403 exactly where it must be.

The matrix below is the access policy, written once; the test fails if an endpoint appears in
the OpenAPI document without a row here, so a new route cannot ship without a decision.
Allowed calls send an invalid body where the route writes, so they stop at validation (422)
after passing the access check and change nothing.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import bearer, token

PUBLIC = "public"
ANY = ("company", "reviewer", "planner", "admin")

# (method, path): roles admitted (PUBLIC: anonymous too)
MATRIX: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/conformance"): PUBLIC,
    ("GET", "/collections"): PUBLIC,
    ("GET", "/collections/{collectionId}"): PUBLIC,
    ("GET", "/collections/{collectionId}/items/{featureId}"): PUBLIC,
    ("GET", "/collections/{collectionId}/download"): PUBLIC,
    **{("GET", f"/collections/{c}/items"): PUBLIC
       for c in ("districts", "zones", "areas", "parks", "space-units", "stations")},
    ("POST", "/api/token"): PUBLIC,
    ("POST", "/api/match"): PUBLIC,
    ("GET", "/api/me"): ANY,
    ("POST", "/api/logout"): ANY,
    ("POST", "/api/applications"): ("company",),
    ("GET", "/api/applications"): ("company", "reviewer"),
    ("GET", "/api/applications/{application_id}"): ("company", "reviewer"),
    ("POST", "/api/applications/{application_id}/approve"): ("reviewer",),
    ("POST", "/api/applications/{application_id}/reject"): ("reviewer",),
    ("POST", "/api/applications/{application_id}/request-info"): ("reviewer",),
    ("POST", "/api/applications/{application_id}/respond"): ("company",),
    ("POST", "/api/applications/{application_id}/withdraw"): ("company",),
    ("GET", "/api/applications/{application_id}/audit"): ("reviewer", "admin"),
    ("GET", "/api/units/{unit_code}/audit"): ("reviewer", "admin"),
    ("POST", "/api/proposals"): ("reviewer",),
    ("GET", "/api/proposals/{proposal_id}"): ("reviewer",),
    ("POST", "/api/proposals/{proposal_id}/accept"): ("reviewer",),
    ("GET", "/api/areas/{area}/whitelist"): PUBLIC,
    ("POST", "/api/areas/{area}/whitelist/amendments"): ("reviewer",),
    ("GET", "/api/stats"): ("reviewer", "planner", "admin"),
    ("GET", "/api/users"): ("admin",),
    ("POST", "/api/users"): ("admin",),
    ("PATCH", "/api/users/{username}"): ("admin",),
    ("POST", "/api/imports/{kind}"): ("admin",),
}  # fmt: skip

SAMPLES = {
    "{collectionId}": "parks",
    "{featureId}": "fintech_city",
    "{application_id}": "2147483000",  # absent: allowed roles get 404, never 403
    "{unit_code}": "fintech_city-0001",
    "{proposal_id}": "2147483000",
    "{username}": "planner",
    "{area}": "hetao",
    "{kind}": "units",
}
# Bodies that pass nothing a route would act on: the access check runs first, then 422.
INVALID_BODY = {"not_a_field": True}


def _url(server: str, path: str) -> str:
    for key, value in SAMPLES.items():
        path = path.replace(key, value)
    return server + path


def test_the_matrix_covers_every_endpoint(server: str) -> None:
    doc = httpx.get(f"{server}/openapi.json").json()
    operations = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert operations == set(MATRIX)


def _call(server: str, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    kwargs: dict = {"headers": headers, "timeout": 60}
    if method in ("POST", "PATCH") and path not in ("/api/token",):
        kwargs["json"] = INVALID_BODY
    return httpx.request(method, _url(server, path), **kwargs)


ROLES = ["anonymous", "company", "reviewer", "planner", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_matrix_says(
    server: str, accounts: dict, role: str
) -> None:
    wrong = []
    for (method, path), allowed in MATRIX.items():
        if path == "/api/logout":
            continue  # below: it would revoke the shared token
        headers = {} if role == "anonymous" else accounts[role]
        status = _call(server, method, path, headers).status_code
        if allowed == PUBLIC or role in allowed:
            ok = status not in (401, 403)
        else:
            ok = status == (401 if role == "anonymous" else 403)
        if not ok:
            wrong.append((method, path, status))
    assert wrong == [], f"{role}: {wrong}"


@pytest.mark.parametrize("role", ROLES)
def test_logout_needs_a_token_and_revokes_it(server: str, accounts: dict, role: str) -> None:
    if role == "anonymous":
        assert httpx.post(f"{server}/api/logout").status_code == 401
        return
    username = {"company": "acme", "reviewer": "reviewer", "planner": "planner",
                "admin": "admin"}[role]  # fmt: skip
    fresh = bearer(token(server, username))
    assert httpx.post(f"{server}/api/logout", headers=fresh).status_code == 204
    assert httpx.get(f"{server}/api/me", headers=fresh).status_code == 401
    assert httpx.get(f"{server}/api/me", headers=accounts[role]).status_code == 200
