"""The application service: the one way to file, read, check and decide applications.

The API, the pages and the batch allocation all call it; nothing else writes applications. Every
view and every decision evaluates the automatic checks afresh, with the same SQL as the matcher
(``queries.APPLICATION_CHECKS``), against today's data — a view never shows a check that an
approval would then contradict — and marks a check whose outcome changed since filing. Who may
see what is decided here too: a company sees its own applications (another's is "not found", as
a missing one is), reviewers and administrators see all.

Writes run inside the caller's transaction; callers use ``spacemap.database.transaction`` so a
lost lock race is retried, not shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from matching.applications.views import (
    ApplicationPage,
    ApplicationView,
    CheckView,
    CombinationPart,
    Conflicts,
    RelatedApplication,
)
from matching.checks import outcomes
from matching.match import combination_score, unit_score
from matching.profile import CompanyProfile
from matching.queries import application_request, fetch_application_checks
from spacemap import review
from spacemap.config import get_settings
from spacemap.database import transaction
from spacemap.i18n import Names, _, label
from spacemap.store import applications as store
from spacemap.store.applications import QueueFilter
from spacemap.store.audit import Actor
from spacemap.taxonomy import sectors
from spacemap.vocab import APPLICATION_STATUSES, OPEN_STATUSES

READERS = ("company", "reviewer", "admin")
T = TypeVar("T")


class ApplicationService:
    def __init__(self, session: Session, actor: Actor, model_dir: Path) -> None:
        if actor.role not in READERS:
            raise review.Forbidden(_("Your role cannot see applications."))
        self.session, self.actor, self.model_dir = session, actor, model_dir

    # ------------------------------------------------------------------ reading

    def queue(self, f: QueueFilter) -> ApplicationPage:
        """Applications the reader may see, oldest first, each with today's checks and conflicts.

        A company sees only its own, whatever the filter says."""
        if self.actor.role == "company":
            f = QueueFilter(**{**f.__dict__, "company_id": self.actor.id})
        rows = store.queue(self.session, f)
        total = int(rows[0]["total"]) if rows else 0
        return ApplicationPage(total=total, items=self._views(rows))

    def get(self, application_id: int) -> ApplicationView:
        row = store.get_row(self.session, application_id)
        if row is None or not self._may_see(row):
            raise review.not_found(application_id)
        return self._views([row])[0]

    def _may_see(self, row: dict[str, Any]) -> bool:
        return self.actor.role != "company" or row["company_id"] == self.actor.id

    # ------------------------------------------------------------------ writing

    def file(
        self, profile: CompanyProfile, unit_code: str, area_m2: float, message: str | None
    ) -> int:
        """File an application for one unit with today's checks and match score. An application
        that fails a check is still filed (the reviewer sees why) but cannot be approved."""
        unit = store.unit_by_code(self.session, unit_code)
        if unit is None:
            raise review.NotFound(_("Unit %(code)s not found.", code=unit_code), "unit_code")
        request = application_request(0, unit.id, profile, area_m2)
        row = fetch_application_checks(self.session, [request])[0]
        checks = outcomes(row, profile, area_m2)
        score, model = unit_score(self.session, profile, area_m2, unit_code, self.model_dir)
        app = review.submit(
            self.session, self.actor, unit_code, area_m2, profile.model_dump(mode="json"),
            profile.industry, score if all(c.passed for c in checks) else None, model,
            [c.model_dump() for c in checks], message,
        )  # fmt: skip
        return app.id

    def file_combination(
        self, profile: CompanyProfile, parts: Sequence[tuple[str, float]], message: str | None
    ) -> int:
        """File one application for a site of several units of one park (``parts``: unit code
        and area). Stored as a row per unit — each with its own checks, each unit's ledger as
        for any application — tied to the first row's id (returned) and decided whole."""
        codes = [code for code, _area in parts]
        if len(set(codes)) != len(codes):
            raise review.Conflict(_("A unit appears twice in the site."), "units")
        units = []
        for code in codes:
            unit = store.unit_by_code(self.session, code)
            if unit is None:
                raise review.NotFound(_("Unit %(code)s not found.", code=code), "units")
            units.append(unit)
        if len({u.park_id for u in units}) != 1:
            raise review.Conflict(_("The units of one site must be in one park."), "units")
        areas = [area for _code, area in parts]
        requests = [
            application_request(i, u.id, profile, area)
            for i, (u, area) in enumerate(zip(units, areas, strict=True))
        ]
        found = fetch_application_checks(self.session, requests)
        checks = [outcomes(found[i], profile, area) for i, area in enumerate(areas)]
        passed = all(c.passed for part in checks for c in part)
        score, model = combination_score(self.session, profile, codes, self.model_dir)
        ids = [
            review.submit(
                self.session, self.actor, code, area, profile.model_dump(mode="json"),
                profile.industry, score if passed else None, model,
                [c.model_dump() for c in part_checks], message,
            ).id
            for (code, area), part_checks in zip(parts, checks, strict=True)
        ]  # fmt: skip
        store.tie_combination(self.session, ids)
        return min(ids)

    def act(self, application_id: int, action: str, reason: str | None) -> None:
        """One workflow action; an approval first re-evaluates every check on today's data."""
        self.act_many([(application_id, action, reason)])

    def act_many(self, decisions: Sequence[tuple[int, str, str | None]]) -> None:
        """Several actions in one transaction (a batch proposal accepted whole): all or none.
        An action on any unit of a site of several units is taken on every unit of it."""
        members = store.combination_members(self.session, [d[0] for d in decisions])
        whole = {}
        for application_id, action, reason in decisions:
            for member in members.get(application_id, [application_id]):
                whole.setdefault(member, (member, action, reason))
        decisions = list(whole.values())
        rows = {}
        for application_id, _action, _reason in decisions:
            row = store.get_row(self.session, application_id)
            if row is None or not self._may_see(row):
                raise review.not_found(application_id)
            rows[application_id] = row
        todays = self._checks(list(rows.values()))
        review.decide_many(
            self.session,
            self.actor,
            [
                (app_id, action, reason,
                 [c.model_dump() for c in todays[app_id]] if action == "approve" else None)
                for app_id, action, reason in decisions
            ],
        )  # fmt: skip

    # ------------------------------------------------------------------ building views

    def _profile(self, row: dict[str, Any]) -> CompanyProfile:
        try:
            return CompanyProfile.model_validate(row["profile"])
        except ValidationError:  # filed under rules since tightened: read it as it was filed
            return CompanyProfile.model_construct(**row["profile"])

    def _checks(self, rows: list[dict[str, Any]]) -> dict[int, list[CheckView]]:
        profiles = {r["id"]: self._profile(r) for r in rows}
        requests = [
            application_request(r["id"], r["unit_id"], profiles[r["id"]], r["requested_m2"],
                                r["requested_m2"] if r["status"] == "approved" else 0.0)
            for r in rows
        ]  # fmt: skip
        found = fetch_application_checks(self.session, requests)
        out = {}
        for r in rows:
            filed = {c["check"]: c["passed"] for c in r["checks_at_filing"]}
            out[r["id"]] = [
                CheckView(
                    **c.model_dump(),
                    passed_at_filing=filed.get(c.check),
                    changed=c.check in filed and filed[c.check] != c.passed,
                )
                for c in outcomes(found[r["id"]], profiles[r["id"]], r["requested_m2"])
            ]
        return out

    def _views(self, rows: list[dict[str, Any]]) -> list[ApplicationView]:
        if not rows:
            return []
        checks = self._checks(rows)
        parts = self._combinations(rows)
        related = store.related(
            self.session,
            sorted({r["unit_id"] for r in rows}),
            sorted({r["company_id"] for r in rows}),
        )
        by_unit, by_company = defaultdict(list), defaultdict(list)
        for other in related:
            by_unit[other["unit_id"]].append(other)
            by_company[other["company_id"]].append(other)
        return [
            self._view(r, checks[r["id"]], by_unit, by_company, parts.get(r["combination_id"], []))
            for r in rows
        ]

    def _combinations(self, rows: list[dict[str, Any]]) -> dict[int, list[CombinationPart]]:
        """Every unit of the sites of several units among ``rows``, with today's checks."""
        leads = sorted({r["combination_id"] for r in rows if r["combination_id"] is not None})
        if not leads:
            return {}
        members = store.combination_members(self.session, leads)
        ids = sorted({m for ms in members.values() for m in ms})
        member_rows = store.queue(self.session, QueueFilter(limit=len(ids)), ids=ids)
        checks = self._checks(member_rows)
        out: dict[int, list[CombinationPart]] = defaultdict(list)
        for m in member_rows:
            out[m["combination_id"]].append(CombinationPart(
                id=m["id"], unit_code=m["unit_code"], requested_m2=m["requested_m2"],
                unit_available_m2=m["available_m2"],
                checks_passed=all(c.passed for c in checks[m["id"]]),
            ))  # fmt: skip
        return out

    def _view(
        self,
        r: dict[str, Any],
        checks: list[CheckView],
        by_unit: dict[int, list[dict[str, Any]]],
        by_company: dict[int, list[dict[str, Any]]],
        combination: list[CombinationPart],
    ) -> ApplicationView:
        profile = self._profile(r)
        sector = sectors().get(r["industry_code"])
        return ApplicationView(
            id=r["id"],
            status=r["status"],
            status_name=label(APPLICATION_STATUSES, r["status"]),
            company_id=r["company_id"],
            company_name=r["company_name"],
            industry_code=r["industry_code"],
            industry_name=Names(*sector).render() if sector else r["industry_code"],
            unit_code=r["unit_code"],
            park_code=r["park_code"],
            park_name=Names(r["park_name_zh"], r["park_name_en"]).render(),
            park_type=r["park_type"],
            area_code=r["area_code"],
            area_name=Names(r["area_name_zh"], r["area_name_en"]).render(),
            zone_code=r["zone_code"],
            requested_m2=r["requested_m2"],
            unit_available_m2=r["available_m2"],
            unit_capacity_m2=r["capacity_m2"],
            unit_rent_cny_m2_month=r["rent_cny_m2_month"],
            unit_is_synthetic=r["is_synthetic"],
            park_capacity_m2=r["park_capacity_m2"],
            park_available_m2=r["park_available_m2"],
            score=r["score"],
            model=r["model"],
            checks=checks,
            checks_passed=all(c.passed for c in checks),
            checks_changed=any(c.changed for c in checks),
            conflicts=_conflicts(r, by_unit[r["unit_id"]], by_company[r["company_id"]]),
            message=r["message"],
            decision_reason=r["decision_reason"],
            decided_by=r["decided_by_name"],
            decided_at=r["decided_at"],
            whitelist_version=r["whitelist_version"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            age_days=round(float(r["age_days"]), 2),
            actions=review.allowed_actions(self.actor, _Row(r)),
            profile=profile,
            combination_id=r["combination_id"],
            combination=combination,
        )


class _Row:
    """Attribute access to a queue row (what ``review.allowed_actions`` reads)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.status, self.company_id = row["status"], row["company_id"]


def _related(other: dict[str, Any], unit_id: int, free_after: float) -> RelatedApplication:
    """Another application as it bears on this one: does it fit its unit today, and would it
    still fit if this one (on ``unit_id``) were approved?"""
    need, free = float(other["requested_m2"]), float(other["unit_available_m2"])
    return RelatedApplication(
        id=other["id"],
        company_name=other["company_name"],
        unit_code=other["unit_code"],
        park_name=Names(other["park_name_zh"], other["park_name_en"]).render(),
        requested_m2=need,
        status=other["status"],
        status_name=label(APPLICATION_STATUSES, other["status"]),
        fits_now=need <= free,
        fits_after_this=need <= (free_after if other["unit_id"] == unit_id else free),
    )


def _conflicts(
    r: dict[str, Any], same_unit: list[dict[str, Any]], same_company: list[dict[str, Any]]
) -> Conflicts:
    free_now = float(r["available_m2"])
    takes = r["status"] in OPEN_STATUSES
    free_after = max(0.0, free_now - float(r["requested_m2"])) if takes else free_now
    rivals = [
        _related(o, r["unit_id"], free_after)
        for o in same_unit
        if o["id"] != r["id"] and o["company_id"] != r["company_id"]
        and o["status"] in OPEN_STATUSES
    ]  # fmt: skip
    own = [_related(o, r["unit_id"], free_after) for o in same_company if o["id"] != r["id"]]
    return Conflicts(
        same_unit=rivals,
        same_company=own,
        free_now_m2=free_now,
        free_after_this_m2=free_after,
        blocked_by_this=sum(1 for o in rivals if o.fits_now and not o.fits_after_this),
        company_placed_in=[o.id for o in own if o.status == "approved"],
    )


def with_service(
    actor: Actor, work: Callable[[ApplicationService], T], session: Session | None = None
) -> T:
    """Run ``work`` on a service in a transaction, retried if it loses a lock race
    (``spacemap.database.transaction``); what the API and the pages do for every change. Pass
    the request's ``session`` so the request uses one connection, not two."""
    model_dir = get_settings().resolved_model_dir()
    return transaction(lambda s: work(ApplicationService(s, actor, model_dir)), session=session)


def reader(session: Session, actor: Actor) -> ApplicationService:
    """A service on the request's own session, for reading."""
    return ApplicationService(session, actor, get_settings().resolved_model_dir())
