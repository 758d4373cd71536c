"""Folding simplified and traditional Chinese into one comparison key."""

from __future__ import annotations

import subprocess
import sys

from bot.domain.script import fold, same_name


def test_a_traditional_name_equals_its_simplified_form() -> None:
    assert same_name("劉芳", "刘芳")
    assert same_name("青山鎮", "青山镇")
    assert fold("龍塘鄉") == fold("龙塘乡") == "龙塘乡"


def test_a_name_the_same_in_both_scripts_is_unchanged() -> None:
    assert fold("大寨村") == "大寨村"
    assert same_name("大寨村", "大寨村")


def test_different_names_stay_different() -> None:
    assert not same_name("劉芳", "劉方")
    assert not same_name("青山鎮", "青山鄉")


def test_latin_case_width_and_spacing_fold() -> None:
    assert same_name("Zhang  San", "zhang san")
    assert same_name("ＬＩＵ Fang", "liu fang")
    assert same_name(" 張三 ", "张三")
    assert same_name("Li 劉芳 3組", "li 刘芳 3组")


def test_fold_remembers_what_it_folded() -> None:
    fold.cache_clear()
    fold("王建國")
    fold("王建國")
    assert fold.cache_info().hits == 1


def test_the_domain_imports_no_framework() -> None:
    code = (
        "import sys, bot.domain.script; "
        "print(sorted(m for m in ('sqlalchemy', 'telegram') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
