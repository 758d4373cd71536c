"""Translations: English message ids in the code, gettext catalogs (Babel) for zh-CN and en.

Catalogs live as `.po` files under bot/locale and are compiled in memory when first used, so
a checkout runs without a build step. Mark a string for extraction with `N_` when it is
translated later (e.g. a domain error's message); translate with `translator(lang)`.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.domain.text import N_, Translate

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
DEFAULT_LANGUAGE = "zh-CN"
LANGUAGE_NAMES = {"zh-CN": "简体中文", "en": "English"}

__all__ = ["N_", "Translate", "pick_language", "translator"]


def _catalog_dir(language: str) -> str:
    return language.replace("-", "_")


@lru_cache(maxsize=8)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a supported language (English ids pass through)."""
    path = LOCALE_DIR / _catalog_dir(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=_catalog_dir(language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str | None) -> Translate:
    """A function translating English message ids into `language`."""
    lang = normalize_language(language) or DEFAULT_LANGUAGE
    return translations(lang).gettext


def normalize_language(code: str | None) -> str | None:
    """Map a client language code (zh-hans, zh-TW, en-GB, ...) to a supported language."""
    if not code:
        return None
    lowered = code.lower().replace("_", "-")
    for supported in SUPPORTED_LANGUAGES:
        if lowered == supported.lower():
            return supported
    if lowered.startswith("zh"):
        return "zh-CN"
    if lowered.startswith("en"):
        return "en"
    return None


def pick_language(stored: str | None, client: str | None, default: str) -> str:
    """The user's saved choice, else their Telegram client's language, else the default."""
    return normalize_language(stored) or normalize_language(client) or default
