"""Text as PostgreSQL can store it: no NUL bytes or other control characters (tab and newlines
are fine). Used by every model that takes text from outside, so the error names the field."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_plain(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters / 不能包含控制字符")
    return value


PlainText = Annotated[str, AfterValidator(check_plain)]
