"""Property-based: any sequence of updates, in any conversation state, is answered without error.

The real application runs in this process against an in-process emulator (which validates
every Bot API call); hypothesis generates sequences of updates of every kind: texts up to
Telegram's limit, commands with any arguments, visible, stale and forged button presses,
locations anywhere, photos, broken files, and message kinds no handler expects (stickers,
dice, video notes, audio, animations, blank texts, edited messages). Each update must be
answered (a message, an edit, or a callback answer), the error handler must never run, and
no call may be rejected.
`BANGFU_RELIABILITY_LONG=1` generates many more examples.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.app import build_application, polling
from bot.config import Settings
from bot.domain.vocabulary import OrgKind, Role
from emulator.actions import ControlError
from emulator.server import Emulator
from storage.db import create_engine, session_factory
from storage.models import Household, OrgUnit, Pairing, User
from tests.conftest import TEST_KEY, shared_factory
from tests.reliability.conftest import LONG

T = TypeVar("T")
TOKEN = "777777:PROPERTY"
HELPER, OFFICE, STRANGER = 880_001, 880_002, 880_003
EXAMPLES = 200 if LONG else 25
WAIT = 15.0
_ids = itertools.count(1)


@dataclass
class Harness:
    """The emulator and the bot running in a background event loop."""

    loop: asyncio.AbstractEventLoop
    emulator: Emulator
    household_id: int
    errors: list[str] = field(default_factory=list)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine in the harness's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT * 4)


class _ErrorSpy(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


async def _seed(db_url: str) -> int:
    engine = create_engine(db_url)
    async with session_factory(engine)() as session, session.begin():
        county = OrgUnit(kind=OrgKind.COUNTY, name="性質縣", path="/")
        session.add(county)
        await session.flush()
        village = OrgUnit(kind=OrgKind.VILLAGE, name="性質村", parent_id=county.id, path="/")
        session.add(village)
        await session.flush()
        helper = User(name="性質", phone="+8613900880001", role=Role.HELPER, telegram_id=HELPER)
        office = User(name="辦公", phone="+8613900880002", role=Role.OFFICE, telegram_id=OFFICE)
        household = Household(
            head_name="性質戶", members=2, village_id=village.id, home_lat=26.58, home_lon=106.71
        )
        session.add_all([helper, office, household])
        await session.flush()
        session.add(
            Pairing(helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1))
        )
        household_id = household.id
    await engine.dispose()
    return household_id


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """Start the emulator and the bot in a thread of their own; stop them afterwards."""
    workdir = tmp_path_factory.mktemp("properties")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stop = asyncio.Event()
    ready: asyncio.Future[Harness] = loop.create_future()

    async def main() -> None:
        db_url = await shared_factory("sqlite", workdir).migrated()
        household_id = await _seed(db_url)
        emulator = Emulator(bot_token=TOKEN)
        await emulator.start()
        for uid, name in ((HELPER, "性質"), (OFFICE, "辦公"), (STRANGER, "陌生")):
            emulator.actions.create_user({"user_id": uid, "first_name": name})
        config = Settings(  # type: ignore[call-arg]
            _env_file=None,
            token=TOKEN,
            api_url=emulator.root_url,
            database_url=db_url,
            data_dir=workdir / "data",
            id_hash_key=TEST_KEY,
            reminders_in_bot=False,
        )
        app = build_application(config)
        harness = Harness(loop, emulator, household_id)
        spy = _ErrorSpy(harness.errors)
        logging.getLogger("handlers").addHandler(spy)
        try:
            async with polling(app):
                ready.set_result(harness)
                await stop.wait()
        finally:
            logging.getLogger("handlers").removeHandler(spy)
            await emulator.stop()

    task = asyncio.run_coroutine_threadsafe(main(), loop)
    harness = asyncio.run_coroutine_threadsafe(_wait(ready), loop).result(120)
    try:
        yield harness
    finally:
        loop.call_soon_threadsafe(stop.set)
        task.result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


async def _wait(ready: asyncio.Future[Harness]) -> Harness:
    return await ready


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16 + seed % 40, 16), (seed % 255, 60, 90)).save(out, "PNG")
    return out.getvalue()


_file_ids = itertools.count(1)


def _file(extra: dict[str, Any]) -> dict[str, Any]:
    n = next(_file_ids)
    return {"file_id": f"PROPFILE{n}", "file_unique_id": f"propuniq{n}", **extra}


# Message kinds no conversation step takes; their content only needs to parse.
ODD_CONTENT: list[dict[str, Any]] = [
    {
        "sticker": _file(
            {
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "😀",
            }
        )
    },
    {"dice": {"emoji": "🎲", "value": 4}},
    {"video_note": _file({"length": 240, "duration": 3})},
    {"animation": _file({"width": 100, "height": 100, "duration": 2})},
    {"audio": _file({"duration": 30, "title": "歌"})},
    {"contact": {"phone_number": "+12025550123", "first_name": "Stranger"}},
    {"venue": {"location": {"latitude": 0.0, "longitude": 0.0}, "title": "", "address": ""}},
    {"text": "   "},
]

USERS = st.sampled_from([HELPER, HELPER, HELPER, OFFICE, STRANGER])
COMMANDS = st.sampled_from(
    [
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
        "x",
    ]
)
PREFIXES = st.sampled_from(["visit:hh:", "visit:ok:", "visit:", "hh:", "flag:", "page:", ""])
FORGED = st.one_of(
    st.builds(lambda p, n: f"{p}{n}", PREFIXES, st.integers(-(10**12), 10**12)),
    st.text(min_size=1, max_size=64),
)
ACTIONS = st.one_of(
    st.tuples(st.just("text"), USERS, st.text(min_size=1, max_size=4096)),
    st.tuples(st.just("command"), USERS, COMMANDS, st.text(max_size=80)),
    st.tuples(st.just("visible"), st.just(HELPER), st.integers(0, 50)),
    st.tuples(st.just("forged"), USERS, FORGED),
    st.tuples(
        st.just("location"),
        USERS,
        st.floats(-90, 90, allow_nan=False),
        st.floats(-180, 180, allow_nan=False),
    ),
    st.tuples(st.just("photo"), USERS, st.integers(0, 1000)),
    st.tuples(
        st.just("document"),
        USERS,
        st.binary(max_size=400),
        st.sampled_from(
            [
                ("a.jpg", "image/jpeg"),
                ("b.png", "image/png"),
                ("c.pdf", "application/pdf"),
                ("d", "application/octet-stream"),
                ("e.heic", "image/heic"),
            ]
        ),
    ),
    st.tuples(st.just("odd"), USERS, st.integers(0, len(ODD_CONTENT) - 1)),
    st.tuples(st.just("edited"), USERS, st.text(min_size=1, max_size=200)),
)


async def _act(h: Harness, action: tuple[Any, ...]) -> str | None:
    """Deliver one generated update; a description of what went unanswered, if anything."""
    kind, uid = action[0], action[1]
    actions = h.emulator.actions
    bot = h.emulator.world.bots[TOKEN]
    spec: dict[str, Any] = {"user_id": uid}
    if kind == "text":
        if not action[2].strip():
            return None
        actions.send_text({**spec, "text": action[2]})
    elif kind == "command":
        actions.send_command({**spec, "command": action[2], "args": action[3].strip()})
    elif kind in ("visible", "forged"):
        chat = bot.chats.get(uid)
        mine = [m for m in (chat.messages.values() if chat else []) if m.from_bot]
        with_buttons = [m for m in mine if not m.deleted and m.callback_buttons()]
        if kind == "visible" and with_buttons:
            message = with_buttons[-1 - action[2] % min(3, len(with_buttons))]
            buttons = message.callback_buttons()
            data = buttons[action[2] % len(buttons)][1]
            mid = message.data["message_id"]
        elif kind == "visible":
            return None
        else:
            data = action[2]
            mid = mine[-1].data["message_id"] if mine else 1
        pressed = actions.press_button(
            {**spec, "message_id": mid, "callback_data": data, "force": True}
        )
        answer = await bot.wait_callback_answer(pressed["callback_query_id"], WAIT)
        return None if answer is not None else f"press {data!r} never answered"
    elif kind == "location":
        actions.send_location({**spec, "latitude": action[2], "longitude": action[3]})
    elif kind == "photo":
        await actions.send_photo(spec, _png(action[2]))
    elif kind == "document":
        name, mime = action[3]
        await actions.send_document({**spec, "filename": name, "mime_type": mime}, action[2])
    elif kind == "odd":
        actions.deliver(spec, dict(ODD_CONTENT[action[2]]))
    elif kind == "edited":
        sent = actions.send_text({**spec, "text": "原文"})
        chat = bot.chats[uid]
        if not await chat.wait_answer(WAIT):
            return "no answer to a text"
        edited = {**sent["message"], "text": action[2], "edit_date": sent["message"]["date"]}
        bot.push(h.emulator.world.next_update_id(), "edited_message", edited)
        # An edit of a sent message needs no answer; it must only cause no error.
        await asyncio.sleep(0.05)
        return None
    chat = bot.chats[uid]
    if not await chat.wait_answer(WAIT):
        return f"no answer to {kind}"
    return None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(ACTIONS, min_size=1, max_size=8))
def test_any_updates_in_any_state_are_answered_without_error(
    harness: Harness, sequence: list[tuple[Any, ...]]
) -> None:
    before = dict(harness.emulator.status_counts)

    async def play() -> list[str]:
        problems = []
        for action in sequence:
            try:
                problem = await _act(harness, action)
            except ControlError:
                # The emulator refused to create this update (an empty file, say): no update.
                continue
            if problem:
                problems.append(problem)
        return problems

    problems = harness.run(play())
    assert problems == []
    assert harness.errors == []
    rejected = {
        code: n - before.get(code, 0)
        for code, n in harness.emulator.status_counts.items()
        if code != 200 and n > before.get(code, 0)
    }
    assert rejected == {}
