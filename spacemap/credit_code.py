"""The unified social credit code (统一社会信用代码) of GB 32100-2015: a company's national id.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):
the registration authority, the kind of entity, the six-digit administrative division, the nine-
character organisation code, and a check character. The check character makes the weighted sum
of all eighteen values divisible by 31, with weights 3**i mod 31; since 31 is prime and no weight
is 0 mod 31, changing any single character always breaks the check — a mistyped code is caught at
once, before a reviewer sees it.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_SHAPE = re.compile(rf"^[{ALPHABET}]{{2}}[0-9]{{6}}[{ALPHABET}]{{10}}$")
# Written the way people paste it: spaces and hyphens between groups, lower case.
_SEPARATORS = re.compile(r"[\s\-]+")


class InvalidCreditCode(ValueError):
    """Why a code is not a valid unified social credit code; ``reason`` is a code for the UI."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise(code: str) -> str:
    """Upper case without the spaces or hyphens people type between groups."""
    return _SEPARATORS.sub("", code).upper()


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first seventeen characters."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """The code, normalised, if it is a valid unified social credit code; else
    ``InvalidCreditCode`` with ``reason`` one of ``length``, ``characters``, ``check``."""
    value = normalise(code)
    if len(value) != LENGTH:
        raise InvalidCreditCode("length")
    if not _SHAPE.match(value):
        raise InvalidCreditCode("characters")
    if check_character(value[:-1]) != value[-1]:
        raise InvalidCreditCode("check")
    return value


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except InvalidCreditCode:
        return False
    return True
