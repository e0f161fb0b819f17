"""Each area's 产业准入正面清单 as it stands, its history, and the bureau's amendments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import DbSession, ReadSession
from api.security import Reviewer
from spacemap import whitelists
from spacemap.database import transaction
from spacemap.text import PlainText
from spacemap.whitelists import WhitelistView

router = APIRouter(prefix="/api", tags=["正面清单 / Whitelists"])

AreaCode = Annotated[str, Path(max_length=32, pattern=r"^[a-z_]+$")]


class NewAmendment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    industry: str = Field(max_length=32, description="sector code")
    action: Literal["add", "remove"]
    reason: PlainText = Field(min_length=1, max_length=2000)
    citation: PlainText = Field(min_length=1, max_length=500, description="document and section")
    effective_from: dt.date = Field(default_factory=dt.date.today)
    is_lead: bool = False


@router.get("/areas/{area}/whitelist", response_model=WhitelistView,
            summary="An area's whitelist in force, and its amendments")  # fmt: skip
def get_whitelist(session: ReadSession, area: AreaCode) -> WhitelistView:
    return whitelists.current(session, area)


@router.post("/areas/{area}/whitelist/amendments", status_code=201, response_model=WhitelistView,
             summary="Amend an area's whitelist (reviewers)")  # fmt: skip
def amend(session: DbSession, actor: Reviewer, area: AreaCode, body: NewAmendment) -> WhitelistView:
    """Add or remove one sector, with a reason, a citation and the date it takes effect (today
    or later). Open applications it bears on get an entry in their audit trail."""
    transaction(
        lambda s: whitelists.change(s, actor, area, body.industry, body.action, body.reason,
                                    body.citation, body.effective_from, body.is_lead),
        session=session,
    )  # fmt: skip
    return whitelists.current(session, area)
