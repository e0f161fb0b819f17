"""Dependencies shared by routes: one database session per request, in one transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from spacemap.database import read_request_session, request_session

# scope="function": the transaction commits when the route returns, before the response goes out,
# so a client that holds the answer (a new token, a filed application) can use it at once.
DbSession = Annotated[Session, Depends(request_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_request_session)]
