"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"
SUPPORTED_LANGUAGES = ("zh-CN", "en")
DEFAULT_ID_HASH_KEY = "bangfu-change-this-key"


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
    income_line: float = Field(default=4000.0, gt=0, description="CNY per person per year")
    late_days: int = Field(default=3, ge=0, le=31, description="how late a visit may be logged")
    max_distance_m: float = Field(default=500.0, gt=0)
    max_photo_age_hours: float = Field(default=24.0, gt=0)
    max_accuracy_m: float = Field(default=200.0, gt=0)
    max_speed_kmh: float = Field(default=120.0, gt=0)
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
        description="messages a second the bot sends at most (Telegram's limit); 0 = no limit",
    )
    log_level: str = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        for code in SUPPORTED_LANGUAGES:
            if value.lower() == code.lower():
                return code
        raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")

    @field_validator("api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

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


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
