"""SQL for ``stations``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from spacemap.models import Station
from spacemap.store.common import upsert


def upsert_stations(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return upsert(session, Station, rows, ["name_zh"])
