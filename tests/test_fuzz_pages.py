"""Every page route, fed the inputs that once made 500s: never a 5xx, whoever asks.

The pages are left out of the OpenAPI document, so schemathesis (``test_fuzz_api``) cannot see
them; this walks the app's page routes instead. Each path parameter, query parameter and form
field gets each hostile value in turn — numbers past int4 and int8, NaN, infinities, overflow,
NUL, an invalid UTF-8 escape, broken JSON, long strings — for an anonymous visitor and for a user
of every role. A refusal is fine (4xx, or a page saying what is wrong); a crash is not.
"""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.params import Form
from sqlalchemy.engine import Engine

from tests.conftest import browser_client, make_user, signed_in

HOSTILE = [
    "2147483648", "9223372036854775808", "-1", "0", "NaN", "Infinity", "-inf", "1e309",
    "\x00", "%ED%A0%80", "{not json", "[]", "{}", "x" * 5000, "${7*7}</script>",
]  # fmt: skip
ROLES = ("company", "reviewer", "planner", "admin")


def _routes(routes: list[Any]) -> list[Any]:
    """Every route, also those inside included routers (FastAPI keeps those as one entry)."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_routes(inner.routes) if inner is not None else [route])
    return out


def _page_routes(app: Any) -> list[Any]:
    return [r for r in _routes(app.routes) if getattr(r, "renders_html", False)]


def _fields(route: Any) -> tuple[list[str], list[str]]:
    """(query parameters, form fields) the route's endpoint declares."""
    query, form = [], []
    for name, param in inspect.signature(route.endpoint).parameters.items():
        if name in route.param_convertors or name in ("request", "session", "actor"):
            continue
        metadata = getattr(param.annotation, "__metadata__", ())
        if any(isinstance(m, Form) for m in metadata):
            form.append(name)
        elif isinstance(param.default, str | int | float | type(None)):
            query.append(name)
    return query, form


def _path(route: Any, value: str) -> str:
    path = route.path
    for name in route.param_convertors:
        path = path.replace("{" + name + "}", quote(value, safe="%") if name != "kind" else "xlsx")
    return path


@pytest.fixture(scope="module")
def visitors(app: Any, engine: Engine) -> dict[str, Any]:
    people = {role: signed_in(app, make_user(engine, role)) for role in ROLES}
    return {"anonymous": browser_client(app), **people}


def test_no_page_route_answers_5xx_to_hostile_input(app: Any, visitors: dict[str, Any]) -> None:
    routes = _page_routes(app)
    assert len(routes) >= 15, [r.path for r in routes]  # the walk really covers the pages
    failures = []
    for route in routes:
        query, form = _fields(route)
        for value in HOSTILE:
            url = _path(route, value)
            for who, client in visitors.items():
                for method in sorted(route.methods - {"HEAD"}):
                    if method == "GET":
                        reply = client.get(url, params=dict.fromkeys(query, value),
                                           follow_redirects=False)  # fmt: skip
                    else:
                        reply = client.post(url, data=dict.fromkeys(form, value),
                                            follow_redirects=False)  # fmt: skip
                    if reply.status_code >= 500:
                        failures.append((method, route.path, who, value[:20], reply.status_code))
    assert failures == [], failures[:10]
