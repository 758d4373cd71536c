"""The columns of the helpers and households files: header aliases, required ones, help text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    key: str
    label: str  # the header the templates use
    aliases: tuple[str, ...]  # other accepted headers (simplified Chinese, English, …)
    required: bool
    zh: str  # help text for the templates' 說明 sheet and the README
    en: str

    @property
    def title(self) -> str:
        """Header and English key, as error messages name a column: "手機號 (phone)"."""
        return f"{self.label} ({self.key})"


class HeaderError(ValueError):
    """The header row lacks required columns or names one column twice."""


HELPER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("name",), True, "幫扶責任人或管理人員的姓名", "full name"),
    Column(
        "phone",
        "手機號",
        ("手机号", "電話", "电话", "手機", "手机", "phone", "mobile"),
        True,
        "手機號碼，用於綁定 Telegram 帳號；每人唯一",
        "mobile number; binds the person's Telegram account; unique per person",
    ),
    Column(
        "department",
        "部門",
        ("部门", "department"),
        True,
        "所屬部門；幫扶責任人和成員必填，辦公室和組長可留空",
        "department; required for helpers and members, may be blank for office and leader",
    ),
    Column(
        "role",
        "角色",
        ("role",),
        False,
        "幫扶責任人 / 辦公室 / 組長（副組長）/ 成員；留空為幫扶責任人",
        "helper / office / leader / member; blank means helper",
    ),
    Column(
        "scope",
        "範圍",
        ("范围", "scope"),
        False,
        "可查看的範圍「鄉鎮/村」；留空為全縣",
        'what the person may see, "township/village"; blank means the whole county',
    ),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column(
        "head_name",
        "戶主姓名",
        ("户主姓名", "戶主", "户主", "head_name", "head"),
        True,
        "戶主姓名",
        "name of the head of household",
    ),
    Column(
        "id_number",
        "身份證號",
        ("身份证号", "身份證號碼", "身份证号码", "id_number", "id"),
        False,
        "戶主18位身份證號（只保存遮罩和雜湊，不保存原號碼）",
        "head's 18-character ID number (only a masked form and a keyed hash are stored)",
    ),
    Column(
        "members",
        "人口數",
        ("人口数", "家庭人口", "members"),
        True,
        "家庭人口數，1–30 的整數",
        "people in the household, a whole number 1–30",
    ),
    Column("township", "鄉鎮", ("乡镇", "township"), True, "所在鄉鎮", "township"),
    Column("village", "村", ("行政村", "village"), True, "所在行政村", "village"),
    Column(
        "group",
        "組",
        ("组", "村民小組", "村民小组", "group"),
        False,
        "村民小組，例如「3組」",
        'village group, e.g. "3組"',
    ),
    Column(
        "causes",
        "致貧原因",
        ("致贫原因", "causes", "cause"),
        True,
        "一個或多個，用 、，,;；/ 分隔，例如「因病、缺技術」",
        'one or more, separated by 、，,;；/ e.g. "因病、缺技術"',
    ),
    Column(
        "income",
        "人均純收入",
        ("人均纯收入", "人均收入", "income"),
        True,
        "家庭年人均純收入（元/人/年）",
        "net income per person per year (CNY)",
    ),
    Column(
        "status",
        "狀態",
        ("状态", "status"),
        False,
        "貧困 / 申請 / 待退出 / 已脫貧 / 返貧風險；新戶留空為貧困",
        "poor / applied / exit_pending / exited / relapse_risk; blank means poor for new rows",
    ),
    Column(
        "phone",
        "聯繫電話",
        ("联系电话", "電話", "电话", "phone"),
        False,
        "戶主聯繫電話",
        "household's contact phone",
    ),
    Column(
        "helper",
        "幫扶責任人",
        ("帮扶责任人", "helper"),
        True,
        "幫扶責任人的手機號（或姓名，須唯一）；須先導入幫扶責任人",
        "helper's phone (or name when unique); import the helpers first",
    ),
    Column(
        "longitude",
        "經度",
        ("经度", "longitude", "lon", "lng"),
        False,
        "住址經度（十進位度數，例如 106.7123）",
        "home longitude in decimal degrees, e.g. 106.7123",
    ),
    Column(
        "latitude",
        "緯度",
        ("纬度", "latitude", "lat"),
        False,
        "住址緯度（十進位度數，例如 26.5123）",
        "home latitude in decimal degrees, e.g. 26.5123",
    ),
)

# A note after the header such as "人均純收入（元）" or a required-marker "姓名*".
_HEADER_NOTE = re.compile(r"\(.*\)$|\*+$")
_HEADER_NOISE = re.compile(r"[\s_\-]")


def normalize_header(header: str) -> str:
    """A header reduced for matching: full-width folded, case-folded, spaces and notes removed."""
    text = unicodedata.normalize("NFKC", header).strip()
    text = _HEADER_NOTE.sub("", text).strip()
    return _HEADER_NOISE.sub("", text).casefold()


def map_headers(headers: Sequence[str], columns: Sequence[Column]) -> dict[str, str]:
    """Column key → header as written in the file; unknown headers are ignored."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for alias in (column.label, *column.aliases):
            lookup[normalize_header(alias)] = column
    found: dict[str, str] = {}
    problems: list[str] = []
    for header in headers:
        match = lookup.get(normalize_header(header))
        if match is None:
            continue
        if match.key in found:
            problems.append(f"columns {found[match.key]!r} and {header!r} both mean {match.title}")
            continue
        found[match.key] = header
    missing = [c.title for c in columns if c.required and c.key not in found]
    if missing:
        problems.insert(
            0,
            "missing required column"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(missing),
        )
    if problems:
        raise HeaderError("; ".join(problems))
    return found
