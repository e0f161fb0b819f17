"""The command line scores with the saved trees and numpy (matching.trees), not scikit-learn's
unpickled model: the same scores, the same ranking, without importing scikit-learn (or scipy,
which counting a few hundred peers does not need)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from matching import artifact
from matching.match import match, score_candidates
from matching.profile import CompanyProfile
from matching.queries import search_params
from matching.trees import PlainTrees
from spacemap.database import session_scope
from spacemap.i18n import use_locale
from tests.conftest import ROOT, run_cli

PROFILES = sorted((ROOT / "examples").glob("*.json"))
PROFILES = [p for p in PROFILES if p.name != "applications.json"]


@pytest.fixture(scope="module")
def model_dir(engine: Engine, tmp_path_factory) -> Path:
    from matching.train import train

    directory = tmp_path_factory.mktemp("model")
    with session_scope(engine) as session:
        train(session, directory, seed=0)
    return directory


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_the_plain_trees_score_as_scikit_learn_does(
    engine: Engine, model_dir: Path, path: Path
) -> None:
    full = artifact._load_checked(model_dir / artifact.META_FILE, model_dir / artifact.MODEL_FILE)
    plain = PlainTrees.load(model_dir / artifact.TREES_FILE)
    profile = CompanyProfile.model_validate_json(path.read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        _c, X, expected, _o = score_candidates(session, profile, full.model, search_params(profile))
    assert len(X) > 0
    assert np.abs(plain.score_0_100(X) - expected).max() < 1e-9
    holes = X.copy()  # missing values take the side each tree learned for them
    holes.iloc[::3, :] = np.nan
    assert np.abs(plain.score_0_100(holes) - full.model.score_0_100(holes)).max() < 1e-9


def test_the_command_line_matches_without_scikit_learn_or_scipy(
    engine: Engine, model_dir: Path, database_url: str
) -> None:
    profile_path = ROOT / "examples" / "fintech-growth.json"
    script = (
        "import sys\n"
        "from spacemap.cli import main\n"
        f"sys.argv = ['spacemap', 'match', '--profile', {str(profile_path)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'})\n"
        "print(' '.join(heavy) or 'PLAIN', file=sys.stderr)\n"
    )
    env = {**os.environ, "SPACEMAP_DATABASE_URL": database_url,
           "SPACEMAP_MODEL_DIR": str(model_dir)}  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("PLAIN"), proc.stderr
    printed = json.loads(proc.stdout)
    profile = CompanyProfile.model_validate_json(profile_path.read_text(encoding="utf-8"))
    artifact._CACHE.clear()
    with session_scope(engine) as session:
        expected = match(session, profile, model_dir)
    assert printed["model"]["name"] == expected.model.name
    assert [(s["unit_code"], round(s["score"], 6)) for s in printed["sites"]] == [
        (s.unit_code, round(s.score, 6)) for s in expected.sites
    ]


def test_a_model_made_with_other_settings_is_trained_again(
    model_dir: Path, database_url: str, tmp_path: Path
) -> None:
    """`make run` trains `--if-missing`: a model made with other settings (the 0.1 learning rate
    of models before 2026-11-30, twice the trees) is replaced, a current one is kept."""
    assert artifact.outdated(model_dir) is None
    env = {**os.environ, "SPACEMAP_DATABASE_URL": database_url,
           "SPACEMAP_MODEL_DIR": str(model_dir)}  # fmt: skip
    kept = run_cli(env, "train", "--if-missing", lang="en")
    assert kept.returncode == 0 and "is there already" in kept.stdout, kept.stdout + kept.stderr
    old = tmp_path / "old"
    shutil.copytree(model_dir, old)
    meta = json.loads((old / artifact.META_FILE).read_text(encoding="utf-8"))
    meta["settings"]["learning_rate"] = 0.1
    (old / artifact.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with use_locale("en"):
        assert artifact.outdated(old) == "it was trained with other settings"
        del meta["settings"]  # made before models recorded their settings
        (old / artifact.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        assert artifact.outdated(old) == "it was trained with other settings"
        (old / artifact.TREES_FILE).unlink()
        assert artifact.outdated(old) == "the model's files are incomplete"
