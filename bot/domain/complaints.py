"""Complaints from the public (舉報): receipt codes, limits, drafts and what each side sees.

Nothing here may identify a reporter. The in-memory helpers (`SenderKeys`, `DraftStore`,
`SenderLimiter`, `FailureTracker`) key what they remember by a keyed hash whose key is random
per process and never stored, so even a memory dump does not name a Telegram account
without also guessing that key; and all of it is gone when the process stops.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain.errors import ComplaintTextInvalid
from bot.domain.roles import is_admin
from bot.domain.vocabulary import (
    ComplaintCategory,
    ComplaintMessageKind,
    ComplaintOutcome,
    ComplaintStatus,
    Role,
)

# Crockford's base32: digits and capitals without I, L, O and U, so a code read aloud or
# copied by hand survives the usual confusions.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 16  # 16 symbols x 5 bits = 80 bits
RECEIPT_GROUP = 4
RECEIPT_BITS = RECEIPT_LENGTH * 5
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_RECEIPT_DOMAIN = b"bangfu-complaint-receipt:"

CASE_REF_LENGTH = 8

MAX_CONCERNS = 300
MAX_BODY = 3000
MAX_MESSAGE = 2000
MAX_ATTACHMENTS = 5

OPEN_STATUSES = frozenset({ComplaintStatus.NEW, ComplaintStatus.INVESTIGATING})
# Outcomes that count against the helper the complaint was about.
COUNTED_OUTCOMES = frozenset({ComplaintOutcome.SUBSTANTIATED, ComplaintOutcome.PARTLY})


def can_handle_complaints(role: Role) -> bool:
    """Helpers never read complaints (they may be about them); everyone else may investigate."""
    return role != Role.HELPER


def sees_every_complaint(role: Role) -> bool:
    """Office staff and leaders see every complaint in their scope; others only assigned ones."""
    return is_admin(role)


def new_receipt_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh receipt code of 80 random bits, grouped for reading: `ABCD-EFGH-JKMN-PQRS`."""
    raw = "".join(choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + RECEIPT_GROUP] for i in range(0, RECEIPT_LENGTH, RECEIPT_GROUP))


def normalise_receipt(text: str) -> str | None:
    """The 16 symbols of a typed code (any case, spaces or dashes, O/I/L read as 0/1), or None."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(cleaned) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_hash(code: str) -> str:
    """What the database keeps of a receipt code: SHA-256 of its normalised symbols.

    80 random bits cannot be found again from the hash by trying codes, so no slow hash or
    secret key is needed; and a plain hash lets the code be looked up directly.
    """
    normal = normalise_receipt(code)
    if normal is None:
        raise ValueError("not a receipt code")
    return hashlib.sha256(_RECEIPT_DOMAIN + normal.encode("ascii")).hexdigest()


def new_case_ref(choice: Callable[[str], str] = secrets.choice) -> str:
    """A short random case number the office uses to speak of a complaint (not a secret)."""
    return "".join(choice(RECEIPT_ALPHABET) for _ in range(CASE_REF_LENGTH))


def clean_text(text: str | None, limit: int) -> str:
    """Stripped text of 1 to `limit` characters; anything else is refused, not cut."""
    value = (text or "").strip()
    if not value or len(value) > limit:
        raise ComplaintTextInvalid(limit=limit)
    return value


def is_stale(last_touched: date, today: date, days: int) -> bool:
    """Whether an open complaint has waited `days` days or more since the office last acted."""
    return (today - last_touched).days >= days


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of an appraisal period: "2026-11" (a month) or "2026" (a year)."""
    if len(period) == 4 and period.isdigit():
        year = int(period)
        return date(year, 1, 1), date(year, 12, 31)
    year_text, sep, month_text = period.partition("-")
    if not sep or not (year_text.isdigit() and month_text.isdigit()):
        raise ValueError(f"not a period: {period!r}")
    first = date(int(year_text), int(month_text), 1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


@dataclass(frozen=True)
class StoredAttachment:
    """A cleaned picture on disk, addressed by the SHA-256 of its cleaned bytes."""

    sha256: str
    relpath: str
    width: int
    height: int


@dataclass(frozen=True)
class CleanPicture:
    """A picture re-encoded without metadata, held in memory until the complaint is sent."""

    sha256: str
    data: bytes
    width: int
    height: int


@dataclass
class ComplaintDraft:
    """A complaint being written; it lives in memory only, never with who writes it."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    category: ComplaintCategory | None = None
    concerns: str | None = None
    body: str | None = None
    attachments: list[CleanPicture] = field(default_factory=list)
    started: float = 0.0  # monotonic seconds, to forget abandoned drafts

    def add_attachment(self, picture: CleanPicture) -> bool:
        """Add a picture once; False if the same picture is already attached."""
        if any(a.sha256 == picture.sha256 for a in self.attachments):
            return False
        self.attachments.append(picture)
        return True


class SenderKeys:
    """Keyed hashes of a sender; the key is random per process and never written anywhere."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def of(self, *parts: int) -> str:
        """An opaque key for these ids (chat and user), stable only within this process."""
        text = ":".join(str(p) for p in parts).encode("ascii")
        return hmac.new(self._key, text, hashlib.sha256).hexdigest()


class DraftStore:
    """Drafts in progress by opaque sender key; in memory only, dropped at submit or cancel."""

    def __init__(self, max_age: float = 2 * 3600.0) -> None:
        self.max_age = max_age
        self._drafts: dict[str, ComplaintDraft] = {}

    def start(self, key: str, now: float) -> ComplaintDraft:
        """A fresh draft for this sender, replacing any earlier one; old ones are forgotten."""
        for other in [k for k, d in self._drafts.items() if d.started <= now - self.max_age]:
            del self._drafts[other]
        draft = ComplaintDraft(started=now)
        self._drafts[key] = draft
        return draft

    def get(self, key: str) -> ComplaintDraft | None:
        """The sender's draft, if any."""
        return self._drafts.get(key)

    def drop(self, key: str) -> None:
        """Forget the sender's draft."""
        self._drafts.pop(key, None)

    def __len__(self) -> int:
        return len(self._drafts)


class _Window:
    """Events per opaque key within a sliding window; older events and empty keys vanish."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def count(self, key: str, now: float) -> int:
        self._forget(now)
        return len(self._events.get(key, ()))

    def add(self, key: str, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)

    def _forget(self, now: float) -> None:
        for key in list(self._events):
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if not events:
                del self._events[key]

    def __len__(self) -> int:
        return len(self._events)


class SenderLimiter:
    """At most `limit` complaints an hour from one sender, remembered in memory only."""

    def __init__(self, window: float = 3600.0) -> None:
        self._window = _Window(window)

    def allows(self, key: str, now: float, limit: int) -> bool:
        """Whether this sender may file another complaint now."""
        return self._window.count(key, now) < limit

    def note(self, key: str, now: float) -> None:
        """Count one filed complaint."""
        self._window.add(key, now)

    def __len__(self) -> int:
        return len(self._window)


class FailureTracker:
    """Wrong receipt codes per sender: after a few, each answer waits longer (to 30 s)."""

    FREE = 2
    MAX_DELAY = 30.0

    def __init__(self, window: float = 3600.0) -> None:
        self._window = _Window(window)

    def delay(self, key: str, now: float) -> float:
        """Seconds to wait before answering this sender's next lookup."""
        failures = self._window.count(key, now)
        if failures < self.FREE:
            return 0.0
        return float(min(self.MAX_DELAY, 2 ** (failures - self.FREE)))

    def failed(self, key: str, now: float) -> None:
        """Count one wrong code."""
        self._window.add(key, now)

    def succeeded(self, key: str) -> None:
        """A right code clears the sender's failures."""
        self._window.clear(key)


@dataclass(frozen=True)
class FiledComplaint:
    """What the reporter learns at submit: the code (shown once) and the case number."""

    receipt: str
    case_ref: str


@dataclass(frozen=True)
class TrackMessage:
    """One message on /track: the reporter's addition, or the office's reply or question."""

    kind: ComplaintMessageKind
    body: str
    on_day: date


@dataclass(frozen=True)
class TrackView:
    """What a receipt code shows: status, outcome and the conversation with the office."""

    complaint_id: int
    case_ref: str
    category: ComplaintCategory
    status: ComplaintStatus
    filed_on: date
    outcome: ComplaintOutcome | None
    closing_note: str | None
    messages: list[TrackMessage]

    @property
    def is_open(self) -> bool:
        """Whether the reporter can still add information."""
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class ComplaintLine:
    """One complaint in the office's list."""

    id: int
    case_ref: str
    category: ComplaintCategory
    status: ComplaintStatus
    filed_on: date
    concerns: str
    investigator: str | None


@dataclass(frozen=True)
class NoteView:
    """An internal note: never shown to the reporter."""

    author: str
    body: str
    on_day: date


@dataclass(frozen=True)
class ComplaintView:
    """Everything the office sees of one complaint."""

    line: ComplaintLine
    body: str
    village: str | None
    subject_helper: str | None
    outcome: ComplaintOutcome | None
    accountability: str | None
    resolution: str | None
    attachments: list[str]  # paths relative to the data folder
    messages: list[TrackMessage]
    notes: list[NoteView]


@dataclass(frozen=True)
class StaleComplaint:
    """An open complaint nobody in the office has acted on for a while."""

    id: int
    case_ref: str
    village_path: str | None
    last_touched: date


@dataclass(frozen=True)
class Substantiation:
    """A resolved complaint found (partly) true about a helper, as appraisals count it."""

    complaint_id: int
    outcome: ComplaintOutcome
    closed_on: date
