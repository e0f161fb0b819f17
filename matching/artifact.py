"""Versioned model artifacts: ``<dir>/ranker.joblib`` plus ``ranker.json`` metadata.

The metadata says what the model is and what it learned from (feature list, training size and
hash, how many placements were synthetic, metrics, library versions). Loading refuses an artifact
whose feature list differs from the code's, because its columns would be silently misread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matching.features import FEATURES
from spacemap.i18n import _

if TYPE_CHECKING:
    from matching.models import PlacementRanker

MODEL_FILE = "ranker.joblib"
META_FILE = "ranker.json"
TREES_FILE = "ranker-trees.npz"  # the same trees as plain arrays (matching.trees)
_PLAIN = {"on": False}


def use_plain_trees() -> None:
    """Score with numpy's walk of the saved trees instead of unpickling scikit-learn's model: a
    one-off command (`spacemap match`) then never imports scikit-learn. Same scores."""
    _PLAIN["on"] = True


class ArtifactMismatch(RuntimeError):
    """Trained for other features or libraries; retrain with `spacemap train`."""


@dataclass(frozen=True)
class LoadedModel:
    model: PlacementRanker
    meta: dict[str, Any]


def save(model: PlacementRanker, directory: Path, meta: dict[str, Any]) -> dict[str, Any]:
    import joblib
    import numpy as np
    import scipy
    import sklearn

    from matching.trees import PlainTrees

    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    joblib.dump(model, model_path)
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    trees_path = directory / TREES_FILE
    PlainTrees.from_ranker(model).save(trees_path)
    full = {
        "version": f"hgb-{digest[:12]}",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "features": list(FEATURES),
        "model_sha256": digest,
        "trees_sha256": hashlib.sha256(trees_path.read_bytes()).hexdigest(),
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        **meta,
    }
    (directory / META_FILE).write_text(json.dumps(full, ensure_ascii=False, indent=1), "utf-8")
    return full


def outdated(directory: Path) -> str | None:
    """Why the model in ``directory`` should be trained again (None: it is usable and made with
    today's settings). A model made with other settings still works; `train --if-missing`
    replaces it so that what `make run` serves is what the code would train."""
    from matching.models import PlacementRanker

    try:
        existing = load(directory)
    except ArtifactMismatch as exc:
        return str(exc)
    if existing is None or not (directory / TREES_FILE).exists():
        return str(_("the model's files are incomplete"))
    if existing.meta.get("settings") != PlacementRanker().settings():
        return str(_("it was trained with other settings"))
    return None


_CACHE: dict[tuple[Path, int, int], LoadedModel] = {}


def load(directory: Path) -> LoadedModel | None:
    """The trained ranker, or None when none has been trained (the caller falls back to rules).

    Unpickling takes ~100 ms, so a loaded model is kept until its files change on disk.
    """
    meta_path, model_path = directory / META_FILE, directory / MODEL_FILE
    if not meta_path.exists() or not model_path.exists():
        return None
    key = (directory.resolve(), meta_path.stat().st_mtime_ns, model_path.stat().st_mtime_ns)
    if key not in _CACHE:
        _CACHE.clear()
        plain = _load_plain(meta_path, directory / TREES_FILE) if _PLAIN["on"] else None
        _CACHE[key] = plain or _load_checked(meta_path, model_path)
    return _CACHE[key]


def _load_plain(meta_path: Path, trees_path: Path) -> LoadedModel | None:
    """The plain trees, if they are there and are the ones the metadata describes."""
    from matching.trees import PlainTrees

    meta = json.loads(meta_path.read_text("utf-8"))
    if meta.get("features") != list(FEATURES) or not trees_path.exists():
        return None
    if hashlib.sha256(trees_path.read_bytes()).hexdigest() != meta.get("trees_sha256"):
        return None
    return LoadedModel(PlainTrees.load(trees_path), meta)


def _load_checked(meta_path: Path, model_path: Path) -> LoadedModel:
    """Libraries are imported here (not at the top): the rule score, with no model trained,
    never pays for scikit-learn."""
    import joblib
    import sklearn

    meta = json.loads(meta_path.read_text("utf-8"))
    if meta.get("features") != list(FEATURES):
        raise ArtifactMismatch(
            f"{meta_path} was trained on features {meta.get('features')}, the code uses "
            f"{list(FEATURES)}; run `spacemap train`"
        )
    trained_with = meta.get("libraries", {}).get("scikit-learn", "")
    if trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ArtifactMismatch(
            f"{meta_path} was trained with scikit-learn {trained_with}, this is "
            f"{sklearn.__version__}; run `spacemap train`"
        )
    if hashlib.sha256(model_path.read_bytes()).hexdigest() != meta.get("model_sha256"):
        raise ArtifactMismatch(f"{model_path} does not match its metadata; run `spacemap train`")
    return LoadedModel(joblib.load(model_path), meta)
