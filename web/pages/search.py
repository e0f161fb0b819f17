"""Company search (企业找空间): the profile form, ranked results beside a map, more results, and
a side-by-side comparison of the units a company picks.

A search is a GET URL that encodes the profile (``web.pages.profile_form``), so it can be shared
and bookmarked and survives signing in to apply. Each result is drawn by one template macro
(``_site.html``) wherever it appears, so a new field of ``matching.match.Site`` is added once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from matching.match import MatchResult, ModelInfo, Site, explain_unit, match
from matching.profile import CompanyProfile
from spacemap.config import get_settings
from spacemap.i18n import Msg, Names, _
from spacemap.store import users
from spacemap.store.areas import area_names, zone_names
from spacemap.store.audit import Actor
from spacemap.taxonomy import sectors
from spacemap.vocab import PARK_TYPES, UNIT_FEATURES
from web import maps
from web.pages import profile_form
from web.pages.common import PageActor, ReadDB, map_parts, page_router, pick_basemap, render
from web.pages.profile_form import LABELS, ProfileForm, query_pairs

router = page_router()

PAGE = 10  # results per "more"
MOST = 100  # results one page shows at most
COMPARE = (2, 4)  # how many units a comparison takes


def apply_state(session: Session, actor: Actor | None) -> str:
    """What a result offers this visitor: ``sign_in`` (anonymous), ``apply`` (a confirmed
    company), ``unconfirmed`` (a company the bureau has not confirmed yet) or ``none``."""
    if actor is None:
        return "sign_in"
    if actor.role != "company" or actor.id is None:
        return "none"
    return "apply" if users.may_apply(session, actor.id) else "unconfirmed"


def js_text() -> dict[str, str]:
    """What the page's script says, in the page's language (``{name}`` is filled in by it)."""
    return {
        "filing": str(_("Filing…")),
        "filed": str(_("Application #%(id)s filed: see My applications.", id="{id}")),
        "refused": str(_("Not filed: %(reason)s", reason="{reason}")),
        "offline": str(_("The server could not be reached; nothing was filed. Try again.")),
        "area_range": str(
            _("Floor space from %(low)s to %(high)s m², please.", low="{low}", high="{high}")
        ),
        "compare": str(_("Compare the chosen (%(n)s)", n="{n}")),
        "compare_limits": str(_("Choose 2 to 4 units to compare.")),
    }


def _places(session: Session) -> dict[str, dict[str, Names]]:
    return {
        "areas": {code: Names(*names) for code, names in area_names(session).items()},
        "zones": {code: Names(*names) for code, names in zone_names(session).items()},
    }


def _context(
    request: Request, session: Session, actor: Actor | None, form: ProfileForm, **extra: Any
) -> dict[str, Any]:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    profile = form.profile
    sector_options = sorted(((c, Names(*n)) for c, n in sectors().items()), key=lambda o: str(o[1]))
    return {
        "form": form,
        "labels": LABELS,
        "bounds": profile_form.bounds(),
        "choices": profile_form.choices(),
        "sector_options": sector_options,
        "park_types": PARK_TYPES,
        "features": UNIT_FEATURES,
        "today": dt.date.today(),
        "score_meaning": "",
        "fit_meaning": "",
        "places": _places(session),
        "apply_state": apply_state(session, actor),
        "profile": profile,
        "profile_json": profile.model_dump_json() if profile else "",
        "search_pairs": query_pairs(profile) if profile else [],
        "search_url": f"/search?{form.query}" if profile else "/search",
        "sign_in_url": "/login?" + urlencode({"next": here}),
        "js_text": js_text(),
        "title": _("Find space"),
        "result": None,
        **extra,
    }


def meanings(model: ModelInfo) -> dict[str, str]:
    """What a result's fit and the model's score say (the model words them for the reader)."""
    return {"fit_meaning": model.fit_meaning, "score_meaning": model.score_meaning}


def _shown(raw: str) -> int:
    try:
        wanted = int(raw)
    except ValueError:
        return PAGE
    return max(PAGE, min(MOST, wanted))


def _results(
    read: Session, profile: CompanyProfile, shown: int
) -> tuple[MatchResult, dict[str, str]]:
    """The first ``shown`` results and their map, from the request's read snapshot."""
    result = match(read, profile, get_settings().resolved_model_dir(), limit=shown)
    basemap, _options = pick_basemap(None)
    data = result.model_dump(mode="json")
    parts = map_parts(
        maps.sites_map(read, basemap, data["sites"], data["near_misses"],
                       profile.preferences.near_hk_border, data["combinations"])
    )  # fmt: skip
    return result, parts


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, session: ReadDB, actor: PageActor, shown: str = "") -> HTMLResponse:
    """The form; with a profile in the URL, the results too."""
    params = request.query_params
    if not profile_form.submitted(params):
        own_name = actor.company_name if actor and actor.role == "company" else None
        form = profile_form.blank(own_name)
        return render(request, "search.html", actor, **_context(request, session, actor, form))
    form = profile_form.parse(params)
    if form.profile is None:
        reply = render(request, "search.html", actor, **_context(request, session, actor, form))
        reply.status_code = 422
        return reply
    count = _shown(shown)
    result, parts = _results(session, form.profile, count)
    more = None
    if result.next_offset is not None and count < MOST:
        more = "/search?" + urlencode([*query_pairs(form.profile), ("shown", count + PAGE)])
    return render(request, "search.html", actor, **_context(
        request, session, actor, form, result=result, map=parts, more_url=more, shown=count,
        **meanings(result.model),
    ))  # fmt: skip


@router.get("/search/compare", response_class=HTMLResponse)
def compare(request: Request, session: ReadDB, actor: PageActor) -> HTMLResponse:
    """Two to four units of one search side by side, each as the matcher sees it today."""
    params = request.query_params
    form = profile_form.parse(params)
    codes = list(dict.fromkeys(c for c in params.getlist("unit") if 0 < len(c) <= 64))
    error: Msg | None = None
    if form.profile is None:
        error = _("The search could not be read; please search again.")
    elif not COMPARE[0] <= len(codes) <= COMPARE[1]:
        error = _("Choose 2 to 4 units to compare.")
    columns: list[tuple[str, Site | None]] = []
    feasible, meaning = 0, {}
    if error is None and form.profile is not None:
        model_dir = get_settings().resolved_model_dir()
        for code in codes:
            site, feasible, info = explain_unit(
                session, form.profile, form.profile.min_area_m2, code, model_dir
            )
            columns.append((code, site))
            meaning = meanings(info)
    context = _context(request, session, actor, form, columns=columns, feasible=feasible,
                       error=error, title=_("Compare units"), **meaning)  # fmt: skip
    if form.profile is None:
        context["form_errors"] = form.errors
    reply = render(request, "compare.html", actor, **context)
    if error is not None:
        reply.status_code = 422
    return reply
