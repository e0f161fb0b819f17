"""The ``datetime`` parameter: an RFC 3339 instant or interval, open ends as ``..`` or empty.

A date without a time (``2027-03-01``) means that whole day in Futian (China Standard Time); a
date-time must carry its offset (``Z`` or ``+08:00``), as RFC 3339 requires, so nobody's clock
is guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from api.problems import Problem
from spacemap.catalog.temporal import Interval, day_end, day_start
from spacemap.i18n import _

_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}))?"
)
OPEN = ("..", "")


def _bad(raw: str) -> Problem:
    return Problem(
        400,
        _("datetime %(value)s is not an RFC 3339 date, date-time or interval, e.g. 2027-03-01, "
          "2027-03-01T09:00:00+08:00, 2027-01-01/2027-06-30 or ../2027-06-30", value=repr(raw)),
        field="datetime",
    )  # fmt: skip


def _instant(raw: str, whole: str, end: bool) -> datetime:
    """One end; a bare date stands for its whole local day (its first or its last moment)."""
    m = _DATE_TIME.fullmatch(raw)
    if m is None:
        raise _bad(whole)
    try:
        day = date.fromisoformat(m["date"])
        if m["time"] is None:
            return day_end(day) if end else day_start(day)
        fraction = (m["fraction"] or ".0")[1:7].ljust(6, "0")
        offset = "+00:00" if m["offset"] in "Zz" else m["offset"]
        return datetime.fromisoformat(f"{m['date']}T{m['time']}.{fraction}{offset}")
    except ValueError:  # a day or an hour that does not exist (2027-02-30, 25:00:00)
        raise _bad(whole) from None


def parse_datetime(raw: str) -> Interval:
    parts = raw.split("/")
    if len(parts) == 1:
        if raw in OPEN:
            raise _bad(raw)
        return Interval(_instant(raw, raw, end=False), _instant(raw, raw, end=True))
    if len(parts) != 2:
        raise _bad(raw)
    first, last = parts
    start = None if first in OPEN else _instant(first, raw, end=False)
    end = None if last in OPEN else _instant(last, raw, end=True)
    if start is not None and end is not None and start > end:
        raise Problem(400, _("datetime: the interval ends before it starts"), field="datetime")
    return Interval(start, end)
