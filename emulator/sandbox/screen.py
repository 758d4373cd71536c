"""What the terminal chat prints: the bot's messages, their buttons, alerts and the prompt."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.client import ControlClient, ControlError

HELP = """Terminal commands (anything else is sent to the bot as typed, /commands too):
  :users              list the demo people          :as N     act as person N
  :contact            share your own phone number   :contact PHONE   share someone else's
  :loc [LAT LON [ACC]] share a location (default: near the household you picked, or its
                      village's centre when it has no home on file)
  :photo PATH         send a picture as a photo (compressed, EXIF stripped)
  :file PATH          send a file as a document (bytes kept)
  :camera [far]       send a fresh camera photo with GPS near the household (far: 5 km off)
  #N                  press button N of the bot's latest message (or of the keyboard)
  #M.N                press button N of the older message M
  :help               this list                     :quit     leave the sandbox
What the chat shows:
  🤖 [M] text         message M from the bot
  🤖 [M] ✎ text       the bot edited message M; this is its new text
  🤖 [M] 🗑 deleted    the bot deleted message M
     [#N] label       a button of the latest message: type #N to press it
     [#M.N] label     a button of an older message M, as a phone keeps them: type #M.N
     ⌨ [#N] label     a button of the keyboard under the typing box
  💬 text             a notice the bot showed for a button press (a phone shows it on top)
  ⚠ text              an alert the bot showed for a button press (a phone shows it in a box)
  NAME>               the prompt: who you are acting as; type here"""

_TAG = re.compile(r"<[^>]+>")
# How long the background refresh long-polls the chat before looking again.
_FOLLOW_SECONDS = 10.0


@dataclass
class Button:
    """A button the person can press by number."""

    label: str
    message_id: int | None = None
    callback_data: str | None = None
    request_contact: bool = False
    request_location: bool = False


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def _inline(message: dict[str, Any]) -> list[Button]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [
        Button(b["text"], int(message["message_id"]), b.get("callback_data"))
        for row in rows
        for b in row
        if b.get("callback_data")
    ]


def _keyboard(keyboard: dict[str, Any] | None) -> list[Button]:
    found: list[Button] = []
    for row in (keyboard or {}).get("keyboard", []):
        for b in row:
            spec = b if isinstance(b, dict) else {"text": str(b)}
            found.append(
                Button(
                    str(spec["text"]),
                    request_contact=bool(spec.get("request_contact")),
                    request_location=bool(spec.get("request_location")),
                )
            )
    return found


class Screen:
    """Keeps the terminal in step with one chat of the emulator."""

    def __init__(
        self, control: ControlClient, out: Callable[[str], None], prompt: Callable[[], str]
    ) -> None:
        self.control = control
        self.out = out
        self.prompt = prompt
        self.chat_id: int | None = None
        self.shown: dict[int, str] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.buttons: list[Button] = []
        self.answers_seen = 0
        self.at_prompt = False
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ output

    def say(self, text: str) -> None:
        """Print lines, stepping off the prompt line first."""
        if self.at_prompt:
            self.out("\n")
            self.at_prompt = False
        self.out(text + "\n")

    def show_prompt(self) -> None:
        """Print the prompt (once)."""
        if not self.at_prompt:
            self.out(self.prompt())
            self.at_prompt = True

    def typed(self, line: str | None) -> None:
        """The person entered a line; echo it when the terminal did not."""
        if line is not None and self.at_prompt:
            self.out(line + "\n")
        self.at_prompt = False

    # ------------------------------------------------------------ following a chat

    async def switch(self, chat_id: int) -> None:
        """Show another chat: its history, and only alerts that come from now on."""
        async with self._lock:
            self.chat_id = chat_id
            self.shown.clear()
            self.messages.clear()
            self.buttons = []
            self.answers_seen = len(await self.control.callback_answers(user_id=chat_id))
        await self.refresh(chat_id)

    async def follow(self, chat_id: int, stop: asyncio.Event) -> None:
        """Print what the bot sends on its own (reminders, late answers) until `stop`."""
        await self.switch(chat_id)
        version = 0
        while not stop.is_set():
            current = self.chat_id
            if current is None:
                return
            try:
                listing = await self.control.chat(
                    current, since_version=version, timeout=_FOLLOW_SECONDS
                )
                version = int(listing["version"])
                await self.refresh(current)
                if self.chat_id != current:
                    version = 0
                elif version == 0:  # no chat yet, so nothing to wait on: look again soon
                    await asyncio.sleep(0.5)
            except (ControlError, OSError):
                await asyncio.sleep(1.0)

    async def refresh(self, chat_id: int) -> None:
        """Print new and changed messages, new alerts, and the buttons now in reach."""
        async with self._lock:
            if chat_id != self.chat_id:
                return
            with contextlib.suppress(ControlError, OSError):
                await self._refresh(chat_id)

    async def _refresh(self, chat_id: int) -> None:
        messages = await self.control.messages(chat_id)
        keyboard = await self.control.reply_keyboard(chat_id)
        answers = await self.control.callback_answers(user_id=chat_id)
        live = [m for m in messages if not m.get("deleted")]
        latest = int(live[-1]["message_id"]) if live else None
        fresh = False
        for message in messages:
            mid = int(message["message_id"])
            self.messages[mid] = message
            text = _plain(str(message.get("text") or message.get("caption") or "[media]"))
            signature = ("deleted" if message.get("deleted") else text) + repr(
                message.get("reply_markup")
            )
            if self.shown.get(mid) == signature:
                continue
            mark = "✎ " if mid in self.shown else ""
            self.shown[mid] = signature
            fresh = True
            if message.get("deleted"):
                self.say(f"\n🤖 [{mid}] 🗑 deleted")
                continue
            self.say(f"\n🤖 [{mid}] {mark}{text}")
            if mid != latest:
                for n, button in enumerate(_inline(message), 1):
                    self.say(f"   [#{mid}.{n}] {button.label}")
        for answer in answers[self.answers_seen :]:
            if answer.get("text"):
                self.say(f"{'⚠' if answer.get('show_alert') else '💬'} {answer['text']}")
        self.answers_seen = len(answers)
        buttons = (_inline(self.messages[latest]) if latest is not None else []) + _keyboard(
            keyboard
        )
        if fresh or [b.label for b in buttons] != [b.label for b in self.buttons]:
            self.buttons = buttons
            self._print_buttons()

    def _print_buttons(self) -> None:
        inline = [(i, b) for i, b in enumerate(self.buttons, 1) if b.callback_data is not None]
        keys = [(i, b) for i, b in enumerate(self.buttons, 1) if b.callback_data is None]
        for i, b in inline:  # inline buttons one per line: their labels are long
            self.say(f"   [#{i}] {b.label}")
        if keys:
            self.say("   ⌨ " + "  ".join(f"[#{i}] {b.label}" for i, b in keys))

    # ------------------------------------------------------------ pressing

    def button(self, ref: str) -> Button | None:
        """The button `#N` (latest message or keyboard) or `#M.N` (message M) names."""
        head, dot, tail = ref.partition(".")
        if not head.isdigit() or (dot and not tail.isdigit()):
            return None
        if dot:
            message = self.messages.get(int(head))
            found = _inline(message) if message and not message.get("deleted") else []
            n = int(tail)
        else:
            found, n = self.buttons, int(head)
        return found[n - 1] if 1 <= n <= len(found) else None
