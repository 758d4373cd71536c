"""Both catalogs are complete for every message id the code uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, normalize_language, pick_language, translator

ROOT = Path(__file__).resolve().parents[1]


def _code_message_ids() -> set[str]:
    ids: set[str] = set()
    for folder in ("bot", "handlers", "reminders"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"t": None, "N_": None}
        ):
            if isinstance(message, str) and message:
                ids.add(message)
    return ids


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_catalog_translates_every_message(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = _code_message_ids() - translated
    assert not missing, f"untranslated in {language}: {sorted(missing)[:10]}"


def test_translation_fills_placeholders_identically() -> None:
    zh = translator("zh-CN")
    en = translator("en")
    for message in _code_message_ids():
        for t in (zh, en):
            names = {p.split("}")[0] for p in message.split("{")[1:]}
            assert {p.split("}")[0] for p in t(message).split("{")[1:]} == names, message


def test_language_choice() -> None:
    assert normalize_language("zh-hans") == "zh-CN"
    assert normalize_language("en-GB") == "en"
    assert normalize_language("fr") is None
    assert pick_language(None, "en-US", "zh-CN") == "en"
    assert pick_language("zh-CN", "en-US", "en") == "zh-CN"
    assert pick_language(None, "fr", "zh-CN") == "zh-CN"
    assert translator("zh-CN")("✅ Save") == "✅ 保存"


def test_help_explains_every_command_of_every_role() -> None:
    from bot.domain.vocabulary import Role
    from handlers.menu import commands_for
    from handlers.onboarding import HELP_LINES

    missing = {
        name for role in (None, *Role) for name, _ in commands_for(role) if name not in HELP_LINES
    }
    assert missing == set()
