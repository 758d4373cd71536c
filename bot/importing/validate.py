"""Checking one row of a helpers or households file: a typed row, or the reasons it is bad."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.script import same_name
from bot.domain.vocabulary import HouseholdStatus, Role
from bot.i18n import N_, Translate
from bot.identity import (
    InvalidIdNumber,
    InvalidPhone,
    hash_id_number,
    mask_id_number,
    normalize_phone,
    validate_id_number,
)
from bot.importing.columns import HELPER_COLUMNS, HOUSEHOLD_COLUMNS, Column

MAX_MEMBERS = 30
MAX_INCOME = 1_000_000.0
MAX_SCOPE_DEPTH = 3  # township / village / group

ROLE_WORDS: dict[str, Role] = {
    "幫扶責任人": Role.HELPER,
    "帮扶责任人": Role.HELPER,
    "helper": Role.HELPER,
    "辦公室": Role.OFFICE,
    "办公室": Role.OFFICE,
    "領導小組辦公室": Role.OFFICE,
    "领导小组办公室": Role.OFFICE,
    "office": Role.OFFICE,
    "組長": Role.LEADER,
    "组长": Role.LEADER,
    "副組長": Role.LEADER,
    "副组长": Role.LEADER,
    "leader": Role.LEADER,
    "成員": Role.MEMBER,
    "成员": Role.MEMBER,
    "member": Role.MEMBER,
}

STATUS_WORDS: dict[str, HouseholdStatus] = {
    "貧困": HouseholdStatus.POOR,
    "贫困": HouseholdStatus.POOR,
    "poor": HouseholdStatus.POOR,
    "申請": HouseholdStatus.APPLIED,
    "申请": HouseholdStatus.APPLIED,
    "applied": HouseholdStatus.APPLIED,
    "待退出": HouseholdStatus.EXIT_PENDING,
    "exit_pending": HouseholdStatus.EXIT_PENDING,
    "已脫貧": HouseholdStatus.EXITED,
    "已脱贫": HouseholdStatus.EXITED,
    "exited": HouseholdStatus.EXITED,
    "返貧風險": HouseholdStatus.RELAPSE_RISK,
    "返贫风险": HouseholdStatus.RELAPSE_RISK,
    "relapse_risk": HouseholdStatus.RELAPSE_RISK,
}

_TOO_LONG = N_("{column} is longer than 100 characters")
# What bot.identity says of a bad ID number, for the catalogs.
_ID_REASONS = (
    N_("an ID number is 17 digits followed by a digit or X"),
    N_("the date of birth in it is not a real date"),
    N_("the date of birth in it is out of range"),
    N_("its check digit does not match (a digit is probably mistyped)"),
)
_CAUSE_SEPARATORS = re.compile(r"[、，,;；/]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_PHONE_LIKE = re.compile(r"[+0-9\s\-()]+")
_WHOLE = re.compile(r"[0-9]+")


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a row: an English message id and the values it names."""

    message: str
    params: tuple[tuple[str, object], ...] = ()

    def render(self, t: Translate = _same) -> str:
        """The problem in the language of `t` (English by default)."""
        values = {k: v.render(t) if isinstance(v, Problem) else v for k, v in self.params}
        # An exception's text comes without values and is not a template.
        return t(self.message).format(**values) if values else t(self.message)


def problem(message: str, **params: object) -> Problem:
    """A problem; mark `message` with N_ where it is written."""
    return Problem(message, tuple(params.items()))


@dataclass(frozen=True)
class RowError:
    """A bad row: its number as the spreadsheet shows it (header = row 1) and why."""

    row: int
    problems: tuple[Problem, ...]

    @property
    def reason(self) -> str:
        """Every problem of the row, in English."""
        return self.render_reason()

    def render_reason(self, t: Translate = _same) -> str:
        """Every problem of the row in the language of `t`."""
        return t("; ").join(p.render(t) for p in self.problems)

    def render(self, t: Translate = _same) -> str:
        """The line an import report prints for the row."""
        return t(N_("row {row}: {reason}")).format(row=self.row, reason=self.render_reason(t))

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class HelperRow:
    """A checked row of the helpers file; None means "blank: keep what is stored"."""

    row: int
    name: str
    phone: str
    department: str | None
    role: Role | None
    scope: tuple[str, ...] | None  # () is the whole county


@dataclass(frozen=True)
class HouseholdRow:
    """A checked row of the households file; the clear ID number is already gone."""

    row: int
    head_name: str
    id_hash: str | None
    id_masked: str | None
    members: int
    township: str
    village: str
    group: str | None
    causes: tuple[str, ...]
    income: float
    status: HouseholdStatus | None
    phone: str | None
    helper_phone: str | None
    helper_name: str | None
    latitude: float | None
    longitude: float | None


def _word(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "_")


def parse_role(text: str) -> Role | None:
    """The role a word names (Chinese, traditional or simplified, or English), else None."""
    return ROLE_WORDS.get(_word(text))


def parse_status(text: str) -> HouseholdStatus | None:
    """The household status a word names, else None."""
    return STATUS_WORDS.get(_word(text))


def clean_name(text: str) -> str:
    """A person's or place's name with spacing tidied; Chinese names lose inner spaces."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return text.replace(" ", "") if _CJK.search(text) else text


def split_scope(text: str, county_name: str) -> tuple[str, ...]:
    """A "鄉鎮/村" scope as its names below the county (a leading county name is dropped)."""
    parts = [clean_name(p) for p in re.split(r"[/\\]", unicodedata.normalize("NFKC", text))]
    names = tuple(p for p in parts if p)
    if names and same_name(names[0], clean_name(county_name)):
        names = names[1:]
    return names


class _Cells:
    """A row's cells looked up by column key, collecting the problems found."""

    def __init__(self, cells: Mapping[str, str], headers: Mapping[str, str]) -> None:
        self.cells = cells
        self.headers = headers
        self.problems: list[Problem] = []

    def label(self, column: Column) -> str:
        return self.headers.get(column.key, column.label)

    def text(self, column: Column) -> str:
        header = self.headers.get(column.key)
        return "" if header is None else self.cells.get(header, "").strip()

    def required(self, column: Column) -> str:
        value = self.text(column)
        if not value:
            self.fail(column, N_("{column} is empty"))
        return value

    def fail(self, column: Column, message: str, **params: object) -> None:
        self.problems.append(problem(message, column=self.label(column), **params))


def _cols(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {c.key: c for c in columns}


_H = _cols(HELPER_COLUMNS)
_P = _cols(HOUSEHOLD_COLUMNS)


def _phone(row: _Cells, column: Column, value: str) -> str | None:
    try:
        return normalize_phone(value)
    except InvalidPhone:
        row.fail(column, N_("{column} is not a phone number: {value}"), value=repr(value))
        return None


def parse_helper_row(
    number: int, cells: Mapping[str, str], headers: Mapping[str, str], *, county_name: str
) -> HelperRow | RowError:
    """Check one row of the helpers file."""
    row = _Cells(cells, headers)
    name = clean_name(row.required(_H["name"]))
    if len(name) > 100:
        row.fail(_H["name"], _TOO_LONG)
    raw_phone = row.required(_H["phone"])
    phone = _phone(row, _H["phone"], raw_phone) if raw_phone else None
    role: Role | None = None
    raw_role = row.text(_H["role"])
    if raw_role:
        role = parse_role(raw_role)
        if role is None:
            row.fail(
                _H["role"],
                N_("{column} must be 幫扶責任人, 辦公室, 組長 or 成員, got {value}"),
                value=repr(raw_role),
            )
    department = clean_name(row.text(_H["department"])) or None
    needs_department = role in (Role.HELPER, Role.MEMBER) or not raw_role
    if department is None and needs_department:
        row.fail(_H["department"], N_("{column} is empty (required for helpers and members)"))
    elif department is not None and len(department) > 100:
        row.fail(_H["department"], _TOO_LONG)
    scope: tuple[str, ...] | None = None
    raw_scope = row.text(_H["scope"])
    if raw_scope:
        scope = split_scope(raw_scope, county_name)
        if len(scope) > MAX_SCOPE_DEPTH:
            row.fail(
                _H["scope"],
                N_("{column} must be 鄉鎮 or 鄉鎮/村, got {value}"),
                value=repr(raw_scope),
            )
    if row.problems or phone is None:
        return RowError(number, tuple(row.problems))
    return HelperRow(number, name, phone, department, role, scope)


def _number(text: str) -> float | None:
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace("元", "").strip()
    text = text.lstrip("¥").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _coordinates(row: _Cells) -> tuple[float | None, float | None]:
    lat_col, lon_col = _P["latitude"], _P["longitude"]
    raw_lat, raw_lon = row.text(lat_col), row.text(lon_col)
    if not raw_lat and not raw_lon:
        return None, None
    if not raw_lat or not raw_lon:
        empty, given = (lat_col, lon_col) if not raw_lat else (lon_col, lat_col)
        row.fail(
            empty,
            N_("{column} is empty but {other} is given (give both or neither)"),
            other=row.label(given),
        )
        return None, None
    lat, lon = _number(raw_lat), _number(raw_lon)
    if lat is None or not -90 <= lat <= 90:
        swapped = lat is not None and -180 <= lat <= 180
        message = (
            N_(
                "{column} must be a latitude between -90 and 90, got {value} "
                "(are 經度 and 緯度 swapped?)"
            )
            if swapped
            else N_("{column} must be a latitude between -90 and 90, got {value}")
        )
        row.fail(lat_col, message, value=repr(raw_lat))
        lat = None
    if lon is None or not -180 <= lon <= 180:
        row.fail(
            lon_col,
            N_("{column} must be a longitude between -180 and 180, got {value}"),
            value=repr(raw_lon),
        )
        lon = None
    return lat, lon


def _helper(row: _Cells) -> tuple[str | None, str | None]:
    raw = row.required(_P["helper"])
    if raw and _PHONE_LIKE.fullmatch(unicodedata.normalize("NFKC", raw)):
        return _phone(row, _P["helper"], raw), None
    return None, clean_name(raw) or None


def helper_reference(
    cells: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[str | None, str | None] | None:
    """The (phone, name) by which a households row names its helper; None when it names none.

    A bad row is still looked up by it, so that an unknown helper is reported with the row's
    other problems rather than after they are fixed.
    """
    phone, name = _helper(_Cells(cells, headers))
    return (phone, name) if phone or name else None


def parse_household_row(
    number: int, cells: Mapping[str, str], headers: Mapping[str, str], *, id_key: str
) -> HouseholdRow | RowError:
    """Check one row of the households file; an ID number is masked and hashed right here."""
    row = _Cells(cells, headers)
    head_name = clean_name(row.required(_P["head_name"]))
    if len(head_name) > 100:
        row.fail(_P["head_name"], _TOO_LONG)
    id_hash = id_masked = None
    raw_id = row.text(_P["id_number"])
    if raw_id:
        try:
            clear = validate_id_number(raw_id)
        except InvalidIdNumber as exc:
            # The message never repeats the number itself.
            row.fail(
                _P["id_number"],
                N_("{column} is not a valid ID number: {reason}"),
                reason=problem(str(exc)),
            )
        else:
            id_hash, id_masked = hash_id_number(clear, id_key), mask_id_number(clear)
    raw_members = row.required(_P["members"])
    members = 0
    if raw_members:
        text = unicodedata.normalize("NFKC", raw_members).strip()
        if _WHOLE.fullmatch(text) and 1 <= int(text) <= MAX_MEMBERS:
            members = int(text)
        else:
            row.fail(
                _P["members"],
                N_("{column} must be a whole number 1–{max}, got {value}"),
                max=MAX_MEMBERS,
                value=repr(raw_members),
            )
    township = clean_name(row.required(_P["township"]))
    village = clean_name(row.required(_P["village"]))
    group = clean_name(row.text(_P["group"])) or None
    for column, value in (
        (_P["township"], township),
        (_P["village"], village),
        (_P["group"], group or ""),
    ):
        if len(value) > 100 or "/" in value:
            row.fail(column, N_("{column} must be a plain name up to 100 characters without '/'"))
    raw_causes = row.required(_P["causes"])
    causes = tuple(
        dict.fromkeys(
            c.strip()
            for c in _CAUSE_SEPARATORS.split(unicodedata.normalize("NFKC", raw_causes))
            if c.strip()
        )
    )
    if raw_causes and not causes:
        row.fail(_P["causes"], N_("{column} names no cause, got {value}"), value=repr(raw_causes))
    raw_income = row.required(_P["income"])
    income = 0.0
    if raw_income:
        amount = _number(raw_income)
        if amount is None or not 0 <= amount <= MAX_INCOME:
            row.fail(
                _P["income"],
                N_("{column} must be a number of yuan per person per year (0–{max}), got {value}"),
                max=f"{MAX_INCOME:,.0f}",
                value=repr(raw_income),
            )
        else:
            income = amount
    status = None
    raw_status = row.text(_P["status"])
    if raw_status:
        status = parse_status(raw_status)
        if status is None:
            row.fail(
                _P["status"],
                N_("{column} must be 貧困, 申請, 待退出, 已脫貧 or 返貧風險, got {value}"),
                value=repr(raw_status),
            )
    raw_phone = row.text(_P["phone"])
    phone = _phone(row, _P["phone"], raw_phone) if raw_phone else None
    helper_phone, helper_name = _helper(row)
    latitude, longitude = _coordinates(row)
    if row.problems:
        return RowError(number, tuple(row.problems))
    return HouseholdRow(
        row=number,
        head_name=head_name,
        id_hash=id_hash,
        id_masked=id_masked,
        members=members,
        township=township,
        village=village,
        group=group,
        causes=causes,
        income=income,
        status=status,
        phone=phone,
        helper_phone=helper_phone,
        helper_name=helper_name,
        latitude=latitude,
        longitude=longitude,
    )
