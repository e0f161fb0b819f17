"""Batch allocation for the bureau: compute a proposal, read it, accept it as a whole."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import DbSession
from api.problems import Problem
from api.security import Reviewer
from matching import batch
from matching.applications import with_service
from spacemap.i18n import _
from spacemap.store import proposals as store
from spacemap.text import PlainText

router = APIRouter(prefix="/api", tags=["申请与审核 / Applications and review"])

ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewProposal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: batch.Method = Field("optimal", description="分配方法 / allocation mechanism")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="抽签种子 / lottery seed")


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field(min_length=1, max_length=2000)


@router.post("/proposals", status_code=201, response_model=batch.BatchProposal,
             summary="生成批量分配方案 / Propose a batch allocation")  # fmt: skip
def create(session: DbSession, actor: Reviewer, body: NewProposal) -> batch.BatchProposal:
    return with_service(actor, lambda s: batch.propose(s, body.method, body.seed), session)


@router.get("/proposals/{proposal_id}", response_model=batch.BatchProposal,
            summary="一个分配方案 / One proposal")  # fmt: skip
def one(session: DbSession, actor: Reviewer, proposal_id: ProposalId) -> batch.BatchProposal:
    proposal = store.get(session, proposal_id)
    if proposal is None:
        raise Problem(404, _("Proposal #%(id)d not found.", id=proposal_id))
    return batch.view(proposal)


@router.post("/proposals/{proposal_id}/accept", response_model=batch.BatchProposal,
             summary="整体接受方案 / Accept the whole proposal")  # fmt: skip
def accept(
    session: DbSession, actor: Reviewer, proposal_id: ProposalId, body: Acceptance
) -> batch.BatchProposal:
    """Each placement is approved through the same transactional path as a single approval;
    if any fails (space taken meanwhile, a check no longer passes) none is approved."""
    return with_service(actor, lambda s: batch.accept(s, proposal_id, body.reason), session)
