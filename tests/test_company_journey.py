"""A company's whole journey in Debian's chromium, per language (zh, en) and per screen (desktop
1440×900, phone 390×844): search → compare → sign in (the search kept) → apply with the
pre-filled area → the bureau asks for information → the company answers → approval → the company
sees it. On every page: no console errors, no request leaving the machine, one language only
(an English page shows no Chinese except proper names marked with their ``lang``; a Chinese page
no English words except codes), and on a phone the page fits the screen with the language switch
on it. Hostile park and company names show literally and run nothing.

Screenshots of each step: ``test-artifacts/screenshots/journey-<lang>-<screen>/``; with
``SPACEMAP_DOC_SCREENSHOTS=1`` the desktop ones are written to ``docs/screenshots/company-<lang>/``
(the README's walk-through).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.browser import SHOTS, UNDER_LEGEND, offline_page
from tests.conftest import PASSWORD, ROOT, make_user

HOSTILE = '${window.__pwned=1}</script><script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">\'"&'  # noqa: E501

# Visible text that is not in the page's language: a text node is exempt when an ancestor says
# its language is another (a proper name), or, on a Chinese page, is marked translate="no" (a
# code, a username). Leaflet's credit is a product name. Attribute texts people see (title,
# placeholder, aria-label) and <option>s count too.
FOREIGN_TEXT = r"""(page) => {
  const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  const WORD = /[A-Za-z][A-Za-z0-9_.\-]*/g;
  const UNITS = new Set(['km']);  // unit symbols are international (m, m², km)
  function english(s) {
    return (s.match(WORD) || [])
      .filter(w => /[A-Za-z]{2,}/.test(w) && !/[0-9_]/.test(w) && !UNITS.has(w));
  }
  function wrong(s, el) {
    if (!s || !s.trim()) return false;
    const tagged = el && el.closest('[lang]');
    if (tagged && tagged.lang !== page) return false;
    if (page === 'en') return CJK.test(s);
    if (el && el.closest('[translate=no]')) return false;
    return english(s).length > 0;
  }
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest('script,style,template,.leaflet-control-attribution')) continue;
    if (el.tagName === 'OPTION' ? false : !el.checkVisibility()) continue;
    if (wrong(node.textContent, el)) out.push(node.textContent.trim());
  }
  document.querySelectorAll('[title],[placeholder],[aria-label]').forEach(el => {
    if (el.closest('.leaflet-control-attribution')) return;
    for (const a of ['title', 'placeholder', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v && wrong(v, el)) out.push(a + '=' + v);
    }
  });
  if (wrong(document.title, document.documentElement)) out.push('title=' + document.title);
  return out;
}"""

# What the map's tooltips and popups say (as text: parsed inertly, nothing runs); with a page
# language, without the parts marked as names (translate="no") or as another language.
MAP_TEXTS = r"""(page) => {
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])
    .find(v => v instanceof L.Map);
  if (!map) return [];
  const out = [];
  function text(c, layer) {
    if (typeof c === 'function') c = c(layer);
    if (c instanceof HTMLElement) c = c.outerHTML;
    if (c === undefined || c === null) return null;
    const body = new DOMParser().parseFromString(String(c), 'text/html').body;
    if (page) {
      body.querySelectorAll('[lang]').forEach(e => { if (e.lang !== page) e.remove(); });
      if (page !== 'en') body.querySelectorAll('[translate=no]').forEach(e => e.remove());
    }
    return body.textContent;
  }
  map.eachLayer(l => {
    for (const bound of [l.getTooltip && l.getTooltip(), l.getPopup && l.getPopup()]) {
      if (!bound) continue;
      const c = bound.getContent();
      if (typeof c === 'function' && l.eachLayer) l.eachLayer(ch => out.push(text(c, ch)));
      else out.push(text(c, l));
    }
  });
  return out.filter(t => t);
}"""

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")


def foreign_in_map(texts: list[str], lang: str) -> list[str]:
    if lang == "en":
        return [t for t in texts if CJK.search(t)]
    return [t for t in texts
            if any(re.search("[A-Za-z]{2,}", w) and not re.search("[0-9_]", w) and w != "km"
                   for w in WORD.findall(t))]  # fmt: skip


# The parts of each result card (head, each fact, reasons, how it was scored, the apply form) that
# are drawn over one another: none may be, in the list or side by side in the comparison.
OVERLAPS = """() => [...document.querySelectorAll('.site')].flatMap(card => {
  const parts = [...card.querySelectorAll(':scope > header, .fact, :scope > .reasons,'
                                          + ':scope > details, :scope > .site-actions')]
    .map(e => [e, e.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
  const out = [];
  parts.forEach(([a, ra], i) => parts.slice(i + 1).forEach(([b, rb]) => {
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 1 && h > 1) out.push(card.dataset.unit + ': ' + a.className + ' / ' + b.className);
  }));
  return out;
})"""


class Visit:
    """One person's browser (``tests.browser.offline_page``: offline, errors recorded) in one
    language on one screen, with what every page of theirs must satisfy."""

    def __init__(self, browser: Any, server: str, lang: str, screen: str, who: str) -> None:
        self.server, self.lang, self.screen, self.who = server, lang, screen, who
        locale = "zh-CN" if lang == "zh" else "en-US"
        self.page = offline_page(browser, server, locale, phone=screen == "phone")
        self.context = self.page.context
        self.context.add_cookies([{"name": "spacemap_lang", "value": lang, "url": server}])
        self.outside, self.errors = self.page.outside, self.page.errors

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.server}{path}", wait_until="networkidle")

    def check(self, mine: bool = True) -> None:
        """What every page must satisfy; ``mine``: a page of the company's side (its language
        is checked word by word)."""
        page = self.page
        page.wait_for_load_state("networkidle")
        assert self.outside == [] and self.errors == [], (page.url, self.outside, self.errors)
        assert page.evaluate("window.__pwned") is None
        html_lang = page.evaluate("document.documentElement.lang")
        assert html_lang == ("zh-CN" if self.lang == "zh" else "en")
        if mine:
            assert page.evaluate(FOREIGN_TEXT, html_lang) == [], page.url
            assert foreign_in_map(page.evaluate(MAP_TEXTS, html_lang), self.lang) == [], page.url
        assert page.evaluate(OVERLAPS) == [], page.url  # no part of a card drawn over another
        assert page.evaluate(UNDER_LEGEND) == [], page.url  # no result hidden by the legend
        if self.screen == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > 391)
              .map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)
              .slice(0, 8)""")
            assert width <= 390, f"{page.url} is {width} px wide: {wide}"
            box = page.locator("#lang-toggle").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box

    def shot(self, name: str) -> None:
        folder = SHOTS / f"journey-{self.lang}-{self.screen}"
        if self.screen == "desktop" and os.environ.get("SPACEMAP_DOC_SCREENSHOTS"):
            folder = ROOT / "docs" / "screenshots" / f"company-{self.lang}"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=False)

    def sign_in(self, username: str) -> None:
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def tick(self, selector: str) -> None:
        """Tick a checkbox the way the screen's user would: a tap on a phone (refused by
        Playwright if anything lies over the box), a click on a desktop."""
        box = self.page.locator(selector)
        if self.screen == "phone":
            box.tap()
        else:
            box.check()
        assert box.is_checked(), selector

    def close(self) -> None:
        self.context.close()


def fill_search(v: Visit) -> None:
    """A chip start-up's needs, as it would type them."""
    page = v.page
    page.fill("#name", "芯算智能（合成）")
    page.select_option("#industry", "ic")
    page.fill("#min_area_m2", "120")
    page.fill("#max_area_m2", "300")
    page.fill("#max_rent_cny_m2_month", "160")
    v.tick("#near_metro")
    v.tick("#zone-east_wing")
    page.click("#search-button")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_company_journey(
    browser: Any, server: str, engine: Engine, lang: str, screen: str
) -> None:
    company_name, reviewer_name = make_user(engine, "company"), make_user(engine, "reviewer")
    company = Visit(browser, server, lang, screen, "company")
    reviewer = Visit(browser, server, lang, screen, "reviewer")
    try:
        page = company.page
        company.goto("/search")
        company.check()
        fill_search(company)
        company.check()
        sites = page.locator("#results .site")
        assert sites.count() == 10
        if screen == "desktop":  # the map's marker says what the card says: the fit
            # (dispatched: markers close together may cover it, as they do on the map)
            page.locator(".spacemap-rank", has_text=re.compile(r"^1$")).dispatch_event("mouseover")
            tip = page.locator(".leaflet-tooltip").inner_text()
            fit = sites.nth(0).locator(".score").inner_text()
            assert tip.startswith("#1 ") and tip.endswith(
                f"{'匹配度' if lang == 'zh' else 'fit'} {fit}"
            )
        assert "near_metro=1" in page.url and "zones=east_wing" in page.url  # the search is a URL
        company.shot("1-search")

        company.tick("#results .site >> nth=0 >> input[name=unit]")
        company.tick("#results .site >> nth=1 >> input[name=unit]")
        chosen = [sites.nth(i).get_attribute("data-unit") for i in (0, 1)]
        page.click("#compare-button")
        page.wait_for_load_state("networkidle")
        columns = page.locator("#compare .site")
        assert [columns.nth(i).get_attribute("data-unit") for i in (0, 1)] == chosen
        compare_url = page.url
        company.check()
        company.shot("2-compare")

        columns.nth(0).locator("a.sign-in-to-apply").click()
        page.wait_for_load_state("networkidle")
        assert "/login?next=" in page.url
        company.check()
        company.sign_in(company_name)
        assert page.url == compare_url  # back where it was, the search kept
        company.check()
        company.shot("3-signed-in")

        first = page.locator("#compare .site").nth(0)
        area = first.locator("input[name=area_m2]")
        free = float(first.locator("[data-free]").get_attribute("data-free"))
        assert float(area.input_value()) == min(300.0, free)  # pre-filled exactly
        first.locator("button[type=submit]").click()
        filed = first.locator(".apply-result a[data-application-id]")
        filed.wait_for()
        app_id = filed.get_attribute("data-application-id")
        company.check()
        company.shot("4-applied")

        reviewer.goto(f"/login?next=/review/{app_id}")
        reviewer.sign_in(reviewer_name)
        reviewer.page.fill("textarea[name=reason]", "请补充营业执照复印件" if lang == "zh"
                           else "Please send a copy of the business licence.")  # fmt: skip
        reviewer.page.click("button[value=request_info]")
        reviewer.page.wait_for_load_state("networkidle")
        assert reviewer.page.get_attribute("#status", "data-status") == "needs_info"
        reviewer.check(mine=False)
        reviewer.shot("5-information-requested")

        company.goto("/my")
        card = page.locator(f"#my-applications section[data-id='{app_id}']")
        assert card.get_attribute("data-status") == "needs_info"
        assert card.locator(".reviewer-note").count() == 1
        company.check()
        card.locator("textarea[name=reason]").fill("营业执照已上传。" if lang == "zh"
                                                   else "The licence is attached.")  # fmt: skip
        card.locator(".respond-form button").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#notice").count() == 1
        card = page.locator(f"#my-applications section[data-id='{app_id}']")
        assert card.get_attribute("data-status") == "pending"
        company.check()
        company.shot("6-answered")

        reviewer.goto(f"/review/{app_id}")
        reviewer.page.fill("textarea[name=reason]", "符合正面清单，材料齐全" if lang == "zh"
                           else "On the whitelist; papers complete.")  # fmt: skip
        reviewer.page.click("button[value=approve]")
        reviewer.page.wait_for_load_state("networkidle")
        assert reviewer.page.get_attribute("#status", "data-status") == "approved"
        reviewer.check(mine=False)
        reviewer.shot("7-approved")

        company.goto("/my")
        card = page.locator(f"#my-applications section[data-id='{app_id}']")
        assert card.get_attribute("data-status") == "approved"
        # its space is its own: checked again, the allocation is not counted against it
        assert card.locator(".checks li.check-fail").count() == 0
        assert card.locator(".checks li.check-pass").count() == 5
        company.check()
        company.shot("8-company-sees-approval")
    finally:
        company.close()
        reviewer.close()


@pytest.mark.parametrize(("lang", "screen"), [("zh", "phone"), ("en", "desktop")])
def test_registering_and_confirming_in_one_language(
    browser: Any, server: str, engine: Engine, lang: str, screen: str
) -> None:
    """The pages a company meets before its first application, and the administrator's."""
    from tests.test_registration import registration

    visitor = Visit(browser, server, lang, screen, "company")
    admin = Visit(browser, server, lang, screen, "admin")
    try:
        visitor.goto("/register?next=/search")
        visitor.check()
        form = registration()
        for name in ("company_name", "credit_code", "contact_name", "contact_phone", "username",
                     "password", "password_again"):  # fmt: skip
            visitor.page.fill(f"#{name}", form[name])
        visitor.page.click("#register-button")
        visitor.page.wait_for_load_state("networkidle")
        assert visitor.page.url.endswith("/search")
        assert visitor.page.locator("#awaiting-confirmation").count() == 1
        visitor.check()
        visitor.shot("0-registered")
        visitor.goto("/my")
        visitor.check()

        admin.goto("/login?next=/admin/registrations")
        admin.check()
        admin.sign_in(make_user(engine, "admin"))
        card = admin.page.locator(f"section[data-username='{form['username']}']")
        assert card.count() == 1
        admin.check()
        card.locator(".confirm-form button").click()
        admin.page.wait_for_load_state("networkidle")
        assert admin.page.locator("#notice").count() == 1
        admin.check()
    finally:
        visitor.close()
        admin.close()


@contextmanager
def renamed_park(engine: Engine, unit_code: str, name: str) -> Iterator[None]:
    """The park of ``unit_code`` under another name (both languages) for a while."""
    with engine.begin() as conn:
        code, zh, en = conn.execute(text(
            "SELECT p.code, p.name_zh, p.name_en FROM parks p JOIN space_units u "
            "ON u.park_id = p.id WHERE u.code = :u"), {"u": unit_code}).one()  # fmt: skip
        conn.execute(text("UPDATE parks SET name_zh = :n, name_en = :n WHERE code = :c"),
                     {"n": name, "c": code})  # fmt: skip
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE parks SET name_zh = :zh, name_en = :en WHERE code = :c"),
                         {"zh": zh, "en": en, "c": code})  # fmt: skip


def test_hostile_names_show_literally_and_run_nothing(
    browser: Any, server: str, engine: Engine
) -> None:
    """A company and the park of its best result with names that try every context: the
    result card, the map's tooltip, the comparison and /my show them as text; nothing runs."""
    name = make_user(engine, "company", company=HOSTILE)
    hostile_park = "园区" + HOSTILE
    v = Visit(browser, server, "en", "desktop", "company")
    try:
        v.goto("/login?next=/search")
        v.sign_in(name)
        fill_search(v)
        first = v.page.locator("#results .site").nth(0).get_attribute("data-unit")
        with renamed_park(engine, first, hostile_park):
            v.page.reload(wait_until="networkidle")
            titles = v.page.locator("#results .site-title").all_inner_texts()
            assert any(hostile_park in t for t in titles), titles
            tips = v.page.evaluate(MAP_TEXTS, None)
            assert any(hostile_park in t for t in tips)  # the map shows it as text, too
            assert v.page.locator("img[src=x]").count() == 0
            v.check(mine=False)  # the hostile name is "English" text here: the basics only
            v.tick("#results .site >> nth=0 >> input[name=unit]")
            v.tick("#results .site >> nth=1 >> input[name=unit]")
            v.page.click("#compare-button")
            v.page.wait_for_load_state("networkidle")
            v.check(mine=False)
            assert hostile_park in v.page.inner_text("#compare")
            v.page.locator("#compare .site").nth(0).locator("button[type=submit]").click()
            v.page.locator(".apply-result a[data-application-id]").wait_for()
            v.goto("/my")
            assert hostile_park in v.page.inner_text("#my-applications")
            v.check(mine=False)
    finally:
        v.close()
