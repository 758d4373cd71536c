"""Photos are re-encoded without EXIF in several sizes; documents keep their bytes."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from emulator import Emulator
from emulator.client import ControlClient
from tests.emulator.conftest import BotApi, jpeg_with_gps


async def download(emu: Emulator, api: BotApi, file_id: str) -> bytes:
    info = await api("getFile", file_id=file_id)
    async with httpx.AsyncClient() as http:
        resp = await http.get(f"{emu.base_file_url}{emu.token}/{info['file_path']}")
    assert resp.status_code == 200
    assert len(resp.content) == info["file_size"]
    return resp.content


async def test_photo_is_compressed_and_stripped(
    emu: Emulator, api: BotApi, control: ControlClient, user: int
) -> None:
    original = jpeg_with_gps((2000, 1500))
    sent = await control.send_photo(user, original, caption="门牌")
    sizes = sent["message"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 68), (320, 240), (800, 600), (1280, 960)
    ]  # fmt: skip
    assert len({s["file_unique_id"] for s in sizes}) == len(sizes)
    for size in sizes:
        data = await download(emu, api, size["file_id"])
        img = Image.open(io.BytesIO(data))
        assert img.format == "JPEG" and img.size == (size["width"], size["height"])
        assert len(img.getexif()) == 0 and b"SecretCam" not in data
    assert sent["message"]["caption"] == "门牌"


async def test_small_photo_is_never_upscaled(
    api: BotApi, control: ControlClient, user: int
) -> None:
    sent = await control.send_photo(user, jpeg_with_gps((200, 100)))
    assert [(s["width"], s["height"]) for s in sent["message"]["photo"]] == [(90, 45), (200, 100)]


async def test_document_keeps_exact_bytes(
    emu: Emulator, api: BotApi, control: ControlClient, user: int
) -> None:
    original = jpeg_with_gps((640, 480))
    sent = await control.send_document(user, original, "现场.jpg", "image/jpeg", caption="原图")
    doc = sent["message"]["document"]
    assert doc["file_name"] == "现场.jpg" and doc["mime_type"] == "image/jpeg"
    assert doc["file_size"] == len(original)
    assert doc["thumbnail"]["width"] == 320
    assert await download(emu, api, doc["file_id"]) == original
    pdf = await control.send_document(user, b"%PDF-1.4\n", "a.pdf", "application/pdf")
    assert "thumbnail" not in pdf["message"]["document"]


async def test_big_file_cannot_be_downloaded(
    api: BotApi, control: ControlClient, user: int
) -> None:
    sent = await control.send_document(user, b"\0" * (20 * 1024 * 1024 + 1), "big.bin", "x/y")
    err = await api.error("getFile", file_id=sent["message"]["document"]["file_id"])
    assert err["description"] == "Bad Request: file is too big"
    err = await api.error("getFile", file_id="nope")
    assert err["description"] == "Bad Request: invalid file_id"


async def test_bot_photo_upload_and_reuse(emu: Emulator, user: int) -> None:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}/") as http:
        files = {"photo": ("p.jpg", jpeg_with_gps((900, 900)), "image/jpeg")}
        resp = await http.post("sendPhoto", data={"chat_id": str(user)}, files=files)
        sizes = resp.json()["result"]["photo"]
        assert [s["width"] for s in sizes] == [90, 320, 800, 900]
        again = await http.post("sendPhoto", data={"chat_id": user, "photo": sizes[0]["file_id"]})
        assert again.json()["result"]["photo"] == sizes
        bad = await http.post("sendPhoto", data={"chat_id": user, "photo": "unknown"})
        assert bad.json()["description"] == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_voice_contact_venue_and_forwards(
    api: BotApi, control: ControlClient, user: int
) -> None:
    await control.create_user(77, "隐私", hide_forwards=True)
    voice = await control.send_voice(user, b"OggS....", 4)
    assert voice["message"]["voice"]["duration"] == 4
    own = await control.send_contact(user, "+8613800000001")
    assert own["message"]["contact"]["user_id"] == user
    other = await control.send_contact(user, "+8613900000000", own=False, first_name="某人")
    assert "user_id" not in other["message"]["contact"]
    venue = await control.send_venue(user, 22.5, 114.1, "村委会", "幸福路 1 号")
    assert venue["message"]["venue"]["location"] == venue["message"]["location"]
    late = await control.send_location(
        user, 22.5, 114.1, horizontal_accuracy=8, date=1_700_000_000
    )
    assert late["message"]["date"] == 1_700_000_000
    assert late["message"]["location"]["horizontal_accuracy"] == 8.0
    hidden = await control.send_location(user, 1, 2, forwarded=True, forward_from_user_id=77)
    assert hidden["message"]["forward_origin"]["type"] == "hidden_user"
    assert hidden["message"]["forward_origin"]["sender_user_name"] == "隐私"
    shown = await control.send_location(user, 1, 2, forwarded=True, forward_from_user_id=user)
    assert shown["message"]["forward_origin"]["sender_user"]["id"] == user
    assert "forward_from" not in shown["message"]
