"""Headers and row checks, without a database."""

from __future__ import annotations

import pytest

from bot.domain.vocabulary import HouseholdStatus, Role
from bot.importing.columns import HELPER_COLUMNS, HOUSEHOLD_COLUMNS, HeaderError, map_headers
from bot.importing.validate import (
    HelperRow,
    HouseholdRow,
    RowError,
    parse_helper_row,
    parse_household_row,
)

from .helpers import KEY, household_row, make_id


def test_headers_in_traditional_simplified_and_english() -> None:
    for headers in (
        ["姓名", "手機號", "部門"],
        ["姓名", "手机号", "部门", "角色", "范围"],
        [" Name ", "PHONE", "Department", "Role", "scope"],
        ["姓名*", "電話", "部門（科室）"],
    ):
        found = map_headers(headers, HELPER_COLUMNS)
        assert set(found) >= {"name", "phone", "department"}
        assert all(found[k] in headers for k in found)


def test_unknown_columns_are_ignored() -> None:
    found = map_headers(["姓名", "手機號", "部門", "備註", "序號"], HELPER_COLUMNS)
    assert found == {"name": "姓名", "phone": "手機號", "department": "部門"}


def test_missing_required_columns_are_named_in_one_error() -> None:
    with pytest.raises(HeaderError) as caught:
        map_headers(["戶主姓名", "村", "備註"], HOUSEHOLD_COLUMNS)
    message = str(caught.value)
    for title in (
        "人口數 (members)",
        "鄉鎮 (township)",
        "致貧原因 (causes)",
        "人均純收入 (income)",
        "幫扶責任人 (helper)",
    ):
        assert title in message
    assert "身份證號" not in message  # optional


def test_one_column_given_twice_is_an_error() -> None:
    with pytest.raises(HeaderError, match="both mean"):
        map_headers(["姓名", "手機號", "電話", "部門"], HELPER_COLUMNS)


def _helper(cells: dict[str, str]) -> HelperRow | RowError:
    headers = map_headers(list(cells), HELPER_COLUMNS)
    return parse_helper_row(7, cells, headers, county_name="示範縣")


def _household(cells: dict[str, str]) -> HouseholdRow | RowError:
    headers = map_headers(list(cells), HOUSEHOLD_COLUMNS)
    return parse_household_row(9, cells, headers, id_key=KEY)


def test_a_good_helper_row() -> None:
    row = _helper(
        {
            "姓名": " 王 建國 ",
            "手機號": "138 0000 0001",
            "部門": "農業科",
            "角色": "辦公室",
            "範圍": "示範縣/青山鎮／大寨村",
        }
    )
    assert row == HelperRow(
        7, "王建國", "+8613800000001", "農業科", Role.OFFICE, ("青山鎮", "大寨村")
    )


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("", None),
        ("幫扶責任人", Role.HELPER),
        ("帮扶责任人", Role.HELPER),
        ("Helper", Role.HELPER),
        ("办公室", Role.OFFICE),
        ("組長", Role.LEADER),
        ("副组长", Role.LEADER),
        ("成員", Role.MEMBER),
        ("member", Role.MEMBER),
    ],
)
def test_role_words(word: str, role: Role | None) -> None:
    row = _helper({"姓名": "甲", "手機號": "13800000001", "部門": "科", "角色": word})
    assert isinstance(row, HelperRow) and row.role == role


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"姓名": "", "手機號": "13800000001", "部門": "科"}, "姓名 is empty"),
        ({"姓名": "甲", "手機號": "abc", "部門": "科"}, "手機號 is not a phone number: 'abc'"),
        ({"姓名": "甲", "手機號": "", "部門": "科"}, "手機號 is empty"),
        ({"姓名": "甲", "手機號": "13800000001", "部門": ""}, "部門 is empty"),
        (
            {"姓名": "甲", "手機號": "13800000001", "部門": "科", "角色": "boss"},
            "角色 must be 幫扶責任人, 辦公室, 組長 or 成員, got 'boss'",
        ),
        ({"姓名": "甲", "手機號": "13800000001", "部門": "科", "範圍": "a/b/c/d"}, "範圍 must be"),
    ],
)
def test_bad_helper_values(cells: dict[str, str], reason: str) -> None:
    row = _helper(cells)
    assert isinstance(row, RowError)
    assert row.row == 7
    assert reason in row.reason
    assert str(row).startswith("row 7: ")


def test_office_and_leader_need_no_department() -> None:
    for role in ("辦公室", "組長"):
        row = _helper({"姓名": "甲", "手機號": "13800000001", "部門": "", "角色": role})
        assert isinstance(row, HelperRow) and row.department is None


def test_every_problem_of_a_row_is_reported() -> None:
    row = _helper({"姓名": "", "手機號": "x", "部門": ""})
    assert isinstance(row, RowError)
    assert row.reason.count(";") == 2


def test_a_good_household_row() -> None:
    number = make_id(7)
    row = _household(
        household_row(
            "張 三",
            id_number=number.lower(),
            狀態="已脫貧",
            聯繫電話="138-0000-0101",
            致貧原因="因病、缺技術，因病;缺資金",
            人均純收入="3,500.5元",
            經度="106.7",
            緯度="26.5",
        )
    )
    assert isinstance(row, HouseholdRow)
    assert row.head_name == "張三"
    assert row.id_masked == number[:6] + "********" + number[-4:]
    assert row.id_hash is not None and len(row.id_hash) == 64
    assert number not in repr(row)
    assert row.causes == ("因病", "缺技術", "缺資金")
    assert row.income == 3500.5
    assert row.status is HouseholdStatus.EXITED
    assert row.phone == "+8613800000101"
    assert (row.helper_phone, row.helper_name) == ("+8613800000001", None)
    assert (row.latitude, row.longitude) == (26.5, 106.7)
    assert (row.township, row.village, row.group) == ("青山鎮", "大寨村", "1組")


def test_helper_by_name_and_blank_optionals() -> None:
    row = _household(household_row("李四", helper="王建國", 組=""))
    assert isinstance(row, HouseholdRow)
    assert (row.helper_phone, row.helper_name) == (None, "王建國")
    assert row.id_hash is None and row.status is None and row.group is None
    assert row.latitude is None and row.phone is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"人口數": "abc"}, "人口數 must be a whole number 1–30, got 'abc'"),
        ({"人口數": "0"}, "人口數 must be a whole number 1–30, got '0'"),
        ({"人口數": "31"}, "人口數 must be a whole number 1–30, got '31'"),
        ({"人口數": "2.5"}, "人口數 must be a whole number"),
        ({"人口數": ""}, "人口數 is empty"),
        ({"戶主姓名": ""}, "戶主姓名 is empty"),
        ({"鄉鎮": ""}, "鄉鎮 is empty"),
        ({"村": "  "}, "村 is empty"),
        ({"村": "大寨/村"}, "村 must be a plain name"),
        ({"致貧原因": "、，"}, "致貧原因 names no cause"),
        ({"人均純收入": "lots"}, "人均純收入 must be a number of yuan per person per year"),
        ({"人均純收入": "-5"}, "人均純收入 must be a number"),
        ({"狀態": "rich"}, "狀態 must be 貧困, 申請, 待退出, 已脫貧 or 返貧風險, got 'rich'"),
        ({"聯繫電話": "12"}, "聯繫電話 is not a phone number: '12'"),
        ({"幫扶責任人": ""}, "幫扶責任人 is empty"),
        ({"幫扶責任人": "138 0000"}, "幫扶責任人 is not a phone number"),
        ({"經度": "106.7"}, "緯度 is empty but 經度 is given"),
        ({"緯度": "26.5"}, "經度 is empty but 緯度 is given"),
        ({"經度": "26.5", "緯度": "106.7"}, "swapped"),
        ({"經度": "east", "緯度": "26.5"}, "經度 must be a longitude"),
        ({"身份證號": "110105194912310021"}, "身份證號 is not a valid ID number: its check digit"),
        ({"身份證號": "1101051949"}, "身份證號 is not a valid ID number: an ID number has 18"),
    ],
)
def test_bad_household_values(changes: dict[str, str], reason: str) -> None:
    row = _household(household_row("張三", **{}) | changes)
    assert isinstance(row, RowError)
    assert reason in row.reason
    assert row.row == 9
    if "身份證號" in changes:
        assert changes["身份證號"] not in row.reason


def test_messages_use_the_files_own_headers() -> None:
    cells = {
        "head_name": "張三",
        "members": "many",
        "township": "t",
        "village": "v",
        "causes": "因病",
        "income": "1",
        "helper": "13800000001",
    }
    row = _household(cells)
    assert isinstance(row, RowError)
    assert row.reason == "members must be a whole number 1–30, got 'many'"
