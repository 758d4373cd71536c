"""Keep bot tokens, passwords and keys out of every log line and every printed message."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable

MASK = "***"

# A bot token is `<bot id>:<secret>`; the bot id is public (it is the bot's user id), so it is
# kept to tell bots apart in logs. Real secrets are 35 characters; 20 avoids eating times
# and ratios while catching any token from @BotFather.
_TOKEN = re.compile(r"(?<!\d)(\d{3,}):[A-Za-z0-9_-]{20,}")
# `scheme://user:password@host`: the password may hold anything but `@`, `/` and spaces.
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@")
# Shorter values would mask ordinary words all over the log and make it unreadable; a secret
# that short protects nothing anyway.
_MIN_SECRET = 4

_lock = threading.Lock()
_secrets: dict[str, str] = {}


def mask_token(token: str) -> str:
    """A bot token with its secret part masked: `123456789:***`."""
    bot_id, sep, _ = token.partition(":")
    if sep and bot_id.isdigit():
        return f"{bot_id}:{MASK}"
    return MASK


def add_secret(value: str | None, *, token: bool = False) -> None:
    """Mask this value wherever it appears from now on (a token keeps its bot id)."""
    if value is None or len(value.strip()) < _MIN_SECRET:
        return
    with _lock:
        _secrets[value] = mask_token(value) if token else MASK
        stripped = value.strip()
        if stripped != value:
            _secrets[stripped] = _secrets[value]


def forget_secrets() -> None:
    """Drop the registered values (tests and a reloaded configuration)."""
    with _lock:
        _secrets.clear()


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """The text with bot tokens, URL passwords and registered or given secrets masked."""
    with _lock:
        known = dict(_secrets)
    for value in extra:
        if len(value.strip()) >= _MIN_SECRET:
            known.setdefault(value, MASK)
    # Longest first, so that a secret containing another is masked whole.
    for value in sorted(known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, known[value])
    text = _TOKEN.sub(lambda m: f"{m.group(1)}:{MASK}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}@", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, arguments, exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string still must not leak its arguments
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add the filter to every handler of the logger (the root by default)."""
    target = logger or logging.getLogger()
    redacting = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting


def configure_logging(level: str) -> None:
    """Log lines to standard error at `level`, secrets masked (the bot and its worker)."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    install()
    # httpx logs every request at INFO; the URLs are masked, but one line per poll is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # python-telegram-bot's debug lines carry whole updates and Bot API calls: user ids,
    # names, message text. A complaint's reporter must appear in no log (docs/privacy.md),
    # so the library never logs below INFO, whatever BANGFU_LOG_LEVEL says.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))
