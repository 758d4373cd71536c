"""A spot check (平時考核) as the office builds it in chat, before it is saved."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.text import N_
from bot.domain.vocabulary import CheckMethod

METHOD_NAMES = {
    CheckMethod.DOCUMENTS: N_("Document review (查閱資料)"),
    CheckMethod.FIELD: N_("Field visit (實地走訪)"),
    CheckMethod.PHONE: N_("Phone check (電話抽查)"),
}
SATISFACTION_RANGE = range(1, 6)
MAX_FINDINGS = 1000


@dataclass(frozen=True)
class SpotCheckDraft:
    """What the office chose so far; `token` makes its Save idempotent."""

    token: str
    helper_id: int
    helper_name: str
    method: CheckMethod | None = None
    household_id: int | None = None
    household_name: str | None = None
    satisfaction: int | None = None
    findings: str | None = None


def valid_satisfaction(value: int | None) -> bool:
    """A household's satisfaction is 1 to 5, or not asked at all."""
    return value is None or value in SATISFACTION_RANGE
