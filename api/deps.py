"""Dependencies shared by routes: one database session per request, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from spacemap.database import request_session
from spacemap.routing import LSN_COOKIE, read_scope


def read_request_session(request: Request) -> Iterator[Session]:
    """One read-only snapshot on the standby — or the primary while the standby has not yet
    replayed this reader's own last write, or cannot be reached (``spacemap.routing``)."""
    with read_scope(request.cookies.get(LSN_COOKIE)) as session:
        yield session


# scope="function": the transaction commits when the route returns, before the response goes out,
# so a client that holds the answer (a new token, a filed application) can use it at once.
DbSession = Annotated[Session, Depends(request_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_request_session)]
