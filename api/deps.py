"""Dependencies shared by routes: one database session per request, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from spacemap.database import get_engine, session_scope


def db_session() -> Iterator[Session]:
    with session_scope(get_engine()) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
