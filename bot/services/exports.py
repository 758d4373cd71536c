"""Running an export: who may, which area and months, rows streamed into an .xlsx file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

import bot.exports.kinds
import bot.services.appraisal_export  # noqa: F401 - registers the appraisal kind
from bot.domain.errors import DomainError, NotAllowed
from bot.domain.oversight import PeriodSpan
from bot.domain.people import Actor
from bot.domain.text import N_
from bot.domain.vocabulary import Role
from bot.exports.registry import ExportQuery, kind_keys, kind_named
from bot.exports.xlsx import Progress, write_xlsx
from bot.services.oversight import area_in, check_overseer
from storage.uow import UnitOfWork


class UnknownExport(DomainError):
    """An export kind that is not registered."""

    message = N_("There is no export called “{name}”. Choose one of: {kinds}.")


@dataclass(frozen=True)
class ExportDone:
    """A written export: where, under which name to send it, how many rows."""

    path: Path
    filename: str
    rows: int


def export_filename(title: str, span: PeriodSpan, area: str | None, uses_period: bool) -> str:
    """The file name the user receives: 走访记录_2026-11_青山镇.xlsx."""
    parts = [title]
    if uses_period:
        parts.append(span.label)
    if area:
        parts.append(area)
    return "_".join(parts) + ".xlsx"


def _new_file(folder: Path, prefix: str) -> Path:
    """A fresh file in the exports folder (two exports at once never share one)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f"{prefix}-", suffix=".xlsx", dir=folder)
    os.close(handle)
    return Path(name)


async def run_export(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    key: str,
    span: PeriodSpan,
    area: str,
    tz: tzinfo,
    folder: Path,
    progress: Progress | None = None,
) -> ExportDone:
    """Stream one kind's rows for the actor's scope (None: the command line, everything)."""
    if actor is not None:
        check_overseer(actor)
    kind = kind_named(key)
    if kind is None:
        raise UnknownExport(name=key, kinds=", ".join(kind_keys()))
    if actor is not None and kind.roles is not None and actor.role not in kind.roles:
        raise NotAllowed()
    async with uow:
        if actor is None:
            # The command line is the operator: the whole county.
            where = await area_in(uow, Actor(0, "cli", Role.OFFICE), area)
        else:
            where = await area_in(uow, actor, area)
        filename = export_filename(kind.title, span, where.name, kind.uses_period)
        path = _new_file(folder, kind.key)
        rows = kind.rows(uow, ExportQuery(where.scope, span, tz))
        try:
            count = await write_xlsx(path, kind, rows, progress)
        except BaseException:
            # A half-written export is of no use to anyone: leave nothing behind.
            path.unlink(missing_ok=True)
            raise
    return ExportDone(path, filename, count)
