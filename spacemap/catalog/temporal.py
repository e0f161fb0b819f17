"""Time in the catalogue: a collection's time property is a local calendar date.

``available_from`` and the like are days in Futian (China Standard Time, no daylight saving). A
day is the span from its local midnight to the next, so an instant or an interval in any offset
selects the days it touches: that is the days from the local date of its start to the local date
of its end, a plain date comparison the database can index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
# The temporal reference system of every extent (OGC API – Features, /req/core/fc-md-extent).
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


@dataclass(frozen=True)
class Interval:
    """A closed interval of aware date-times; either end may be open (``None``)."""

    start: datetime | None
    end: datetime | None

    def days(self) -> tuple[date | None, date | None]:
        """The first and last local day the interval touches."""
        return tuple(None if t is None else t.astimezone(LOCAL_TIME).date()  # type: ignore[return-value]
                     for t in (self.start, self.end))  # fmt: skip

    def key(self) -> list[str | None]:
        return [None if t is None else t.isoformat() for t in (self.start, self.end)]


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TIME)


def day_end(day: date) -> datetime:
    """The day's last microsecond: a bare date as an interval's end includes the whole day."""
    return datetime.combine(day, time(23, 59, 59, 999_999), LOCAL_TIME)


def extent_interval(first: date, last: date) -> list[str]:
    """A span of local days as the two RFC 3339 date-times a temporal extent states."""
    end = day_start(last) + timedelta(days=1, seconds=-1)
    return [day_start(first).isoformat(), end.isoformat()]
