"""Command line: `bangfu import helpers|households FILE` and `bangfu admin grant PHONE ROLE`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.identity import InvalidPhone, normalize_phone
from bot.importing.columns import HeaderError
from bot.importing.orgtree import OrgTree
from bot.importing.readers import UnreadableFile, read_table
from bot.importing.run import ImportReport, import_helpers, import_households
from bot.importing.validate import clean_name, parse_role, split_scope
from storage.db import create_engine, session_factory, unit_of_work
from storage.enums import Role
from storage.migrate import upgrade
from storage.models import AuditEntry, User

MAX_ERROR_LINES = 50
EXIT_OK, EXIT_BAD_ROWS, EXIT_UNREADABLE = 0, 1, 2
EXIT_GRANT_FAILED = 1

_KINDS: tuple[tuple[Literal["helpers", "households"], str], ...] = (
    ("helpers", "helpers and admins"),
    ("households", "households"),
)

Handler = Callable[[Settings, argparse.Namespace], Awaitable[int]]


def _summary(report: ImportReport) -> str:
    text = f"{report.source}: {report.rows} rows — "
    if not report.applied:
        return text + f"{len(report.errors)} bad"
    text += f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    if report.skipped:
        text += f", {report.skipped} bad rows skipped"
    if report.kind == "households":
        text += f"; pairings: {report.pairings_opened} opened, {report.pairings_ended} ended"
    return text


async def run_import(
    settings: Settings,
    kind: Literal["helpers", "households"],
    path: Path,
    *,
    skip_bad: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    """Import a helpers or households file; 0 done, 1 stopped by bad rows, 2 unreadable file."""
    try:
        table = await asyncio.to_thread(read_table, path)
    except UnreadableFile as exc:
        print(f"error: {exc}", file=err)
        return EXIT_UNREADABLE
    importer = import_helpers if kind == "helpers" else import_households
    engine = create_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            report = await importer(
                session, table, skip_bad=skip_bad, settings=settings, source=path.name
            )
    except HeaderError as exc:
        print(f"error: {path.name}: {exc}", file=err)
        return EXIT_UNREADABLE
    finally:
        await engine.dispose()
    for error in report.errors[:MAX_ERROR_LINES]:
        print(error, file=err)
    if len(report.errors) > MAX_ERROR_LINES:
        print(f"… and {len(report.errors) - MAX_ERROR_LINES} more", file=err)
    print(_summary(report), file=out)
    if not report.applied:
        print("nothing was imported; fix the rows above or pass --skip-bad", file=err)
        return EXIT_BAD_ROWS
    return EXIT_OK


def _role(text: str) -> Role | None:
    role = parse_role(text)
    if role is None and text in {r.value for r in Role}:
        role = Role(text)
    return role


async def run_grant(
    settings: Settings,
    phone: str,
    role: str | Role,
    *,
    scope: str | None,
    name: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Set a user's role (and scope); create them when --name is given. 0 done, 1 refused."""
    try:
        canonical = normalize_phone(phone)
    except InvalidPhone as exc:
        print(f"error: {exc}", file=err)
        return EXIT_GRANT_FAILED
    new_role = role if isinstance(role, Role) else _role(role)
    if new_role is None:
        print(
            f"error: unknown role {role!r}: use helper, office, leader or member "
            "(幫扶責任人, 辦公室, 組長, 成員)",
            file=err,
        )
        return EXIT_GRANT_FAILED
    engine = create_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
        async with unit_of_work(session_factory(engine)) as session:
            return await _grant(session, settings, canonical, new_role, scope, name, out, err)
    finally:
        await engine.dispose()


async def _grant(
    session: AsyncSession,
    settings: Settings,
    phone: str,
    role: Role,
    scope: str | None,
    name: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    tree = await OrgTree.load(session, settings.county_name)
    user = await session.scalar(select(User).where(User.phone == phone))
    scope_changes: dict[str, int | None] = {}
    if scope is not None:
        names = split_scope(scope, settings.county_name)
        unit = tree.find(names) if names else None
        if names and unit is None:
            print(f"error: unknown scope {scope!r}: {tree.explain_missing(names)}", file=err)
            return EXIT_GRANT_FAILED
        scope_changes["scope_id"] = unit.id if unit else None
    created = user is None
    if user is None:
        if not name or not clean_name(name):
            print(
                f"error: no user has the phone {phone}; pass --name NAME to create them", file=err
            )
            return EXIT_GRANT_FAILED
        user = User(name=clean_name(name), phone=phone, role=role, **scope_changes)
        session.add(user)
    else:
        user.role = role
        if name and clean_name(name):
            user.name = clean_name(name)
        for key, value in scope_changes.items():
            setattr(user, key, value)
    await session.flush()
    where = "/".join(tree.path_names(user.scope_id))
    session.add(
        AuditEntry(
            actor_label="cli",
            action="admin.grant",
            target_type="user",
            target_id=user.id,
            detail={"role": role.value, "scope": where or None, "created": created},
        )
    )
    verb = "created" if created else "updated"
    print(
        f"{user.name} ({phone}) {verb}: role {role.value}, scope {where or 'whole county'}",
        file=out,
    )
    return EXIT_OK


def _import_handler(kind: Literal["helpers", "households"]) -> Handler:
    async def handler(settings: Settings, args: argparse.Namespace) -> int:
        return await run_import(
            settings, kind, Path(args.file), skip_bad=args.skip_bad, out=sys.stdout, err=sys.stderr
        )

    return handler


async def _grant_handler(settings: Settings, args: argparse.Namespace) -> int:
    return await run_grant(
        settings,
        args.phone,
        args.role,
        scope=args.scope,
        name=args.name,
        out=sys.stdout,
        err=sys.stderr,
    )


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `import helpers|households FILE [--skip-bad]` and `admin grant …`."""
    importing = subparsers.add_parser(
        "import", help="import helpers or households from an .xlsx or .csv file"
    )
    kinds = importing.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    for kind, what in _KINDS:
        parser = kinds.add_parser(kind, help=f"import {what} (see docs/templates)")
        parser.add_argument("file", metavar="FILE", help=".xlsx or .csv file")
        parser.add_argument(
            "--skip-bad", action="store_true", help="import the good rows, leave out bad ones"
        )
        parser.set_defaults(handler=_import_handler(kind))
    admin = subparsers.add_parser("admin", help="manage users' roles")
    commands = admin.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    grant = commands.add_parser("grant", help="set a user's role and scope")
    grant.add_argument("phone", metavar="PHONE", help="the user's mobile number")
    grant.add_argument("role", metavar="ROLE", help="helper, office, leader or member")
    grant.add_argument("--scope", help="township or township/village the user may see")
    grant.add_argument("--name", help="create the user with this name if the phone is new")
    grant.set_defaults(handler=_grant_handler)
