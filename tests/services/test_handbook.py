"""`bangfu export handbook`: one household's full record as a workbook with Chinese headers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from bot.domain.households import Guarantee
from bot.domain.people import Actor
from bot.domain.vocabulary import BenefitStatus, Role
from bot.services.case_records import (
    AssistanceDraft,
    record_assistance,
    record_guarantee,
    record_income,
    set_benefit,
    write_plan,
)
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests.factories import make_household, make_user, make_village
from tests.test_cli import _bangfu

DAY = date(2026, 11, 20)


async def test_the_handbook_holds_the_whole_record(
    tmp_path: Path, db_url: str, sessions: SessionFactory
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session, "東村")
        user = await make_user(session, "王芳")
        household = await make_household(session, village, "李四", helper=user)
    helper = Actor(user.id, user.name, Role.HELPER)
    hid = household.id

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions)

    await record_income(
        uow(), helper, household_id=hid, per_capita=Decimal("4250.5"), source="务工", on=DAY
    )
    await record_guarantee(
        uow(), helper, household_id=hid, item=Guarantee.HOUSING, met=False, note="漏雨", today=DAY
    )
    await set_benefit(
        uow(), helper, household_id=hid, policy="health", status=BenefitStatus.ENROLLED, today=DAY
    )
    await write_plan(uow(), helper, household_id=hid, goals="年底脱贫", measures="养鸡")
    await record_assistance(
        uow(),
        helper,
        AssistanceDraft(hid, "industry", "鸡苗 50 只", DAY, amount=Decimal("600")),
        token="t1",
    )
    target = tmp_path / "handbook.xlsx"
    done = _bangfu(
        tmp_path, "export", "handbook", str(hid), "-o", str(target), BANGFU_DATABASE_URL=db_url
    )
    assert done.returncode == 0, done.stderr
    book = load_workbook(target)
    assert book.sheetnames == [
        "基本信息",
        "人均收入",
        "两不愁三保障",
        "政策享受",
        "帮扶计划",
        "帮扶措施记录",
        "走访记录",
        "变更记录",
    ]
    basics = book["基本信息"]
    assert basics.freeze_panes == "A2"
    assert [basics[f"B{r}"].value for r in (3, 5, 9)] == ["李四", "東村", 4250.5]
    assert list(book["人均收入"].iter_rows(values_only=True)) == [
        ("记录日期", "人均纯收入（元）", "收入来源"),
        ("2026-11-20", 4250.5, "务工"),
    ]
    assert ("2026-11-20", "住房安全有保障", "否", "漏雨") in list(
        book["两不愁三保障"].iter_rows(values_only=True)
    )
    benefits = {r[0]: r[1:3] for r in book["政策享受"].iter_rows(min_row=2, values_only=True)}
    assert benefits["健康扶贫"] == ("已享受", "2026-11-20")
    assert benefits["产业扶持"] == ("未评估", None)
    given = list(book["帮扶措施记录"].iter_rows(min_row=2, values_only=True))
    assert given[0][1:4] == ("产业扶持", "鸡苗 50 只", 600)
    assert book["帮扶计划"]["B2"].value == "年底脱贫"
    assert len(list(book["变更记录"].iter_rows(min_row=2))) == 5
    assert book["基本信息"].column_dimensions["A"].width >= 20
    missing = _bangfu(tmp_path, "export", "handbook", "999999", BANGFU_DATABASE_URL=db_url)
    assert missing.returncode == 1 and "no household 999999" in missing.stderr
