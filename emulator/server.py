"""The aiohttp application serving the Bot API, file downloads and the control API."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, hdrs, web

from emulator.actions import Actions
from emulator.control import setup_control
from emulator.faults import FaultBook, RandomFaults
from emulator.limits import RateLimiter
from emulator.methods import Api, Described
from emulator.objects import ApiError, Params, Upload, dumps
from emulator.state import World
from emulator.webhook import WebhookDelivery

log = logging.getLogger(__name__)
MAX_BODY = 80 * 1024 * 1024
_UNAUTHORIZED = dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
_NOT_FOUND = dumps({"ok": False, "error_code": 404, "description": "Not Found"})
ResponseHook = Callable[[str, Any], None]


def _json_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


async def read_params(request: web.Request) -> Params:
    """Method parameters from the query string and a form, multipart or JSON body."""
    raw: dict[str, Any] = dict(request.query) if request.query_string else {}
    files: dict[str, Upload] = {}
    if not request.body_exists:
        return Params(raw)
    ctype = request.content_type
    if ctype == "application/json":
        body = await request.read()
        if body:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: the body must be a JSON object")
            raw.update(data)
    elif ctype == "multipart/form-data":
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data_bytes = await part.read()
                ptype = part.headers.get(hdrs.CONTENT_TYPE)
                files[part.name] = Upload(bytes(data_bytes), part.filename, ptype)
            else:
                raw[part.name] = await part.text()
    else:
        # parse_qsl on the raw body is much cheaper than request.post() on the hot path.
        body = await request.read()
        if body:
            raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return Params(raw, files)


class Emulator:
    """A local Telegram Bot API server for python-telegram-bot, tests and the sandbox."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str = "123456:TEST",
        bot_username: str = "bangfu_bot",
        bot_name: str = "幫扶",
        enforce_limits: bool = False,
        callback_ttl: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.token = bot_token
        self.world = World()
        self.world.add_bot(bot_token, bot_username, bot_name)
        self.limiter = RateLimiter(enforce=enforce_limits)
        self.faults = FaultBook()
        self.random_faults: RandomFaults | None = None
        self.api = Api(self.world, self.limiter, callback_ttl=callback_ttl)
        self.actions = Actions(self.world, self.api, bot_token)
        self.webhooks = WebhookDelivery(self.api)
        self.stats: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.on_response: ResponseHook | None = None
        self.app = self._make_app()
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------ lifecycle

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        setup_control(app, self)
        return app

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        for address in self._runner.addresses:
            if isinstance(address, tuple):
                self.port = int(address[1])
                break
        for bot in self.world.bots.values():
            self.webhooks.watch(bot)

    async def stop(self) -> None:
        """Stop serving and delivering."""
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        """http://host:port"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Bot API base URL without the token, as PTB's base_url wants it."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """File download base URL without the token."""
        return f"{self.root_url}/file/bot"

    @property
    def control_url(self) -> str:
        """Root of the control API."""
        return f"{self.root_url}/control"

    def add_bot(self, token: str, username: str, name: str) -> None:
        """Accept another bot token."""
        bot = self.world.add_bot(token, username, name)
        if self._runner is not None:
            self.webhooks.watch(bot)

    async def reset(self) -> None:
        """Forget everything but the registered bots and the limiter's mode."""
        await self.webhooks.close()
        self.world.reset()
        self.limiter.reset()
        self.faults.clear()
        self.random_faults = None
        self.stats.clear()
        self.status_counts.clear()
        for bot in self.world.bots.values():
            self.webhooks.watch(bot)

    # ------------------------------------------------------------ Bot API

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        method = info["method"].lower()
        stats = self.stats
        stats["requests_total"] += 1
        stats[self.api.canonical.get(method, "unknown")] += 1
        bot = self.world.bots.get(info["token"])
        if bot is None:
            self.status_counts[401] += 1
            return _json_response(_UNAUTHORIZED, 401)
        try:
            params = await read_params(request)
            if self.faults.faults or self.random_faults is not None:
                failed = await self._apply_faults(request, method, params)
                if failed is not None:
                    return failed
            result = await self.api.call(bot, method, params)
        except ApiError as exc:
            self.status_counts[exc.code] += 1
            return _json_response(dumps(exc.json()), exc.code)
        except ValueError:
            self.status_counts[400] += 1
            error = ApiError(400, "Bad Request: can't parse request parameters")
            return _json_response(dumps(error.json()), 400)
        self.status_counts[200] += 1
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        else:
            body = {"ok": True, "result": result}
        if self.on_response is not None:
            self.on_response(self.api.canonical.get(method, method), body["result"])
        if method == "setwebhook":
            self.webhooks.watch(bot)
        return _json_response(dumps(body))

    async def _apply_faults(
        self, request: web.Request, method: str, params: Params
    ) -> web.StreamResponse | None:
        try:
            chat_id = params.integer("chat_id")
        except ApiError:
            chat_id = None
        faults = self.faults.match(method, chat_id)
        if self.random_faults is not None:
            drawn = self.random_faults.draw(method)
            if drawn is not None:
                faults.append(drawn)
        for fault in faults:
            kind = fault.kind
            if kind == "delay":
                await asyncio.sleep(fault.delay_ms / 1000)
            elif kind == "429":
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                )
            elif kind == "500":
                raise ApiError(500, "Internal Server Error")
            elif kind == "502":
                # Telegram's front end answers 502 with an HTML page, not JSON.
                self.status_counts[502] += 1
                return web.Response(
                    status=502, text="<html>502 Bad Gateway</html>", content_type="text/html"
                )
            elif kind == "blocked" and chat_id == fault.user_id:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            elif kind == "reset":
                self.status_counts[0] += 1
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
        return None

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.world.bots:
            return _json_response(_UNAUTHORIZED, 401)
        self.stats["file_downloads"] += 1
        rec = self.world.files.by_path.get(request.match_info["path"])
        if rec is None:
            return _json_response(_NOT_FOUND, 404)
        return web.Response(
            body=rec.data, content_type=rec.mime_type or "application/octet-stream"
        )


async def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = "123456:TEST",
    *,
    username: str = "bangfu_bot",
    name: str = "幫扶",
    extra_tokens: tuple[str, ...] = (),
    enforce_limits: bool = False,
    ready: Callable[[Emulator], None] | None = None,
    random_faults: RandomFaults | None = None,
) -> None:
    """Run an emulator until cancelled."""
    emu = Emulator(
        host=host,
        port=port,
        bot_token=token,
        bot_username=username,
        bot_name=name,
        enforce_limits=enforce_limits,
    )
    for i, extra in enumerate(extra_tokens, start=2):
        emu.add_bot(extra, f"{username.removesuffix('_bot')}{i}_bot", f"{name} {i}")
    emu.random_faults = random_faults
    async with emu:
        if ready is not None:
            ready(emu)
        await asyncio.Event().wait()
