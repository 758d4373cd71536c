"""/complaints [status]: the office lists, opens and handles complaints from the public.

Helpers are refused; the use cases limit everything else to what the user may see.
"""

from __future__ import annotations

from telegram import InputMediaPhoto, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.context import BotContext, current_user, tr
from bot.domain.complaints import can_handle_complaints
from bot.domain.errors import ComplaintTextInvalid, DomainError
from bot.domain.vocabulary import ComplaintOutcome, ComplaintStatus
from bot.i18n import N_, Translate
from bot.services import complaint_office as office
from handlers.asking import asking, cancel_dropping
from handlers.complaint_views import (
    complaint_markup,
    complaint_text,
    line_text,
    list_markup,
    outcome_markup,
)
from handlers.context import authorised
from handlers.edits import edit_message
from handlers.menu import MenuActions

TEXT = 0
PAGE = 5
PENDING = "complaint_action"
ONLY_STAFF = N_("Only office staff and assigned investigators can read complaints.")

PROMPTS = {
    "assign": N_("Who investigates complaint #{id}? Write their name or phone number."),
    "note": N_("Write the internal note on complaint #{id} (never shown to the reporter)."),
    "reply": N_("Write the reply to the reporter of complaint #{id} (shown on /track)."),
    "ask": N_("Write the question to the reporter of complaint #{id} (shown on /track)."),
    "subject": N_("Which helper is complaint #{id} about? Write their name or phone number."),
    "village": N_("Which village does complaint #{id} concern? Write its name."),
    "dismiss": N_("Why is complaint #{id} dismissed? Write the reason."),
    "resolve": N_(
        "What accountability action was taken on complaint #{id}? Write it; it is "
        "shown to the reporter."
    ),
}
DONE = {
    "assign": N_("Complaint #{id} assigned to {name}."),
    "note": N_("Note added to complaint #{id}."),
    "reply": N_("Reply sent; the reporter sees it on /track."),
    "ask": N_("Question sent; the reporter sees it on /track."),
    "subject": N_("Complaint #{id} is about {name}."),
    "village": N_("Complaint #{id} concerns {name}."),
    "dismiss": N_("Complaint #{id} dismissed."),
    "resolve": N_("Complaint #{id} resolved."),
}


def _status_of(text: str | None) -> ComplaintStatus | None:
    try:
        return ComplaintStatus((text or "").strip().lower()) if text else None
    except ValueError:
        return None


async def show_list(update: Update, context: BotContext) -> None:
    """A page of complaints, optionally of one status, with buttons to open them."""
    message = update.effective_message
    query = update.callback_query
    assert message is not None
    user, t = await authorised(update, context, can_handle_complaints, ONLY_STAFF)
    if user is None:
        return
    if query is not None and query.data:
        _, _, status_text, offset_text = query.data.split(":")
        offset = int(offset_text)
    else:
        status_text = context.args[0] if context.args else "all"
        offset = 0
    status = _status_of(status_text)
    if status_text != "all" and status is None:
        await message.reply_text(
            t("Unknown status. Use one of: new, investigating, resolved, dismissed.")
        )
        return
    lines, total = await office.list_complaints(
        context.runtime.uow(), user, status=status, offset=offset, limit=PAGE
    )
    if not lines:
        text, markup = t("No complaints here."), None
    else:
        header = t("Complaints: {total}").format(total=total)
        text = "\n\n".join([header] + [line_text(line, t) for line in lines])
        markup = list_markup(lines, status_text, offset, total, PAGE, t)
    if query is not None:
        await edit_message(query, t, text=text, markup=markup, parse_mode="HTML")
        return
    await message.reply_html(text, reply_markup=markup)


async def _show(update: Update, context: BotContext, complaint_id: int, t: Translate) -> None:
    user = await current_user(update, context)
    chat = update.effective_chat
    if user is None or chat is None:
        return
    try:
        view = await office.open_complaint(context.runtime.uow(), user, complaint_id)
    except DomainError as error:
        await context.bot.send_message(chat.id, error.render(t))
        return
    await context.bot.send_message(
        chat.id, complaint_text(view, t), reply_markup=complaint_markup(view, t), parse_mode="HTML"
    )


async def open_one(update: Update, context: BotContext) -> None:
    """Show one complaint with its actions."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, can_handle_complaints, ONLY_STAFF)
    if user is None:
        return
    await query.answer()
    await _show(update, context, int(query.data.rsplit(":", 1)[1]), t)


async def pictures(update: Update, context: BotContext) -> None:
    """Send the complaint's cleaned pictures."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    user, t = await authorised(update, context, can_handle_complaints, ONLY_STAFF)
    if user is None:
        return
    try:
        view = await office.open_complaint(
            context.runtime.uow(), user, int(query.data.rsplit(":", 1)[1])
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    await query.answer()
    data_dir = context.runtime.settings.data_dir
    media = [InputMediaPhoto((data_dir / rel).read_bytes()) for rel in view.attachments]
    if len(media) == 1:
        await context.bot.send_photo(chat.id, media[0].media)
    elif media:
        await context.bot.send_media_group(chat.id, media)


async def choose_outcome(update: Update, context: BotContext) -> None:
    """Resolve: first what the investigation found."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, can_handle_complaints, ONLY_STAFF)
    if user is None:
        return
    complaint_id = int(query.data.rsplit(":", 1)[1])
    await edit_message(query, t, markup=outcome_markup(complaint_id, t))


async def ask_text(update: Update, context: BotContext) -> int:
    """An action that needs words: remember which, and ask for them."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    user, t = await authorised(update, context, can_handle_complaints, ONLY_STAFF)
    if user is None:
        return ConversationHandler.END
    parts = query.data.split(":")
    if parts[1] == "out":
        action, complaint_id, outcome = "resolve", int(parts[2]), parts[3]
    else:
        action, complaint_id, outcome = parts[1], int(parts[2]), ""
    await query.answer()
    if context.user_data is not None:
        context.user_data[PENDING] = (action, complaint_id, outcome)
    await context.bot.send_message(
        query.message.chat.id, t(PROMPTS[action]).format(id=complaint_id) + " /cancel"
    )
    return TEXT


async def got_text(update: Update, context: BotContext) -> int:
    """Carry out the pending action with the words given, then show the complaint again."""
    message = update.effective_message
    assert message is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    pending = context.user_data.get(PENDING) if context.user_data is not None else None
    if user is None or pending is None:
        return ConversationHandler.END
    action, cid, outcome = pending
    runtime = context.runtime
    uow, text = runtime.uow(), message.text or ""
    today = runtime.now().astimezone(runtime.settings.tz).date()
    name = ""
    try:
        if action == "assign":
            name = await office.assign(uow, user, cid, text, today=today)
        elif action == "note":
            await office.add_note(uow, user, cid, text, today=today)
        elif action in ("reply", "ask"):
            await office.write_to_reporter(
                uow, user, cid, text, question=action == "ask", today=today
            )
        elif action == "subject":
            name = await office.set_subject(uow, user, cid, text, today=today)
        elif action == "village":
            name = await office.set_village(uow, user, cid, text, today=today)
        elif action == "dismiss":
            await office.dismiss(uow, user, cid, text, today=today)
        else:
            await office.resolve(
                uow,
                user,
                cid,
                outcome=ComplaintOutcome(outcome),
                accountability=text,
                today=today,
            )
    except ComplaintTextInvalid as error:
        await message.reply_text(error.render(t))
        return TEXT
    except DomainError as error:
        await message.reply_text(error.render(t))
    else:
        await message.reply_text(t(DONE[action]).format(id=cid, name=name))
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)
    await _show(update, context, cid, t)
    return ConversationHandler.END


async def remind(update: Update, context: BotContext) -> None:
    """Still waiting for the words of an action."""
    message = update.effective_message
    pending = context.user_data.get(PENDING) if context.user_data is not None else None
    if message is None or pending is None:
        return
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(t(PROMPTS[pending[0]]).format(id=pending[1]) + " /cancel")


# Stop; nothing changes.
cancel = cancel_dropping(PENDING, N_("Cancelled; the complaint is unchanged."))


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """/complaints, its buttons and the conversation that asks for an action's words."""
    acting = asking(
        "complaint-action",
        menu=menu,
        entry_points=[
            CallbackQueryHandler(
                ask_text, pattern=r"^cmp:(assign|note|reply|ask|subject|village|dismiss):\d+$"
            ),
            CallbackQueryHandler(
                ask_text, pattern=r"^cmp:out:\d+:(substantiated|partly|unsubstantiated)$"
            ),
        ],
        answers={TEXT: got_text},
        remind=remind,
        cancel=cancel,
    )
    return [
        acting,
        CommandHandler("complaints", show_list),
        CallbackQueryHandler(show_list, pattern=r"^cmp:page:[a-z]+:\d+$"),
        CallbackQueryHandler(open_one, pattern=r"^cmp:open:\d+$"),
        CallbackQueryHandler(pictures, pattern=r"^cmp:pics:\d+$"),
        CallbackQueryHandler(choose_outcome, pattern=r"^cmp:resolve:\d+$"),
    ]
