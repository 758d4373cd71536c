"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import re
from datetime import tzinfo
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.appraisal import DEFAULT_GRADES, DEFAULT_WEIGHTS, parse_thresholds, parse_weights
from bot.domain.households import DEFAULT_ASSISTANCE_TYPES, DEFAULT_POLICIES
from bot.domain.reminders import DEFAULT_SCHEDULE, parse_quiet_hours, parse_schedule

TELEGRAM_API_URL = "https://api.telegram.org"
SUPPORTED_LANGUAGES = ("zh-CN", "en")
DEFAULT_ID_HASH_KEY = "bangfu-change-this-key"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Where the archive search runs: its own process of the lowest priority, or the bot's threads.
ARCHIVE_SEARCH_MODES = ("process", "thread")
# The database drivers bangfu installs; any other driver fails at the first connection.
SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
# Telegram's servers post updates to these ports only (Bot API, setWebhook).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
# Settings whose value is never repeated in a message.
SECRET_SETTINGS = frozenset({"token", "webhook_secret", "id_hash_key", "database_url"})

MAX_KIND_KEY = 40

_TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]+")
_WEBHOOK_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
_DATABASE_FORMS = (
    # No password in the example: every printed URL has its password masked anyway.
    f"{SQLITE_DRIVER}:///path/to/bangfu.sqlite3 or {POSTGRES_DRIVER}://user@host/db"
)


class Settings(BaseSettings):
    """Every knob of one bangfu deployment; see README for the variables and defaults."""

    model_config = SettingsConfigDict(
        env_prefix="BANGFU_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    token: SecretStr | None = Field(default=None, description="Telegram bot token")
    api_url: str = Field(
        default=TELEGRAM_API_URL,
        description="Bot API server root (Telegram's, a self-hosted server, or the emulator)",
    )
    data_dir: Path = Field(default=Path("data"), description="photos, exports, the SQLite file")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default an SQLite file in data_dir"
    )
    timezone: str = "Asia/Shanghai"
    language: str = "zh-CN"
    visit_quota: int = Field(default=2, ge=1, le=31, description="visits per household a month")
    notice_days: int = Field(default=7, ge=1, le=60, description="public-notice period (days)")
    income_line: float = Field(
        default=4000.0, gt=0, allow_inf_nan=False, description="CNY per person per year"
    )
    monitoring_line: float = Field(
        default=4500.0,
        gt=0,
        allow_inf_nan=False,
        description="return-to-poverty watch: CNY per person per year an exited household "
        "must stay above",
    )
    exit_months: int = Field(
        default=6,
        ge=0,
        le=60,
        description="exit standard: months between the two income records above the line",
    )
    policies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_POLICIES, description="policy benefits tracked per household (keys)"
    )
    assistance_types: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_ASSISTANCE_TYPES, description="kinds of assistance a helper records"
    )
    late_days: int = Field(default=3, ge=0, le=31, description="how late a visit may be logged")
    max_distance_m: float = Field(default=500.0, gt=0, allow_inf_nan=False)
    max_photo_age_hours: float = Field(default=24.0, gt=0, allow_inf_nan=False)
    max_accuracy_m: float = Field(default=200.0, gt=0, allow_inf_nan=False)
    max_speed_kmh: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    near_duplicate_distance: int = Field(
        default=12,
        ge=0,
        le=64,
        description="evidence: photo fingerprint distance counted as reuse",
    )
    webhook_url: str | None = Field(default=None, description="public URL; polling when unset")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    office_contact: str | None = Field(
        default=None,
        description="whom an unregistered user should contact (default: the county office)",
    )
    invite_hours: int = Field(default=72, ge=1, le=24 * 30, description="invite link validity")
    county_name: str = Field(default="示範縣", description="root of the organisation tree")
    id_hash_key: SecretStr = Field(
        default=SecretStr(DEFAULT_ID_HASH_KEY),
        description="key of the HMAC that lets ID-card numbers be matched, never read back",
    )
    send_rate: float = Field(
        default=30.0,
        ge=0,
        allow_inf_nan=False,
        description="messages a second the bot sends at most (Telegram's limit); 0 = no limit",
    )
    complaints_per_hour: int = Field(
        default=3,
        ge=1,
        le=100,
        description="complaints one sender may file an hour (counted in memory only)",
    )
    complaint_stale_days: int = Field(
        default=5, ge=1, le=90, description="days without office action before a reminder"
    )
    reminder_schedule: str = Field(
        default=DEFAULT_SCHEDULE,
        description="reminder stages as STAGE=DAY@HOUR; a negative day counts from month's end",
    )
    quiet_hours: str = Field(default="21:00-08:00", description="local hours with no reminders")
    reminders_in_bot: bool = Field(
        default=True, description="run the reminder scheduler inside `bangfu run`"
    )
    reminder_interval: int = Field(
        default=300, ge=10, le=3600, description="seconds between checks for due stages"
    )
    photo_retention_days: int = Field(
        default=7, ge=1, le=365, description="age after which unsaved drafts' photos are deleted"
    )
    housekeeping_hour: int = Field(default=3, ge=0, le=23, description="local hour of chores")
    state_ttl_days: int = Field(
        default=7, ge=1, le=90, description="days an untouched conversation is kept for"
    )
    state_flush_seconds: float = Field(
        default=1.0, gt=0, le=60, description="seconds between writes of conversation state"
    )
    api_timeout: float = Field(
        default=5.0,
        gt=0,
        le=120,
        allow_inf_nan=False,
        description="seconds a Bot API call may take before it is retried",
    )
    log_level: str = "INFO"
    archive_search: str = Field(
        default="process",
        description="where the archive search's CPU work runs: process (niced) or thread",
    )
    appraisal_weights: str = Field(
        default=DEFAULT_WEIGHTS, description="weights of the four appraisal criteria"
    )
    appraisal_grades: str = Field(
        default=DEFAULT_GRADES, description="lowest totals of the grades above 不稱職"
    )
    appraisal_flag_penalty: float = Field(
        default=2.0, ge=0, le=100, allow_inf_nan=False, description="work points per open flag"
    )
    appraisal_complaint_penalty: float = Field(
        default=10.0,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="work points per substantiated complaint in the period",
    )
    rectification_days: int = Field(
        default=30, ge=1, le=365, description="days a 不稱職 helper has to rectify"
    )

    @field_validator("token")
    @classmethod
    def _token_format(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value().strip()
        if not token:
            return None  # an empty BANGFU_TOKEN= means no token: the sandbox
        if not _TOKEN_FORMAT.fullmatch(token):
            # Never repeat the value: a mistyped token is still mostly the real one.
            raise ValueError(
                "is not a bot token: @BotFather gives one like 123456789:AAE…, the bot's "
                "number, a colon, then letters, digits, '-' and '_'"
            )
        return SecretStr(token)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not _is_http_url(value):
            raise ValueError(
                f"must be the http:// or https:// address of a Bot API server, such as "
                f"{TELEGRAM_API_URL}, not {value!r}"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            url = make_url(value)
        except (ArgumentError, ValueError) as exc:
            # The text may hold a password: say what is wrong without repeating it.
            raise ValueError(f"is not a database URL; use {_DATABASE_FORMS}") from exc
        if url.drivername in (SQLITE_DRIVER, POSTGRES_DRIVER):
            return value
        backend = url.get_backend_name()
        if backend == "sqlite":
            suggestion = _hidden(url.set(drivername=SQLITE_DRIVER))
        elif backend == "postgresql":
            suggestion = _hidden(url.set(drivername=POSTGRES_DRIVER))
        else:
            raise ValueError(
                f"names the database driver {url.drivername!r}, which bangfu does not ship; "
                f"use {_DATABASE_FORMS}"
            )
        raise ValueError(
            f"names the driver {url.drivername!r}, which bangfu does not ship; "
            f"write it as {suggestion}"
        )

    @field_validator("policies", "assistance_types", mode="before")
    @classmethod
    def _key_list(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("must be a comma-separated list of names")
        keys = tuple(str(item).strip() for item in items if str(item).strip())
        if not keys:
            raise ValueError("must name at least one item, separated by commas")
        if len(set(keys)) != len(keys):
            raise ValueError("must not name an item twice")
        if any(len(k) > MAX_KIND_KEY or ":" in k for k in keys):
            raise ValueError(f"must hold names of at most {MAX_KIND_KEY} characters without ':'")
        return keys

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"must be a time zone name such as Asia/Shanghai, not {value!r}"
            ) from exc
        return value

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        for code in SUPPORTED_LANGUAGES:
            if value.lower() == code.lower():
                return code
        raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}, not {value!r}")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        official = info.data.get("api_url") == TELEGRAM_API_URL
        if not _is_http_url(value):
            raise ValueError(
                f"must be the public https:// address Telegram posts updates to, "
                f"such as https://bot.example.org/telegram, not {value!r}"
            )
        parts = urlsplit(value)
        # A self-hosted Bot API server or the emulator may post to plain HTTP; Telegram won't.
        if official and parts.scheme != "https":
            raise ValueError(
                f"must start with https:// (Telegram posts only to HTTPS), not {value!r}"
            )
        if official and (parts.port or 443) not in TELEGRAM_WEBHOOK_PORTS:
            ports = ", ".join(str(p) for p in TELEGRAM_WEBHOOK_PORTS)
            raise ValueError(f"must use a port Telegram posts to ({ports}), not {value!r}")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must be the address to listen on, such as 127.0.0.1 or 0.0.0.0")
        return value

    @field_validator("webhook_port")
    @classmethod
    def _webhook_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"must be a port number from 1 to 65535, not {value}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _WEBHOOK_SECRET_FORMAT.fullmatch(value.get_secret_value()):
            raise ValueError(
                "must be 1 to 256 characters, each a letter, a digit, '-' or '_' "
                "(Telegram's rule for the secret token)"
            )
        return value

    @field_validator("id_hash_key")
    @classmethod
    def _id_hash_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty (it keys the hashes of ID-card numbers)")
        return value

    @field_validator("reminder_schedule")
    @classmethod
    def _reminder_schedule(cls, value: str) -> str:
        try:
            parse_schedule(value)
        except ValueError as exc:
            raise ValueError(f"is not a reminder schedule: {exc}") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        try:
            parse_quiet_hours(value)
        except ValueError as exc:
            raise ValueError(f"is not a span of quiet hours: {exc}") from None
        return value

    @field_validator("appraisal_weights")
    @classmethod
    def _appraisal_weights(cls, value: str) -> str:
        try:
            parse_weights(value)
        except ValueError as exc:
            raise ValueError(f"is not a set of appraisal weights: {exc}") from None
        return value

    @field_validator("appraisal_grades")
    @classmethod
    def _appraisal_grades(cls, value: str) -> str:
        try:
            parse_thresholds(value)
        except ValueError as exc:
            raise ValueError(f"is not a set of grade thresholds: {exc}") from None
        return value

    @field_validator("archive_search")
    @classmethod
    def _archive_search(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in ARCHIVE_SEARCH_MODES:
            raise ValueError(
                f"must be 'process' (a child process of lower priority) or 'thread' (inside "
                f"the bot), not {value!r}"
            )
        return mode

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
        return level

    @property
    def builtin_id_key(self) -> bool:
        """Whether ID-card numbers would be hashed with the public built-in key."""
        return self.id_hash_key.get_secret_value() == DEFAULT_ID_HASH_KEY

    @property
    def tz(self) -> tzinfo:
        """The configured time zone as a tzinfo."""
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'bangfu.sqlite3').resolve()}"

    @property
    def has_token(self) -> bool:
        """Whether a Telegram token is configured."""
        return self.token is not None and bool(self.token.get_secret_value().strip())


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _hidden(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def database_display(url: str) -> str:
    """A database URL fit to print: its password masked, or a placeholder if unparsable."""
    try:
        return _hidden(make_url(url))
    except (ArgumentError, ValueError):
        return "(an unparsable URL)"


# Pydantic's own error types, as the rest of a sentence that starts with the variable name.
_PREDICATES: dict[str, str] = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
}


def describe_errors(exc: ValidationError) -> list[str]:
    """One sentence per invalid setting, naming its variable and never a secret value."""
    sentences = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        variable = f"BANGFU_{field.upper()}" if field else "the configuration"
        ctx: dict[str, Any] = dict(error.get("ctx") or {})
        if error["type"] == "value_error" and "error" in ctx:
            # Our validators word their messages to follow the variable name.
            sentences.append(f"{variable} {ctx['error']}.")
            continue
        template = _PREDICATES.get(error["type"])
        predicate = template.format(**ctx) if template else f"is not valid: {error['msg']}"
        given = error.get("input")
        if field not in SECRET_SETTINGS and isinstance(given, str | int | float):
            predicate += f", not {given!r}"
        sentences.append(f"{variable} {predicate}.")
    return sentences


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
