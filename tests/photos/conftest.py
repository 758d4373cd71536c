"""Shared helpers for the photo pipeline tests."""

from __future__ import annotations

import io

from PIL import Image


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    """Encode `image` in memory."""
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()
