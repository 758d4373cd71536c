"""The import code reaches the database only through storage/queries."""

from __future__ import annotations

import re
from pathlib import Path

IMPORTING = Path(__file__).resolve().parents[2] / "bot" / "importing"
SQL = re.compile(
    r"^\s*(from|import) sqlalchemy|(?<![.\w])(select|insert|update|delete)\(", re.MULTILINE
)


def test_no_sql_is_built_in_bot_importing() -> None:
    found = [
        f"{path.name}: {match.group(0).strip()}"
        for path in sorted(IMPORTING.glob("*.py"))
        for match in SQL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
