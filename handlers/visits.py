"""The /visit conversation: household → location → photos → note → confirm."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from handlers.menu import MenuActions, button_pattern, label_pattern, menu_buttons_inside
from handlers.visit_choose import deep_link, pick_household, search, start_visit, turn_page
from handlers.visit_collect import got_location, got_note, got_photo, photos_done, skip_location
from handlers.visit_confirm import change_note, confirm, discard, stale_confirm
from handlers.visit_draft import (
    CHOOSE,
    CONFIRM,
    LOCATION,
    NOTE,
    PHOTOS,
    cancel,
    remind_open_draft,
    remind_step,
)
from handlers.visit_views import SKIP_LOCATION

PICK = r"^visit:(hh|go):\d+$"


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """The visit conversation, plus the handler for Save presses that outlived it."""
    # New messages only: a live location is re-sent as edits every few seconds, and an
    # edited text is not a new answer.
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    media = (filters.PHOTO | filters.Document.ALL) & new
    location = filters.LOCATION & new
    skip = filters.Regex(label_pattern(SKIP_LOCATION)) & new
    # A main-menu button inside the visit opens its feature and keeps the draft; the visit
    # button itself is an entry point and starts over.
    menu_button = menu_buttons_inside(menu, remind_open_draft, except_commands=("visit",))
    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[
            CommandHandler("visit", start_visit),
            MessageHandler(filters.Regex(button_pattern("visit")) & new, start_visit),
            CommandHandler("start", deep_link, filters.Regex(r"^/start visit_")),
            CallbackQueryHandler(pick_household, pattern=PICK),
        ],
        states={
            CHOOSE: [
                menu_button,
                CallbackQueryHandler(pick_household, pattern=PICK),
                CallbackQueryHandler(turn_page, pattern=r"^visit:page:\d+$"),
                MessageHandler(text, search),
            ],
            LOCATION: [
                menu_button,
                MessageHandler(location, got_location),
                MessageHandler(skip, skip_location),
                MessageHandler(media, got_photo),
            ],
            PHOTOS: [
                menu_button,
                MessageHandler(media, got_photo),
                MessageHandler(location, got_location),
                CallbackQueryHandler(photos_done, pattern=r"^visit:photos:[0-9a-f]+$"),
                MessageHandler(text, got_note),
            ],
            NOTE: [
                menu_button,
                MessageHandler(text, got_note),
                MessageHandler(media, got_photo),
            ],
            CONFIRM: [
                menu_button,
                CallbackQueryHandler(confirm, pattern=r"^visit:ok:[0-9a-f]+$"),
                CallbackQueryHandler(change_note, pattern=r"^visit:note:[0-9a-f]+$"),
                CallbackQueryHandler(discard, pattern=r"^visit:no:[0-9a-f]+$"),
                MessageHandler(text, got_note),
                MessageHandler(media, got_photo),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("visit", start_visit),
            MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, remind_step),
        ],
        name="visit",
        persistent=True,  # resumed after a restart (bot/persistence.py)
        conversation_timeout=timedelta(hours=12),
        allow_reentry=True,
    )
    return [
        conversation,
        CallbackQueryHandler(stale_confirm, pattern=r"^visit:ok:[0-9a-f]+$"),
    ]
