"""Phone numbers and resident ID numbers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.identity import (
    InvalidIdNumber,
    InvalidPhone,
    hash_id_number,
    id_check_character,
    mask_id_number,
    normalize_phone,
    validate_id_number,
)

from .helpers import make_id

# GB 11643's published example number.
SAMPLE_ID = "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "(138) 0013 8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+8613800138000",
        "8613800138000",
        "008613800138000",
        "0086 138 0013 8000",
        " 13800138000 ",
        "１３８００１３８０００",  # full-width digits from a Chinese input method
    ],
)
def test_mainland_mobiles_have_one_form(raw: str) -> None:
    assert normalize_phone(raw) == "+8613800138000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 7911 123456", "+447911123456"),
        ("00447911123456", "+447911123456"),
        ("0851-8123 4567", "+8685181234567"),
        ("+86 851 8123 4567", "+8685181234567"),
    ],
)
def test_other_numbers(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_telegram_contact_format() -> None:
    assert normalize_phone("8613800138000", international=True) == "+8613800138000"
    assert normalize_phone("+8613800138000", international=True) == "+8613800138000"
    assert normalize_phone("447911123456", international=True) == "+447911123456"
    # Without the flag a foreign number must carry its "+".
    with pytest.raises(InvalidPhone):
        normalize_phone("447911123456")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "138OO138000",
        "1380013800",
        "138001380001",
        "12345",
        "+0123456789",
        "+8612345678901",
        "23800138000",
        "+86 138 0013 800",
        "+1234567890123456",
    ],
)
def test_garbage_is_refused_with_a_message(raw: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(raw)
    assert str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_check_character_of_the_published_example() -> None:
    assert id_check_character(SAMPLE_ID[:17]) == "X"
    assert validate_id_number(SAMPLE_ID) == SAMPLE_ID


def test_valid_numbers_come_back_canonical() -> None:
    assert validate_id_number(SAMPLE_ID.lower()) == SAMPLE_ID
    assert validate_id_number(" 110105 19491231 002x ") == SAMPLE_ID
    for seq in range(30):
        number = make_id(seq)
        assert validate_id_number(number) == number


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("11010519491231002", "18 characters"),
        ("11010519491231002X1", "18 characters"),
        ("1101051949123100XX", "17 digits"),
        ("A1010519491231002X", "17 digits"),
        ("110105194902300020", "date of birth"),  # 30 February
        ("110105189912310021", "out of range"),
        ("110105194912310021", "check digit"),
        ("110105194912310029", "check digit"),
    ],
)
def test_invalid_numbers_say_why_without_repeating_the_number(raw: str, words: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number(raw)
    message = str(caught.value)
    assert words in message
    assert raw[:10] not in message


def test_date_of_birth_in_the_future_is_refused() -> None:
    number = make_id(1, born="20300101")
    with pytest.raises(InvalidIdNumber, match="out of range"):
        validate_id_number(number, today=date(2025, 1, 1))


def test_every_single_digit_typo_is_caught() -> None:
    for position in range(17):
        digit = SAMPLE_ID[position]
        for other in "0123456789":
            if other == digit:
                continue
            typo = SAMPLE_ID[:position] + other + SAMPLE_ID[position + 1 :]
            with pytest.raises(InvalidIdNumber):
                validate_id_number(typo)


def test_masking_shows_first_six_and_last_four() -> None:
    assert mask_id_number(SAMPLE_ID) == "110105********002X"
    assert mask_id_number(SAMPLE_ID.lower()) == "110105********002X"
    with pytest.raises(InvalidIdNumber):
        mask_id_number("12345")


def test_hash_is_keyed_stable_and_case_blind() -> None:
    digest = hash_id_number(SAMPLE_ID, "key-one")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert hash_id_number(SAMPLE_ID.lower(), "key-one") == digest
    assert hash_id_number(SAMPLE_ID, "key-two") != digest
    assert hash_id_number(make_id(1), "key-one") != digest
    assert SAMPLE_ID not in digest
    with pytest.raises(ValueError):
        hash_id_number(SAMPLE_ID, "")
