"""Bot API method dispatch: updates, webhooks, commands, files and callback answers."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from itertools import islice
from typing import Any

from emulator.limits import RateLimiter
from emulator.objects import ApiError, Params, bad
from emulator.sending import Sender
from emulator.state import JSON, BotState, WebhookState, World

Handler = Callable[[BotState, Params], Awaitable[Any]]
MAX_DOWNLOAD = 20 * 1024 * 1024
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def scope_key(scope: Any) -> str:
    """Storage key of a BotCommandScope: its type, plus chat_id and user_id when present."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
        raise bad("can't parse BotCommandScope JSON object")
    key = str(scope["type"])
    if key.startswith("chat"):
        if scope.get("chat_id") is None:
            raise bad("chat_id is empty")
        key += f":{scope['chat_id']}"
        if key.startswith("chat_member"):
            key += f":{scope.get('user_id')}"
    return key


class Api(Sender):
    """Answers Bot API calls for every registered bot."""

    def __init__(self, world: World, limiter: RateLimiter, *, callback_ttl: float = 15.0) -> None:
        self.world = world
        self.limiter = limiter
        self.callback_ttl = callback_ttl
        handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.ok,
            "close": self.ok,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "sendLocation": self.send_location,
            "sendVenue": self.send_venue,
            "sendContact": self.send_contact,
            "sendChatAction": self.send_chat_action,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.ok,
            "setMyShortDescription": self.ok,
            "setMyName": self.ok,
            "setChatMenuButton": self.ok,
        }
        self.handlers = {name.lower(): h for name, h in handlers.items()}
        self.canonical = {name.lower(): name for name in handlers}

    async def call(self, bot: BotState, method: str, params: Params) -> Any:
        """Run one method (name already lower-cased); raises ApiError."""
        handler = self.handlers.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(bot, params)

    async def ok(self, bot: BotState, p: Params) -> bool:
        """Methods whose effect the emulator does not model."""
        return True

    async def get_me(self, bot: BotState, p: Params) -> JSON:
        """getMe."""
        return bot.me

    # ------------------------------------------------------------ updates

    def _set_allowed(self, bot: BotState, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise bad("can't parse allowed_updates JSON object")
        bot.allowed = frozenset(str(x) for x in allowed)

    async def get_updates(self, bot: BotState, p: Params) -> list[JSON]:
        """getUpdates with offset confirmation and long polling."""
        if bot.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset")
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = min(max(p.integer("timeout", 0) or 0, 0), 50)
        self._set_allowed(bot, p.obj("allowed_updates"))
        if offset is not None:
            bot.confirm(offset)
        # A newer getUpdates call ends an older one, as Telegram does.
        bot.poll_generation += 1
        generation = bot.poll_generation
        bot.kick()
        deadline = time.monotonic() + timeout
        while not bot.updates:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await bot.wait_update(left)
            if bot.poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        return [u for _, _, u in islice(bot.updates, limit)]

    async def set_webhook(self, bot: BotState, p: Params) -> Any:
        """setWebhook; plain http is accepted since the emulator lives on loopback."""
        url = p.string("url") or ""
        if not url:
            return await self.delete_webhook(bot, p)
        if not url.startswith(("http://", "https://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.string("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad("secret token contains unallowed characters")
        allowed = p.obj("allowed_updates")
        self._set_allowed(bot, allowed)
        if p.flag("drop_pending_updates"):
            bot.updates.clear()
        bot.webhook = WebhookState(
            url=url,
            secret_token=secret,
            max_connections=p.integer("max_connections", 40) or 40,
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )
        bot.kick()
        bot.webhook_wakeup.set()
        return Described(True, "Webhook was set")

    async def delete_webhook(self, bot: BotState, p: Params) -> Any:
        """deleteWebhook."""
        if p.flag("drop_pending_updates"):
            bot.updates.clear()
        if bot.webhook is None:
            return Described(True, "Webhook is already deleted")
        bot.webhook = None
        return Described(True, "Webhook was deleted")

    async def get_webhook_info(self, bot: BotState, p: Params) -> JSON:
        """getWebhookInfo."""
        hook = bot.webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates),
        }
        if hook is not None:
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message or ""
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
        return info

    # ------------------------------------------------------------ callbacks and files

    async def answer_callback_query(self, bot: BotState, p: Params) -> bool:
        """answerCallbackQuery: each query may be answered once, within callback_ttl."""
        qid = p.string("callback_query_id") or ""
        rec = bot.callbacks.get(qid)
        if rec is None or rec.answer is not None or time.time() - rec.created > self.callback_ttl:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = p.string("text")
        if text is not None and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        answer: JSON = {
            "callback_query_id": qid,
            "user_id": rec.user_id,
            "chat_id": rec.chat_id,
            "message_id": rec.message_id,
            "data": rec.data,
            "text": text,
            "show_alert": p.flag("show_alert"),
            "url": p.string("url"),
            "cache_time": p.integer("cache_time", 0),
            "answered_at": time.time(),
            "latency": round(time.time() - rec.created, 6),
        }
        bot.record_answer(answer)
        return True

    async def get_file(self, bot: BotState, p: Params) -> JSON:
        """getFile; files over 20 MB cannot be downloaded by bots."""
        rec = self.world.files.by_id.get(p.string("file_id") or "")
        if rec is None:
            raise bad("invalid file_id")
        if rec.size > MAX_DOWNLOAD:
            raise bad("file is too big")
        return rec.file_json()

    # ------------------------------------------------------------ commands

    def _commands_key(self, p: Params) -> tuple[str, str]:
        lang = p.string("language_code") or ""
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad("invalid language code specified")
        return scope_key(p.obj("scope")), lang

    async def set_my_commands(self, bot: BotState, p: Params) -> bool:
        """setMyCommands, stored per (scope, language_code)."""
        commands = p.obj("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        clean: list[JSON] = []
        for c in commands:
            if not isinstance(c, dict):
                raise bad("can't parse BotCommand JSON object")
            name, desc = str(c.get("command", "")), str(c.get("description", ""))
            if not _COMMAND.fullmatch(name.lower()):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(desc) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name.lower(), "description": desc})
        key = self._commands_key(p)
        if clean:
            bot.commands[key] = clean
        else:
            bot.commands.pop(key, None)
        return True

    async def get_my_commands(self, bot: BotState, p: Params) -> list[JSON]:
        """getMyCommands: exactly the list stored for that scope and language."""
        return bot.commands.get(self._commands_key(p), [])

    async def delete_my_commands(self, bot: BotState, p: Params) -> bool:
        """deleteMyCommands."""
        bot.commands.pop(self._commands_key(p), None)
        return True


class Described:
    """A result that Telegram accompanies with a description (setWebhook, deleteWebhook)."""

    __slots__ = ("description", "result")

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


def resolve_commands(bot: BotState, chat_id: int | None, language: str) -> tuple[str, list[JSON]]:
    """The menu a private chat sees: Telegram's scope order, language first at each level."""
    levels = ([f"chat:{chat_id}"] if chat_id is not None else []) + [
        "all_private_chats",
        "default",
    ]
    for scope in levels:
        for lang in ([language] if language else []) + [""]:
            commands = bot.commands.get((scope, lang))
            if commands:
                return scope, commands
    return "default", []
