"""Dependencies shared by routes: one database session per request, in one transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from spacemap.database import read_request_session, request_session

DbSession = Annotated[Session, Depends(request_session)]
ReadSession = Annotated[Session, Depends(read_request_session)]
