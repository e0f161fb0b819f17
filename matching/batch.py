"""Batch allocation over the applications in the database, and its acceptance as a whole.

Applicants are companies; each may take one of the units it applied for (pending, every check
passing on today's data, evaluated by the application service), weighted by its match score; each
unit goes to at most one applicant. Every mechanism is computed, so the reviewer sees their
objectives and fairness side by side, and every applicant left out is listed with the reason that
binds (a failed check, the unit given to someone else, a place elsewhere). Accepting a proposal
approves each placement through the application service in one transaction: all, or none.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from matching.allocate import (
    Assignment,
    Edges,
    deferred_acceptance,
    greedy,
    justified_envy,
    optimal,
)
from matching.applications import ApplicationService
from spacemap import review
from spacemap.i18n import _
from spacemap.store import applications as app_store
from spacemap.store import audit
from spacemap.store import proposals as store

Method = Literal["optimal", "greedy", "deferred_acceptance"]
METHODS: tuple[Method, ...] = ("optimal", "greedy", "deferred_acceptance")


class BatchPlacement(BaseModel):
    application_id: int
    company_name: str
    unit_code: str
    park_name_zh: str
    park_name_en: str
    area_code: str
    score: float


class Unplaced(BaseModel):
    """An applicant the chosen mechanism left out, and why (the binding reason)."""

    company_name: str
    application_ids: list[int]
    reason: str  # failed_check | unit_taken | placed_elsewhere | no_space
    check: str | None = None  # the failed check, for ``failed_check``
    taken_by: str | None = None  # who got the unit, for ``unit_taken``


class MethodSummary(BaseModel):
    method: str
    objective: float
    placed: int
    justified_envy: int


class BatchProposal(BaseModel):
    id: int
    status: str
    method: str
    applications: int
    companies: int
    placements: list[BatchPlacement]
    unplaced: list[Unplaced]
    comparison: list[MethodSummary]
    seed: int


def _edges(rows: list[dict[str, Any]]) -> tuple[Edges, np.ndarray]:
    companies = sorted({r["company_id"] for r in rows})
    units = sorted({r["unit_id"] for r in rows})
    a_of = {c: i for i, c in enumerate(companies)}
    u_of = {u: i for i, u in enumerate(units)}
    edges = Edges(
        a=np.array([a_of[r["company_id"]] for r in rows], int),
        u=np.array([u_of[r["unit_id"]] for r in rows], int),
        s=np.array([float(r["score"]) for r in rows], float),
        n_applicants=len(companies),
        n_units=len(units),
        lead=np.array([bool(r["lead"]) for r in rows], bool),
    )
    high_tech = np.zeros(len(companies), bool)
    for r in rows:
        high_tech[a_of[r["company_id"]]] |= bool(r["high_tech"])
    return edges, high_tech


def _unplaced(
    pending: list[dict[str, Any]], eligible: list[dict[str, Any]], placed: list[dict[str, Any]],
    failed: dict[int, str],
) -> list[Unplaced]:  # fmt: skip
    """Each company left out, with the reason that binds for its best application."""
    placed_companies = {r["company_id"] for r in placed}
    holder = {r["unit_id"]: r["company_name"] for r in placed}
    eligible_ids = {r["id"] for r in eligible}
    out = []
    by_company: dict[int, list[dict[str, Any]]] = {}
    for r in pending:
        by_company.setdefault(r["company_id"], []).append(r)
    for company, apps in sorted(by_company.items(), key=lambda kv: kv[1][0]["company_name"]):
        if company in placed_companies:
            continue
        ids = [a["id"] for a in apps]
        name = apps[0]["company_name"]
        taken = [a for a in apps if a["id"] in eligible_ids and a["unit_id"] in holder]
        if taken:
            out.append(Unplaced(company_name=name, application_ids=ids, reason="unit_taken",
                                taken_by=holder[taken[0]["unit_id"]]))  # fmt: skip
        elif all(a["id"] in failed for a in apps):
            out.append(Unplaced(company_name=name, application_ids=ids, reason="failed_check",
                                check=failed[apps[0]["id"]]))  # fmt: skip
        else:
            out.append(Unplaced(company_name=name, application_ids=ids, reason="no_space"))
    return out


def propose(
    service: ApplicationService, method: Method = "optimal", seed: int = 0
) -> BatchProposal:
    """Compute and store a proposal over every pending application passing today's checks."""
    session, actor = service.session, service.actor
    pending = app_store.pending(session)
    views = {v.id: v for v in service.queue(app_store.QueueFilter(status="pending", limit=10_000))
             .items}  # fmt: skip
    failed = {
        r["id"]: next(c.check for c in views[r["id"]].checks if not c.passed)
        for r in pending
        if not views[r["id"]].checks_passed
    }
    eligible = [r for r in pending if r["id"] not in failed and r["score"] is not None]
    edges, high_tech = _edges(eligible)
    runs: dict[str, Assignment] = {
        "optimal": optimal(edges),
        "greedy": greedy(edges),
        "deferred_acceptance": deferred_acceptance(edges, high_tech, seed),
    }
    by_pair = {(int(a), int(u)): r for a, u, r in zip(edges.a, edges.u, eligible, strict=True)}
    chosen = runs[method]
    placed = [by_pair[(i, int(u))] for i, u in enumerate(chosen.unit_of) if u >= 0]
    result = {
        "applications": len(pending),
        "companies": len({r["company_id"] for r in pending}),
        "placements": [
            BatchPlacement(application_id=r["id"], company_name=r["company_name"],
                           unit_code=r["unit_code"], park_name_zh=r["park_name_zh"],
                           park_name_en=r["park_name_en"], area_code=r["area_code"],
                           score=round(float(r["score"]), 1)).model_dump()
            for r in placed
        ],
        "unplaced": [u.model_dump() for u in _unplaced(pending, eligible, placed, failed)],
        "comparison": [
            MethodSummary(method=name, objective=round(run.objective, 1), placed=run.placed,
                          justified_envy=justified_envy(edges, run, high_tech, seed)).model_dump()
            for name, run in runs.items()
        ],
        "seed": seed,
    }  # fmt: skip
    proposal = store.insert(
        session,
        created_by=actor.id,
        method=method,
        application_ids=[r["id"] for r in pending],
        assignments=[{"application_id": r["id"], "unit_id": r["unit_id"]} for r in placed],
        result=result,
        status="open",
    )
    audit.record(session, actor, "proposal", proposal.id, "propose",
                 after={"method": method, "placements": len(placed)})  # fmt: skip
    return view(proposal)


def view(proposal: Any) -> BatchProposal:
    result = dict(proposal.result)
    result.setdefault("unplaced", [])  # proposals stored before reasons were recorded
    result.setdefault("seed", 0)
    result.pop("unplaced_companies", None)
    result.pop("notes", None)
    return BatchProposal(id=proposal.id, status=proposal.status, method=proposal.method, **result)


def accept(service: ApplicationService, proposal_id: int, reason: str) -> BatchProposal:
    """Approve every placement of an open proposal, or none (the caller's transaction)."""
    session, actor = service.session, service.actor
    proposal = store.lock(session, proposal_id)
    if proposal is None:
        raise review.NotFound(_("Proposal #%(id)d not found.", id=proposal_id))
    if proposal.status != "open":
        raise review.Conflict(_("This proposal is already %(status)s.", status=proposal.status),
                              "status")  # fmt: skip
    ids = [a["application_id"] for a in proposal.assignments]
    rows = {r["id"]: r for r in app_store.queue(session, app_store.QueueFilter(limit=len(ids) or 1),
                                                ids=ids)}  # fmt: skip
    stale = sorted(i for i in ids if i not in rows or rows[i]["status"] != "pending")
    if stale:
        raise review.Conflict(
            _("The proposal is out of date: applications %(ids)s are no longer pending; "
              "compute a new one.", ids=", ".join(f"#{i}" for i in stale)),
            "status",
        )  # fmt: skip
    note = _("Batch proposal #%(id)d: %(reason)s", id=proposal.id, reason=reason)
    service.act_many([(i, "approve", str(note)) for i in ids])
    store.mark(session, proposal, "accepted", actor.id)
    audit.record(session, actor, "proposal", proposal.id, "accept", reason=reason,
                 after={"approved": ids})  # fmt: skip
    return view(proposal)
