"""Dependencies shared by routes: one database session per request, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from spacemap.database import get_engine, get_read_engine, session_scope


def db_session() -> Iterator[Session]:
    with session_scope(get_engine()) as session:
        yield session


def read_session() -> Iterator[Session]:
    """For routes that only read: served by SPACEMAP_READ_DATABASE_URL when it is set."""
    with session_scope(get_read_engine()) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
ReadSession = Annotated[Session, Depends(read_session)]
