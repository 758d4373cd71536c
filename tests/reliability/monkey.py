"""A seeded random user of the real bot, through the emulator: whatever it does, it is answered.

In whatever state its conversations are, each simulated user presses a visible button, a
stale one or a forged one, taps a reply-keyboard label, or sends any kind of message (text
of every length, commands, menu labels, locations, photos, files good and broken, contacts,
forwards, voice, venues). After every action the bot must answer: a message must get a
reply or an edit, a button press an answerCallbackQuery. The caller checks afterwards that
the emulator rejected none of the bot's calls.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from emulator.client import ControlClient, ControlError

JSON = dict[str, Any]
TEXT_MAX = 4096
COMMANDS = (
    "start",
    "help",
    "visit",
    "cancel",
    "myvisits",
    "flags",
    "invite",
    "report",
    "track",
    "quota",
    "remind",
    "language",
    "household",
    "nosuchcommand",
)
START_ARGS = ("visit_1", "visit_999999", "visit_abc", "inv_deadbeef", "x" * 64, "")
FORGED = (
    "visit:hh:999999",
    "visit:hh:-1",
    "visit:ok:forged",
    "visit:hh:abc",
    "hh:999999",
    "page:999:999",
    "flag:clear:999999",
    ":::",
    "\u202e\u200b",
)
ALPHABET = "走访农户情况正常abcXYZ 0123456789<>&*_`[]()~#+-=|{}.!\n\t😀👨‍👩‍👧\u200b\u202e"
TEXT_LENGTHS = (1, 3, 20, 120, 1000, 3999, 4000, 4096, 4097, 9000)


@dataclass
class Report:
    """What the monkey did and what went wrong."""

    actions: Counter[str] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32 + seed % 50, 24), (seed % 255, 90, 140)).save(out, "PNG")
    return out.getvalue()


def _buttons(message: JSON) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [
        str(b["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]


class Monkey:
    """One seeded random tester; `run` drives one user for a number of steps."""

    def __init__(self, control: ControlClient, seed: int, *, wait: float = 20.0) -> None:
        self.control = control
        self.rng = random.Random(seed)
        self.wait = wait
        self.report = Report()
        self.labels: set[str] = set()
        self._pressed: dict[int, list[tuple[int, str]]] = {}

    async def run(self, uid: int, steps: int) -> None:
        """Act `steps` times as user `uid`, checking each action is answered."""
        for _ in range(steps):
            await self.step(uid)

    async def step(self, uid: int) -> None:
        """One random action and its check."""
        kind = self.rng.choice(
            (
                "visible",
                "visible",
                "visible",
                "stale",
                "forged",
                "keyboard",
                "keyboard",
                "menu",
                "text",
                "text",
                "command",
                "command",
                "location",
                "photo",
                "document",
                "contact",
                "forward",
                "voice",
                "venue",
            )
        )
        self.report.actions[kind] += 1
        try:
            await getattr(self, f"_{kind}")(uid)
        except ControlError as exc:
            # The emulator refused what the simulated user tried (e.g. nothing to forward):
            # that is the tester's own doing, not the bot's.
            self.report.actions[f"{kind}:not possible"] += 1
            if exc.status >= 500:
                self.report.findings.append(f"{uid} {kind}: emulator error {exc}")

    # ------------------------------------------------------------ checks

    async def _answered(self, uid: int, what: str) -> None:
        if not await self.control.wait_answer(uid, self.wait):
            self.report.findings.append(f"{uid}: no answer to {what}")

    async def _press(self, uid: int, message_id: int, data: str, *, force: bool) -> None:
        qid = await self.control.press_button(uid, message_id, data, force=force)
        answers = await self.control.callback_answers(callback_query_id=qid, wait=self.wait)
        if not answers:
            self.report.findings.append(f"{uid}: press of {data!r} never answered")
        # The press may also start an edit or a reply: give it a moment to land before the
        # next action (a press answered by the notice alone leaves nothing else to wait for).
        await self.control.wait_answer(uid, 1.0)

    async def _bot_messages(self, uid: int) -> list[JSON]:
        return [m for m in await self.control.messages(uid) if not m.get("deleted")]

    # ------------------------------------------------------------ actions

    async def _visible(self, uid: int) -> None:
        recent = [m for m in (await self._bot_messages(uid))[-3:] if _buttons(m)]
        if not recent:
            await self._command(uid)
            return
        message = self.rng.choice(recent)
        data = self.rng.choice(_buttons(message))
        self._pressed.setdefault(uid, []).append((int(message["message_id"]), data))
        await self._press(uid, int(message["message_id"]), data, force=False)

    async def _stale(self, uid: int) -> None:
        pressed = self._pressed.get(uid)
        if not pressed:
            await self._forged(uid)
            return
        message_id, data = self.rng.choice(pressed)
        await self._press(uid, message_id, data, force=True)

    async def _forged(self, uid: int) -> None:
        messages = await self._bot_messages(uid)
        message_id = int(messages[-1]["message_id"]) if messages else 1
        data = self.rng.choice(FORGED)
        seen = self._pressed.get(uid)
        if seen and self.rng.random() < 0.5:
            # A real prefix with another number: someone else's record or a made-up one.
            prefix = seen[-1][1].rpartition(":")[0]
            data = f"{prefix}:{self.rng.randint(0, 10**9)}"
        await self._press(uid, message_id, data[:64], force=True)

    async def _keyboard(self, uid: int) -> None:
        keyboard = await self.control.reply_keyboard(uid)
        labels = [
            str(b["text"] if isinstance(b, dict) else b)
            for row in (keyboard or {}).get("keyboard", [])
            for b in row
        ]
        if not labels:
            await self._text(uid)
            return
        self.labels.update(labels)
        label = self.rng.choice(labels)
        await self.control.press_keyboard(uid, label, lat=26.58, lon=106.71)
        await self._answered(uid, f"keyboard {label!r}")

    async def _menu(self, uid: int) -> None:
        if not self.labels:
            await self._keyboard(uid)
            return
        label = self.rng.choice(sorted(self.labels))
        await self.control.send_text(uid, label)
        await self._answered(uid, f"menu label {label!r} typed")

    async def _text(self, uid: int) -> None:
        length = self.rng.choice(TEXT_LENGTHS)
        text = "".join(self.rng.choice(ALPHABET) for _ in range(length)).strip() or "x"
        # Telegram's apps cut a longer text into parts of 4,096 and send them together.
        parts = [text[i : i + TEXT_MAX] for i in range(0, len(text), TEXT_MAX)]
        for part in parts:
            await self.control.send_text(uid, part.strip() or ".")
            await self._answered(uid, f"text of {len(part)} characters")

    async def _command(self, uid: int) -> None:
        command = self.rng.choice(COMMANDS)
        args = self.rng.choice(START_ARGS) if command == "start" else None
        if command != "start" and self.rng.random() < 0.2:
            args = "extra words 123"
        await self.control.send_command(uid, command, args or "")
        await self._answered(uid, f"/{command} {args or ''}")

    async def _location(self, uid: int) -> None:
        lat = self.rng.uniform(-90, 90) if self.rng.random() < 0.3 else 26.58
        lon = self.rng.uniform(-180, 180) if self.rng.random() < 0.3 else 106.71
        await self.control.send_location(
            uid, lat, lon, horizontal_accuracy=self.rng.choice([1, 15, 900, 1500])
        )
        await self._answered(uid, "location")

    async def _photo(self, uid: int) -> None:
        await self.control.send_photo(uid, _png(self.rng.randint(0, 10_000)))
        await self._answered(uid, "photo")

    async def _document(self, uid: int) -> None:
        choice = self.rng.randint(0, 3)
        if choice == 0:
            data, name, mime = b"\xff\xd8\xff\xe0broken jpeg", "IMG_1.jpg", "image/jpeg"
        elif choice == 1:
            data, name, mime = _png(self.rng.randint(0, 99)), "scan.png", "image/png"
        elif choice == 2:
            data, name, mime = b"%PDF-1.4 not really", "note.pdf", "application/pdf"
        else:
            data, name, mime = self.rng.randbytes(512), "x.bin", "application/octet-stream"
        await self.control.send_document(uid, data, name, mime)
        await self._answered(uid, f"document {name}")

    async def _contact(self, uid: int) -> None:
        if self.rng.random() < 0.5:
            await self.control.send_contact(uid, f"+86139{uid % 100_000_000:08d}")
        else:
            await self.control.send_contact(uid, "+8613800000000", own=False, first_name="別人")
        await self._answered(uid, "contact")

    async def _forward(self, uid: int) -> None:
        messages = await self._bot_messages(uid)
        if not messages:
            await self._text(uid)
            return
        await self.control.forward(uid, uid, int(self.rng.choice(messages)["message_id"]))
        await self._answered(uid, "forward")

    async def _voice(self, uid: int) -> None:
        await self.control.send_voice(uid, b"OggS" + self.rng.randbytes(64), 2)
        await self._answered(uid, "voice")

    async def _venue(self, uid: int) -> None:
        await self.control.send_venue(uid, 26.58, 106.71, "村委会", "某村一组")
        await self._answered(uid, "venue")
