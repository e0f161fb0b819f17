"""Allocation for the bureau: who gets which unit, given all pending applications.

Each unit is let to at most one applicant and an applicant gets at most one unit, from the
top-k feasible units matching found for it (feasibility already includes area and whitelist).
That is a bipartite assignment: solved exactly by sparse min-weight full bipartite matching
(LAPJVsp, with a private "no unit" option per applicant so a full matching always exists), or —
as a cross-check, slower — by its LP relaxation with HiGHS, which is integral because the
constraint matrix is totally unimodular. Beside them:

- ``greedy``: best remaining pair first — the baseline the optimum is measured against;
- ``deferred_acceptance``: applicant-proposing, units keeping the applicant with the best bureau
  priority (lead industry of the unit's area, national high-tech, then a seeded lottery). Stable:
  no applicant envies a unit held by someone of lower priority ("no justified envy").

Nothing here writes; a reviewer accepting the proposal does (API issue).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel
from scipy.optimize import linprog
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from sqlalchemy.orm import Session

from matching.match import choose_model, score_candidates
from matching.profile import CompanyProfile
from matching.queries import fetch_unit_details, search_params


@dataclass(frozen=True)
class Edges:
    """A pruned bipartite graph: applicant ``a[k]`` may take unit ``u[k]`` with score ``s[k]``."""

    a: np.ndarray
    u: np.ndarray
    s: np.ndarray
    n_applicants: int
    n_units: int
    lead: np.ndarray | None = None  # per edge: applicant's sector leads the unit's area


@dataclass
class Assignment:
    method: str
    unit_of: np.ndarray  # per applicant: unit index or -1
    objective: float
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def placed(self) -> int:
        return int((self.unit_of >= 0).sum())


def _objective(edges: Edges, unit_of: np.ndarray) -> float:
    lookup = {(int(a), int(u)): float(s) for a, u, s in zip(edges.a, edges.u, edges.s, strict=True)}
    return sum(lookup[(i, int(u))] for i, u in enumerate(unit_of) if u >= 0)


def optimal(edges: Edges, solver: str = "matching") -> Assignment:
    """Maximum total score. ``solver``: "matching" (LAPJVsp) or "highs" (LP relaxation)."""
    start = time.perf_counter()
    if solver == "matching":
        unit_of = _solve_matching(edges)
    elif solver == "highs":
        unit_of = _solve_lp(edges)
    else:
        raise ValueError(f"unknown solver {solver!r}")
    elapsed = time.perf_counter() - start
    return Assignment(f"optimal/{solver}", unit_of, _objective(edges, unit_of), elapsed)


def _solve_matching(edges: Edges) -> np.ndarray:
    n_a, n_u = edges.n_applicants, edges.n_units
    unit_of = np.full(n_a, -1)
    if n_a == 0:
        return unit_of
    worst = (edges.s.max() if len(edges.s) else 0.0) + 1.0  # costs must be > 0 to be edges
    rows = np.r_[edges.a, np.arange(n_a)]
    cols = np.r_[edges.u, n_u + np.arange(n_a)]  # column n_u + i: applicant i gets no unit
    costs = np.r_[worst - edges.s, np.full(n_a, worst)]
    graph = sp.csr_matrix((costs, (rows, cols)), shape=(n_a, n_u + n_a))
    _, col_of_row = min_weight_full_bipartite_matching(graph)
    return np.where(col_of_row < n_u, col_of_row, -1)


def _solve_lp(edges: Edges) -> np.ndarray:
    m = len(edges.s)
    unit_of = np.full(edges.n_applicants, -1)
    if not m:
        return unit_of
    cols = np.arange(m)
    rows = np.r_[edges.a, edges.n_applicants + edges.u]
    A = sp.csr_matrix(
        (np.ones(2 * m), (rows, np.r_[cols, cols])),
        shape=(edges.n_applicants + edges.n_units, m),
    )
    res = linprog(-edges.s, A_ub=A, b_ub=np.ones(A.shape[0]), bounds=(0, 1), method="highs")
    if res.status != 0:
        raise RuntimeError(f"allocation LP failed: {res.message}")
    if np.any((res.x > 1e-6) & (res.x < 1 - 1e-6)):
        raise RuntimeError("LP solution is fractional; the assignment structure is broken")
    chosen = res.x > 0.5
    unit_of[edges.a[chosen]] = edges.u[chosen]
    return unit_of


def greedy(edges: Edges) -> Assignment:
    start = time.perf_counter()
    unit_of = np.full(edges.n_applicants, -1)
    taken = np.zeros(edges.n_units, bool)
    for k in np.lexsort((edges.u, edges.a, -edges.s)):  # best score first, ties by index
        a, u = edges.a[k], edges.u[k]
        if unit_of[a] < 0 and not taken[u]:
            unit_of[a] = u
            taken[u] = True
    return Assignment("greedy", unit_of, _objective(edges, unit_of), time.perf_counter() - start)


def priorities(edges: Edges, high_tech: np.ndarray, seed: int) -> np.ndarray:
    """Per edge, the unit's priority for that applicant (higher is better)."""
    lottery = np.random.default_rng(seed).random(edges.n_applicants)
    lead = edges.lead if edges.lead is not None else np.zeros(len(edges.s), bool)
    return lead * 4.0 + high_tech[edges.a] * 2.0 + lottery[edges.a]


def deferred_acceptance(edges: Edges, high_tech: np.ndarray, seed: int = 0) -> Assignment:
    """Applicant-proposing deferred acceptance with the bureau's priorities and a lottery."""
    start = time.perf_counter()
    prio = priorities(edges, high_tech, seed)
    prefs: list[list[tuple[int, float]]] = [[] for _ in range(edges.n_applicants)]
    for k in np.lexsort((edges.u, -edges.s)):
        prefs[edges.a[k]].append((int(edges.u[k]), float(prio[k])))
    next_choice = np.zeros(edges.n_applicants, int)
    holder = np.full(edges.n_units, -1)
    holder_prio = np.full(edges.n_units, -np.inf)
    free = list(range(edges.n_applicants))[::-1]
    while free:
        a = free.pop()
        if next_choice[a] >= len(prefs[a]):
            continue  # exhausted its list: stays unplaced
        u, p = prefs[a][next_choice[a]]
        next_choice[a] += 1
        if p > holder_prio[u]:
            if holder[u] >= 0:
                free.append(int(holder[u]))
            holder[u], holder_prio[u] = a, p
        else:
            free.append(a)
    unit_of = np.full(edges.n_applicants, -1)
    held = holder >= 0
    unit_of[holder[held]] = np.flatnonzero(held)
    elapsed = time.perf_counter() - start
    return Assignment("deferred_acceptance", unit_of, _objective(edges, unit_of), elapsed)


def justified_envy(edges: Edges, assignment: Assignment, high_tech: np.ndarray, seed: int) -> int:
    """Pairs (applicant, unit) where the applicant prefers the unit to what it got and the unit
    is empty or held by someone the bureau ranks lower — what deferred acceptance rules out."""
    prio = priorities(edges, high_tech, seed)
    score = {(int(a), int(u)): float(s) for a, u, s in zip(edges.a, edges.u, edges.s, strict=True)}
    edge_prio = {(int(a), int(u)): float(p) for a, u, p in zip(edges.a, edges.u, prio, strict=True)}
    holder = np.full(edges.n_units, -1)
    for a, u in enumerate(assignment.unit_of):
        if u >= 0:
            holder[u] = a
    envy = 0
    for (a, u), s in score.items():
        own = assignment.unit_of[a]
        if own == u or (own >= 0 and score[(a, int(own))] >= s):
            continue
        h = holder[u]
        if h < 0 or edge_prio[(int(h), u)] < edge_prio[(a, u)]:
            envy += 1
    return envy


# -- the bureau's proposal over real applications ------------------------------------------------


class Placement(BaseModel):
    applicant: str
    unit_code: str
    park_name_zh: str
    area_code: str
    score: float


class Unplaced(BaseModel):
    applicant: str
    zh: str
    en: str


class MechanismResult(BaseModel):
    method: str
    objective: float
    placed: int
    seconds: float
    justified_envy: int
    placements: list[Placement]
    unplaced: list[Unplaced]


class Proposal(BaseModel):
    applications: int
    top_k: int
    model: str
    optimal: MechanismResult
    greedy: MechanismResult
    deferred_acceptance: MechanismResult
    notes: list[str]


class Application(BaseModel):
    applicant: str
    profile: CompanyProfile


def build_edges(
    session: Session, applications: list[Application], model: object, top_k: int
) -> tuple[Edges, list[dict], np.ndarray]:
    """Score every application's feasible units and keep its ``top_k``."""
    unit_index: dict[int, int] = {}
    units: list[dict] = []
    a_idx, u_idx, scores, leads = [], [], [], []
    for i, app in enumerate(applications):
        params = search_params(app.profile)
        cands, _, s, order = score_candidates(session, app.profile, model, params)
        top = cands.iloc[order[:top_k]]
        for k, uid, code, lead in zip(
            order[:top_k], top["unit_id"], top["unit_code"], top["is_lead"], strict=True
        ):
            if uid not in unit_index:
                unit_index[uid] = len(units)
                units.append({"unit_id": int(uid), "unit_code": code})
            a_idx.append(i)
            u_idx.append(unit_index[uid])
            scores.append(float(s[k]))
            leads.append(bool(lead))
    shown = fetch_unit_details(session, [u["unit_id"] for u in units])
    for unit in units:
        details = shown[unit.pop("unit_id")]
        unit |= {"park_name_zh": details["park_name_zh"], "area_code": details["area_code"]}
    edges = Edges(
        np.array(a_idx, int), np.array(u_idx, int), np.array(scores, float),
        len(applications), len(units), np.array(leads, bool),
    )  # fmt: skip
    high_tech = np.array([a.profile.flags.national_high_tech for a in applications], bool)
    return edges, units, high_tech


def _describe(
    result: Assignment, edges: Edges, apps: list[Application], units: list[dict], envy: int
) -> MechanismResult:
    score = {(int(a), int(u)): float(s) for a, u, s in zip(edges.a, edges.u, edges.s, strict=True)}
    has_options = np.bincount(edges.a, minlength=edges.n_applicants) > 0
    placements, unplaced = [], []
    for i, u in enumerate(result.unit_of):
        if u >= 0:
            placements.append(Placement(applicant=apps[i].applicant, **units[u],
                                        score=round(score[(i, int(u))], 1)))  # fmt: skip
        elif not has_options[i]:
            unplaced.append(Unplaced(applicant=apps[i].applicant, zh="没有可行空间",
                                     en="no feasible unit"))  # fmt: skip
        else:
            unplaced.append(Unplaced(
                applicant=apps[i].applicant,
                zh="其候选空间均已分配给其他申请者",
                en="every unit on its shortlist went to another applicant",
            ))  # fmt: skip
    return MechanismResult(
        method=result.method, objective=round(result.objective, 1), placed=result.placed,
        seconds=round(result.seconds, 4), justified_envy=envy, placements=placements,
        unplaced=unplaced,
    )  # fmt: skip


def propose(
    session: Session, applications: list[Application], model_dir: Path, top_k: int = 50,
    seed: int = 0,
) -> Proposal:  # fmt: skip
    """The three mechanisms side by side. Writes nothing: a reviewer accepts a proposal."""
    model, info = choose_model("auto", model_dir)
    edges, units, high_tech = build_edges(session, applications, model, top_k)
    results = {
        "optimal": optimal(edges),
        "greedy": greedy(edges),
        "deferred_acceptance": deferred_acceptance(edges, high_tech, seed),
    }
    described = {
        name: _describe(r, edges, applications, units, justified_envy(edges, r, high_tech, seed))
        for name, r in results.items()
    }
    notes = [
        "每个空间单元至多分配给一家企业 / each unit goes to at most one applicant",
        "优先级：片区主导产业、国家高新技术企业，其次抽签（种子固定）/ priority: lead industry of "
        f"the unit's area, national high-tech status, then a lottery (seed {seed})",
        *info.notes,
    ]
    return Proposal(applications=len(applications), top_k=top_k, model=info.name, notes=notes,
                    **described)  # fmt: skip
