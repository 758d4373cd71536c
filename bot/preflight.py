"""Checks made before the bot starts, so that each problem is one sentence naming its setting."""

from __future__ import annotations

import asyncio
import errno
import socket
import tempfile
from collections.abc import Awaitable

import httpx
from sqlalchemy.exc import DBAPIError

from bot.config import Settings, database_display
from bot.redaction import mask_token, redact

API_TIMEOUT = 10.0
DATABASE_TIMEOUT = 10.0


class StartupProblem(Exception):
    """Settings that keep bangfu from starting, one sentence each, with no secret in them."""

    def __init__(self, *sentences: str) -> None:
        self.sentences = tuple(redact(sentence) for sentence in sentences)
        super().__init__("\n".join(self.sentences))


def _reason(exc: BaseException, *secrets: str) -> str:
    """The first line of what went wrong, masked (drivers quote URLs and even passwords)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    if not lines:
        return "no answer in time" if isinstance(cause, TimeoutError) else type(cause).__name__
    return redact(lines[0].rstrip("."), [s for s in secrets if s])


def check_data_dir(settings: Settings) -> None:
    """The data folder exists (it is created) and files can be written in it."""
    folder = settings.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StartupProblem(
            f"BANGFU_DATA_DIR {str(folder)!r} cannot be used as the data folder: {_reason(exc)}."
        ) from exc


async def check_database(settings: Settings) -> None:
    """A connection to the configured database opens and answers."""
    from storage.db import create_engine, ping

    url = settings.effective_database_url
    where = database_display(url)
    # Without BANGFU_DATABASE_URL the database is a file in the data folder.
    variable = "BANGFU_DATABASE_URL" if settings.database_url else "BANGFU_DATA_DIR"
    password = _password(url)
    try:
        engine = create_engine(url)
    except OSError as exc:
        raise StartupProblem(
            f"{variable}: the database {where} cannot be created: {_reason(exc, password)}."
        ) from exc
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await ping(engine)
    except (DBAPIError, OSError, TimeoutError) as exc:
        raise StartupProblem(
            f"{variable}: cannot reach the database {where}: {_reason(exc, password)}."
        ) from exc
    finally:
        await engine.dispose()


def _password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password or ""
    except ValueError:
        return ""


async def check_bot_api(settings: Settings) -> str:
    """The Bot API server answers getMe and accepts the token; returns the bot's username."""
    if settings.token is None:
        raise StartupProblem("BANGFU_TOKEN is not set.")
    token = settings.token.get_secret_value()
    api = settings.api_url
    try:
        # No proxy from the environment: the bot's own client (bot/transport.py) uses none.
        async with httpx.AsyncClient(timeout=API_TIMEOUT, trust_env=False) as client:
            response = await client.post(f"{api}/bot{token}/getMe")
    except httpx.HTTPError as exc:
        raise StartupProblem(
            f"BANGFU_API_URL: cannot reach the Bot API server at {api}: {_reason(exc, token)}."
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "ok" not in body:
        raise StartupProblem(
            f"BANGFU_API_URL {api} does not answer like a Bot API server "
            f"(HTTP {response.status_code} to getMe)."
        )
    result = body.get("result")
    if body["ok"] and isinstance(result, dict):
        return str(result.get("username") or "")
    code = body.get("error_code", response.status_code)
    description = redact(str(body.get("description") or "no description"), [token])
    # Telegram answers 401 to an unknown token and 404 to one it cannot even parse.
    if code in (401, 404):
        raise StartupProblem(
            f"BANGFU_TOKEN {mask_token(token)} was rejected by the Bot API server at {api} "
            f"({code} {description}): copy the token again from @BotFather."
        )
    raise StartupProblem(f"BANGFU_API_URL {api} answered getMe with {code} {description}.")


def check_webhook_port(settings: Settings) -> None:
    """The webhook server's address exists here and its port is free (webhook mode only)."""
    if not settings.webhook_url:
        return
    listen, port = settings.webhook_listen, settings.webhook_port
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            listen, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise StartupProblem(
            f"BANGFU_WEBHOOK_LISTEN {listen!r} is not an address this machine can listen on: "
            f"{_reason(exc)}."
        ) from exc
    with socket.socket(family, kind, proto) as probe:
        # As the webhook server itself does, so a recently closed connection is no conflict.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise StartupProblem(_bind_problem(listen, port, exc)) from exc


def _bind_problem(listen: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"BANGFU_WEBHOOK_PORT {port} is already in use on {listen} (BANGFU_WEBHOOK_LISTEN): "
            f"stop the program listening there or choose another port."
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"BANGFU_WEBHOOK_LISTEN {listen!r} is not an address of this machine."
    if exc.errno == errno.EACCES:
        return (
            f"BANGFU_WEBHOOK_PORT {port} may not be opened by this user (ports below 1024 need "
            f"privileges): choose a higher port and let a proxy forward to it."
        )
    return (
        f"BANGFU_WEBHOOK_LISTEN / BANGFU_WEBHOOK_PORT {listen}:{port} cannot be listened on: "
        f"{_reason(exc)}."
    )


async def preflight(settings: Settings) -> None:
    """Every check `bangfu run` needs; raises one StartupProblem listing each failure."""
    sentences: list[str] = []
    data_dir_ok = True
    try:
        check_data_dir(settings)
    except StartupProblem as problem:
        sentences.extend(problem.sentences)
        data_dir_ok = False
    try:
        check_webhook_port(settings)
    except StartupProblem as problem:
        sentences.extend(problem.sentences)
    checks: list[Awaitable[object]] = [check_bot_api(settings)]
    # A default database lives in the data folder: one sentence about the folder is enough.
    if settings.database_url or data_dir_ok:
        checks.append(check_database(settings))
    for outcome in await asyncio.gather(*checks, return_exceptions=True):
        if isinstance(outcome, StartupProblem):
            sentences.extend(outcome.sentences)
        elif isinstance(outcome, BaseException):
            raise outcome
    if sentences:
        raise StartupProblem(*sentences)
