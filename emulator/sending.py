"""Bot API methods that send, edit and delete messages."""

from __future__ import annotations

import asyncio
import mimetypes
import time
from typing import Any

import aiohttp

from emulator import media
from emulator.limits import RateLimiter
from emulator.objects import (
    ApiError,
    Params,
    Upload,
    bad,
    base_message,
    check_markup,
    file_rec_json,
    photo_sizes,
    prepare_text,
    reply_to,
    store,
)
from emulator.state import JSON, BotState, ChatState, StoredMessage, World

CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_DOCUMENT_UPLOAD = 50 * 1024 * 1024


class Sender:
    """sendMessage and friends, editMessage*, deleteMessage."""

    world: World
    limiter: RateLimiter

    # ------------------------------------------------------------ helpers

    def target_chat(self, bot: BotState, p: Params) -> ChatState:
        """The chat named by chat_id, with Telegram's errors when it cannot be used."""
        raw = p.get("chat_id")
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in bot.chats.values():
                name = str(chat.chat.get("username", "")).lower()
                if name == raw[1:].lower() and chat.type != "private":
                    return chat
            raise bad("chat not found")
        chat_id = p.need_int("chat_id")
        found = bot.chats.get(chat_id)
        if found is None:
            user = self.world.users.get(chat_id)
            if user is not None and not user.is_bot:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            if user is not None:
                raise ApiError(403, "Forbidden: bot can't send messages to bots")
            raise bad("chat not found")
        return found

    def _gate(self, bot: BotState, chat: ChatState, method: str) -> None:
        retry = self.limiter.check(bot.token, bot.user.id, chat.id, chat.type == "private", method)
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _finish(
        self, bot: BotState, chat: ChatState, content: JSON, p: Params, method: str
    ) -> JSON:
        """Attach reply and markup, apply the flood gate, store and return the message."""
        reply = reply_to(chat, p)
        markup = check_markup(p.obj("reply_markup"))
        self._gate(bot, chat, method)
        msg = {**base_message(chat, bot.user_json, int(time.time())), **content}
        if reply is not None:
            msg["reply_to_message"] = reply
        if p.flag("protect_content"):
            msg["has_protected_content"] = True
        meta: JSON = {"method": method}
        if p.flag("disable_notification"):
            meta["disable_notification"] = True
        if p.get("parse_mode"):
            meta["parse_mode"] = p.string("parse_mode")
        if markup is not None:
            meta["reply_markup"] = markup
            if "inline_keyboard" in markup:
                msg["reply_markup"] = markup
            elif "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        stored = store(chat, msg, from_bot=True)
        stored.meta = meta
        return msg

    def _text_fields(self, msg: JSON, text: str, entities: list[JSON], key: str) -> None:
        if text:
            msg[key] = text
        if entities:
            msg["entities" if key == "text" else "caption_entities"] = entities

    def _caption(self, p: Params) -> tuple[str, list[JSON]]:
        return prepare_text(
            self.world,
            p.string("caption"),
            p.string("parse_mode"),
            p.obj("caption_entities"),
            caption=True,
        )

    # ------------------------------------------------------------ sending

    async def send_message(self, bot: BotState, p: Params) -> JSON:
        """sendMessage."""
        chat = self.target_chat(bot, p)
        text, entities = prepare_text(
            self.world, p.string("text"), p.string("parse_mode"), p.obj("entities")
        )
        msg: JSON = {}
        self._text_fields(msg, text, entities, "text")
        lpo = p.obj("link_preview_options")
        if isinstance(lpo, dict) and lpo:
            msg["link_preview_options"] = lpo
        elif p.flag("disable_web_page_preview"):
            msg["link_preview_options"] = {"is_disabled": True}
        return self._finish(bot, chat, msg, p, "sendMessage")

    async def _file_bytes(self, value: Upload | str | None, name: str) -> Upload | str:
        if value is None:
            raise bad(f"there is no {name} in the request")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            try:
                timeout = aiohttp.ClientTimeout(total=10)
                async with (
                    aiohttp.ClientSession(timeout=timeout) as session,
                    session.get(value) as resp,
                ):
                    resp.raise_for_status()
                    data = await resp.read()
                    ctype = resp.content_type
            except (aiohttp.ClientError, TimeoutError):
                raise bad("failed to get HTTP URL content") from None
            return Upload(data, value.rsplit("/", 1)[-1] or None, ctype)
        return value

    async def send_photo(self, bot: BotState, p: Params) -> JSON:
        """sendPhoto: upload (re-encoded into sizes), URL or file_id reuse."""
        chat = self.target_chat(bot, p)
        source = await self._file_bytes(p.upload("photo"), "photo")
        caption, entities = self._caption(p)
        if isinstance(source, str):
            sizes = self.world.photo_sets.get(source)
            if sizes is None:
                raise bad("wrong file identifier/HTTP URL specified")
        else:
            if len(source.data) > MAX_PHOTO_UPLOAD:
                raise bad("PHOTO_INVALID_DIMENSIONS")
            try:
                variants = await asyncio.to_thread(media.photo_variants, source.data)
            except media.BadImage:
                raise bad("IMAGE_PROCESS_FAILED") from None
            sizes = photo_sizes(self.world, variants)
        msg: JSON = {}
        msg["photo"] = sizes
        self._text_fields(msg, caption, entities, "caption")
        return self._finish(bot, chat, msg, p, "sendPhoto")

    async def store_document(
        self, data: bytes, filename: str | None, mime: str | None, prefix: str = "BQACAgIAAxkBAA"
    ) -> JSON:
        """Store bytes unchanged and build the Document object."""
        if filename and not mime:
            mime = mimetypes.guess_type(filename)[0]
        mime = mime or "application/octet-stream"
        rec = self.world.files.add(
            data, "documents", media.extension(filename, mime), mime, prefix
        )
        thumb = None
        if mime.startswith("image/"):
            small = await asyncio.to_thread(media.thumbnail, data)
            if small is not None:
                w, h, jpeg = small
                trec = self.world.files.add(jpeg, "thumbnails", "jpg", "image/jpeg", "AAMCAgAD")
                thumb = file_rec_json(trec, width=w, height=h)
        doc = file_rec_json(rec, thumbnail=thumb, file_name=filename, mime_type=mime)
        self.world.media[rec.file_id] = doc
        return doc

    async def send_document(self, bot: BotState, p: Params) -> JSON:
        """sendDocument: bytes are kept exactly."""
        chat = self.target_chat(bot, p)
        source = await self._file_bytes(p.upload("document"), "document")
        caption, entities = self._caption(p)
        if isinstance(source, str):
            doc = self.world.media.get(source)
            if doc is None or "duration" in doc:
                raise bad("wrong file identifier/HTTP URL specified")
        else:
            if len(source.data) > MAX_DOCUMENT_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            ctype = source.content_type
            if ctype == "application/octet-stream":
                ctype = None
            doc = await self.store_document(source.data, source.filename or "file", ctype)
        msg: JSON = {}
        msg["document"] = doc
        self._text_fields(msg, caption, entities, "caption")
        return self._finish(bot, chat, msg, p, "sendDocument")

    async def send_location(self, bot: BotState, p: Params) -> JSON:
        """sendLocation."""
        chat = self.target_chat(bot, p)
        msg: JSON = {}
        msg["location"] = self._location(p)
        return self._finish(bot, chat, msg, p, "sendLocation")

    def _location(self, p: Params) -> JSON:
        lat, lon = p.number("latitude"), p.number("longitude")
        if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise bad("wrong latitude or longitude specified")
        loc: JSON = {"latitude": lat, "longitude": lon}
        acc = p.number("horizontal_accuracy")
        if acc is not None:
            loc["horizontal_accuracy"] = min(max(acc, 0.0), 1500.0)
        for key in ("live_period", "heading", "proximity_alert_radius"):
            value = p.integer(key)
            if value is not None:
                loc[key] = value
        return loc

    async def send_venue(self, bot: BotState, p: Params) -> JSON:
        """sendVenue."""
        chat = self.target_chat(bot, p)
        title, address = p.string("title"), p.string("address")
        if not title or not address:
            raise bad("venue title and address must be non-empty")
        msg: JSON = {}
        loc = self._location(p)
        msg["location"] = loc
        msg["venue"] = {"location": loc, "title": title, "address": address}
        return self._finish(bot, chat, msg, p, "sendVenue")

    async def send_contact(self, bot: BotState, p: Params) -> JSON:
        """sendContact."""
        chat = self.target_chat(bot, p)
        phone, first = p.string("phone_number"), p.string("first_name")
        if not phone or not first:
            raise bad("phone number and first name must be non-empty")
        contact: JSON = {"phone_number": phone, "first_name": first}
        if p.string("last_name"):
            contact["last_name"] = p.string("last_name")
        msg: JSON = {}
        msg["contact"] = contact
        return self._finish(bot, chat, msg, p, "sendContact")

    async def send_chat_action(self, bot: BotState, p: Params) -> bool:
        """sendChatAction."""
        self.target_chat(bot, p)
        if p.string("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    # ------------------------------------------------------------ editing

    def _own(self, bot: BotState, p: Params, missing: str) -> tuple[ChatState, StoredMessage]:
        if p.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self.target_chat(bot, p)
        mid = p.integer("message_id")
        if mid is None:
            raise bad("message identifier is not specified")
        msg = chat.messages.get(mid)
        if msg is None or msg.deleted:
            raise bad(missing)
        return chat, msg

    def _apply_edit(
        self, chat: ChatState, msg: StoredMessage, changes: dict[str, Any], markup: JSON | None
    ) -> JSON:
        new = dict(msg.data)
        for key, value in changes.items():
            if value:
                new[key] = value
            else:
                new.pop(key, None)
        if markup is not None and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        old = msg.data
        if all(new.get(k) == old.get(k) for k in (*changes, "reply_markup")):
            raise bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new["edit_date"] = int(time.time())
        msg.history.append(old)
        msg.data = new
        chat.bot_changed()
        return new

    async def edit_message_text(self, bot: BotState, p: Params) -> JSON:
        """editMessageText; leaving reply_markup out removes the inline keyboard."""
        chat, msg = self._own(bot, p, "message to edit not found")
        if not msg.from_bot:
            raise bad("message can't be edited")
        if "text" not in msg.data:
            raise bad("there is no text in the message to edit")
        text, entities = prepare_text(
            self.world, p.string("text"), p.string("parse_mode"), p.obj("entities")
        )
        markup = check_markup(p.obj("reply_markup"))
        return self._apply_edit(chat, msg, {"text": text, "entities": entities}, markup)

    async def edit_message_caption(self, bot: BotState, p: Params) -> JSON:
        """editMessageCaption."""
        chat, msg = self._own(bot, p, "message to edit not found")
        if not msg.from_bot:
            raise bad("message can't be edited")
        if "text" in msg.data or "location" in msg.data or "contact" in msg.data:
            raise bad("there is no caption in the message to edit")
        caption, entities = self._caption(p)
        markup = check_markup(p.obj("reply_markup"))
        changes = {"caption": caption, "caption_entities": entities}
        return self._apply_edit(chat, msg, changes, markup)

    async def edit_message_reply_markup(self, bot: BotState, p: Params) -> JSON:
        """editMessageReplyMarkup."""
        chat, msg = self._own(bot, p, "message to edit not found")
        if not msg.from_bot:
            raise bad("message can't be edited")
        markup = check_markup(p.obj("reply_markup"))
        return self._apply_edit(chat, msg, {}, markup)

    async def delete_message(self, bot: BotState, p: Params) -> bool:
        """deleteMessage: the bot's own messages and, in private chats, the user's."""
        chat, msg = self._own(bot, p, "message to delete not found")
        if not msg.from_bot and chat.type != "private":
            raise bad("message can't be deleted")
        msg.deleted = True
        chat.bot_changed()
        return True

    async def delete_messages(self, bot: BotState, p: Params) -> bool:
        """deleteMessages: missing ones are skipped, as Telegram does."""
        chat = self.target_chat(bot, p)
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad("message_ids must be a list of 1-100 identifiers")
        for mid in ids:
            msg = chat.messages.get(int(mid))
            if msg is not None and (msg.from_bot or chat.type == "private"):
                msg.deleted = True
        chat.bot_changed()
        return True
