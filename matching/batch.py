"""Batch allocation over the applications in the database, and its acceptance as a whole.

Applicants are companies; each may take one of the units it applied for (pending, every check
passed), weighted by its match score; each unit goes to at most one applicant. Accepting a
proposal approves each placement through the same path as a single approval
(``spacemap.review.decide``) inside one transaction: all of them, or — if any fails — none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel
from sqlalchemy.orm import Session

from matching import checks
from matching.allocate import Edges, deferred_acceptance, greedy, justified_envy, optimal
from spacemap import review
from spacemap.store import applications as app_store
from spacemap.store import audit
from spacemap.store import proposals as store
from spacemap.store.audit import Actor

Method = Literal["optimal", "greedy", "deferred_acceptance"]


class BatchPlacement(BaseModel):
    application_id: int
    company_name: str
    unit_code: str
    park_name_zh: str
    area_code: str
    score: float


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
    unplaced_companies: list[str]
    comparison: list[MethodSummary]
    notes: list[str]


def _edges(rows: list[dict[str, Any]]) -> tuple[Edges, list[int], np.ndarray]:
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
    return edges, companies, high_tech


def propose(
    session: Session, actor: Actor, method: Method = "optimal", seed: int = 0
) -> BatchProposal:
    """Compute and store a proposal over every pending application that passed its checks."""
    rows = app_store.for_allocation(session)
    edges, companies, high_tech = _edges(rows)
    runs = {
        "optimal": optimal(edges),
        "greedy": greedy(edges),
        "deferred_acceptance": deferred_acceptance(edges, high_tech, seed),
    }
    chosen = runs[method]
    by_pair = {(int(a), int(u)): r for a, u, r in zip(edges.a, edges.u, rows, strict=True)}
    placements = [by_pair[(i, int(u))] for i, u in enumerate(chosen.unit_of) if u >= 0]
    placed_companies = {r["company_id"] for r in placements}
    result = {
        "applications": len(rows),
        "companies": len(companies),
        "placements": [
            BatchPlacement(application_id=r["id"], company_name=r["company_name"],
                           unit_code=r["unit_code"], park_name_zh=r["park_name_zh"],
                           area_code=r["area_code"], score=round(float(r["score"]), 1)).model_dump()
            for r in placements
        ],
        "unplaced_companies": sorted(
            {r["company_name"] for r in rows if r["company_id"] not in placed_companies}
        ),
        "comparison": [
            MethodSummary(method=name, objective=round(run.objective, 1), placed=run.placed,
                          justified_envy=justified_envy(edges, run, high_tech, seed)).model_dump()
            for name, run in runs.items()
        ],
        "notes": [
            "只含待审核、检查全部通过且空间仍足够的申请 / only pending applications that passed "
            "every check and still fit the unit's available space",
            "每家企业至多一个单元，每个单元至多一家企业 / one unit per company, one company "
            "per unit",
            f"优先级抽签种子 / lottery seed for priorities: {seed}",
        ],
    }  # fmt: skip
    proposal = store.insert(
        session,
        created_by=actor.id,
        method=method,
        application_ids=[r["id"] for r in rows],
        assignments=[{"application_id": r["id"], "unit_id": r["unit_id"]} for r in placements],
        result=result,
        status="open",
    )
    audit.record(session, actor, "proposal", proposal.id, "propose",
                 after={"method": method, "placements": len(placements)})  # fmt: skip
    return view(proposal)


def view(proposal: Any) -> BatchProposal:
    return BatchProposal(id=proposal.id, status=proposal.status, method=proposal.method,
                         **proposal.result)  # fmt: skip


def accept(
    session: Session, actor: Actor, proposal_id: int, reason: str, model_dir: Path
) -> BatchProposal:
    """Approve every placement of an open proposal, or none (the caller's transaction)."""
    proposal = store.lock(session, proposal_id)
    if proposal is None:
        raise review.NotFound(f"方案 #{proposal_id} 不存在", f"proposal {proposal_id} not found")
    if proposal.status != "open":
        raise review.Conflict(f"方案状态为 {proposal.status}", f"proposal is {proposal.status}",
                              "status")  # fmt: skip
    ids = [a["application_id"] for a in proposal.assignments]
    locked = app_store.lock_many(session, ids)
    stale = [a.id for a in locked if a.status != "pending"]
    if stale or len(locked) != len(ids):
        store.mark(session, proposal, "stale", actor.id)
        raise review.Conflict(
            f"方案已过期：申请 {stale} 已不是待审核", f"proposal is stale: applications {stale} "
            "are no longer pending; compute a new one", "status",
        )  # fmt: skip
    for app in locked:  # the single-approval path: fresh checks, then the unit's row lock
        checks.decide(session, actor, app.id, "approve", f"批量方案 #{proposal.id}: {reason}",
                      model_dir)  # fmt: skip
    store.mark(session, proposal, "accepted", actor.id)
    audit.record(session, actor, "proposal", proposal.id, "accept", reason=reason,
                 after={"approved": ids})  # fmt: skip
    return view(proposal)
