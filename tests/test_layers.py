"""The shape of the code: imports run handlers/ and reminders/ -> bot/ -> storage/.

Read from the source with `ast`, so a broken rule fails here before anyone reviews it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "reminders", "emulator")
SQL_BUILDERS = {"select", "update", "delete", "insert"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


@cache
def _imports(module: str) -> frozenset[str]:
    """Every module name one module imports (absolute, as written)."""
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _closure(start: str) -> set[str]:
    """The project modules `start` reaches through imports, itself included."""
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current in seen or current not in _modules():
            continue
        seen.add(current)
        todo.extend(name for name in _imports(current) if name in _modules())
    return seen


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module in _modules()
        if _in(module, package)
        for name in _imports(module)
        if any(_in(name, f) for f in forbidden)
    )


@pytest.mark.parametrize("package", ["handlers", "reminders"])
def test_edges_reach_the_database_only_through_bot(package: str) -> None:
    assert _violations(package, ("storage", "sqlalchemy")) == []


def test_the_domain_imports_no_framework() -> None:
    reached = set().union(*(_closure(m) for m in _modules() if _in(m, "bot.domain")))
    leaks = sorted(
        f"{module} imports {name}"
        for module in reached
        for name in _imports(module)
        if _top(name) in {"sqlalchemy", "telegram", "storage", "handlers", "aiohttp", "httpx"}
    )
    assert leaks == []


def test_storage_knows_nothing_of_telegram_or_the_edges() -> None:
    assert _violations("storage", ("telegram", "handlers", "reminders", "emulator")) == []
    beyond_domain = [
        v
        for v in _violations("storage", ("bot",))
        if not v.split(" imports ")[1].startswith("bot.domain")
    ]
    assert beyond_domain == []


def test_the_core_does_not_import_the_emulator() -> None:
    assert _violations("bot", ("emulator",)) == []


def test_only_the_composition_root_imports_the_edges() -> None:
    importers = {v.split(" imports ")[0] for v in _violations("bot", ("handlers", "reminders"))}
    assert importers <= {"bot.app"}


def _select_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            plain = isinstance(func, ast.Name) and func.id in SQL_BUILDERS
            # sa.select(...) / sqlalchemy.select(...), not dict.update(...)
            qualified = (
                isinstance(func, ast.Attribute)
                and func.attr in SQL_BUILDERS
                and isinstance(func.value, ast.Name)
                and func.value.id in {"sa", "sqlalchemy"}
            )
            if plain or qualified:
                lines.append(node.lineno)
    return lines


def test_nothing_outside_storage_builds_sql() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for module, path in _modules().items()
        if not _in(module, "storage")
        for line in _select_calls(path)
    ]
    assert found == []


def test_nothing_outside_storage_imports_sql_builders() -> None:
    found = sorted(
        f"{module} imports {name}"
        for module in _modules()
        if not _in(module, "storage")
        for name in _imports(module)
        if name in {f"sqlalchemy.{b}" for b in (*SQL_BUILDERS, "text")}
    )
    assert found == []


def test_the_rules_can_fail() -> None:
    # The checks above must see real imports and calls, or they would pass on anything.
    assert "bot.domain.vocabulary" in _imports("storage.models.people")
    assert _select_calls(_modules()["storage.queries.visits"])
    assert _violations("bot", ("handlers",))  # the composition root does import them
