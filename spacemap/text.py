"""Text as PostgreSQL can store it: no NUL bytes or other control characters (tab and newlines
are fine). Used by every model that takes text from outside, so the error names the field."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from spacemap.i18n import _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half of a UTF-16 pair: not text, not storable


def check_plain(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(str(_("must not contain control characters")))
    if _SURROGATE.search(value):
        raise ValueError(str(_("must be valid Unicode text (a lone surrogate was sent)")))
    return value


PlainText = Annotated[str, AfterValidator(check_plain)]
