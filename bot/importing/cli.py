"""Command line: `bangfu import helpers|households FILE` and `bangfu admin grant PHONE ROLE`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from bot.config import Settings
from bot.domain.vocabulary import OrgKind, Role
from bot.i18n import N_, Translate, translator
from bot.identity import InvalidPhone, normalize_phone
from bot.importing.columns import HeaderError
from bot.importing.orgtree import OrgTree
from bot.importing.readers import UnreadableFile, read_table
from bot.importing.run import ImportReport, import_helpers, import_households
from bot.importing.validate import Problem, clean_name, parse_role, problem, split_scope
from bot.runtime import build_runtime, migrate
from storage.db import unit_of_work
from storage.models import OrgUnit
from storage.queries import imports as q

MAX_ERROR_LINES = 50
SCOPE_FORMAT = "鄉鎮/村"
EXIT_OK, EXIT_BAD_ROWS, EXIT_UNREADABLE = 0, 1, 2
EXIT_GRANT_FAILED = 1

_KINDS: tuple[tuple[Literal["helpers", "households"], str], ...] = (
    ("helpers", "helpers and admins"),
    ("households", "households"),
)

Handler = Callable[[Settings, argparse.Namespace], Awaitable[int]]


def _summary(report: ImportReport, t: Translate) -> str:
    text = t(N_("{source}: {rows} rows — ")).format(source=report.source, rows=report.rows)
    if report.blocker is not None:
        return text + t(N_("nothing imported"))
    if not report.applied:
        return text + t(N_("{count} bad")).format(count=len(report.errors))
    text += t(N_("{created} created, {updated} updated, {unchanged} unchanged")).format(
        created=report.created, updated=report.updated, unchanged=report.unchanged
    )
    if report.skipped:
        text += t(N_(", {count} bad rows skipped")).format(count=report.skipped)
    if report.kind == "households":
        text += t(N_("; pairings: {opened} opened, {ended} ended")).format(
            opened=report.pairings_opened, ended=report.pairings_ended
        )
    return text


def _error(t: Translate, message: str, **params: object) -> str:
    """An error line: a translated message after a translated "error: "."""
    # Without values the message may be an exception's text, braces and all: no formatting.
    reason = t(message).format(**params) if params else t(message)
    return t(N_("error: {reason}")).format(reason=reason)


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
    t = translator(settings.language)
    try:
        table = await asyncio.to_thread(read_table, path)
    except UnreadableFile as exc:
        print(_error(t, str(exc)), file=err)
        return EXIT_UNREADABLE
    importer = import_helpers if kind == "helpers" else import_households
    runtime = build_runtime(settings)
    try:
        await migrate(runtime)
        async with runtime.sessions() as session:
            report = await importer(
                session, table, skip_bad=skip_bad, settings=settings, source=path.name
            )
    except HeaderError as exc:
        print(_error(t, f"{path.name}: {exc}"), file=err)
        return EXIT_UNREADABLE
    finally:
        await runtime.engine.dispose()
    for error in report.errors[:MAX_ERROR_LINES]:
        print(error.render(t), file=err)
    if len(report.errors) > MAX_ERROR_LINES:
        more = len(report.errors) - MAX_ERROR_LINES
        print(t(N_("… and {count} more")).format(count=more), file=err)
    print(_summary(report, t), file=out)
    if report.blocker is not None:
        print(_error(t, report.blocker.render(t)), file=err)
        return EXIT_BAD_ROWS
    if not report.applied:
        print(t(N_("nothing was imported; fix the rows above or pass --skip-bad")), file=err)
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
    t = translator(settings.language)
    try:
        canonical = normalize_phone(phone)
    except InvalidPhone as exc:
        print(_error(t, str(exc)), file=err)
        return EXIT_GRANT_FAILED
    new_role = role if isinstance(role, Role) else _role(role)
    if new_role is None:
        message = N_(
            "unknown role {role}: use helper, office, leader or member "
            "(幫扶責任人, 辦公室, 組長, 成員)"
        )
        print(_error(t, message, role=repr(role)), file=err)
        return EXIT_GRANT_FAILED
    runtime = build_runtime(settings)
    try:
        await migrate(runtime)
        async with unit_of_work(runtime.sessions) as session:
            request = _GrantRequest(canonical, new_role, scope, name)
            return await _grant(session, settings, request, t, out, err)
    finally:
        await runtime.engine.dispose()


def _scope_unit(tree: OrgTree, names: Sequence[str]) -> OrgUnit | Problem:
    """The unit a scope names, or why none; a lone village name is taken when unambiguous."""
    unit = tree.find(names)
    if unit is not None:
        return unit
    villages = tree.villages_named(names[0]) if len(names) == 1 else []
    if len(villages) == 1:
        return villages[0]
    paths = ["/".join(tree.path_names(v.id)) for v in villages]
    if paths:
        reason = problem(
            N_("{name} is a village in more than one township ({paths})"),
            name=names[0],
            paths=", ".join(paths),
        )
    else:
        reason = tree.explain_missing(names)
    example = paths[0] if paths else tree.example_village()
    if example is None:
        return problem(N_("{reason}; write it as {format}"), reason=reason, format=SCOPE_FORMAT)
    return problem(
        N_("{reason}; write it as {format}, e.g. {example}"),
        reason=reason,
        format=SCOPE_FORMAT,
        example=example,
    )


@dataclass(frozen=True)
class _GrantRequest:
    phone: str
    role: Role
    scope: str | None
    name: str | None


async def _grant(
    session: q.AsyncSession,
    settings: Settings,
    request: _GrantRequest,
    t: Translate,
    out: TextIO,
    err: TextIO,
) -> int:
    phone, role, scope, name = request.phone, request.role, request.scope, request.name
    tree = await OrgTree.load(session, settings.county_name)
    user = await q.user_by_phone(session, phone)
    scope_changes: dict[str, int | None] = {}
    if scope is not None:
        names = split_scope(scope, settings.county_name)
        unit = _scope_unit(tree, names) if names else None
        if isinstance(unit, Problem):
            message = N_("unknown scope {scope}: {reason}")
            print(_error(t, message, scope=repr(scope), reason=unit.render(t)), file=err)
            return EXIT_GRANT_FAILED
        if unit is not None and len(names) == 1 and unit.kind == OrgKind.VILLAGE:
            message = N_("scope {scope} read as {path} (scopes are written {format})")
            path = "/".join(tree.path_names(unit.id))
            print(t(message).format(scope=repr(scope), path=path, format=SCOPE_FORMAT), file=out)
        scope_changes["scope_id"] = unit.id if unit else None
    created = user is None
    if user is None:
        if not name or not clean_name(name):
            message = N_("no user has the phone {phone}; pass --name NAME to create them")
            print(_error(t, message, phone=phone), file=err)
            return EXIT_GRANT_FAILED
        user = q.add_user(session, phone=phone, name=clean_name(name), role=role, **scope_changes)
    else:
        user.role = role
        if name and clean_name(name):
            user.name = clean_name(name)
        for key, value in scope_changes.items():
            setattr(user, key, value)
    await q.flush(session)
    where = "/".join(tree.path_names(user.scope_id))
    q.add_audit_entry(
        session,
        actor_label="cli",
        action="admin.grant",
        target_type="user",
        target_id=user.id,
        detail={"role": role.value, "scope": where or None, "created": created},
    )
    message = (
        N_("{name} ({phone}) created: role {role}, scope {scope}")
        if created
        else N_("{name} ({phone}) updated: role {role}, scope {scope}")
    )
    scope_text = where or t(N_("whole county"))
    print(
        t(message).format(name=user.name, phone=phone, role=role.value, scope=scope_text),
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
    grant.add_argument("--scope", help="what the user may see: 鄉鎮 or 鄉鎮/村 (township/village)")
    grant.add_argument("--name", help="create the user with this name if the phone is new")
    grant.set_defaults(handler=_grant_handler)
