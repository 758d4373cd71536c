"""python-telegram-bot, unmodified, talking to the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import Emulator
from emulator.client import ControlClient
from tests.emulator.conftest import jpeg_with_gps


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("确认 ✅", callback_data="confirm:1")]])
    args = " ".join(context.args or [])
    await update.effective_message.reply_text(f"欢迎 {args}".strip(), reply_markup=keyboard)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_html(f"<b>echo</b>: {update.effective_message.text}")


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已确认")
    await query.edit_message_text(f"done {query.data}")


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    largest = message.photo[-1]
    data = await (await context.bot.get_file(largest.file_id)).download_as_bytearray()
    await message.reply_text(f"got {len(data)} bytes {largest.width}x{largest.height}")


@pytest.fixture
async def app(emu: Emulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        Application.builder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(MessageHandler(filters.PHOTO, photo))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_get_me_through_ptb(app: Application, emu: Emulator) -> None:  # type: ignore[type-arg]
    me = await app.bot.get_me()
    assert me.username == "bangfu_bot" and me.is_bot and me.first_name == "幫扶"


async def test_command_echo_and_button_round_trip(
    app: Application,  # type: ignore[type-arg]
    control: ControlClient,
) -> None:
    await control.create_user(2001, "李", "四")
    await control.send_command(2001, "start", "张三")
    welcome = await control.wait_for_message(2001, "欢迎 张三")
    assert welcome["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "confirm:1"

    await control.send_text(2001, "你好 🌏")
    echoed = await control.wait_for_message(2001, "echo")
    assert echoed["text"] == "echo: 你好 🌏"
    assert echoed["entities"] == [{"type": "bold", "offset": 0, "length": 4}]

    qid = await control.press_button(2001, welcome["message_id"], text="确认 ✅")
    edited = await control.wait_for_message(
        2001, lambda m: m.get("text") == "done confirm:1", after_message_id=0
    )
    assert edited["message_id"] == welcome["message_id"]
    assert "reply_markup" not in edited and edited["history"][0]["text"] == "欢迎 张三"
    answers = await control.callback_answers(callback_query_id=qid)
    assert answers[0]["text"] == "已确认"


async def test_photo_download_through_get_file(
    app: Application,  # type: ignore[type-arg]
    control: ControlClient,
) -> None:
    await control.create_user(2002, "王")
    sent = await control.send_photo(2002, jpeg_with_gps((1000, 750)), caption="门牌")
    largest = sent["message"]["photo"][-1]
    reply = await control.wait_for_message(2002, "got")
    assert reply["text"] == f"got {largest['file_size']} bytes 1000x750"


async def test_ptb_sees_telegram_errors(
    app: Application,  # type: ignore[type-arg]
    control: ControlClient,
) -> None:
    await control.create_user(2003, "赵")
    await control.send_text(2003, "hi")
    await control.wait_for_message(2003, "echo")
    await control.set_fault("429", method="sendMessage", count=1, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(2003, "x")
    retry = caught.value.retry_after
    assert (retry if isinstance(retry, int) else retry.total_seconds()) == 7
    await control.set_fault("blocked", user_id=2003, count=1)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await app.bot.send_message(2003, "x")
    with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
        await app.bot.send_message(987654, "x")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
        await app.bot.send_message(2003, "x", reply_markup=markup)


async def test_commands_menu_and_document_upload(
    app: Application,  # type: ignore[type-arg]
    control: ControlClient,
) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

    await control.create_user(2004, "钱")
    await control.send_text(2004, "hi")
    await app.bot.set_my_commands([BotCommand("start", "开始")])
    await app.bot.set_my_commands(
        [BotCommand("visit", "记录走访")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="zh",
    )
    await app.bot.set_my_commands([BotCommand("admin", "管理")], scope=BotCommandScopeChat(2004))
    assert [c["command"] for c in await control.commands(chat_id=2004)] == ["admin"]
    assert [c["command"] for c in await control.commands(chat_id=1, language_code="zh")] == [
        "visit"
    ]
    assert [c["command"] for c in await control.commands(chat_id=1, language_code="en")] == [
        "start"
    ]
    mine = await app.bot.get_my_commands(
        scope=BotCommandScopeAllPrivateChats(), language_code="zh"
    )
    assert [c.command for c in mine] == ["visit"]

    payload = b"%PDF-1.4 exact bytes \x00\xff"
    msg = await app.bot.send_document(2004, payload, filename="report.pdf", caption="月报")
    assert msg.document is not None and msg.document.file_name == "report.pdf"
    assert msg.document.mime_type == "application/pdf"
    again = await app.bot.send_document(2004, msg.document.file_id)
    assert again.document is not None and again.document.file_id == msg.document.file_id
    data = await (await app.bot.get_file(msg.document.file_id)).download_as_bytearray()
    assert bytes(data) == payload
