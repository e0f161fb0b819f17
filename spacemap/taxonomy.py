"""The sector taxonomy and area codes of the bundled dataset, without a database round trip.

Profiles are validated at the edge (CLI, API) before any query runs, so the codes a company may
use come from the same built files `spacemap load` writes into the database.
"""

from __future__ import annotations

import csv
import difflib
import json
from functools import lru_cache

from geodata import built_path


@lru_cache
def sectors() -> dict[str, tuple[str, str]]:
    """Sector code → (name_zh, name_en); groups excluded."""
    with built_path("industries.csv").open(encoding="utf-8") as f:
        return {
            r["code"]: (r["name_zh"], r["name_en"])
            for r in csv.DictReader(f)
            if r["is_group"] != "True"
        }


@lru_cache
def area_codes() -> dict[str, str]:
    """Area code → zone code."""
    doc = json.loads(built_path("areas.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f["properties"]["zone_code"] for f in doc["features"]}


def suggest(value: str, choices: list[str] | set[str] | dict) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    near = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""
