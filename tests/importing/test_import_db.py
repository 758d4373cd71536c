"""Importing into the database (every test runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.domain.vocabulary import HomeSource, HouseholdStatus, OrgKind, Role
from bot.identity import hash_id_number
from bot.importing.readers import read_table
from bot.importing.run import ImportReport, import_helpers, import_households
from bot.importing.samples import demo_helper_rows, demo_household_rows
from storage.base import Base
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Department,
    Household,
    HouseholdStatusChange,
    OrgUnit,
    Pairing,
    User,
)

from .helpers import TEMPLATES, helper_row, household_row, make_id, write_csv

TODAY = date(2025, 3, 1)


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _helpers(
    sessions: SessionFactory, settings: Settings, rows: Any, **kw: Any
) -> ImportReport:
    async with sessions() as session:
        return await import_helpers(session, rows, settings=settings, **{"skip_bad": False, **kw})


async def _households(
    sessions: SessionFactory, settings: Settings, rows: Any, **kw: Any
) -> ImportReport:
    async with sessions() as session:
        return await import_households(
            session, rows, settings=settings, **{"skip_bad": False, "today": TODAY, **kw}
        )


async def _demo(sessions: SessionFactory, settings: Settings) -> None:
    assert (await _helpers(sessions, settings, demo_helper_rows())).created == 15
    assert (await _households(sessions, settings, demo_household_rows())).created == 100


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
async def test_the_sample_templates_import(
    sessions: SessionFactory, settings: Settings, ext: str
) -> None:
    helpers = await _helpers(sessions, settings, read_table(TEMPLATES / f"helpers.{ext}"))
    assert (helpers.created, helpers.updated, helpers.unchanged, helpers.errors) == (15, 0, 0, [])
    assert helpers.departments_created == 4
    households = await _households(sessions, settings, read_table(TEMPLATES / f"households.{ext}"))
    assert households.errors == []
    assert (households.created, households.pairings_opened, households.pairings_ended) == (
        100,
        100,
        0,
    )
    async with sessions() as s:
        assert await _count(s, User) == 15
        assert await _count(s, User, User.role == Role.HELPER) == 12
        assert await _count(s, User, User.role == Role.OFFICE) == 2
        assert await _count(s, User, User.role == Role.LEADER) == 1
        assert await _count(s, User, User.department_id.is_not(None)) == 12
        assert await _count(s, Department) == 4
        assert await _count(s, Household) == 100
        assert await _count(s, Household, Household.id_hash.is_(None)) == 8
        assert await _count(s, Household, Household.home_source == HomeSource.IMPORTED) == 94
        assert (
            await _count(s, Pairing, Pairing.ended_on.is_(None), Pairing.reason == "import") == 100
        )
        assert await _count(s, HouseholdStatusChange) == 100
        paired = await s.scalar(select(func.count(func.distinct(Pairing.helper_id))))
        assert paired == 12
        units = (await s.scalars(select(OrgUnit))).all()
        kinds = [u.kind for u in units]
        assert kinds.count(OrgKind.COUNTY) == 1
        assert kinds.count(OrgKind.TOWNSHIP) == 3
        assert kinds.count(OrgKind.VILLAGE) == 8
        by_id = {u.id: u for u in units}
        for unit in units:
            parent = by_id.get(unit.parent_id) if unit.parent_id else None
            assert unit.path == (parent.path if parent else "/") + f"{unit.id}/"
        county = next(u for u in units if u.kind == OrgKind.COUNTY)
        assert county.name == settings.county_name
        scoped = await s.scalar(select(User).where(User.scope_id.is_not(None)))
        assert scoped is not None and by_id[scoped.scope_id or 0].name == "龍塘鄉"
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert actions == ["import.helpers", "import.households"]


async def test_importing_again_updates_instead_of_duplicating(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _demo(sessions, settings)
    again = await _helpers(sessions, settings, read_table(TEMPLATES / "helpers.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 15)
    rows = demo_household_rows()
    rows[0]["人口數"] = "7" if rows[0]["人口數"] != "7" else "6"
    rows[1]["狀態"] = "已脫貧" if rows[1]["狀態"] != "已脫貧" else "貧困"
    report = await _households(sessions, settings, rows)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 98)
    assert (report.pairings_opened, report.pairings_ended) == (0, 0)
    helper_rows = demo_helper_rows()
    helper_rows[0]["姓名"] = "王建新"
    helper_rows[0]["手機號"] = "+86 138-0000-0001"  # same person, written differently
    report = await _helpers(sessions, settings, helper_rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 14)
    async with sessions() as s:
        assert await _count(s, User) == 15
        assert await _count(s, Household) == 100
        assert await _count(s, Pairing) == 100
        assert await _count(s, HouseholdStatusChange) == 101
        assert await s.scalar(select(User.name).where(User.phone == "+8613800000001")) == "王建新"
        assert await _count(s, AuditEntry) == 5


async def test_bad_rows_change_nothing(sessions: SessionFactory, settings: Settings) -> None:
    await _demo(sessions, settings)
    rows = [household_row(f"新戶{i}") for i in range(5)]
    rows[1]["人口數"] = "abc"
    rows[3]["幫扶責任人"] = "13800000999"
    rows[4]["幫扶責任人"] = "無名氏"
    report = await _households(sessions, settings, rows, source="new.xlsx")
    assert not report.applied
    assert [(e.row, e.reason) for e in report.errors] == [
        (3, "人口數 must be a whole number 1–30, got 'abc'"),
        (5, "幫扶責任人 +8613800000999 is not a known helper (import helpers first)"),
        (6, "幫扶責任人 '無名氏' is not a known helper (import helpers first)"),
    ]
    async with sessions() as s:
        assert await _count(s, Household) == 100
        assert await _count(s, AuditEntry) == 2


async def test_skip_bad_imports_the_good_rows(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(sessions, settings, [helper_row("甲", "13800000001")])
    rows = [household_row("張三"), household_row("李四", 人口數="0"), household_row("王五")]
    report = await _households(sessions, settings, rows, skip_bad=True, source="h.csv")
    assert report.applied and report.created == 2 and report.skipped == 1
    assert [e.row for e in report.errors] == [3]
    async with sessions() as s:
        names = set((await s.scalars(select(Household.head_name))).all())
        assert names == {"張三", "王五"}
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "import.households"))
        assert entry is not None and entry.actor_label == "cli"
        assert entry.detail["file"] == "h.csv"
        assert (entry.detail["created"], entry.detail["skipped"]) == (2, 1)


async def test_bad_helper_rows_and_skip(sessions: SessionFactory, settings: Settings) -> None:
    rows = [helper_row("甲", "13800000001"), helper_row("乙", "no phone")]
    report = await _helpers(sessions, settings, rows)
    assert not report.applied and [e.row for e in report.errors] == [3]
    async with sessions() as s:
        assert await _count(s, User) == 0 and await _count(s, Department) == 0
    report = await _helpers(sessions, settings, rows, skip_bad=True)
    assert report.created == 1 and report.skipped == 1


async def test_duplicates_within_a_file_are_bad_rows(
    sessions: SessionFactory, settings: Settings
) -> None:
    report = await _helpers(
        sessions,
        settings,
        [
            helper_row("甲", "13800000001"),
            helper_row("乙", "13800000002"),
            helper_row("甲二", "+86 138 0000 0001"),
        ],
    )
    assert [(e.row, e.reason) for e in report.errors] == [
        (2, "same 手機號 as row 4"),
        (4, "same 手機號 as row 2"),
    ]
    await _helpers(sessions, settings, [helper_row("甲", "13800000001")])
    same_id = make_id(5)
    rows = [
        household_row("張三", id_number=same_id),
        household_row("張三豐", id_number=same_id),
        household_row("李四"),
        household_row("李四", 人口數="5"),  # same name and place, different facts
        household_row("王五", id_number=make_id(6)),
        household_row("王五", id_number=make_id(7)),  # namesakes with their own ID numbers
    ]
    report = await _households(sessions, settings, rows, skip_bad=True)
    assert [e.row for e in report.errors] == [2, 3, 4, 5]
    assert "same 身份證號 as row 3" in report.errors[0].reason
    assert "same 戶主姓名 in the same village as row 5" in report.errors[2].reason
    assert report.created == 2


async def test_a_new_helper_ends_the_old_pairing(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(
        sessions, settings, [helper_row("甲", "13800000001"), helper_row("乙", "13800000002")]
    )
    await _households(sessions, settings, [household_row("張三", "13800000001")])
    later = TODAY + timedelta(days=30)
    same = await _households(sessions, settings, [household_row("張三", "甲")], today=later)
    assert (same.unchanged, same.pairings_opened, same.pairings_ended) == (1, 0, 0)
    moved = await _households(sessions, settings, [household_row("張三", "乙")], today=later)
    assert (moved.updated, moved.pairings_opened, moved.pairings_ended) == (1, 1, 1)
    async with sessions() as s:
        pairings = (await s.scalars(select(Pairing).order_by(Pairing.id))).all()
        helpers = {u.id: u.name for u in (await s.scalars(select(User))).all()}
        assert [(helpers[p.helper_id], p.started_on, p.ended_on) for p in pairings] == [
            ("甲", TODAY, later),
            ("乙", later, None),
        ]


async def test_helper_named_ambiguously_is_a_bad_row(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(
        sessions, settings, [helper_row("甲", "13800000001"), helper_row("甲", "13800000002")]
    )
    report = await _households(sessions, settings, [household_row("張三", "甲")])
    assert report.errors[0].reason == "幫扶責任人 '甲' matches 2 people; use the phone number"
    async with sessions() as s:
        user = await s.scalar(select(User).where(User.phone == "+8613800000002"))
        assert user is not None
        user.active = False
        await s.commit()
    report = await _households(sessions, settings, [household_row("張三", "13800000002")])
    assert report.errors[0].reason == "幫扶責任人 甲 is no longer active"


async def test_an_id_number_added_later_updates_the_household(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(sessions, settings, [helper_row("甲", "13800000001")])
    await _households(sessions, settings, [household_row("張三")])
    report = await _households(sessions, settings, [household_row("張三", id_number=make_id(9))])
    assert (report.created, report.updated) == (0, 1)
    # Now known by the ID number: a corrected name still updates the same household.
    report = await _households(sessions, settings, [household_row("張叁", id_number=make_id(9))])
    assert (report.created, report.updated) == (0, 1)
    async with sessions() as s:
        household = await s.scalar(select(Household))
        assert household is not None and household.head_name == "張叁"
        assert household.id_hash == hash_id_number(
            make_id(9), settings.id_hash_key.get_secret_value()
        )
        assert await _count(s, Household) == 1


async def test_blank_optional_cells_keep_stored_values(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(sessions, settings, [helper_row("甲", "13800000001")])
    full = household_row("張三", 狀態="待退出", 聯繫電話="13800000101", 經度="106.7", 緯度="26.5")
    await _households(sessions, settings, [full])
    report = await _households(sessions, settings, [household_row("張三")])
    assert report.unchanged == 1
    async with sessions() as s:
        household = await s.scalar(select(Household))
        assert household is not None
        assert household.status == HouseholdStatus.EXIT_PENDING
        assert household.phone == "+8613800000101"
        assert (household.home_lat, household.home_lon) == (26.5, 106.7)
        # A home confirmed on a visit is not overwritten by a spreadsheet.
        household.home_source = HomeSource.CONFIRMED_VISIT
        await s.commit()
    moved = household_row("張三", 狀態="待退出", 聯繫電話="13800000101", 經度="106.8", 緯度="26.6")
    await _households(sessions, settings, [moved])
    async with sessions() as s:
        household = await s.scalar(select(Household))
        assert household is not None and household.home_lat == 26.5


async def test_gb18030_csv(sessions: SessionFactory, settings: Settings, tmp_path: Path) -> None:
    helpers = write_csv(tmp_path / "helpers.csv", demo_helper_rows(), encoding="gb18030")
    households = write_csv(tmp_path / "households.csv", demo_household_rows(), encoding="gb18030")
    assert (await _helpers(sessions, settings, read_table(helpers))).created == 15
    report = await _households(sessions, settings, read_table(households))
    assert (report.created, report.errors) == (100, [])
    async with sessions() as s:
        assert await s.scalar(select(func.count()).where(OrgUnit.name == "龍塘鄉")) == 1


async def test_ten_thousand_households(
    sessions: SessionFactory, settings: Settings, tmp_path: Path
) -> None:
    await _helpers(sessions, settings, demo_helper_rows())
    rng = random.Random(7)
    base = demo_household_rows()
    rows = []
    for i in range(10_000):
        row = dict(base[i % len(base)])
        row["戶主姓名"] = f"戶主{i:05d}"
        born = date(1950, 1, 1) + timedelta(days=i // 1000)
        row["身份證號"] = make_id(i % 1000, born=f"{born:%Y%m%d}") if i % 9 else ""
        row["人口數"] = str(rng.randint(1, 7))
        rows.append(row)
    path = write_csv(tmp_path / "big.csv", rows)
    report = await _households(sessions, settings, read_table(path))
    assert (report.created, report.pairings_opened, report.errors) == (10_000, 10_000, [])
    async with sessions() as s:
        assert await _count(s, Household) == 10_000
        assert await _count(s, Pairing) == 10_000


async def test_no_clear_id_number_is_stored(sessions: SessionFactory, settings: Settings) -> None:
    await _demo(sessions, settings)
    rows = demo_household_rows()
    rows[0]["人口數"] = "abc"  # an audited failure must not leak either
    await _households(sessions, settings, rows, skip_bad=True)
    clear = [r["身份證號"] for r in demo_household_rows() if r["身份證號"]]
    assert len(clear) == 92
    pieces = {n for n in clear} | {n[6:14] + n[14:] for n in clear}  # also the hidden part
    found: list[str] = []
    async with sessions() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in (await s.execute(select(*columns))).all():
                text = " ".join(str(v) for v in row if v is not None)
                found.extend(p for p in pieces if p in text)
        masked = (await s.scalars(select(Household.id_masked))).all()
    assert found == []
    assert all(m is None or (len(m) == 18 and m[6:14] == "*" * 8) for m in masked)


async def test_simplified_and_traditional_names_match(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(
        sessions,
        settings,
        [helper_row("劉芳", "13800000001", "農業農村科"), helper_row("乙", "13800000002")],
    )
    # The same department written in simplified script is not a new one.
    report = await _helpers(sessions, settings, [helper_row("陳明", "13800000003", "农业农村科")])
    assert report.departments_created == 0
    await _households(sessions, settings, [household_row("張三", "13800000002")])
    rows = [
        household_row("张三", "刘芳", 鄉鎮="青山镇"),  # the stored household, re-paired
        household_row("李四", "刘芳", 鄉鎮="青山镇"),
    ]
    report = await _households(sessions, settings, rows)
    assert report.errors == []
    assert (report.created, report.updated, report.units_created) == (1, 1, 0)
    assert (report.pairings_opened, report.pairings_ended) == (2, 1)
    async with sessions() as s:
        assert await _count(s, Department) == 1
        assert await _count(s, OrgUnit, OrgUnit.kind == OrgKind.TOWNSHIP) == 1
        # Stored text stays as first imported.
        assert set((await s.scalars(select(OrgUnit.name))).all()) >= {"青山鎮", "大寨村"}
        assert set((await s.scalars(select(Household.head_name))).all()) == {"張三", "李四"}
        assert set((await s.scalars(select(Department.name))).all()) == {"農業農村科"}


async def test_names_differing_only_in_script_are_duplicates(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(sessions, settings, [helper_row("甲", "13800000001")])
    rows = [household_row("張三"), household_row("张三", 鄉鎮="青山镇", 人口數="4")]
    report = await _households(sessions, settings, rows)
    assert [e.row for e in report.errors] == [2, 3]
    assert "same 戶主姓名 in the same village" in report.errors[0].reason


async def test_a_name_in_the_other_script_keeps_the_stored_spelling(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(sessions, settings, [helper_row("劉芳", "13800000001")])
    report = await _helpers(sessions, settings, [helper_row("刘芳", "13800000001")])
    assert (report.updated, report.unchanged) == (0, 1)
    async with sessions() as s:
        assert await s.scalar(select(User.name)) == "劉芳"


async def test_an_exact_duplicate_row_keeps_the_first(
    sessions: SessionFactory, settings: Settings
) -> None:
    rows = [
        helper_row("甲", "13800000001"),
        helper_row("乙", "13800000002"),
        helper_row("甲", "138 0000 0001"),
    ]
    report = await _helpers(sessions, settings, rows)
    assert [(e.row, e.reason) for e in report.errors] == [(4, "duplicate of row 2")]
    report = await _helpers(sessions, settings, rows, skip_bad=True)
    assert (report.created, report.skipped) == (2, 1)
    rows = [household_row("張三", id_number=make_id(5)), household_row("李四")]
    rows += [dict(rows[0]), dict(rows[1])]
    report = await _households(sessions, settings, rows)
    assert [(e.row, e.reason) for e in report.errors] == [
        (4, "duplicate of row 2"),
        (5, "duplicate of row 3"),
    ]
    report = await _households(sessions, settings, rows, skip_bad=True)
    assert (report.created, report.skipped) == (2, 2)
    async with sessions() as s:
        assert set((await s.scalars(select(Household.head_name))).all()) == {"張三", "李四"}


async def test_a_bad_row_reports_its_unknown_helper_too(
    sessions: SessionFactory, settings: Settings
) -> None:
    await _helpers(sessions, settings, [helper_row("甲", "13800000001")])
    rows = [household_row("張三", "無名氏", 人口數="abc"), household_row("李四", "13800000999")]
    rows[1]["人均純收入"] = "-1"
    report = await _households(sessions, settings, rows)
    assert [(e.row, e.reason) for e in report.errors] == [
        (
            2,
            "人口數 must be a whole number 1–30, got 'abc'; "
            "幫扶責任人 '無名氏' is not a known helper (import helpers first)",
        ),
        (
            3,
            "人均純收入 must be a number of yuan per person per year (0–1,000,000), got '-1'; "
            "幫扶責任人 +8613800000999 is not a known helper (import helpers first)",
        ),
    ]


async def test_households_before_helpers_say_so_once(
    sessions: SessionFactory, settings: Settings
) -> None:
    rows = [household_row(f"戶{i}", f"1380000{i:04d}") for i in range(60)]
    rows[5]["人口數"] = "abc"
    report = await _households(sessions, settings, rows, skip_bad=True)
    assert report.blocker is not None
    assert report.blocker.render() == "no helpers are stored yet: import the helpers file first"
    assert [(e.row, e.reason) for e in report.errors] == [
        (7, "人口數 must be a whole number 1–30, got 'abc'")
    ]
    assert not report.applied
    async with sessions() as s:
        assert await _count(s, Household) == 0
