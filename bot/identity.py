"""Phone numbers and resident ID numbers: checking, one canonical form, masking, keyed hashing.

A clear ID number is only ever held in memory long enough to check, mask and hash it; no
message raised here repeats it, so errors can be shown and logged safely.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

__all__ = [
    "InvalidIdNumber",
    "InvalidPhone",
    "hash_id_number",
    "id_check_character",
    "mask_id_number",
    "normalize_phone",
    "validate_id_number",
]


class InvalidPhone(ValueError):
    """A text that cannot be read as a phone number."""


class InvalidIdNumber(ValueError):
    """A text that is not a valid 18-character resident ID number (never quoted back)."""


# Separators people type inside phone numbers: spaces, dashes, brackets, dots.
_PHONE_SEPARATORS = re.compile(r"[\s\-().·/]")
_DIGITS = re.compile(r"[0-9]+")


def _chinese(national: str, raw: str) -> str:
    """The E.164 form of a mainland number given without the country code."""
    if national.startswith("1"):
        # Mainland mobiles: 11 digits, 13x–19x.
        if len(national) == 11 and national[1] in "3456789":
            return "+86" + national
        raise InvalidPhone(f"not a mainland mobile number (11 digits from 13…–19…): {raw!r}")
    # Landlines may be written with the trunk 0 even after +86.
    national = national.removeprefix("0")
    if 9 <= len(national) <= 11 and national[0] in "23456789":
        return "+86" + national
    raise InvalidPhone(f"not a phone number: {raw!r}")


def normalize_phone(raw: str, *, international: bool = False) -> str:
    """The E.164 form ("+8613800138000") of a phone number as people and Telegram write it.

    A bare 11-digit number starting with 1 is a mainland mobile, "86" and 11 more digits a
    mainland mobile with its country code, and a bare number starting with one 0 a mainland
    landline; other bare digits are refused, so a mistyped mobile never turns into a foreign
    number. With ``international`` (for Telegram's contact format) every number is read as
    international, with or without its "+".
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise InvalidPhone("the phone number is empty")
    compact = _PHONE_SEPARATORS.sub("", text)
    if compact.startswith("+"):
        digits, prefixed = compact[1:], True
    elif compact.startswith("00"):
        digits, prefixed = compact[2:], True
    else:
        digits, prefixed = compact, False
    if not _DIGITS.fullmatch(digits):
        raise InvalidPhone(f"not a phone number: {raw!r}")
    if not prefixed and not international:
        if len(digits) == 11 and digits.startswith("1"):
            return _chinese(digits, raw)
        if len(digits) == 13 and digits.startswith("861"):
            return _chinese(digits[2:], raw)
        if digits.startswith("0") and 10 <= len(digits) <= 12:
            return _chinese(digits, raw)
        if digits.startswith("1") and len(digits) < 13:
            raise InvalidPhone(
                f"a mobile number has 11 digits, this one has {len(digits)}: {raw!r}"
            )
        raise InvalidPhone(
            f"not a phone number (write foreign numbers with + and country code): {raw!r}"
        )
    if digits.startswith("86"):
        return _chinese(digits[2:], raw)
    # E.164 allows at most 15 digits; country codes never start with 0.
    if 7 <= len(digits) <= 15 and digits[0] != "0":
        return "+" + digits
    raise InvalidPhone(f"not a phone number: {raw!r}")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the check character needs exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _canonical_id(raw: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", raw)).upper()


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """The canonical form (upper-case X) of a valid resident ID number, else InvalidIdNumber."""
    text = _canonical_id(raw)
    if len(text) != 18:
        raise InvalidIdNumber(f"an ID number has 18 characters, this one has {len(text)}")
    if not _ID_SHAPE.fullmatch(text):
        raise InvalidIdNumber("an ID number is 17 digits followed by a digit or X")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdNumber("the date of birth in it is not a real date") from None
    if born.year < 1900 or born > (today or date.today()):
        raise InvalidIdNumber("the date of birth in it is out of range")
    if id_check_character(text[:17]) != text[17]:
        raise InvalidIdNumber("its check digit does not match (a digit is probably mistyped)")
    return text


def mask_id_number(id_number: str) -> str:
    """The number with only the first 6 and last 4 characters visible: "110101********123X"."""
    text = _canonical_id(id_number)
    if len(text) != 18:
        raise InvalidIdNumber("only an 18-character ID number can be masked")
    return text[:6] + "*" * 8 + text[-4:]


def hash_id_number(id_number: str, key: str) -> str:
    """HMAC-SHA256 (hex) of the canonical number: matchable with the key, never reversible."""
    if not key:
        raise ValueError("the ID hash key is empty")
    message = _canonical_id(id_number).encode("ascii", errors="replace")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
