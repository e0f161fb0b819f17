"""The relational model: geodata (with provenance), accounts, and the review workflow."""

from spacemap.models.accounts import ApiToken, User
from spacemap.models.base import Base, Provenance
from spacemap.models.geodata import (
    Area,
    AreaPart,
    AreaWhitelist,
    DatasetLoad,
    District,
    Indicator,
    IndicatorValue,
    Industry,
    IndustryRelation,
    Park,
    ParkIndustry,
    SpaceUnit,
    Station,
    Tenant,
    Zone,
)
from spacemap.models.workflow import (
    Application,
    AuditEntry,
    DataChange,
    DataVersion,
    Proposal,
    WhitelistChange,
)

__all__ = [
    "ApiToken",
    "Application",
    "Area",
    "AreaPart",
    "AreaWhitelist",
    "AuditEntry",
    "Base",
    "DataChange",
    "DataVersion",
    "DatasetLoad",
    "District",
    "Indicator",
    "IndicatorValue",
    "Industry",
    "IndustryRelation",
    "Park",
    "ParkIndustry",
    "Proposal",
    "Provenance",
    "SpaceUnit",
    "Station",
    "Tenant",
    "User",
    "WhitelistChange",
    "Zone",
]
