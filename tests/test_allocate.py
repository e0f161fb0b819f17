"""Allocation: the optimum is optimal, deferred acceptance is envy-free, nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.allocate import (
    Application,
    Edges,
    deferred_acceptance,
    greedy,
    justified_envy,
    optimal,
    propose,
)
from tests.conftest import ROOT, run_cli
from tests.test_matching import assert_feasible


def random_edges(seed: int, n_a: int = 60, n_u: int = 80, k: int = 6) -> tuple[Edges, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = np.repeat(np.arange(n_a), k)
    u = rng.integers(0, n_u, len(a))
    pairs = np.unique(np.c_[a, u], axis=0)
    s = rng.random(len(pairs)) * 100
    lead = rng.random(len(pairs)) < 0.3
    return Edges(pairs[:, 0], pairs[:, 1], s, n_a, n_u, lead), rng.random(n_a) < 0.3


def brute_force_best(edges: Edges) -> float:
    """Exhaustive optimum for tiny instances, to check the solvers against."""
    by_a = [[(int(u), float(s)) for a, u, s in zip(edges.a, edges.u, edges.s, strict=True)
             if a == i] for i in range(edges.n_applicants)]  # fmt: skip

    def best(i: int, used: frozenset) -> float:
        if i == edges.n_applicants:
            return 0.0
        options = [best(i + 1, used)]
        options += [s + best(i + 1, used | {u}) for u, s in by_a[i] if u not in used]
        return max(options)

    return best(0, frozenset())


@pytest.mark.parametrize("seed", range(5))
def test_optimal_is_optimal_on_small_instances(seed: int) -> None:
    edges, _ = random_edges(seed, n_a=6, n_u=5, k=3)
    assert optimal(edges).objective == pytest.approx(brute_force_best(edges))
    assert optimal(edges, "highs").objective == pytest.approx(brute_force_best(edges))


@pytest.mark.parametrize("seed", range(5))
def test_mechanisms_are_valid_and_ordered(seed: int) -> None:
    edges, high_tech = random_edges(seed)
    best, lp = optimal(edges), optimal(edges, "highs")
    results = [best, lp, greedy(edges), deferred_acceptance(edges, high_tech, seed)]
    allowed = set(zip(edges.a.tolist(), edges.u.tolist(), strict=True))
    for r in results:
        taken = r.unit_of[r.unit_of >= 0]
        assert len(taken) == len(set(taken.tolist())), f"{r.method} gave a unit twice"
        assert all((i, int(u)) in allowed for i, u in enumerate(r.unit_of) if u >= 0)
        assert r.objective <= best.objective + 1e-6
    assert lp.objective == pytest.approx(best.objective)


@pytest.mark.parametrize("seed", range(5))
def test_deferred_acceptance_leaves_no_justified_envy(seed: int) -> None:
    edges, high_tech = random_edges(seed)
    da = deferred_acceptance(edges, high_tech, seed)
    assert justified_envy(edges, da, high_tech, seed) == 0
    # The count can see envy: the score-greedy assignment ignores priorities and has some.
    assert justified_envy(edges, greedy(edges), high_tech, seed) > 0


def test_lottery_is_seeded(seed: int = 3) -> None:
    edges, high_tech = random_edges(seed)
    first = deferred_acceptance(edges, high_tech, seed=7).unit_of
    assert np.array_equal(first, deferred_acceptance(edges, high_tech, seed=7).unit_of)


def applications() -> list[Application]:
    raw = json.loads((ROOT / "examples" / "applications.json").read_text("utf-8"))
    return [Application.model_validate(a) for a in raw]


def test_proposal_places_feasibly_and_writes_nothing(session: Session, tmp_path: Path) -> None:
    before = session.execute(text("SELECT sum(available_m2) FROM space_units")).scalar_one()
    apps = applications()
    proposal = propose(session, apps, tmp_path, top_k=5)
    by_name = {a.applicant: a.profile for a in apps}
    for mechanism in (proposal.optimal, proposal.greedy, proposal.deferred_acceptance):
        units = [p.unit_code for p in mechanism.placements]
        assert len(units) == len(set(units))
        for p in mechanism.placements:
            assert_feasible(session, by_name[p.applicant], p.unit_code)
        assert mechanism.placed + len(mechanism.unplaced) == len(apps)
    assert proposal.optimal.objective >= proposal.greedy.objective
    assert proposal.optimal.objective >= proposal.deferred_acceptance.objective
    assert proposal.deferred_acceptance.justified_envy == 0
    after = session.execute(text("SELECT sum(available_m2) FROM space_units")).scalar_one()
    assert after == before


def test_an_applicant_with_no_feasible_unit_is_told_why(session: Session, tmp_path: Path) -> None:
    apps = applications()[:2]
    impossible = apps[0].profile.model_copy(
        update={"min_area_m2": 90_000.0, "max_area_m2": 95_000.0}
    )
    apps.append(Application(applicant="太大 too big", profile=impossible))
    proposal = propose(session, apps, tmp_path, top_k=5)
    [unplaced] = [u for u in proposal.optimal.unplaced if u.applicant == "太大 too big"]
    assert unplaced.en == "no feasible unit"


def test_cli_allocate(cli_env: dict) -> None:
    path = ROOT / "examples" / "applications.json"
    proc = run_cli(cli_env, "allocate", "--applications", str(path), "--top-k", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)
    assert body["applications"] == 10 and body["deferred_acceptance"]["justified_envy"] == 0
