"""A chat in the terminal: act as any demo user, see the bot's replies and press buttons."""

from __future__ import annotations

import asyncio
import contextlib
import html
import mimetypes
import random
import re
import shlex
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient, ControlError
from emulator.sandbox.seed import DemoPerson
from storage.db import SessionFactory
from storage.models import Household, Pairing, User

HELP = """Terminal commands (anything else is sent to the bot as typed, /commands too):
  :users              list the demo people          :as N     act as person N
  :contact            share your own phone number   :contact PHONE   share someone else's
  :loc [LAT LON [ACC]] share a location (default: near the household you picked)
  :photo PATH         send a picture as a photo (compressed, EXIF stripped)
  :file PATH          send a file as a document (bytes kept)
  :camera [far]       send a fresh camera photo with GPS near the household (far: 5 km off)
  #N                  press button N of the latest buttons shown
  :help               this list                     :quit     leave the sandbox"""

_TAG = re.compile(r"<[^>]+>")


@dataclass
class Button:
    """A button the person can press by number."""

    label: str
    message_id: int | None = None
    callback_data: str | None = None
    request_contact: bool = False
    request_location: bool = False


def _read_file(name: str) -> bytes:
    return Path(name).expanduser().read_bytes()


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """Reads the person's lines, sends them as the chosen demo user, prints the bot's replies."""

    def __init__(
        self,
        control: ControlClient,
        people: list[DemoPerson],
        sessions: SessionFactory,
        *,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.control = control
        self.people = people
        self.sessions = sessions
        self.write = write or (lambda text: print(text, flush=True))
        self.person = people[0]
        self.shown: dict[tuple[int, int], str] = {}
        self.buttons: list[Button] = []
        self.household_id: int | None = None
        self._rng = random.Random()

    async def run(self, stop: asyncio.Event) -> None:
        """Serve the person until :quit, end of input, or `stop`."""
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def reader() -> None:  # a daemon thread, so a blocked read never delays exit
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=reader, daemon=True).start()
        self.write(HELP)
        self._list_people()
        self.write(
            f"\nYou are {self._who(self.person)}. Try /start, then #1 to share your number."
        )
        poller = asyncio.create_task(self._poll(stop))
        try:
            while not stop.is_set():
                getter = asyncio.create_task(lines.get())
                stopper = asyncio.create_task(stop.wait())
                done, _ = await asyncio.wait(
                    {getter, stopper}, return_when=asyncio.FIRST_COMPLETED
                )
                stopper.cancel()
                if getter not in done:
                    getter.cancel()
                    break
                line = getter.result()
                if line is None or line.strip() == ":quit":
                    break
                try:
                    await self.handle(line.strip())
                except (ControlError, OSError, ValueError) as error:
                    self.write(f"! {error}")
        finally:
            stop.set()
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    async def handle(self, line: str) -> None:
        """One line typed by the person."""
        uid = self.person.telegram_id
        if not line:
            return
        if line.startswith("#") and line[1:].isdigit():
            await self._press(int(line[1:]))
        elif line.startswith(":"):
            await self._command(shlex.split(line[1:]))
        elif line.startswith("/"):
            command, _, args = line[1:].partition(" ")
            await self.control.send_command(uid, command, args)
        else:
            await self.control.send_text(uid, line)

    async def _command(self, words: list[str]) -> None:
        uid = self.person.telegram_id
        name, args = (words[0], words[1:]) if words else ("help", [])
        if name == "users":
            self._list_people()
        elif name == "as" and args and args[0].isdigit() and 1 <= int(args[0]) <= len(self.people):
            self.person = self.people[int(args[0]) - 1]
            self.shown.clear()
            self.buttons = []
            self.write(f"You are now {self._who(self.person)}.")
        elif name == "contact":
            if args:
                await self.control.send_contact(uid, args[0], own=False, first_name="?")
            else:
                await self.control.send_contact(uid, self.person.phone.removeprefix("+"))
        elif name == "loc":
            if len(args) >= 2:
                lat, lon = float(args[0]), float(args[1])
            else:
                point = await self._near_household(0)
                if point is None:
                    self.write("! no household with a home location: use :loc LAT LON")
                    return
                lat, lon = point.latitude, point.longitude
            accuracy = float(args[2]) if len(args) > 2 else 15.0
            await self.control.send_location(uid, lat, lon, horizontal_accuracy=accuracy)
        elif name in ("photo", "file") and args:
            data = await asyncio.to_thread(_read_file, args[0])
            if name == "photo":
                await self.control.send_photo(uid, data)
            else:
                mime = mimetypes.guess_type(args[0])[0] or "application/octet-stream"
                await self.control.send_document(uid, data, Path(args[0]).name, mime)
        elif name == "camera":
            point = await self._near_household(5000 if args[:1] == ["far"] else 0)
            data = camera_jpeg(
                self._rng.randrange(1_000_000),
                (1600, 1200),
                gps=point,
                taken_at=datetime.now(UTC) - timedelta(minutes=5),
            )
            await self.control.send_document(uid, data, "IMG_CAMERA.jpg", "image/jpeg")
        else:
            self.write(HELP)

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.write(f"! there is no button {number}")
            return
        button = self.buttons[number - 1]
        uid = self.person.telegram_id
        if button.callback_data is not None and button.message_id is not None:
            if button.callback_data.startswith("visit:hh:"):
                self.household_id = int(button.callback_data.rsplit(":", 1)[1])
            await self.control.press_button(uid, button.message_id, button.callback_data)
        elif button.request_contact:
            await self.control.send_contact(uid, self.person.phone.removeprefix("+"))
        elif button.request_location:
            point = await self._near_household(0)
            if point is None:
                self.write("! no household picked: use :loc LAT LON")
                return
            await self.control.send_location(
                uid, point.latitude, point.longitude, horizontal_accuracy=15.0
            )
        else:
            await self.control.send_text(uid, button.label)

    async def _near_household(self, offset_m: float) -> GeoPoint | None:
        """A point within ~40 m of the picked household's home (or `offset_m` away)."""
        async with self.sessions() as session:
            query = (
                select(Household.home_lat, Household.home_lon)
                .join(Pairing, Pairing.household_id == Household.id)
                .join(User, User.id == Pairing.helper_id)
                .where(User.phone == self.person.phone, Household.home_lat.is_not(None))
            )
            if self.household_id is not None:
                query = query.where(Household.id == self.household_id)
            row = (await session.execute(query.limit(1))).first()
        if row is None or row[0] is None or row[1] is None:
            return None
        lat, lon = float(row[0]), float(row[1])
        jitter = (offset_m + self._rng.uniform(0, 40)) / 111_320
        return GeoPoint(lat + jitter, lon + self._rng.uniform(-1, 1) * 40 / 111_320)

    def _who(self, person: DemoPerson) -> str:
        return f"{person.name} ({person.role}, {person.phone}, id {person.telegram_id})"

    def _list_people(self) -> None:
        for i, person in enumerate(self.people, 1):
            self.write(f"  {i:2}. {self._who(person)}")

    async def _poll(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(ControlError, OSError):
                await self._refresh()
            await asyncio.sleep(0.3)

    async def _refresh(self) -> None:
        chat_id = self.person.telegram_id
        messages = await self.control.messages(chat_id)
        fresh: list[dict[str, Any]] = []
        for message in messages:
            key = (chat_id, int(message["message_id"]))
            text = _plain(str(message.get("text") or message.get("caption") or "[media]"))
            if message.get("deleted"):
                text = "[deleted]"
            markup = message.get("reply_markup") or {}
            signature = text + repr(markup)
            if self.shown.get(key) != signature:
                prefix = "✎ " if key in self.shown else ""
                self.shown[key] = signature
                self.write(f"\n🤖 {prefix}{text}")
                fresh.append(message)
        keyboard = await self.control.reply_keyboard(chat_id)
        buttons = self._buttons(messages, keyboard)
        if fresh or [b.label for b in buttons] != [b.label for b in self.buttons]:
            self.buttons = buttons
            for row in self._rows(buttons):
                self.write("   " + "  ".join(f"[#{i}] {b.label}" for i, b in row))

    @staticmethod
    def _rows(buttons: list[Button]) -> list[list[tuple[int, Button]]]:
        """Inline buttons one per line (they are long), keyboard buttons on one line."""
        inline = [[(i, b)] for i, b in enumerate(buttons, 1) if b.callback_data is not None]
        keyboard = [(i, b) for i, b in enumerate(buttons, 1) if b.callback_data is None]
        return inline + ([keyboard] if keyboard else [])

    @staticmethod
    def _buttons(messages: list[dict[str, Any]], keyboard: dict[str, Any] | None) -> list[Button]:
        found: list[Button] = []
        for message in reversed(messages):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard")
            if rows and not message.get("deleted"):
                found += [
                    Button(b["text"], message["message_id"], b.get("callback_data"))
                    for row in rows
                    for b in row
                    if b.get("callback_data")
                ]
                break
        for row in (keyboard or {}).get("keyboard", []):
            for b in row:
                label = b["text"] if isinstance(b, dict) else str(b)
                found.append(
                    Button(
                        label,
                        request_contact=bool(isinstance(b, dict) and b.get("request_contact")),
                        request_location=bool(isinstance(b, dict) and b.get("request_location")),
                    )
                )
        return found
