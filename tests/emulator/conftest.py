"""Fixtures: a running emulator, its control client and a raw Bot API client."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image

from emulator import Emulator
from emulator.client import ControlClient


class BotApi:
    """A bare httpx client for the Bot API, as any HTTP library would use it."""

    def __init__(self, emu: Emulator, token: str | None = None) -> None:
        self.http = httpx.AsyncClient(base_url=f"{emu.base_url}{token or emu.token}/", timeout=30)

    async def raw(self, method: str, **params: Any) -> httpx.Response:
        """POST the method with a JSON body; returns the response."""
        return await self.http.post(method, json=params)

    async def __call__(self, method: str, **params: Any) -> Any:
        """Call a method that must succeed; returns its result."""
        resp = await self.raw(method, **params)
        body = resp.json()
        assert body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a method that must fail; returns the error body."""
        resp = await self.raw(method, **params)
        body: dict[str, Any] = resp.json()
        assert not body["ok"], body
        assert resp.status_code == body["error_code"]
        return body


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(callback_ttl=15.0) as emulator:
        yield emulator


@pytest.fixture
async def control(emu: Emulator) -> AsyncIterator[ControlClient]:
    async with ControlClient(emu.control_url) as client:
        yield client


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[BotApi]:
    client = BotApi(emu)
    yield client
    await client.http.aclose()


@pytest.fixture
async def user(control: ControlClient) -> int:
    """A user who has started the bot."""
    await control.create_user(1001, "张", "三", username="zhangsan", phone="+8613800000001")
    await control.send_command(1001, "start")
    return 1001


def jpeg_with_gps(size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A JPEG carrying EXIF GPS tags and a camera model."""
    img = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # Model
    gps = {1: "N", 2: (22.0, 32.0, 10.0), 3: "E", 4: (114.0, 3.0, 40.0)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()
