"""A chat in the terminal: act as any demo user, see the bot's replies and press buttons."""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import random
import shlex
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient, ControlError
from emulator.sandbox.screen import HELP, Button, Screen
from emulator.sandbox.seed import DemoPerson, village_centre
from storage.db import SessionFactory
from storage.queries import demo

# How long one typed line waits for the bot before the next is read; a slower answer still
# shows up, printed by the background refresh.
ANSWER_WAIT = 15.0
# After a button's alert, how long to give the bot to send something as well.
AFTER_ALERT_WAIT = 2.0
_NEAR_M = 40.0


def _read_file(name: str) -> bytes:
    return Path(name).expanduser().read_bytes()


class TerminalChat:
    """Reads the person's lines, sends them as the chosen demo user, prints the bot's replies."""

    def __init__(
        self,
        control: ControlClient,
        people: list[DemoPerson],
        sessions: SessionFactory,
        *,
        write: Callable[[str], None] | None = None,
        echo: bool | None = None,
    ) -> None:
        self.control = control
        self.people = people
        self.sessions = sessions
        out = write or (lambda text: print(text, end="", flush=True))
        # Typed lines are echoed when they come from a file or pipe, so the transcript reads.
        self.echo = (not sys.stdin.isatty()) if echo is None else echo
        self.person = people[0]
        self.screen = Screen(control, out, self._prompt)
        self.household_id: int | None = None
        self._rng = random.Random()

    def _prompt(self) -> str:
        return f"{self.person.name}> "

    async def run(self, stop: asyncio.Event) -> None:
        """Serve the person until :quit, end of input, or `stop`."""
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def reader() -> None:  # a daemon thread, so a blocked read never delays exit
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=reader, daemon=True).start()
        self.screen.say(HELP)
        self._list_people()
        self.screen.say(
            f"\nYou are {self._who(self.person)}. Try /start, then #1 to share your number."
        )
        self.screen.show_prompt()
        poller = asyncio.create_task(self.screen.follow(self.person.telegram_id, stop))
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
                self.screen.typed(line if self.echo else None)
                if line is None or line.strip() == ":quit":
                    break
                try:
                    await self.handle(line.strip())
                except (ControlError, OSError, ValueError) as error:
                    self.screen.say(f"! {error}")
                self.screen.show_prompt()
        finally:
            stop.set()
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    async def handle(self, line: str) -> None:
        """One line typed by the person; waits for the bot's answer before returning."""
        uid = self.person.telegram_id
        if not line:
            return
        if line.startswith("#"):
            await self._press(line[1:])
            return
        if line.startswith(":"):
            if not await self._command(shlex.split(line[1:])):
                return
        elif line.startswith("/"):
            command, _, args = line[1:].partition(" ")
            await self.control.send_command(uid, command, args)
        else:
            await self.control.send_text(uid, line)
        await self._await_answer()

    async def _await_answer(self, seconds: float = ANSWER_WAIT) -> None:
        uid = self.person.telegram_id
        answered = await self.control.wait_answer(uid, timeout=seconds)
        await self.screen.refresh(uid)
        if not answered and seconds >= ANSWER_WAIT:
            self.screen.say("… no answer from the bot yet; it will show here when it comes")

    async def _command(self, words: list[str]) -> bool:
        """A `:command`; True when it sent something to the bot (so an answer is due)."""
        uid = self.person.telegram_id
        name, args = (words[0], words[1:]) if words else ("help", [])
        if name == "users":
            self._list_people()
        elif name == "as" and args and args[0].isdigit() and 1 <= int(args[0]) <= len(self.people):
            self.person = self.people[int(args[0]) - 1]
            self.household_id = None
            self.screen.say(f"You are now {self._who(self.person)}.")
            await self.screen.switch(self.person.telegram_id)
        elif name == "contact":
            if args:
                await self.control.send_contact(uid, args[0], own=False, first_name="?")
            else:
                await self.control.send_contact(uid, self.person.phone.removeprefix("+"))
            return True
        elif name == "loc":
            return await self._share_location(args)
        elif name in ("photo", "file") and args:
            data = await asyncio.to_thread(_read_file, args[0])
            if name == "photo":
                await self.control.send_photo(uid, data)
            else:
                mime = mimetypes.guess_type(args[0])[0] or "application/octet-stream"
                await self.control.send_document(uid, data, Path(args[0]).name, mime)
            return True
        elif name == "camera":
            return await self._camera(far=args[:1] == ["far"])
        else:
            self.screen.say(HELP)
        return False

    async def _share_location(self, args: list[str]) -> bool:
        if len(args) >= 2:
            point: GeoPoint | None = GeoPoint(float(args[0]), float(args[1]))
        else:
            point = await self._near_household(0)
        if point is None:
            return False
        accuracy = float(args[2]) if len(args) > 2 else 15.0
        await self.control.send_location(
            self.person.telegram_id, point.latitude, point.longitude, horizontal_accuracy=accuracy
        )
        return True

    async def _camera(self, *, far: bool) -> bool:
        point = await self._near_household(5000 if far else 0)
        if point is None:
            return False
        data = camera_jpeg(
            self._rng.randrange(1_000_000),
            (1600, 1200),
            gps=point,
            taken_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        await self.control.send_document(
            self.person.telegram_id, data, "IMG_CAMERA.jpg", "image/jpeg"
        )
        return True

    async def _press(self, ref: str) -> None:
        button = self.screen.button(ref)
        if button is None:
            self.screen.say(f"! there is no button #{ref} (see :help for #N and #MSG.N)")
            return
        uid = self.person.telegram_id
        if button.callback_data is not None and button.message_id is not None:
            if button.callback_data.startswith("visit:hh:"):
                self.household_id = int(button.callback_data.rsplit(":", 1)[1])
            query_id = await self.control.press_button(
                uid, button.message_id, button.callback_data
            )
            answers = await self.control.callback_answers(
                callback_query_id=query_id, wait=ANSWER_WAIT
            )
            alert = bool(answers and answers[0].get("text"))
            # A bare alert may be the whole answer: do not wait long for more.
            await self._await_answer(AFTER_ALERT_WAIT if alert else ANSWER_WAIT)
            return
        if button.request_contact:
            await self.control.send_contact(uid, self.person.phone.removeprefix("+"))
        elif button.request_location:
            if not await self._share_location([]):
                return
        else:
            await self.control.send_text(uid, button.label)
        await self._await_answer()

    async def _near_household(self, offset_m: float) -> GeoPoint | None:
        """A point within ~40 m of the household's home, else of its village's centre."""
        async with self.sessions() as session:
            place = await demo.household_place(
                session, household_id=self.household_id, helper_phone=self.person.phone
            )
        if place is None:
            self.screen.say(
                "! no household picked and none paired with you: pick one first, "
                "or use :loc LAT LON"
            )
            return None
        if place.home_lat is not None and place.home_lon is not None:
            centre = GeoPoint(place.home_lat, place.home_lon)
        else:
            found = village_centre(place.township, place.village)
            if found is None:
                self.screen.say(
                    f"! {place.head_name} has no home on file and {place.village}'s centre is "
                    "unknown: use :loc LAT LON"
                )
                return None
            centre = found
            self.screen.say(
                f"(no home on file for {place.head_name}: using the centre of {place.village})"
            )
        return self._jitter(centre, offset_m)

    def _jitter(self, centre: GeoPoint, offset_m: float) -> GeoPoint:
        north = (offset_m + self._rng.uniform(0, _NEAR_M)) / 111_320
        east = self._rng.uniform(-1, 1) * _NEAR_M / 111_320
        return GeoPoint(centre.latitude + north, centre.longitude + east)

    def _who(self, person: DemoPerson) -> str:
        return f"{person.name} ({person.role}, {person.phone}, id {person.telegram_id})"

    def _list_people(self) -> None:
        for i, person in enumerate(self.people, 1):
            self.screen.say(f"  {i:2}. {self._who(person)}")


__all__ = ["Button", "TerminalChat"]
