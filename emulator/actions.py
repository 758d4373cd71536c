"""What simulated users do: send messages and media, forward, press buttons."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from emulator import media, textfmt
from emulator.methods import Api
from emulator.objects import base_message, file_rec_json, photo_sizes, store
from emulator.state import JSON, BotState, CallbackRec, ChatState, UserRec, World


class ControlError(Exception):
    """A control API request that cannot be carried out."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Actions:
    """Turns control API requests into messages and updates for a bot."""

    def __init__(self, world: World, api: Api, default_token: str) -> None:
        self.world = world
        self.api = api
        self.default_token = default_token

    def bot(self, token: str | None) -> BotState:
        """The bot addressed (default: the emulator's main token)."""
        bot = self.world.bots.get(token or self.default_token)
        if bot is None:
            raise ControlError(404, f"no bot with token {token!r}")
        return bot

    def user(self, user_id: Any) -> UserRec:
        """An existing simulated user."""
        if not isinstance(user_id, int):
            raise ControlError(400, "user_id must be an integer")
        user = self.world.users.get(user_id)
        if user is None or user.is_bot:
            raise ControlError(404, f"no user {user_id}; create it with POST /control/users")
        return user

    def create_user(self, spec: JSON) -> JSON:
        """Create (or replace) a simulated user."""
        user_id = spec.get("user_id", spec.get("id"))
        first = spec.get("first_name")
        if not isinstance(user_id, int) or user_id <= 0:
            raise ControlError(400, "user_id must be a positive integer")
        if not isinstance(first, str) or not first:
            raise ControlError(400, "first_name is required")
        existing = self.world.users.get(user_id)
        if existing is not None and existing.is_bot:
            raise ControlError(409, f"{user_id} is a bot")
        user = UserRec(
            id=user_id,
            first_name=first,
            last_name=spec.get("last_name"),
            username=spec.get("username"),
            language_code=spec.get("language_code", "zh-hans"),
            phone=spec.get("phone"),
            hide_forwards=bool(spec.get("hide_forwards", False)),
        )
        self.world.add_user(user)
        for bot in self.world.bots.values():
            chat = bot.chats.get(user_id)
            if chat is not None:
                chat.chat = user.private_chat()
        return {**user.json(), "phone": user.phone, "hide_forwards": user.hide_forwards}

    def add_group(self, spec: JSON) -> JSON:
        """Make a group chat the bot is a member of."""
        chat_id, title = spec.get("chat_id"), spec.get("title")
        if not isinstance(chat_id, int) or chat_id >= 0:
            raise ControlError(400, "a group chat_id must be a negative integer")
        if not isinstance(title, str) or not title:
            raise ControlError(400, "title is required")
        kind = spec.get("type", "group")
        if kind not in ("group", "supergroup"):
            raise ControlError(400, "type must be group or supergroup")
        bot = self.bot(spec.get("token"))
        bot.chats[chat_id] = ChatState({"id": chat_id, "title": title, "type": kind})
        return bot.chats[chat_id].chat

    # ------------------------------------------------------------ delivery

    def _chat(self, bot: BotState, user: UserRec, chat_id: Any) -> ChatState:
        if chat_id is None or chat_id == user.id:
            chat = bot.chats.get(user.id)
            if chat is None:
                chat = bot.chats[user.id] = ChatState(user.private_chat())
            chat.started = True
            return chat
        chat = bot.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or chat.type == "private":
            raise ControlError(
                404, f"no group chat {chat_id}; create it with POST /control/groups"
            )
        return chat

    def deliver(self, spec: JSON, content: JSON, *, kind: str = "message") -> JSON:
        """Store a user's message in the chat and queue the update for the bot."""
        bot = self.bot(spec.get("token"))
        user = self.user(spec.get("user_id"))
        chat = self._chat(bot, user, spec.get("chat_id"))
        date = spec.get("date")
        if date is not None and not isinstance(date, int):
            raise ControlError(400, "date must be unix seconds")
        msg = base_message(chat, user.json(), date or int(time.time()))
        origin = self._origin(spec, date)
        if origin is not None:
            msg["forward_origin"] = origin
        reply_id = spec.get("reply_to_message_id")
        if isinstance(reply_id, int):
            target = chat.messages.get(reply_id)
            if target is None or target.deleted:
                raise ControlError(404, f"no message {reply_id} in chat {chat.id}")
            reply = dict(target.data)
            reply.pop("reply_to_message", None)
            msg["reply_to_message"] = reply
        msg.update(content)
        store(chat, msg, from_bot=False)
        update_id = self.world.next_update_id()
        update = bot.push(update_id, kind, msg)
        return {
            "update_id": update_id,
            "message_id": msg["message_id"],
            "message": msg,
            "update": update,
        }

    def _origin(self, spec: JSON, date: int | None) -> JSON | None:
        if not spec.get("forwarded"):
            return None
        origin_date = spec.get("forward_date") or (date or int(time.time())) - 60
        sender_id = spec.get("forward_from_user_id")
        sender = self.world.users.get(sender_id) if isinstance(sender_id, int) else None
        if sender is not None and not sender.hide_forwards:
            return {"type": "user", "date": origin_date, "sender_user": sender.json()}
        name = spec.get("forward_sender_name") or (sender.full_name() if sender else "Unknown")
        return {"type": "hidden_user", "date": origin_date, "sender_user_name": name}

    # ------------------------------------------------------------ kinds of messages

    def send_text(self, spec: JSON) -> JSON:
        """A text message; Telegram's own entities (commands, links, ...) are detected."""
        text = spec.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ControlError(400, "text must be a non-empty string")
        content: JSON = {"text": text}
        entities = spec.get("entities") or textfmt.detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.deliver(spec, content)

    def send_command(self, spec: JSON) -> JSON:
        """A /command, optionally with arguments."""
        command = str(spec.get("command", "")).lstrip("/")
        if not command:
            raise ControlError(400, "command is required")
        args = str(spec.get("args") or "")
        text = f"/{command} {args}" if args else f"/{command}"
        entity = {"type": "bot_command", "offset": 0, "length": textfmt.u16len("/" + command)}
        rest = [e for e in textfmt.detect_entities(text) if e["offset"] > 0]
        return self.deliver({**spec, "text": text}, {"text": text, "entities": [entity, *rest]})

    def send_contact(self, spec: JSON) -> JSON:
        """A shared contact; user_id is the sender's own for 'own' contacts."""
        user = self.user(spec.get("user_id"))
        own = spec.get("own", True)
        phone = spec.get("phone") or (user.phone if own else None)
        if not isinstance(phone, str) or not phone:
            raise ControlError(400, "phone is required")
        contact: JSON = {"phone_number": phone}
        if own:
            contact["first_name"] = spec.get("first_name") or user.first_name
            last = spec.get("last_name", user.last_name)
            contact["user_id"] = user.id
        else:
            contact["first_name"] = spec.get("first_name") or "Contact"
            last = spec.get("last_name")
            if isinstance(spec.get("contact_user_id"), int):
                contact["user_id"] = spec["contact_user_id"]
        if last:
            contact["last_name"] = last
        if spec.get("vcard"):
            contact["vcard"] = spec["vcard"]
        return self.deliver(spec, {"contact": contact})

    @staticmethod
    def location(spec: JSON) -> JSON:
        """A Location object from control fields."""
        lat, lon = spec.get("latitude", spec.get("lat")), spec.get("longitude", spec.get("lon"))
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise ControlError(400, "latitude and longitude must be numbers")
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise ControlError(400, "latitude or longitude out of range")
        loc: JSON = {"latitude": float(lat), "longitude": float(lon)}
        if isinstance(spec.get("horizontal_accuracy"), int | float):
            loc["horizontal_accuracy"] = float(spec["horizontal_accuracy"])
        if isinstance(spec.get("live_period"), int):
            loc["live_period"] = spec["live_period"]
        if isinstance(spec.get("heading"), int):
            loc["heading"] = spec["heading"]
        return loc

    def send_location(self, spec: JSON) -> JSON:
        """A location (optionally live)."""
        return self.deliver(spec, {"location": self.location(spec)})

    def update_live_location(self, spec: JSON) -> JSON:
        """A live location moves: Telegram edits the message and sends an edited_message."""
        bot = self.bot(spec.get("token"))
        user = self.user(spec.get("user_id"))
        chat = self._chat(bot, user, spec.get("chat_id"))
        message_id = spec.get("message_id")
        target = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if target is None or target.deleted or target.from_bot:
            raise ControlError(404, f"no message {message_id} of user {user.id} in {chat.id}")
        old = target.data.get("location")
        if not isinstance(old, dict) or "live_period" not in old:
            raise ControlError(400, f"message {message_id} is not a live location")
        edited = dict(target.data)
        edited["location"] = {**self.location(spec), "live_period": old["live_period"]}
        edited["edit_date"] = int(spec.get("date") or time.time())
        target.history.append(target.data)
        target.data = edited
        update_id = self.world.next_update_id()
        update = bot.push(update_id, "edited_message", edited)
        return {
            "update_id": update_id,
            "message_id": message_id,
            "message": edited,
            "update": update,
        }

    def send_venue(self, spec: JSON) -> JSON:
        """A venue; Telegram sends its location alongside."""
        loc = self.location(spec)
        title, address = spec.get("title"), spec.get("address")
        if not isinstance(title, str) or not isinstance(address, str):
            raise ControlError(400, "title and address are required")
        venue: JSON = {"location": loc, "title": title, "address": address}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if isinstance(spec.get(key), str):
                venue[key] = spec[key]
        return self.deliver(spec, {"location": loc, "venue": venue})

    def _caption(self, spec: JSON) -> JSON:
        caption = spec.get("caption")
        if not caption:
            return {}
        out: JSON = {"caption": str(caption)}
        entities = textfmt.detect_entities(str(caption))
        if entities:
            out["caption_entities"] = entities
        return out

    async def send_photo(self, spec: JSON, data: bytes) -> JSON:
        """A compressed photo: re-encoded JPEG sizes without EXIF."""
        self.user(spec.get("user_id"))
        try:
            variants = await asyncio.to_thread(media.photo_variants, data)
        except media.BadImage as exc:
            raise ControlError(400, f"not an image: {exc}") from None
        content: JSON = {"photo": photo_sizes(self.world, variants), **self._caption(spec)}
        return self.deliver(spec, content)

    async def send_document(self, spec: JSON, data: bytes) -> JSON:
        """A file sent uncompressed: the bytes are kept exactly."""
        self.user(spec.get("user_id"))
        filename = spec.get("filename") or "file"
        doc = await self.api.store_document(data, str(filename), spec.get("mime_type"))
        return self.deliver(spec, {"document": doc, **self._caption(spec)})

    def send_voice(self, spec: JSON, data: bytes) -> JSON:
        """A voice note."""
        self.user(spec.get("user_id"))
        duration = spec.get("duration", 1)
        if not isinstance(duration, int) or duration < 0:
            raise ControlError(400, "duration must be whole seconds")
        mime = spec.get("mime_type") or "audio/ogg"
        rec = self.world.files.add(data, "voice", "oga", mime, "AwACAgIAAxkBAA")
        voice = file_rec_json(rec, duration=duration, mime_type=mime)
        self.world.media[rec.file_id] = voice
        return self.deliver(spec, {"voice": voice, **self._caption(spec)})

    def forward(self, spec: JSON) -> JSON:
        """Forward a message from another chat of this bot into the user's chat."""
        bot = self.bot(spec.get("token"))
        source = bot.chats.get(spec.get("from_chat_id"))  # type: ignore[arg-type]
        msg = source.messages.get(spec.get("message_id")) if source else None  # type: ignore[arg-type]
        if source is None or msg is None or msg.deleted:
            raise ControlError(404, "no such message to forward")
        data = msg.data
        content = {
            k: v
            for k, v in data.items()
            if k not in ("message_id", "from", "chat", "date", "reply_to_message", "edit_date")
            and k not in ("reply_markup", "forward_origin")
        }
        origin = data.get("forward_origin")
        if origin is None:
            sender = self.world.users.get(data["from"]["id"])
            if sender is not None and not sender.hide_forwards:
                origin = {"type": "user", "date": data["date"], "sender_user": data["from"]}
            else:
                name = sender.full_name() if sender else "Unknown"
                origin = {"type": "hidden_user", "date": data["date"], "sender_user_name": name}
        content = {"forward_origin": origin, **content}
        return self.deliver({**spec, "forwarded": False}, content)

    # ------------------------------------------------------------ buttons

    def press_button(self, spec: JSON) -> JSON:
        """Press an inline button; forging a button needs force=true."""
        bot = self.bot(spec.get("token"))
        user = self.user(spec.get("user_id"))
        chat = bot.chats.get(spec.get("chat_id") or user.id)
        mid = spec.get("message_id")
        if mid is None and chat is not None:
            mid = _newest_with_buttons(chat)
        msg = chat.messages.get(mid) if chat and isinstance(mid, int) else None
        force = bool(spec.get("force"))
        data, text, index = spec.get("callback_data"), spec.get("text"), spec.get("button")
        usable = msg is not None and msg.from_bot and not msg.deleted
        buttons = msg.callback_buttons() if msg is not None and usable else []
        if isinstance(index, int) and not isinstance(index, bool):
            match = [buttons[index - 1][1]] if 1 <= index <= len(buttons) else []
            wanted = f"button {index}"
        else:
            match = [d for t, d in buttons if (data is not None and d == data) or t == text]
            wanted = "callback_data " + repr(data) if data is not None else "text " + repr(text)
        if match:
            data = match[0]
        elif not force:
            raise ControlError(
                400,
                f"message {mid} in chat {user.id} has no inline button with {wanted}"
                "; pass force=true to forge the press",
            )
        if not isinstance(data, str):
            raise ControlError(400, "callback_data is required to forge a press")
        query: JSON = {"id": str(secrets.randbits(62)), "from": user.json()}
        chat_obj = chat.chat if chat else user.private_chat()
        if msg is not None and not msg.deleted:
            query["message"] = msg.data
        elif isinstance(mid, int):
            query["message"] = {"chat": chat_obj, "message_id": mid, "date": 0}
        query["chat_instance"] = str((bot.user.id * 7_919 + chat_obj["id"]) % (1 << 62))
        query["data"] = data
        bot.callbacks[query["id"]] = CallbackRec(
            id=query["id"],
            user_id=user.id,
            chat_id=chat_obj["id"],
            message_id=mid if isinstance(mid, int) else None,
            data=data,
            created=time.time(),
        )
        if chat is not None:
            chat.user_pressed()
        update_id = self.world.next_update_id()
        update = bot.push(update_id, "callback_query", query)
        return {"callback_query_id": query["id"], "update_id": update_id, "update": update}

    def press_keyboard(self, spec: JSON) -> JSON:
        """Press a reply-keyboard button: contact and location buttons share them."""
        bot = self.bot(spec.get("token"))
        user = self.user(spec.get("user_id"))
        chat = bot.chats.get(user.id)
        text = spec.get("text")
        keyboard = chat.reply_keyboard if chat else None
        buttons = [b for row in (keyboard or {}).get("keyboard", ()) for b in row]
        button = next((b for b in buttons if b.get("text") == text), None)
        if button is None:
            raise ControlError(400, f"the chat's reply keyboard has no button {text!r}")
        if button.get("request_contact"):
            return self.send_contact({**spec, "own": True})
        if button.get("request_location"):
            return self.send_location(spec)
        return self.send_text({**spec, "text": text})


def _newest_with_buttons(chat: ChatState) -> int | None:
    """The newest message of the bot in the chat that still has inline buttons."""
    for mid in sorted(chat.messages, reverse=True):
        msg = chat.messages[mid]
        if msg.from_bot and not msg.deleted and msg.callback_buttons():
            return mid
    return None
