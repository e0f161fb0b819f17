"""The bureau maintains each area's 产业准入正面清单: add or remove a sector, with a reason, a
citation and the date it takes effect — versioned, audited, never rewriting the past.

The plan's lists stay as the dataset loads them; a change is a dated amendment on top
(``whitelist_changes``). The rule functions read the list in force, so matching, the checks of
filed applications, the map and the OGC filter follow it the day it takes effect. Open
applications the change bears on get an entry in their audit trail the moment it is made; their
whitelist check (evaluated live) turns when it takes effect. Changes take effect today or later:
decisions already made keep the version they were made under.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from spacemap.i18n import Names, _
from spacemap.models import WhitelistChange
from spacemap.review import Conflict, Forbidden, NotFound
from spacemap.store import areas as area_store
from spacemap.store import audit
from spacemap.store import whitelists as store
from spacemap.store.audit import Actor
from spacemap.taxonomy import sectors

Action = Literal["add", "remove"]


class ListedSector(BaseModel):
    industry: str
    name: str
    is_lead: bool
    citation: str


class Amendment(BaseModel):
    id: int
    industry: str
    name: str
    action: str
    is_lead: bool
    reason: str
    citation: str
    effective_from: dt.date
    in_force: bool


class WhitelistView(BaseModel):
    area: str
    version: int = Field(description="amendments in force today (0: the plan's own list)")
    on: dt.date
    in_force: list[ListedSector]
    amendments: list[Amendment] = Field(description="newest first, future ones included")


def current(session: Session, area: str) -> WhitelistView:
    """An area's list in force today, with every amendment (newest first, future ones too)."""
    area_id = area_store.area_ids(session).get(area)
    if area_id is None:
        raise NotFound(_("Area %(code)s not found.", code=area), "area")
    return WhitelistView(
        area=area,
        version=store.version(session, area_id),
        on=dt.date.today(),
        in_force=[
            ListedSector(industry=r["industry_code"], is_lead=r["is_lead"], citation=r["source"],
                         name=Names(r["name_zh"], r["name_en"]).render())
            for r in store.in_force(session, area)
        ],
        amendments=[
            Amendment(id=r["id"], industry=r["industry_code"],
                      name=Names(r["name_zh"], r["name_en"]).render(), action=r["action"],
                      is_lead=r["is_lead"], reason=r["reason"], citation=r["citation"],
                      effective_from=r["effective_from"], in_force=r["in_force"])
            for r in store.history(session, area)
        ],
    )  # fmt: skip


def change(
    session: Session,
    actor: Actor,
    area_code: str,
    sector: str,
    action: Action,
    reason: str,
    citation: str,
    effective_from: dt.date,
    is_lead: bool = False,
) -> WhitelistChange:
    """Record one amendment; refused if it changes nothing or would rewrite the past."""
    if actor.role != "reviewer" or actor.id is None:
        raise Forbidden(_("Only the bureau's reviewers maintain the whitelists."))
    area_id = area_store.area_ids(session).get(area_code)
    if area_id is None:
        raise NotFound(_("Area %(code)s not found.", code=area_code), "area")
    if sector not in sectors():
        raise Conflict(_("Unknown sector %(code)s.", code=sector), "industry")
    if not reason.strip() or not citation.strip():
        raise Conflict(_("A reason and a citation are required."),
                       "reason" if not reason.strip() else "citation")  # fmt: skip
    if effective_from < dt.date.today():
        raise Conflict(_("A change takes effect today or later; the past is not rewritten."),
                       "effective_from")  # fmt: skip
    listed = store.admits(session, area_id, sector, effective_from)
    name = Names(*sectors()[sector])
    if action == "add" and listed:
        raise Conflict(_("%(sector)s is already on this area's list then.", sector=name),
                       "industry")  # fmt: skip
    if action == "remove" and not listed:
        raise Conflict(_("%(sector)s is not on this area's list then.", sector=name), "industry")
    made = store.insert(
        session, area_id=area_id, industry_code=sector, action=action,
        is_lead=is_lead and action == "add", reason=reason.strip(), citation=citation.strip(),
        effective_from=effective_from, created_by=actor.id,
    )  # fmt: skip
    after = {"sector": sector, "citation": made.citation,
             "effective_from": effective_from.isoformat(),
             "version": store.version(session, area_id, effective_from)}  # fmt: skip
    audit.record(session, actor, "whitelist", f"{area_code}:{sector}", f"whitelist_{action}",
                 after=after, reason=made.reason)  # fmt: skip
    for application_id, unit_id in store.affected_open_applications(session, area_id, sector):
        audit.record(session, actor, "application", application_id, "whitelist_changed",
                     after=after, reason=made.reason, application_id=application_id,
                     unit_id=unit_id)  # fmt: skip
    return made
