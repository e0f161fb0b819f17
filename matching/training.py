"""Training data: the placements we have, turned into (company, unit) pairs.

A placement is a company in a unit: today the dataset's tenants (synthetic, and labelled so in
every report), later also every allocation the bureau approves. For each placement we describe the
company the way a searching company would (sector, stage, size need around the space it took, a
budget above the rent it pays, some of the unit's features as requirements, preferences its choice
reveals), collect the units that would have been feasible for it at the time, and label the one
it took. Profiles are drawn with a seed, so the same data gives the same training set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.features import build_features
from matching.models import NEGATIVES
from matching.policy import PROGRAMME_TYPES
from matching.profile import CompanyProfile, Preferences
from matching.queries import APPROVALS, PLACEMENTS, fetch_candidates, search_params


@dataclass
class TrainingSet:
    """Every feasible candidate of every placement; ``sampled`` marks the rows models train on
    (the placed unit and ``NEGATIVES`` others), the full pools are what evaluation ranks."""

    X: pd.DataFrame
    y: np.ndarray
    groups: np.ndarray
    sampled: np.ndarray
    placements: int  # companies with their placed unit among its candidates
    skipped: int  # placements whose unit the rules would not allow today (e.g. off-whitelist)
    synthetic: int  # placements by synthetic tenants
    approvals: int  # placements from allocations the bureau approved
    sha256: str


def load_placements(session: Session) -> pd.DataFrame:
    result = session.execute(text(PLACEMENTS))
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def approved_profiles(session: Session) -> list[tuple[CompanyProfile, int]]:
    """(the profile the company filed, the unit it was approved for), oldest first. A profile
    the current validation refuses (rules tightened since) is left out."""
    out = []
    for row in session.execute(text(APPROVALS)):
        try:
            out.append((CompanyProfile.model_validate(row.profile), int(row.unit_id)))
        except ValueError:
            continue
    return out


def profile_for(row: pd.Series, rng: np.random.Generator) -> CompanyProfile:
    """What this company would have typed into the search form."""
    occupied = float(row["occupied_m2"])
    features = list(row["features"])
    required = [f for f in features if rng.random() < 0.4]
    in_loop = row["area_code"] == "hetao"
    # Stated preferences are the ones its choice reveals (with some noise): near the border when
    # it took space in the Loop, near a metro station when it took space within 500 m of one
    # (one draw either way, so the seeded stream of the other draws stays as it was).
    by_metro = bool(row["metro_m"] <= 500)
    prefs = Preferences(
        near_hk_border=bool(in_loop and rng.random() < 0.6) or bool(rng.random() < 0.05),
        near_metro=bool(rng.random() < (0.6 if by_metro else 0.05)),
        areas=[row["area_code"]] if rng.random() < 0.3 else [],
        wants_programme=bool(row["park_type"] in PROGRAMME_TYPES and rng.random() < 0.7),
    )
    return CompanyProfile(
        name=str(row["name"]),
        industry=str(row["industry_code"]),
        stage=str(row["stage"]),
        headcount=int(row["headcount"])
        if pd.notna(row["headcount"])
        else max(1, int(occupied // 8)),
        min_area_m2=round(occupied * rng.uniform(0.7, 0.95), 1),
        max_area_m2=round(occupied * rng.uniform(1.05, 1.5), 1),
        max_rent_cny_m2_month=round(float(row["rent_cny_m2_month"]) * rng.uniform(1.05, 1.6), 1),
        required_features=required,
        preferences=prefs,
    )


def build_training_set(session: Session, seed: int = 0) -> TrainingSet:
    rng = np.random.default_rng(seed)
    placements = load_placements(session)
    # Tenants get a profile drawn for them (in the loop, so the seeded stream stays as it was);
    # approvals carry the profile the company really filed.
    cases: list = [row for _, row in placements.iterrows()] + approved_profiles(session)
    frames, labels, groups, sampled = [], [], [], []
    skipped = synthetic = approved = 0
    for position, case in enumerate(cases):
        if isinstance(case, tuple):
            (profile, unit_id), is_synthetic = case, False
        else:
            profile, unit_id = profile_for(case, rng), int(case["unit_id"])
            is_synthetic = bool(case["is_synthetic"])
        cands = fetch_candidates(session, search_params(profile, as_of_placement=True))
        # Sampled by position: sort by the natural key so the sample does not depend on row order.
        cands = cands.sort_values("unit_code", ignore_index=True)
        is_pos = (cands["unit_id"] == unit_id).to_numpy()
        if not is_pos.any():
            skipped += 1
            continue
        neg_idx = np.flatnonzero(~is_pos)
        chosen = rng.choice(neg_idx, size=min(NEGATIVES, len(neg_idx)), replace=False)
        mask = is_pos.copy()
        mask[chosen] = True
        frames.append(build_features(cands, profile))
        labels.append(is_pos.astype(int))
        # The group is the placement's position in name order, not its database id, so splits
        # (and so the trained model) do not depend on the order rows were loaded in.
        groups.append(np.full(len(cands), position))
        sampled.append(mask)
        synthetic += is_synthetic
        approved += position >= len(placements)
    X = pd.concat(frames, ignore_index=True)
    y = np.concatenate(labels)
    g = np.concatenate(groups)
    m = np.concatenate(sampled)
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes()
        + y.tobytes()
        + g.tobytes()
        + m.tobytes()
    ).hexdigest()
    return TrainingSet(X, y, g, m, len(frames), skipped, synthetic, approved, digest)
