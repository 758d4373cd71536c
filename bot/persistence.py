"""python-telegram-bot persistence in our database: restarts resume open conversations.

Conversation steps, user data and chat data go through the unit of work into the
`conversation_states`, `user_states` and `chat_states` tables as JSON (`bot.state_codec`).
python-telegram-bot hands changes over every `update_interval` seconds; the changes of one
round are written in one transaction, and values that did not change are not written at all
(an update that touches nothing of a user's data costs no write, which also keeps the
anonymous /report conversation out of these tables). Rows untouched for longer than `ttl`
are forgotten.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import BasePersistence, ConversationHandler, PersistenceInput

from bot.state_codec import StateCodec, StateCodecError
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

Data = dict[Any, Any]
# The shapes BasePersistence's methods take; python-telegram-bot's own names for them live in
# a private module, so they are spelled out here.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
# Expired rows are also swept while the bot runs, at most this often.
PURGE_EVERY = timedelta(hours=1)


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Keeps conversations, user data and chat data in the database (never bot data)."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        codec: StateCodec,
        *,
        ttl: timedelta,
        clock: Callable[[], datetime],
        update_interval: float = 1.0,
        ready: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._uow = uow
        self._codec = codec
        self._ttl = ttl
        self._clock = clock
        self._conversations: dict[str, ConversationDict] | None = None
        # What was last written (a hash of the JSON), so that unchanged values are skipped.
        self._written: dict[tuple[str, object], int | None] = {}
        self._pending_conversations: dict[tuple[str, str], str | None] = {}
        self._pending_users: dict[int, str | None] = {}
        self._pending_chats: dict[int, str | None] = {}
        self._writer: asyncio.Task[None] | None = None
        self._last_purge: datetime | None = None
        # Awaited before the first read: the application loads state before post_init runs,
        # so the tables have to be migrated by then.
        self._ready = ready
        # A conversation's own timeout: python-telegram-bot's timeout job dies with the
        # process, so a conversation idle for longer is not brought back.
        self._timeouts: dict[str, timedelta] = {}

    def expire_conversation(self, name: str, after: timedelta) -> None:
        """Do not resume conversation `name` once it has been idle for `after`."""
        self._timeouts[name] = after

    @property
    def timeouts(self) -> dict[str, timedelta]:
        """Each conversation's idle time after which it is not resumed."""
        return dict(self._timeouts)

    def follow_timeouts(self, handlers: Iterable[object]) -> None:
        """Expire each persistent conversation among `handlers` after its own timeout."""
        for handler in handlers:
            if isinstance(handler, ConversationHandler) and handler.persistent and handler.name:
                timeout = handler.conversation_timeout
                if isinstance(timeout, int | float):
                    timeout = timedelta(seconds=timeout)
                if timeout is not None:
                    self.expire_conversation(handler.name, timeout)

    # ------------------------------------------------------------------ loading at start

    async def get_conversations(self, name: str) -> ConversationDict:
        """The open conversations of one handler, as stored."""
        if self._conversations is None:
            self._conversations = await self._load_conversations()
        return dict(self._conversations.get(name, {}))

    async def get_user_data(self) -> dict[int, Data]:
        """Every user's data, as stored."""
        await self._prepare()
        async with self._uow() as uow:
            rows = await uow.state.users(self._clock() - self._ttl)
        return self._decode_all("user", rows)

    async def get_chat_data(self) -> dict[int, Data]:
        """Every chat's data, as stored."""
        await self._prepare()
        async with self._uow() as uow:
            rows = await uow.state.chats(self._clock() - self._ttl)
        return self._decode_all("chat", rows)

    async def get_bot_data(self) -> Data:
        """Bot data holds the runtime, which is built at start, never stored."""
        return {}

    async def get_callback_data(self) -> CDCData | None:
        """Callback data is not arbitrary here: nothing to restore."""
        return None

    async def _prepare(self) -> None:
        if self._ready is not None:
            ready, self._ready = self._ready, None
            await ready()

    async def _load_conversations(self) -> dict[str, ConversationDict]:
        await self._prepare()
        now = self._clock()
        async with self._uow() as uow:
            # The start is the natural moment to forget what nobody came back to.
            await uow.state.purge(now - self._ttl)
            rows = await uow.state.conversations(now - self._ttl)
            await uow.commit()
        self._last_purge = now
        loaded: dict[str, ConversationDict] = {}
        for name, key_text, state_text, written in rows:
            timeout = self._timeouts.get(name)
            if timeout is not None and written < now - timeout:
                # Ended as its timeout would have ended it; the row goes with the next round.
                self._pending_conversations[(name, key_text)] = None
                continue
            try:
                key = tuple(json.loads(key_text))
                state = self._codec.loads(state_text)
            except (ValueError, TypeError) as error:
                log.warning("conversation %s: a stored state is unreadable (%s)", name, error)
                continue
            loaded.setdefault(name, {})[key] = state
            self._written[(f"conversation:{name}", key_text)] = _digest(state_text)
        return loaded

    def _decode_all(self, kind: str, rows: dict[int, str]) -> dict[int, Data]:
        out: dict[int, Data] = {}
        for ident, text in rows.items():
            try:
                value = self._codec.loads(text)
            except (StateCodecError, ValueError, TypeError) as error:
                # A draft of an older release is dropped, not fatal: the conversation then
                # tells the user it was interrupted.
                log.warning("%s data of %s is unreadable and is dropped (%s)", kind, ident, error)
                continue
            if isinstance(value, dict):
                out[ident] = value
                self._written[(kind, ident)] = _digest(text)
        return out

    # ------------------------------------------------------------------ changes

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Remember a conversation's new step (None: it ended)."""
        key_text = json.dumps(list(key), separators=(",", ":"))
        text = None if new_state is None else self._codec.dumps(new_state)
        if self._queue(
            self._pending_conversations, f"conversation:{name}", (name, key_text), text
        ):
            await self._write_soon()

    async def update_user_data(self, user_id: int, data: Data) -> None:
        """Remember a user's data if it changed."""
        text = self._codec.dumps(data) if data else None
        if self._queue(self._pending_users, "user", user_id, text):
            await self._write_soon()

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        """Remember a chat's data if it changed."""
        text = self._codec.dumps(data) if data else None
        if self._queue(self._pending_chats, "chat", chat_id, text):
            await self._write_soon()

    async def update_bot_data(self, data: Data) -> None:
        """Bot data is never stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Callback data is never stored."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forget a user's data."""
        if self._queue(self._pending_users, "user", user_id, None):
            await self._write_soon()

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget a chat's data."""
        if self._queue(self._pending_chats, "chat", chat_id, None):
            await self._write_soon()

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Nothing: one process owns a chat's state (docs/architecture.md)."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Nothing: one process owns a chat's state (docs/architecture.md)."""

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Nothing: bot data is built at start."""

    async def flush(self) -> None:
        """Write whatever is still pending (the application calls this when it stops)."""
        if self._writer is not None:
            await asyncio.shield(self._writer)
        while await self._write():
            pass

    # ------------------------------------------------------------------ writing

    def _queue(
        self, pending: dict[Any, str | None], kind: str, ident: Any, text: str | None
    ) -> bool:
        """Queue a value unless it is what is already queued or stored; whether it was."""
        if ident in pending:
            if pending[ident] == text:
                return False
        elif self._written.get((kind, self._ident(ident))) == _digest(text):
            return False
        pending[ident] = text
        return True

    @staticmethod
    def _ident(ident: Any) -> object:
        return ident[1] if isinstance(ident, tuple) else ident

    async def _write_soon(self) -> None:
        """Join the round's one write; python-telegram-bot calls every update_* at once."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_after_round())
        await asyncio.shield(self._writer)

    async def _write_after_round(self) -> None:
        # Let the other update_* calls of this round add their changes first.
        await asyncio.sleep(0)
        # Changes queued while a batch was being written go in the next batch of this task.
        while await self._write():
            pass

    async def _write(self) -> bool:
        """Write what is pending in one transaction; whether anything was written."""
        conversations, self._pending_conversations = self._pending_conversations, {}
        users, self._pending_users = self._pending_users, {}
        chats, self._pending_chats = self._pending_chats, {}
        if not (conversations or users or chats):
            return False
        now = self._clock()
        try:
            async with self._uow() as uow:
                await uow.state.save(now, conversations=conversations, users=users, chats=chats)
                if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
                    await uow.state.purge(now - self._ttl)
                    self._last_purge = now
                await uow.commit()
        except Exception:
            # Keep the changes for the next round unless newer ones replaced them meanwhile.
            log.exception("conversation state could not be written; retrying next round")
            _requeue(self._pending_conversations, conversations)
            _requeue(self._pending_users, users)
            _requeue(self._pending_chats, chats)
            return False
        for (name, key_text), text in conversations.items():
            self._remember(f"conversation:{name}", key_text, text)
        for user_id, text in users.items():
            self._remember("user", user_id, text)
        for chat_id, text in chats.items():
            self._remember("chat", chat_id, text)
        return True

    def _remember(self, kind: str, ident: object, text: str | None) -> None:
        if text is None:
            self._written.pop((kind, ident), None)
        else:
            self._written[(kind, ident)] = _digest(text)


def _digest(text: str | None) -> int | None:
    return None if text is None else hash(text)


def _requeue(pending: dict[Any, str | None], failed: dict[Any, str | None]) -> None:
    for ident, text in failed.items():
        pending.setdefault(ident, text)
