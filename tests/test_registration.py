"""Companies register themselves with their credit code; they search at once, apply once an
administrator has confirmed them — on the pages and through the API alike."""

from __future__ import annotations

import itertools
import re
import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

from spacemap.credit_code import ALPHABET, check_character
from tests.conftest import PASSWORD, browser_client, make_user, signed_in

SEARCH = ("/search?name=%E8%8A%AF&industry=ic&stage=startup&headcount=20&min_area_m2=120"
          "&max_area_m2=300&max_rent_cny_m2_month=160")  # fmt: skip
_codes = itertools.count(int(uuid.uuid4().hex[:6], 16))


def fresh_code() -> str:
    """A valid credit code no other test has used (random organisation part, right check)."""
    n = next(_codes)
    body = "91440300"
    for _i in range(9):
        body += ALPHABET[n % 31]
        n //= 31
    return body + check_character(body)


def registration(**changes: str) -> dict[str, str]:
    name = f"reg{uuid.uuid4().hex[:10]}"
    return {
        "company_name": f"自助注册企业 {name}（合成）",
        "credit_code": fresh_code(),
        "contact_name": "王芳",
        "contact_phone": "+86 755 1234 5678",
        "contact_email": "",
        "username": name,
        "password": PASSWORD,
        "password_again": PASSWORD,
        "next": SEARCH,
        **changes,
    }


def api_profile() -> dict:
    return {"name": "芯算", "industry": "ic", "stage": "startup", "headcount": 20,
            "min_area_m2": 120, "max_area_m2": 300, "max_rent_cny_m2_month": 160}  # fmt: skip


def first_unit(client) -> str:
    page = client.get(SEARCH)
    return re.search(r'class="site" data-unit="([^"]+)"', page.text).group(1)


def test_a_company_registers_searches_at_once_and_applies_once_confirmed(
    app: object, engine: Engine
) -> None:
    client = browser_client(app, "en")
    form = registration()
    reply = client.post("/register", data=form, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == SEARCH  # back to the search
    page = client.get(SEARCH)
    assert page.status_code == 200 and 'id="awaiting-confirmation"' in page.text
    assert 'class="site"' in page.text and "apply-form" not in page.text
    assert "You can apply once the bureau has confirmed your account." in page.text
    unit = first_unit(client)
    body = {"unit_code": unit, "area_m2": 150, "profile": api_profile()}
    refused = client.post("/api/applications", json=body,
                          headers={"X-Requested-With": "spacemap"})  # fmt: skip
    assert refused.status_code == 403 and refused.json()["field"] == "account"
    assert "confirmation" in refused.json()["detail"]
    no_js = client.post("/search/apply", data={"unit_code": unit, "area_m2": "150",
                                               "profile": '{"name": "x"}'})  # fmt: skip
    assert no_js.status_code in (403, 409)

    admin = signed_in(app, make_user(engine, "admin"), "en")
    queue = admin.get("/admin/registrations")
    assert f'data-username="{form["username"]}"' in queue.text and form["credit_code"] in queue.text
    done = admin.post(f"/admin/registrations/{form['username']}/confirm", follow_redirects=False)
    assert done.status_code == 303
    assert "the company can apply for space now" in admin.get(done.headers["location"]).text

    page = client.get(SEARCH)
    assert "apply-form" in page.text and 'id="awaiting-confirmation"' not in page.text
    filed = client.post("/api/applications", json=body, headers={"X-Requested-With": "spacemap"})
    assert filed.status_code == 201, filed.text
    with engine.connect() as conn:
        trail = conn.execute(
            text("SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = :u "
                 "ORDER BY id"), {"u": form["username"]},
        ).scalars().all()  # fmt: skip
    assert trail == ["register", "confirm"]


def test_the_form_names_each_wrong_field_in_the_pages_language(app: object) -> None:
    typo = registration()
    code = typo["credit_code"]
    typo["credit_code"] = code[:5] + ("1" if code[5] != "1" else "2") + code[6:]
    for lang, wanted in (
        ("zh", "统一社会信用代码：校验码不符，请检查代码是否输错。"),
        ("en", "Unified social credit code: The check character does not match"),
    ):
        page = browser_client(app, lang).post("/register", data=typo)
        assert page.status_code == 422
        assert wanted in page.text
        assert 'data-field="credit_code"' in page.text and "Value error" not in page.text
    client = browser_client(app, "en")
    nobody = registration(contact_phone="", contact_email="", password_again="different-1")
    page = client.post("/register", data=nobody)
    assert "Password again: does not match the password" in page.text
    nobody["password_again"] = nobody["password"]
    page = client.post("/register", data=nobody)
    assert "Contact phone: Give a phone number or an e-mail address" in page.text
    short = client.post("/register", data=registration(password="short", password_again="short"))
    assert "Password: must have at least 10 characters" in short.text
    bad = client.post("/register", data=registration(username="Bad Name"))
    assert "Username: 3–64 characters" in bad.text


def test_one_account_per_credit_code(app: object) -> None:
    first = registration()
    assert (
        browser_client(app).post("/register", data=first, follow_redirects=False).status_code == 303
    )
    again = registration(credit_code=first["credit_code"].lower())  # typed in lower case
    page = browser_client(app, "en").post("/register", data=again)
    assert page.status_code == 409 and "already registered" in page.text
    api = browser_client(app, "en").post("/api/register", json={
        k: v for k, v in again.items() if k not in ("password_again", "next", "contact_email")
    })  # fmt: skip
    assert api.status_code == 409 and api.json()["field"] == "credit_code"


def test_the_api_registers_lists_confirms_and_declines(app: object, engine: Engine) -> None:
    api = browser_client(app, "en")
    bodies = []
    for _i in range(2):
        form = registration()
        body = {k: v for k, v in form.items() if k not in ("password_again", "next")}
        body["contact_email"] = "wang.fang@example.com"
        made = api.post("/api/register", json=body)
        assert made.status_code == 201, made.text
        assert made.json()["status"] == "pending"
        bodies.append(body)
    wrong = api.post("/api/register", json={**bodies[0], "credit_code": "91440300708461136A"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "credit_code"

    admin_name = make_user(engine, "admin")
    token = api.post("/api/token", data={"username": admin_name, "password": PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.get("/api/registrations").status_code == 401
    pending = {r["username"] for r in api.get("/api/registrations", headers=admin).json()}
    assert {b["username"] for b in bodies} <= pending
    ok = api.post(f"/api/registrations/{bodies[0]['username']}/confirm", headers=admin)
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    twice = api.post(f"/api/registrations/{bodies[0]['username']}/confirm", headers=admin)
    assert twice.status_code == 409
    reasonless = api.post(f"/api/registrations/{bodies[1]['username']}/decline", headers=admin,
                          json={"reason": ""})  # fmt: skip
    assert reasonless.status_code == 422
    no = api.post(f"/api/registrations/{bodies[1]['username']}/decline", headers=admin,
                  json={"reason": "信用代码与企业名称不符"})  # fmt: skip
    assert no.status_code == 200 and no.json()["status"] == "declined"
    assert api.post("/api/token", data={"username": bodies[1]["username"],
                                        "password": PASSWORD}).status_code == 401  # fmt: skip
    company = make_user(engine, "company")
    with signed_in(app, company) as c:
        assert c.get("/admin/registrations").status_code == 403
    assert api.post(f"/api/registrations/{bodies[0]['username']}/confirm").status_code == 401


def test_accounts_an_administrator_makes_are_confirmed_at_once(app: object, engine: Engine) -> None:
    name = make_user(engine, "company")
    with signed_in(app, name, "en") as c:
        page = c.get(SEARCH)
        assert "apply-form" in page.text and "awaiting-confirmation" not in page.text


def test_a_hostile_company_name_is_shown_literally_to_the_administrator(
    app: object, engine: Engine
) -> None:
    from markupsafe import escape

    from tests.test_company_journey import HOSTILE

    form = registration(company_name=HOSTILE, contact_name="</script><b>x</b>")
    assert (
        browser_client(app).post("/register", data=form, follow_redirects=False).status_code == 303
    )
    admin = signed_in(app, make_user(engine, "admin"), "en")
    page = admin.get("/admin/registrations").text
    assert escape(HOSTILE) in page and HOSTILE not in page
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
