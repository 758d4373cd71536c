"""Receipt codes, limits kept in memory, and cleaned pictures."""

from __future__ import annotations

import io
import math
import random
from collections import Counter
from datetime import date

import pytest
from PIL import Image

from bot.domain.complaints import (
    RECEIPT_ALPHABET,
    RECEIPT_BITS,
    DraftStore,
    FailureTracker,
    SenderKeys,
    SenderLimiter,
    clean_text,
    new_receipt_code,
    normalise_receipt,
    period_bounds,
    receipt_hash,
)
from bot.domain.errors import ComplaintTextInvalid
from bot.photos import GeoPoint, PhotoRejected
from bot.photos.scrub import clean_picture
from bot.photos.synthetic import camera_jpeg


def test_receipt_codes_carry_at_least_80_bits_and_do_not_repeat() -> None:
    assert RECEIPT_BITS >= 80 and len(RECEIPT_ALPHABET) == 32
    codes = [new_receipt_code() for _ in range(20_000)]
    assert len(set(codes)) == len(codes)
    symbols = Counter("".join(c.replace("-", "") for c in codes))
    # Every symbol of the alphabet is used, about equally often (5 bits each).
    assert set(symbols) == set(RECEIPT_ALPHABET)
    expected = sum(symbols.values()) / 32
    assert all(abs(n - expected) < expected * 0.1 for n in symbols.values())
    entropy = -sum(
        (n / sum(symbols.values())) * math.log2(n / sum(symbols.values()))
        for n in symbols.values()
    )
    assert entropy > 4.99


def test_receipt_codes_come_from_the_given_randomness_only() -> None:
    # A predictable source gives predictable codes: the code depends on nothing else.
    first = new_receipt_code(random.Random(7).choice)
    assert first == new_receipt_code(random.Random(7).choice)
    assert len(first) == 19 and first.count("-") == 3


def test_typed_codes_are_forgiving_and_hashes_match() -> None:
    code = new_receipt_code()
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_receipt(typed) == code.replace("-", "")
    assert receipt_hash(typed) == receipt_hash(code)
    assert code.replace("-", "") not in receipt_hash(code)
    for wrong in ("", "ABCD", code + "X", code.replace(code[0], "U")):
        assert normalise_receipt(wrong) is None


def test_text_limits() -> None:
    assert clean_text("  x  ", 5) == "x"
    for bad in (None, "", "   ", "x" * 6):
        with pytest.raises(ComplaintTextInvalid):
            clean_text(bad, 5)


def test_sender_keys_hide_the_ids() -> None:
    keys = SenderKeys()
    key = keys.of(987654321012, 987654321012)
    assert "987654321012" not in key and key == keys.of(987654321012, 987654321012)
    assert key != SenderKeys().of(987654321012, 987654321012)  # a new process, a new key


def test_limiter_counts_an_hour_then_forgets() -> None:
    limiter = SenderLimiter()
    for at in (0.0, 10.0, 20.0):
        assert limiter.allows("a", at, 3)
        limiter.note("a", at)
    assert not limiter.allows("a", 30.0, 3) and limiter.allows("b", 30.0, 3)
    assert limiter.allows("a", 3600.5, 3)
    assert limiter.allows("a", 7200.0, 3) and len(limiter) == 0  # nothing left in memory


def test_failures_slow_down_and_a_right_code_clears_them() -> None:
    failures = FailureTracker()
    delays = []
    for i in range(8):
        delays.append(failures.delay("k", float(i)))
        failures.failed("k", float(i))
    assert delays[:2] == [0.0, 0.0] and delays[2:5] == [1.0, 2.0, 4.0] and delays[-1] == 30.0
    failures.succeeded("k")
    assert failures.delay("k", 9.0) == 0.0
    assert failures.delay("k2", 9.0) == 0.0


def test_drafts_are_forgotten_after_a_while() -> None:
    drafts = DraftStore(max_age=100)
    drafts.start("a", 0.0)
    drafts.start("b", 150.0)
    assert drafts.get("a") is None and drafts.get("b") is not None and len(drafts) == 1


def test_periods() -> None:
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValueError):
        period_bounds("Q1")


def test_cleaned_pictures_keep_pixels_and_lose_every_metadata() -> None:
    original = camera_jpeg(5, (640, 480), gps=GeoPoint(26.6, 106.6))
    with Image.open(io.BytesIO(original)) as im:
        assert im.getexif()  # the camera's EXIF with GPS is there to begin with
    picture = clean_picture(original)
    with Image.open(io.BytesIO(picture.data)) as im:
        assert not im.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment", "photoshop"} & set(im.info)
        assert im.size == (picture.width, picture.height) == (640, 480)
    assert b"Exif" not in picture.data and b"http://ns.adobe.com/xap" not in picture.data


def test_png_text_chunks_do_not_survive() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Zephyrine Oldcastle")
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    assert b"Zephyrine" in out.getvalue()
    assert b"Zephyrine" not in clean_picture(out.getvalue()).data


def test_non_pictures_are_refused() -> None:
    with pytest.raises(PhotoRejected):
        clean_picture(b"%PDF-1.7\n%binary")
