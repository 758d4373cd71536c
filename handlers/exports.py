"""/export KIND [period] [area]: an .xlsx file of the reader's area, progress in one message."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.domain.errors import BadPeriod, DomainError
from bot.domain.oversight import PeriodSpan, can_oversee, parse_span, split_arguments
from bot.exports.registry import kind_keys
from bot.services.exports import ExportDone, run_export
from bot.services.oversight import this_period
from handlers.context import authorised
from handlers.edits import edit_sent

PROGRESS_SECONDS = 3.0


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def export(update: Update, context: BotContext) -> None:
    """Stream one export kind into a spreadsheet and send it as a document."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_oversee)
    if user is None:
        return
    args = list(context.args or [])
    if not args:
        await message.reply_text(
            t(
                "Usage: /export KIND [MONTH or YEAR] [AREA]\n"
                "Kinds: {kinds}\n"
                "For example: /export visits 2026-11 青山镇"
            ).format(kinds=", ".join(kind_keys()))
        )
        return
    runtime = context.runtime
    key = args[0]
    period_text, area = split_arguments(args[1:])
    if period_text is None:
        month = this_period(runtime.now(), runtime.settings.tz)
        span: PeriodSpan | None = PeriodSpan(month, month)
    else:
        span = parse_span(period_text)
    progress: Message = await message.reply_text(t("Preparing the export…"))

    last_edit = time.monotonic()

    async def report(rows: int) -> None:
        nonlocal last_edit
        # Telegram limits edits of one message; a large export reports every few seconds.
        if time.monotonic() - last_edit < PROGRESS_SECONDS:
            return
        last_edit = time.monotonic()
        await edit_sent(progress, t("Preparing the export… {rows} rows so far").format(rows=rows))

    done: ExportDone | None = None
    try:
        if span is None:
            raise BadPeriod()
        done = await run_export(
            runtime.uow(),
            user,
            key=key,
            span=span,
            area=area,
            tz=runtime.settings.tz,
            folder=runtime.settings.data_dir / "exports",
            progress=report,
        )
        await edit_sent(progress, t("Export ready: {rows} rows.").format(rows=done.rows))
        with done.path.open("rb") as handle:
            await message.reply_document(handle, filename=done.filename)
    except DomainError as error:
        await edit_sent(progress, error.render(t))
    finally:
        if done is not None:
            _remove(done.path)


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The export command."""
    return [CommandHandler("export", export)]
