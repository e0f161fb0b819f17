"""Applications for floor space: the service every caller uses, and what it answers."""

from matching.applications.service import ApplicationService, reader, with_service
from matching.applications.views import (
    ApplicationPage,
    ApplicationView,
    CheckView,
    CombinationPart,
    Conflicts,
)

__all__ = [
    "ApplicationPage",
    "ApplicationService",
    "ApplicationView",
    "CheckView",
    "CombinationPart",
    "Conflicts",
    "reader",
    "with_service",
]
