"""The Futian dataset: curated sources, the code that builds it, and the built files.

``sources/`` is transcribed by hand from the planning documents (FACTS.md), ``built/`` is what
``python -m geodata.build`` makes from those plus the reference geodata, and what ``spacemap load``
reads. ``built_path`` finds the files in a checkout and in an installed copy alike.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def built_path(name: str = "") -> Path:
    return Path(str(files("geodata").joinpath("built", name)))


def sources_path(name: str = "") -> Path:
    return Path(str(files("geodata").joinpath("sources", name)))
