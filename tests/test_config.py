"""Every setting: a bad value is one sentence naming its variable, and secrets never show."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import cli, redaction
from bot.config import Settings, describe_errors

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
TOKEN_SECRET = TOKEN.partition(":")[2]
PASSWORD = "pw-Secret-42"

# One bad value for every setting that can have one, with the words its sentence must carry.
BAD_VALUES: dict[str, tuple[str, str]] = {
    "token": ("123456789 AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "@BotFather"),
    "archive_search": ("fork", "'process'"),
    "api_url": ("api.telegram.org", "http"),
    "database_url": ("foo", "sqlite+aiosqlite"),
    "timezone": ("Mars/Olympus", "time zone"),
    "language": ("fr", "zh-CN"),
    "visit_quota": ("0", "at least 1"),
    "notice_days": ("many", "whole number"),
    "income_line": ("-1", "more than 0"),
    "late_days": ("40", "at most 31"),
    "monitoring_line": ("0", "more than 0"),
    "exit_months": ("-1", "at least 0"),
    "policies": (" , ", "at least one"),
    "assistance_types": ("a,a", "twice"),
    "max_distance_m": ("inf", "finite"),
    "max_photo_age_hours": ("0", "more than 0"),
    "max_accuracy_m": ("nan", "finite"),
    "max_speed_kmh": ("fast", "number"),
    "near_duplicate_distance": ("65", "at most 64"),
    "webhook_url": ("notaurl", "https://"),
    "webhook_listen": (" ", "listen"),
    "webhook_port": ("99999", "1 to 65535"),
    "webhook_secret": ("no spaces allowed!", "letter"),
    "invite_hours": ("0", "at least 1"),
    "id_hash_key": (" ", "empty"),
    "send_rate": ("-1", "at least 0"),
    "complaints_per_hour": ("0", "at least 1"),
    "complaint_stale_days": ("91", "at most 90"),
    "reminder_schedule": ("firm=20", "STAGE=DAY@HOUR"),
    "quiet_hours": ("21-8", "HH:MM-HH:MM"),
    "reminders_in_bot": ("perhaps", "true or false"),
    "reminder_interval": ("5", "at least 10"),
    "photo_retention_days": ("0", "at least 1"),
    "housekeeping_hour": ("24", "at most 23"),
    "state_ttl_days": ("0", "at least 1"),
    "state_flush_seconds": ("0", "more than 0"),
    "api_timeout": ("0", "more than 0"),
    "log_level": ("LOUD", "INFO"),
    "appraisal_weights": ("work=40", "missing"),
    "appraisal_grades": ("excellent=60,competent=75,basic=50", "above"),
    "appraisal_flag_penalty": ("-1", "at least 0"),
    "appraisal_complaint_penalty": ("101", "at most 100"),
    "rectification_days": ("0", "at least 1"),
}
# Free text or a folder: any value is a valid one.
FREE_FORM = {"data_dir", "office_contact", "county_name"}
SECRETS = {"token", "webhook_secret", "id_hash_key", "database_url"}


@pytest.fixture(autouse=True)
def _no_remembered_secrets() -> Iterator[None]:
    yield
    redaction.forget_secrets()


def _sentences(**values: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **values)  # type: ignore[arg-type]
    return describe_errors(caught.value)


def test_every_setting_has_a_bad_value_checked_here() -> None:
    assert set(Settings.model_fields) == set(BAD_VALUES) | FREE_FORM


@pytest.mark.parametrize("field", sorted(BAD_VALUES))
def test_a_bad_value_is_one_sentence_naming_the_variable(field: str) -> None:
    value, words = BAD_VALUES[field]
    [sentence] = _sentences(**{field: value})
    assert sentence.startswith(f"BANGFU_{field.upper()} ")
    assert words in sentence
    assert sentence.endswith(".") and "\n" not in sentence
    assert "Value error" not in sentence and "pydantic" not in sentence
    if field in SECRETS and value.strip():
        assert value not in sentence


@pytest.mark.parametrize(
    ("url", "advice"),
    [
        ("foo", "sqlite+aiosqlite:///"),
        (f"mysql://bangfu:{PASSWORD}@db.example.org/bangfu", "postgresql+asyncpg://"),
        ("sqlite:///x.db", "write it as sqlite+aiosqlite:///x.db"),
        (
            f"postgresql://bangfu:{PASSWORD}@db.example.org/bangfu",
            "write it as postgresql+asyncpg://bangfu:***@db.example.org/bangfu",
        ),
        (f"postgresql+asyncpg://bangfu:{PASSWORD}@db.example.org:port/bangfu", "not a database"),
    ],
)
def test_a_database_url_we_cannot_use_says_which_form_to_use(url: str, advice: str) -> None:
    [sentence] = _sentences(database_url=url)
    assert sentence.startswith("BANGFU_DATABASE_URL ")
    assert advice in sentence
    assert PASSWORD not in sentence


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///data/x.sqlite3", "postgresql+asyncpg://u:p@localhost/db"]
)
def test_the_drivers_we_ship_are_accepted(url: str) -> None:
    assert Settings(_env_file=None, database_url=url).database_url == url  # type: ignore[call-arg]


def test_telegram_posts_webhooks_only_to_https_on_its_ports() -> None:
    [plain] = _sentences(webhook_url="http://bot.example.org/telegram")
    [port] = _sentences(webhook_url="https://bot.example.org:9000/telegram")
    assert plain.startswith("BANGFU_WEBHOOK_URL ") and "https://" in plain
    assert port.startswith("BANGFU_WEBHOOK_URL ") and "8443" in port
    # A self-hosted Bot API server (or the emulator) may post to plain HTTP on any port.
    local = Settings(  # type: ignore[call-arg]
        _env_file=None, api_url="http://127.0.0.1:8081", webhook_url="http://127.0.0.1:9000/t"
    )
    assert local.webhook_url == "http://127.0.0.1:9000/t"


def test_settings_are_normalised() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        token=f" {TOKEN} ",
        log_level="debug",
        api_url="http://h:1/",
        database_url="",
    )
    assert settings.token is not None and settings.token.get_secret_value() == TOKEN
    assert settings.log_level == "DEBUG" and settings.api_url == "http://h:1"
    assert settings.database_url is None
    assert not Settings(_env_file=None, token="  ").has_token  # type: ignore[call-arg]


def test_several_bad_values_are_one_sentence_each() -> None:
    sentences = _sentences(log_level="LOUD", webhook_port="0", token="nope")
    assert sorted(s.split()[0] for s in sentences) == [
        "BANGFU_LOG_LEVEL",
        "BANGFU_TOKEN",
        "BANGFU_WEBHOOK_PORT",
    ]


def test_redact_masks_tokens_and_passwords_anywhere() -> None:
    text = (
        f"POST https://api.telegram.org/bot{TOKEN}/getMe failed; token {TOKEN}; "
        f"db postgresql+asyncpg://bangfu:{PASSWORD}@db:5432/bangfu"
    )
    masked = redaction.redact(text)
    assert TOKEN_SECRET not in masked and PASSWORD not in masked
    assert "/bot123456789:***/getMe" in masked
    assert "postgresql+asyncpg://bangfu:***@db:5432/bangfu" in masked


def test_redact_masks_a_configured_short_token_and_other_secrets() -> None:
    redaction.add_secret("4242:SHORT", token=True)
    redaction.add_secret("hook-secret-123")
    masked = redaction.redact("url /bot4242:SHORT/getMe header hook-secret-123")
    assert masked == "url /bot4242:***/getMe header ***"


def test_the_log_filter_masks_message_arguments_and_exceptions() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        redaction.install(logger)
        logger.warning("calling %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
        logger.warning(f"token {TOKEN} in the message itself")
        try:
            raise ConnectionError(f"postgresql://u:{PASSWORD}@h/db and /bot{TOKEN}/")
        except ConnectionError:
            logger.exception("lost the connection")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    assert "calling https://api.telegram.org/bot123456789:***/getUpdates" in output
    assert "ConnectionError" in output  # the exception is still there, masked
    assert TOKEN_SECRET not in output and PASSWORD not in output


def test_an_unreadable_env_file_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"BANGFU_LOG_LEVEL=\xff\xfe\n")
    assert cli.main(["db", "upgrade"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("bangfu: the .env file in ") and "UTF-8" in line
