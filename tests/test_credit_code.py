"""GB 32100-2015 unified social credit codes: real codes pass, every single typo is caught."""

from __future__ import annotations

import pytest

from spacemap.credit_code import (
    ALPHABET,
    InvalidCreditCode,
    check_character,
    is_valid,
    normalise,
    validate,
)

# Published codes of well-known companies (business licences / annual reports).
KNOWN = {
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
    "914403001922038216": "华为技术有限公司",
    "91440300192317458F": "比亚迪股份有限公司",
    "91440300100012316L": "中国平安保险（集团）股份有限公司",
    "9144030010001686XA": "招商银行股份有限公司",
    "91110000802100433B": "北京百度网讯科技有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
}


@pytest.mark.parametrize("code", sorted(KNOWN))
def test_published_codes_are_valid(code: str) -> None:
    assert validate(code) == code
    assert check_character(code[:17]) == code[17]


def test_the_weights_are_powers_of_three_mod_31() -> None:
    from spacemap.credit_code import WEIGHTS

    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", sorted(KNOWN))
def test_every_single_character_substitution_is_caught(code: str) -> None:
    wrong = [
        code[:i] + other + code[i + 1 :]
        for i in range(len(code))
        for other in ALPHABET
        if other != code[i]
    ]
    assert len(wrong) == 18 * 30
    assert [w for w in wrong if is_valid(w)] == []


def test_adjacent_swaps_of_different_characters_are_caught() -> None:
    code = "91440300708461136T"
    swaps = [
        code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        for i in range(len(code) - 1)
        if code[i] != code[i + 1]
    ]
    assert swaps and not any(is_valid(s) for s in swaps)


def test_codes_are_read_as_people_type_them() -> None:
    assert normalise(" 9144 0300-7084 6113 6t ") == "91440300708461136T"
    assert validate("91440300708461136t") == "91440300708461136T"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9144030070846113", "length"),
        ("91440300708461136TX", "length"),
        ("91440300708461136O", "characters"),  # O is not in the alphabet
        ("914403I0708461136T", "characters"),  # the division is six digits
        ("91440300708461136A", "check"),
    ],
)
def test_invalid_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        validate(code)
    assert caught.value.reason == reason
