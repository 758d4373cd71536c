"""The `import` and `admin grant` commands: output and exit codes."""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.vocabulary import Role
from bot.importing.cli import add_arguments, run_grant, run_import
from storage.db import create_engine, session_factory
from storage.models import AuditEntry, Household, OrgUnit, User

from .helpers import TEMPLATES, helper_row, write_csv


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The commands' words are checked in English here (one test checks Chinese)."""
    return settings.model_copy(update={"language": "en"})


class Output:
    """Captured stdout and stderr of one command."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()

    @property
    def text(self) -> str:
        return self.out.getvalue() + self.err.getvalue()


async def _import(
    settings: Settings,
    kind: Literal["helpers", "households"],
    path: Path,
    skip_bad: bool = False,
) -> tuple[int, Output]:
    output = Output()
    code = await run_import(
        settings,
        kind,
        path,
        skip_bad=skip_bad,
        out=output.out,
        err=output.err,
    )
    assert "Traceback" not in output.text
    return code, output


async def _grant(
    settings: Settings, *args: str, scope: str | None = None, name: str | None = None
) -> tuple[int, Output]:
    output = Output()
    phone, role = args
    code = await run_grant(
        settings, phone, role, scope=scope, name=name, out=output.out, err=output.err
    )
    assert "Traceback" not in output.text
    return code, output


async def _users(settings: Settings) -> dict[str, User]:
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine)() as session:
            return {u.phone: u for u in (await session.scalars(select(User))).all()}
    finally:
        await engine.dispose()


async def test_import_the_templates(settings: Settings) -> None:
    code, output = await _import(settings, "helpers", TEMPLATES / "helpers.xlsx")
    assert code == 0
    assert output.out.getvalue() == "helpers.xlsx: 15 rows — 15 created, 0 updated, 0 unchanged\n"
    code, output = await _import(settings, "households", TEMPLATES / "households.csv")
    assert code == 0
    assert output.out.getvalue() == (
        "households.csv: 100 rows — 100 created, 0 updated, 0 unchanged; "
        "pairings: 100 opened, 0 ended\n"
    )
    code, output = await _import(settings, "households", TEMPLATES / "households.xlsx")
    assert code == 0 and "0 created, 0 updated, 100 unchanged" in output.out.getvalue()


async def test_bad_rows_stop_the_import(settings: Settings, tmp_path: Path) -> None:
    rows = [
        helper_row("甲", "13800000001"),
        helper_row("乙", "abc"),
        helper_row("丙", "13800000003"),
    ]
    rows += [helper_row(f"丁{i}", f"bad{i}") for i in range(60)]
    path = write_csv(tmp_path / "helpers.csv", rows)
    code, output = await _import(settings, "helpers", path)
    assert code == 1
    lines = output.err.getvalue().splitlines()
    assert lines[0] == "row 3: 手機號 is not a phone number: 'abc'"
    assert len([x for x in lines if x.startswith("row ")]) == 50
    assert "… and 11 more" in lines
    assert lines[-1] == "nothing was imported; fix the rows above or pass --skip-bad"
    assert await _users(settings) == {}
    code, output = await _import(settings, "helpers", path, skip_bad=True)
    assert code == 0
    assert "2 created, 0 updated, 0 unchanged, 61 bad rows skipped" in output.out.getvalue()
    assert set(await _users(settings)) == {"+8613800000001", "+8613800000003"}


async def test_unreadable_files_exit_2_without_a_traceback(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 definitely not a workbook")
    with zipfile.ZipFile(tmp_path / "empty.xlsx", "w") as archive:
        archive.writestr("x.txt", "x")
    write_csv(tmp_path / "columns.csv", [{"姓名": "甲", "備註": "x"}])
    cases = {
        "notes.txt": "unsupported file type '.txt'",
        "missing.xlsx": "file not found",
        "broken.xlsx": "broken.xlsx: not a readable Excel .xlsx file",
        "empty.xlsx": "empty.xlsx",
        "columns.csv": "missing required columns: 手機號 (phone), 部門 (department)",
    }
    for name, words in cases.items():
        code, output = await _import(settings, "helpers", tmp_path / name)
        assert code == 2, name
        assert words in output.err.getvalue(), output.err.getvalue()
        assert output.err.getvalue().startswith("error: ")


async def test_grant_roles_and_scopes(settings: Settings) -> None:
    await _import(settings, "helpers", TEMPLATES / "helpers.csv")
    await _import(settings, "households", TEMPLATES / "households.csv")
    code, output = await _grant(settings, "138 0000 0001", "辦公室", scope="青山鎮/大寨村")
    assert code == 0
    assert (
        output.out.getvalue()
        == "王建國 (+8613800000001) updated: role office, scope 青山鎮/大寨村\n"
    )
    user = (await _users(settings))["+8613800000001"]
    assert user.role == Role.OFFICE
    code, output = await _grant(settings, "13800000001", "leader", scope=settings.county_name)
    assert code == 0 and "scope whole county" in output.out.getvalue()
    assert (await _users(settings))["+8613800000001"].scope_id is None

    code, output = await _grant(settings, "13800000099", "office")
    assert code == 1
    assert "no user has the phone +8613800000099; pass --name NAME" in output.err.getvalue()
    code, output = await _grant(
        settings, "13800000099", "office", scope="青山鎮/無此村", name="新人"
    )
    assert code == 1
    assert (
        "unknown scope '青山鎮/無此村': there is no village '無此村' in 青山鎮"
        in output.err.getvalue()
    )
    code, output = await _grant(settings, "13800000099", "boss", name="新人")
    assert code == 1 and "unknown role 'boss'" in output.err.getvalue()
    code, output = await _grant(settings, "not a phone", "office", name="新人")
    assert code == 1 and "not a phone number" in output.err.getvalue()
    assert "+8613800000099" not in await _users(settings)

    code, output = await _grant(settings, "13800000099", "成員", scope="龍塘鄉", name="新人")
    assert code == 0 and "新人 (+8613800000099) created: role member, scope 龍塘鄉" in output.text
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine)() as session:
            entries = (
                await session.scalars(select(AuditEntry).where(AuditEntry.action == "admin.grant"))
            ).all()
            assert [e.detail for e in entries] == [
                {"role": "office", "scope": "青山鎮/大寨村", "created": False},
                {"role": "leader", "scope": None, "created": False},
                {"role": "member", "scope": "龍塘鄉", "created": True},
            ]
            assert all(e.actor_label == "cli" and e.target_type == "user" for e in entries)
            township = await session.scalar(select(OrgUnit).where(OrgUnit.name == "龍塘鄉"))
            created = await session.scalar(select(User).where(User.phone == "+8613800000099"))
            assert township is not None and created is not None
            assert created.scope_id == township.id
            assert await session.scalar(select(Household).limit(1)) is not None
    finally:
        await engine.dispose()


async def test_arguments_reach_the_handlers(
    settings: Settings, tmp_path: Path, capsys: object
) -> None:
    parser = argparse.ArgumentParser(prog="bangfu")
    add_arguments(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["import", "helpers", str(TEMPLATES / "helpers.csv"), "--skip-bad"])
    assert args.skip_bad is True
    assert await args.handler(settings, args) == 0
    args = parser.parse_args(["import", "households", str(tmp_path / "x.doc")])
    assert args.skip_bad is False
    assert await args.handler(settings, args) == 2
    args = parser.parse_args(["admin", "grant", "13800000013", "leader", "--scope", "龍塘鄉"])
    assert (args.phone, args.role, args.scope, args.name) == (
        "13800000013",
        "leader",
        "龍塘鄉",
        None,
    )
    assert await args.handler(settings, args) == 0
    assert (await _users(settings))["+8613800000013"].role == Role.LEADER


async def test_grant_scopes_in_either_script(settings: Settings) -> None:
    await _import(settings, "helpers", TEMPLATES / "helpers.csv")
    await _import(settings, "households", TEMPLATES / "households.csv")
    code, output = await _grant(settings, "13800000001", "office", scope="青山镇/大寨村")
    assert code == 0, output.text
    # The stored names are shown as imported.
    assert "scope 青山鎮/大寨村" in output.out.getvalue()
    code, output = await _grant(settings, "13800000002", "leader", scope="龙塘乡")
    assert code == 0 and "scope 龍塘鄉" in output.out.getvalue()


async def test_grant_scope_without_its_township(settings: Settings) -> None:
    await _import(settings, "helpers", TEMPLATES / "helpers.csv")
    await _import(settings, "households", TEMPLATES / "households.csv")
    code, output = await _grant(settings, "13800000001", "office", scope="大寨村")
    assert code == 0, output.text
    assert "'大寨村' read as 青山鎮/大寨村 (scopes are written 鄉鎮/村)" in output.out.getvalue()
    assert "scope 青山鎮/大寨村" in output.out.getvalue()
    code, output = await _grant(settings, "13800000001", "office", scope="無此村")
    assert code == 1
    assert "write it as 鄉鎮/村, e.g. " in output.err.getvalue()


async def test_households_before_helpers_print_one_line(settings: Settings) -> None:
    code, output = await _import(settings, "households", TEMPLATES / "households.csv")
    assert code == 1
    assert output.err.getvalue() == (
        "error: no helpers are stored yet: import the helpers file first\n"
    )
    assert output.out.getvalue() == "households.csv: 100 rows — nothing imported\n"


async def test_the_commands_speak_the_configured_language(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "helpers.csv", [helper_row("甲", "13800000001", 角色="boss")])
    chinese = settings.model_copy(update={"language": "zh-CN"})
    code, output = await _import(chinese, "helpers", path)
    assert code == 1
    assert output.err.getvalue().splitlines() == [
        "第 2 行：角色应为 帮扶责任人、办公室、组长 或 成员，实为 'boss'",
        "未导入任何数据；请修正以上各行，或加上 --skip-bad",
    ]
    assert output.out.getvalue() == "helpers.csv：1 行 — 1 行错误\n"
    code, output = await _import(settings, "helpers", path)
    assert output.err.getvalue().splitlines()[0] == (
        "row 2: 角色 must be 幫扶責任人, 辦公室, 組長 or 成員, got 'boss'"
    )
    code, output = await _grant(chinese, "13800000099", "office")
    assert code == 1
    assert output.err.getvalue() == (
        "错误：没有手机号为 +8613800000099 的用户；加上 --name 姓名 可新建\n"
    )
    code, output = await _grant(chinese, "13800000099", "office", name="新人")
    assert output.out.getvalue() == "已新建 新人（+8613800000099）：角色 office，范围 全县\n"
