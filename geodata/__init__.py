"""The Futian dataset: curated sources, the code that builds it, and the built files.

``sources/`` holds the planning documents, the received geodata and what we transcribed from
them by hand (each row cited); ``built/`` is what ``python -m geodata.build`` makes from
``sources/`` alone, and what ``spacemap load`` reads. ``built_path`` finds the files in a
checkout and in an installed copy alike.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def built_path(name: str = "") -> Path:
    return Path(str(files("geodata").joinpath("built", name)))


def sources_path(name: str = "") -> Path:
    return Path(str(files("geodata").joinpath("sources", name)))
