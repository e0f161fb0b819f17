"""What the application service answers: an application as a reader sees it, today.

Texts are rendered in the reader's language when the view is built (inside their request).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from matching.profile import CompanyProfile


class CheckView(BaseModel):
    check: str
    passed: bool = Field(description="on today's data")
    message: str
    passed_at_filing: bool | None = Field(
        None, description="the outcome when the application was filed (None: not recorded)"
    )
    changed: bool = Field(description="the outcome differs from the one at filing")


class RelatedApplication(BaseModel):
    id: int
    company_name: str
    unit_code: str
    park_name: str
    requested_m2: float
    status: str
    status_name: str
    fits_now: bool = Field(description="the unit's free area covers it today")
    fits_after_this: bool = Field(
        description="it would still fit if the application in view were approved"
    )


class Conflicts(BaseModel):
    """How this application bears on others, and they on it."""

    same_unit: list[RelatedApplication] = Field(
        description="other companies' open applications for the same unit"
    )
    same_company: list[RelatedApplication] = Field(
        description="the same company's other open or approved applications"
    )
    free_now_m2: float
    free_after_this_m2: float = Field(description="the unit's free area if this is approved")
    blocked_by_this: int = Field(
        description="open applications for the unit that fit today but would not after this"
    )
    company_placed_in: list[int] = Field(
        description="the company's approved applications: it already has space"
    )


class ApplicationView(BaseModel):
    id: int
    status: str
    status_name: str
    company_id: int
    company_name: str
    industry_code: str
    industry_name: str
    unit_code: str
    park_code: str
    park_name: str
    park_type: str
    area_code: str
    area_name: str
    zone_code: str
    requested_m2: float
    unit_available_m2: float
    unit_capacity_m2: float
    unit_rent_cny_m2_month: float
    unit_is_synthetic: bool
    park_capacity_m2: float
    park_available_m2: float
    score: float | None = Field(description="match score when filed (0–100)")
    model: str
    checks: list[CheckView]
    checks_passed: bool = Field(description="every check passes on today's data")
    checks_changed: bool = Field(description="some check's outcome changed since filing")
    conflicts: Conflicts
    message: str | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    whitelist_version: int | None = Field(
        description="the version of the area's whitelist it was decided under (0: the plan's)"
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    age_days: float
    actions: list[str] = Field(description="what the reader may do to it now")
    profile: CompanyProfile


class ApplicationPage(BaseModel):
    total: int
    items: list[ApplicationView]
