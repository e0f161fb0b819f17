"""A company's pages in-process: a search is a URL, results say where and when, the pre-filled
area passes its own check, the page and the API agree on limits, errors name the field, the
search survives signing in, units compare side by side, /my answers and withdraws."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from sqlalchemy.engine import Engine

from matching.applications import with_service
from matching.profile import CompanyProfile
from spacemap.database import session_scope
from spacemap.store.audit import Actor
from spacemap.store.users import by_username
from tests.conftest import browser_client, make_user, signed_in
from web.pages.profile_form import parse, query_pairs

NEED = {"name": "芯算智能（合成）", "industry": "ic", "stage": "startup", "headcount": "20",
        "min_area_m2": "120", "max_area_m2": "300", "max_rent_cny_m2_month": "160"}  # fmt: skip


def search_url(**changes: str) -> str:
    return "/search?" + urlencode({**NEED, **changes})


def cards(html: str) -> list[str]:
    """Each result card's HTML."""
    return re.findall(r'<article class="site".*?</article>', html, flags=re.S)


def attr(fragment: str, name: str, attribute: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', fragment).group(0)
    return unescape(re.search(rf'\b{attribute}="([^"]*)"', tag).group(1))


class _Multi(dict):
    """Query parameters as the page reads them (``getlist`` for repeated names)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]


def test_a_search_url_encodes_the_whole_profile() -> None:
    profile = CompanyProfile.model_validate({
        "name": "华强北硬件 & Co", "industry": "smart_terminal", "secondary_industries": ["iot"],
        "stage": "growth", "headcount": 35, "min_area_m2": 150.5, "max_area_m2": 400,
        "max_rent_cny_m2_month": 120, "required_features": ["heavy_floor_load", "showroom"],
        "move_in_by": "2027-06-30",
        "preferences": {"areas": ["huaqiang"], "zones": ["east_wing"], "near_metro": True,
                        "near_hk_border": False, "wants_programme": True},
        "flags": {"national_high_tech": True, "futian_talent": True},
    })  # fmt: skip
    pairs = query_pairs(profile)
    back = parse(_Multi(parse_qsl(urlencode(pairs))))
    assert back.errors == [] and back.profile == profile


def test_results_say_where_and_when_and_more_come_on_request(client) -> None:
    page = client.get(search_url(areas="huaqiang", near_metro="1"))
    assert page.status_code == 200
    first = cards(page.text)
    assert len(first) == 10
    for card in first:
        assert 'data-fact="place"' in card and 'data-fact="move-in"' in card
        assert re.search(r'data-date="\d{4}-\d\d-\d\d"', card)
    # the preferences the company gave are on the form it comes back to, ticked
    assert re.search(r'name="areas" value="huaqiang" id="area-huaqiang" checked', page.text)
    assert re.search(r'name="near_metro" value="1" id="near_metro" checked', page.text)
    href = re.search(r'href="([^"]+)" id="more-results"', page.text).group(1)
    assert "shown=20" in unescape(href)
    twenty = client.get(unescape(href))
    assert len(cards(twenty.text)) == 20
    assert [re.search(r'data-unit="([^"]+)"', c).group(1) for c in cards(twenty.text)][:10] == [
        re.search(r'data-unit="([^"]+)"', c).group(1) for c in first
    ]


def _filed_checks(client, app_id: int) -> dict[str, bool]:
    data = client.get(f"/api/applications/{app_id}",
                      headers={"X-Requested-With": "spacemap"}).json()  # fmt: skip
    return {c["check"]: c["passed"] for c in data["checks"]}


def test_the_prefilled_area_is_the_free_area_or_the_need_exactly_and_passes(
    app: object, engine: Engine
) -> None:
    company = signed_in(app, make_user(engine, "company"), "en")
    page = company.get(search_url(min_area_m2="100", max_area_m2="100000", shown="40"))
    fractional = [c for c in cards(page.text)
                  if "." in re.search(r'data-free="([^"]+)"', c).group(1)]  # fmt: skip
    assert fractional, "expected units with a fractional free area"
    card = fractional[0]
    free = re.search(r'data-free="([^"]+)"', card).group(1)
    assert attr(card, "area_m2", "value") == free  # 411.5 stays 411.5
    unit = attr(card, "unit_code", "value")
    filed = company.post("/search/apply", follow_redirects=False, data={
        "unit_code": unit, "area_m2": attr(card, "area_m2", "value"),
        "profile": attr(card, "profile", "value")})  # fmt: skip
    assert filed.status_code == 303
    app_id = int(filed.headers["location"].split("filed=")[1])
    assert _filed_checks(company, app_id)["area"] is True
    mine = company.get("/my").text
    section = re.search(rf'<section class="application-card" data-id="{app_id}".*?</section>',
                        mine, flags=re.S).group(0)  # fmt: skip
    assert "check-fail" not in section and f"{free} m² requested" in section

    # A unit with more free space than the need: the need's upper bound, exactly.
    page = company.get(search_url(min_area_m2="50", max_area_m2="60.25", shown="40"))
    for c in cards(page.text):
        if float(re.search(r'data-free="([^"]+)"', c).group(1)) > 60.25:
            assert attr(c, "area_m2", "value") == "60.25"
            break
    else:
        pytest.fail("no unit larger than the need")


def test_the_page_and_the_api_refuse_the_same_areas(app: object, engine: Engine) -> None:
    company = signed_in(app, make_user(engine, "company"), "en")
    page = company.get(search_url(min_area_m2="150", max_area_m2="400"))
    card = cards(page.text)[0]
    assert (attr(card, "area_m2", "min"), attr(card, "area_m2", "max")) == ("150", "400")
    unit, profile = attr(card, "unit_code", "value"), attr(card, "profile", "value")
    api = {"X-Requested-With": "spacemap"}
    for area in ("5000", "149.99", "400.01", "nan"):
        no_js = company.post("/search/apply", data={"unit_code": unit, "area_m2": area,
                                                    "profile": profile})  # fmt: skip
        assert no_js.status_code == 409 and "150–400 m²" in no_js.text, area
        if area != "nan":
            body = {"unit_code": unit, "area_m2": float(area), "profile": json.loads(profile)}
            assert company.post("/api/applications", json=body, headers=api).status_code == 422
    # The search form's own bounds are the profile model's: the API refuses past them too.
    assert 'name="max_rent_cny_m2_month" value="160" min="1" max="10000"' in page.text
    over = company.get(search_url(max_rent_cny_m2_month="10001"))
    assert over.status_code == 422 and "Budget (CNY/m²/month): must be at most 10,000" in over.text


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        ("zh", ["预算（元/平方米/月）：必须是数字", "人数：不能小于 1",
                "最小面积（平方米）：不能大于最大面积（300 平方米）"]),
        ("en", ["Budget (CNY/m²/month): must be a number", "Headcount: must be at least 1",
                "Smallest floor space (m²): must not be more than the largest floor "
                "space (300 m²)"]),
    ],
)  # fmt: skip
def test_validation_names_the_field_as_the_form_labels_it(
    app: object, lang: str, wanted: list[str]
) -> None:
    page = browser_client(app, lang).get(
        search_url(max_rent_cny_m2_month="cheap", headcount="0", min_area_m2="500")
    )
    assert page.status_code == 422
    summary = re.search(r'<div class="errors".*?</div>', page.text, flags=re.S).group(0)
    shown = unescape(re.sub(r"<[^>]+>", "", summary))  # what a person reads
    for text in wanted:
        assert text in shown
    for internal in ("max_rent_cny_m2_month", "Input should", "headcount:", "Value error"):
        assert internal not in shown
    assert 'value="cheap"' in page.text  # what was typed comes back


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [("zh", "每个单元旁的数字是匹配度：该单元在符合您条件的所有可行单元中的百分位"
            "（100 表示没有更高分的单元）。模型自身的评分见详情。"),
     ("en", "The figure beside each unit is its fit: the unit's percentile among the units "
            "feasible for your profile (100: none scores higher). The model's own score is in "
            "the details.")],
)  # fmt: skip
def test_the_results_say_once_what_the_figure_is(app: object, lang: str, wanted: str) -> None:
    page = browser_client(app, lang).get(search_url())
    note = re.search(r'<p class="small" id="model-note">.*?</p>', page.text, flags=re.S).group(0)
    shown = unescape(re.sub(r"<[^>]+>", "", note))
    assert wanted in shown
    assert ".." not in shown and "。。" not in shown and "Fit: " not in shown
    details = unescape(re.sub(r"<[^>]+>", "", page.text.split('class="small score-details"')[1]))
    assert ("匹配度 " if lang == "zh" else "Fit ") in details and "契合度" not in details


def test_signing_in_to_apply_keeps_the_search(app: object, engine: Engine) -> None:
    anonymous = browser_client(app, "en")
    url = search_url(areas="huaqiang", near_metro="1")
    page = anonymous.get(url)
    link = unescape(re.search(r'class="btn btn-sm btn-outline-primary sign-in-to-apply" '
                              r'href="([^"]+)"', page.text).group(1))  # fmt: skip
    assert link == "/login?" + urlencode({"next": url})
    login = anonymous.get(link)
    assert f'name="next" value="{url}"'.replace("&", "&amp;") in login.text
    name = make_user(engine, "company")
    back = anonymous.post(
        "/login",
        follow_redirects=False,
        data={"username": name, "password": "test-password-1", "next": url},
    )
    assert back.status_code == 303 and back.headers["location"] == url
    again = anonymous.get(url)
    assert len(cards(again.text)) == 10 and "apply-form" in again.text
    # any signed-in-only page sends an anonymous visitor to sign in and back, query kept
    redirect = browser_client(app).get("/my?done=respond", follow_redirects=False)
    assert redirect.headers["location"] == "/login?next=" + quote("/my?done=respond", safe="")


def test_units_compare_side_by_side(client) -> None:
    page = client.get(search_url())
    units = [re.search(r'data-unit="([^"]+)"', c).group(1) for c in cards(page.text)]
    assert 'form="compare-form"' in page.text
    compare = client.get(search_url(unit=units[2]).replace("/search?", "/search/compare?")
                         + f"&unit={units[0]}&unit={units[5]}")  # fmt: skip
    assert compare.status_code == 200
    shown = [re.search(r'data-unit="([^"]+)"', c).group(1) for c in cards(compare.text)]
    assert shown == [units[2], units[0], units[5]]  # in the order chosen
    for card in cards(compare.text):
        assert card.count('class="fact"') == 8
    assert '<a href="/search?' in compare.text  # back to the same search
    assert 'class="btn btn-sm btn-outline-primary sign-in-to-apply"' in compare.text
    one = client.get(search_url(unit=units[0]).replace("/search?", "/search/compare?"))
    assert one.status_code == 422 and 'id="compare-error"' in one.text
    five = client.get(search_url().replace("/search?", "/search/compare?")
                      + "".join(f"&unit={u}" for u in units[:5]))  # fmt: skip
    assert five.status_code == 422
    gone = client.get(search_url().replace("/search?", "/search/compare?")
                      + f"&unit={units[0]}&unit=no-such-unit")  # fmt: skip
    assert gone.status_code == 200 and 'class="site gone" data-unit="no-such-unit"' in gone.text


def test_a_company_answers_the_bureau_and_withdraws_from_my(app: object, engine: Engine) -> None:
    name = make_user(engine, "company")
    company = signed_in(app, name, "en")
    page = company.get(search_url())
    card = cards(page.text)[0]
    filed = company.post("/search/apply", follow_redirects=False, data={
        "unit_code": attr(card, "unit_code", "value"), "area_m2": "150",
        "profile": attr(card, "profile", "value")})  # fmt: skip
    app_id = int(filed.headers["location"].split("filed=")[1])
    with session_scope(engine) as s:
        user = by_username(s, make_user(engine, "reviewer"))
        reviewer = Actor(id=user.id, username=user.username, role="reviewer")
    with_service(reviewer, lambda s: s.act(app_id, "request_info", "请补充营业执照复印件"))
    mine = company.get("/my").text
    section = re.search(rf'data-id="{app_id}".*?</section>', mine, flags=re.S).group(0)
    assert 'data-status="needs_info"' in mine and "请补充营业执照复印件" in section
    assert f'action="/my/{app_id}/respond"' in section
    assert '<span lang="zh-CN">请补充营业执照复印件</span>' in section  # its language said
    # A company reads fits, never the model's raw score (a calibrated 27 reads as a poor mark)
    assert "score" not in re.sub(r"<[^>]+>", " ", section).lower()
    empty = company.post(f"/my/{app_id}/respond", data={"reason": "  "})
    assert empty.status_code == 409 and 'id="action-error"' in empty.text
    assert "A reason is required" in empty.text
    sent = company.post(f"/my/{app_id}/respond", data={"reason": "Licence attached."},
                        follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == "/my?done=respond"
    after = company.get(sent.headers["location"]).text
    assert "back in the bureau" in after and f'data-id="{app_id}" data-status="pending"' in after
    gone = company.post(f"/my/{app_id}/withdraw", data={"reason": ""}, follow_redirects=False)
    assert gone.status_code == 303
    assert f'data-id="{app_id}" data-status="withdrawn"' in company.get("/my").text
    other = signed_in(app, make_user(engine, "company"), "en")
    assert other.post(f"/my/{app_id}/withdraw", data={}).status_code == 404
    assert f'data-id="{app_id}" data-status="withdrawn"' in company.get("/my").text


def test_no_results_say_so_and_show_what_stops_the_nearest(client) -> None:
    page = client.get(search_url(max_rent_cny_m2_month="1", areas="hetao"))
    assert page.status_code == 200 and 'class="no-results"' in page.text
    assert cards(page.text) == [] and 'class="miss"' in page.text
    assert 'data-check="rent"' in page.text


def test_data_text_says_its_language_and_old_notes_show_one_language() -> None:
    from spacemap.i18n import use_locale
    from web.pages.text import foreign, one_language, proper

    with use_locale("en"):
        assert str(foreign("深圳湾创业广场")) == '<span lang="zh-CN">深圳湾创业广场</span>'
        assert str(foreign("Bay Plaza <b>")) == "Bay Plaza &lt;b&gt;"
        assert str(proper("中文名", "")) == '<span translate="no" lang="zh-CN">中文名</span>'
        assert (
            one_language("空间单元为合成数据 / the units are synthetic")
            == "the units are synthetic"
        )
        assert one_language("CNY / m²") == "CNY / m²"
    with use_locale("zh"):
        assert str(foreign("Acme Ltd")) == '<span lang="en">Acme Ltd</span>'
        assert str(foreign("A-0016")) == "A-0016"  # a code: no language
        assert str(foreign("0016")) == "0016"
        assert one_language("空间单元为合成数据 / the units are synthetic") == "空间单元为合成数据"
