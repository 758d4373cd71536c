"""In-memory world of the emulator: users, bots, chats, messages, update queues and files."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Telegram leaves these out unless a bot asks for them explicitly.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_KEPT_UPDATES = 100_000


@dataclass
class UserRec:
    """A simulated Telegram account."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None
    is_bot: bool = False
    hide_forwards: bool = False

    def json(self) -> JSON:
        """The User object."""
        out: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code and not self.is_bot:
            out["language_code"] = self.language_code
        return out

    def private_chat(self) -> JSON:
        """The Chat object of the private chat with this user."""
        out: JSON = {"id": self.id, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        out["type"] = "private"
        return out

    def full_name(self) -> str:
        """First and last name joined, as clients show it."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class StoredMessage:
    """A message in a chat, its earlier versions and whether it was deleted."""

    data: JSON
    from_bot: bool
    history: list[JSON] = field(default_factory=list)
    deleted: bool = False
    # How the bot sent it (method, parse_mode, disable_notification, ...); control API only.
    meta: JSON = field(default_factory=dict)

    def callback_buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button on the current version."""
        markup = self.data.get("reply_markup") or {}
        return [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", ())
            for b in row
            if "callback_data" in b
        ]

    def control_view(self) -> JSON:
        """The message as the control API shows it."""
        view = dict(self.data)
        view["deleted"] = self.deleted
        view["history"] = self.history
        view["from_bot"] = self.from_bot
        if self.meta:
            view["delivery"] = self.meta
        return view


class ChatState:
    """One chat between a bot and a user (or a group the bot is in)."""

    __slots__ = (
        "_changed",
        "awaiting_bot",
        "chat",
        "id",
        "last_user_message_id",
        "messages",
        "next_message_id",
        "reply_keyboard",
        "started",
        "type",
        "version",
    )

    def __init__(self, chat: JSON) -> None:
        self.id: int = chat["id"]
        self.chat = chat
        self.type: str = chat["type"]
        self.messages: dict[int, StoredMessage] = {}
        self.next_message_id = 1
        self.last_user_message_id = 0
        self.started = False
        self.reply_keyboard: JSON | None = None
        self.version = 0
        # True from a user's message or button press until the bot sends, edits or deletes.
        self.awaiting_bot = False
        # Created only while someone waits, so that storing a message stays cheap.
        self._changed: asyncio.Event | None = None

    def add(self, msg: StoredMessage) -> None:
        """Store a message and wake those waiting for this chat to change."""
        self.messages[msg.data["message_id"]] = msg
        self.awaiting_bot = not msg.from_bot
        self.touch()

    def user_pressed(self) -> None:
        """A user pressed a button here: the chat now waits for the bot's answer."""
        self.awaiting_bot = True

    def bot_changed(self) -> None:
        """The bot edited or deleted something here: that answers the user's last action."""
        self.awaiting_bot = False
        self.touch()

    def new_message_id(self) -> int:
        """Next message id in this chat."""
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def touch(self) -> None:
        """Mark the chat changed."""
        self.version += 1
        event, self._changed = self._changed, None
        if event is not None:
            event.set()

    async def wait_change(self, version: int, seconds: float) -> None:
        """Wait until the chat's version passes `version`, or the timeout."""
        if self.version > version:
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)

    @property
    def watched(self) -> bool:
        """Whether someone is waiting for this chat to change."""
        return self._changed is not None

    async def wait_answer(self, seconds: float) -> bool:
        """Wait until the bot has answered the user's last action; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # A user's own message also changes the chat, so wake, look, and wait again.
        while self.awaiting_bot:
            left = deadline - loop.time()
            if left <= 0:
                return False
            await self.wait_change(self.version, left)
        return True


@dataclass
class FileRec:
    """A stored file, reachable by file_id and by file_path."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def file_json(self) -> JSON:
        """The File object (file_path only when downloadable)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


class FileStore:
    """Every file users and bots sent, by id and by path."""

    def __init__(self) -> None:
        self.by_id: dict[str, FileRec] = {}
        self.by_path: dict[str, FileRec] = {}
        self._n = itertools.count(1)

    def add(self, data: bytes, folder: str, ext: str, mime: str | None, prefix: str) -> FileRec:
        """Store bytes and give them a fresh file_id."""
        n = next(self._n)
        rec = FileRec(
            file_id=prefix + secrets.token_urlsafe(40),
            file_unique_id="AQAD" + secrets.token_urlsafe(10),
            data=data,
            file_path=f"{folder}/file_{n}.{ext}",
            mime_type=mime,
        )
        self.by_id[rec.file_id] = rec
        self.by_path[rec.file_path] = rec
        return rec


@dataclass
class CallbackRec:
    """A callback query awaiting the bot's answer."""

    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str
    created: float
    answer: JSON | None = None


@dataclass
class WebhookState:
    """A webhook set by setWebhook, and its delivery record."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


class BotState:
    """One bot account: identity, update queue, chats, commands, webhook."""

    def __init__(self, token: str, user: UserRec) -> None:
        self.token = token
        self.user = user
        self.user_json = user.json()
        self.me: JSON = {
            **self.user_json,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.updates: deque[tuple[int, str, JSON]] = deque()
        self._arrived = asyncio.Event()
        self.allowed: frozenset[str] | None = None
        self.webhook: WebhookState | None = None
        self.webhook_wakeup = asyncio.Event()
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.chats: dict[int, ChatState] = {}
        self.callbacks: dict[str, CallbackRec] = {}
        self.callback_answers: list[JSON] = []
        self._answered = asyncio.Event()
        self.answer_waiters = 0  # control-API requests parked in wait_callback_answer
        self.poll_generation = 0
        # Redelivery (a webhook retrying, /control/redelivery): every update is queued twice,
        # and every other one's second copy only after the next update, out of order.
        self.redeliver = False
        self._late_copy: tuple[int, str, JSON] | None = None

    def record_answer(self, answer: JSON) -> None:
        """Keep an answerCallbackQuery call and wake those waiting for it."""
        self.callbacks[answer["callback_query_id"]].answer = answer
        self.callback_answers.append(answer)
        event, self._answered = self._answered, asyncio.Event()
        event.set()

    async def wait_callback_answer(self, query_id: str, seconds: float) -> JSON | None:
        """The bot's answer to a callback query, waiting up to `seconds` for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            rec = self.callbacks.get(query_id)
            if rec is None or rec.answer is not None:
                return rec.answer if rec else None
            left = deadline - loop.time()
            if left <= 0:
                return None
            self.answer_waiters += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._answered.wait(), left)
            finally:
                self.answer_waiters -= 1

    def accepts(self, kind: str) -> bool:
        """Whether the bot's allowed_updates lets this kind of update be created."""
        if self.allowed is None or not self.allowed:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self.allowed

    def push(self, update_id: int, kind: str, payload: JSON) -> JSON | None:
        """Queue an update for getUpdates or the webhook; None when filtered out."""
        if not self.accepts(kind):
            return None
        update = {"update_id": update_id, kind: payload}
        self.updates.append((update_id, kind, update))
        if self.redeliver:
            self._queue_again((update_id, kind, update))
        if len(self.updates) > MAX_KEPT_UPDATES:
            self.updates.popleft()
        event, self._arrived = self._arrived, asyncio.Event()
        event.set()
        self.webhook_wakeup.set()
        return update

    def _queue_again(self, entry: tuple[int, str, JSON]) -> None:
        late, self._late_copy = self._late_copy, None
        if late is not None:
            self.updates.append(late)
        if entry[0] % 2:
            self._late_copy = entry
        else:
            self.updates.append(entry)

    def set_redelivery(self, on: bool) -> None:
        """Deliver every update twice, some out of order (off: release a held copy)."""
        self.redeliver = on
        if not on and self._late_copy is not None:
            self.updates.append(self._late_copy)
            self._late_copy = None

    def kick(self) -> None:
        """Wake every long poll of this bot without adding an update."""
        event, self._arrived = self._arrived, asyncio.Event()
        event.set()

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset` (negative: keep only the last -offset)."""
        q = self.updates
        if offset < 0:
            while len(q) > -offset:
                q.popleft()
            return
        while q and q[0][0] < offset:
            q.popleft()
        if any(u[0] < offset for u in q):  # a redelivered copy queued behind a newer update
            kept = [u for u in q if u[0] >= offset]
            q.clear()
            q.extend(kept)

    async def wait_update(self, seconds: float) -> None:
        """Wait until some update arrives, or the timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), seconds)

    def chat(self, chat_id: int) -> ChatState | None:
        """A chat known to this bot."""
        return self.chats.get(chat_id)


class World:
    """Everything the emulator knows."""

    def __init__(self) -> None:
        self.users: dict[int, UserRec] = {}
        self.usernames: dict[str, int] = {}
        self.bots: dict[str, BotState] = {}
        self.files = FileStore()
        self._update_ids = itertools.count(100_000_001)
        self.groups: dict[int, JSON] = {}
        # file_id of any size -> the whole PhotoSize array, for file_id reuse.
        self.photo_sets: dict[str, list[JSON]] = {}
        # file_id -> Document/Voice object, for file_id reuse.
        self.media: dict[str, JSON] = {}
        self.started_at = time.time()

    def next_update_id(self) -> int:
        """Globally increasing update id."""
        return next(self._update_ids)

    def add_user(self, user: UserRec) -> UserRec:
        """Create or replace a user."""
        old = self.users.get(user.id)
        if old is not None and old.username:
            self.usernames.pop(old.username.lower(), None)
        self.users[user.id] = user
        if user.username:
            self.usernames[user.username.lower()] = user.id
        return user

    def add_bot(self, token: str, username: str, name: str) -> BotState:
        """Register a bot token (idempotent)."""
        if token in self.bots:
            return self.bots[token]
        try:
            bot_id = int(token.split(":", 1)[0])
        except ValueError:
            bot_id = 100_000 + len(self.bots)
        user = UserRec(id=bot_id, first_name=name, username=username, is_bot=True)
        self.users.setdefault(bot_id, user)
        self.usernames[username.lower()] = bot_id
        bot = BotState(token, user)
        self.bots[token] = bot
        return bot

    def user_lookup(self, user_id: int) -> JSON | None:
        """User JSON for text mentions."""
        user = self.users.get(user_id)
        return user.json() if user else None

    def reset(self) -> None:
        """Forget users, chats, messages, files and queues, keeping registered bots."""
        bots = [(b.token, b.user.username or "bot", b.user.first_name) for b in self.bots.values()]
        self.__init__()  # type: ignore[misc]
        for token, username, name in bots:
            self.add_bot(token, username, name)
