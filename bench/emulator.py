"""Throughput of the Bot API emulator against a bare aiohttp server on the same machine.

Run from the repository root: ``.venv/bin/python -m bench.emulator [--quick]``.
Both servers run in their own process; one client process drives them in turn with
concurrent keep-alive connections (sendMessage to a few dozen chats, plus getMe).
The last line of stdout is a JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import web

TOKEN = "123456:BENCH"
CHATS = 40
GOAL_RPS = 2000.0
GOAL_RATIO = 0.3


def serve_bare(port: int) -> None:
    """A bare aiohttp server answering every Bot API call with a fixed JSON body."""
    body = json.dumps(
        {"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
    ).encode()

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
        await site.start()
        address = runner.addresses[0]
        print(f"bare listening on http://127.0.0.1:{address[1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def start_server(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    """Start a server process and read the URL from its first line."""
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    url = line.split("http://", 1)[1].split()[0]
    return proc, f"http://{url}"


async def prepare_chats(root: str) -> None:
    """Create users who have started the bot, so that sendMessage reaches them."""
    async with aiohttp.ClientSession() as session:
        for uid in range(1, CHATS + 1):
            async with session.post(
                f"{root}/control/users", json={"user_id": uid, "first_name": f"U{uid}"}
            ) as resp:
                resp.raise_for_status()
            async with session.post(
                f"{root}/control/users/{uid}/command", json={"command": "start"}
            ) as resp:
                resp.raise_for_status()


def _requests(host: str, path_prefix: str) -> tuple[list[bytes], bytes]:
    """Ready-made HTTP/1.1 keep-alive requests: sendMessage per chat, and getMe."""
    send = []
    for chat in range(1, CHATS + 1):
        body = urlencode({"chat_id": chat, "text": f"通知 {chat}: 请于本周完成走访"}).encode()
        head = (
            f"POST {path_prefix}/sendMessage HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        send.append(head.encode() + body)
    get_me = f"GET {path_prefix}/getMe HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    return send, get_me


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def drive(root: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """Send requests from `concurrency` keep-alive connections for `seconds`.

    The client writes pre-built requests on raw sockets, so that its own cost stays far
    below the servers' and the figures measure the servers rather than the client.
    """
    url = urlsplit(root)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    send, get_me = _requests(f"{host}:{port}", f"/bot{TOKEN}")
    counts = {"sendMessage": 0, "getMe": 0, "errors": 0}
    stop = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        i = n
        try:
            while time.perf_counter() < stop:
                i += 1
                if i % 10 == 0:
                    method, request = "getMe", get_me
                else:
                    method, request = "sendMessage", send[i % CHATS]
                writer.write(request)
                status = await _read_response(reader)
                if status == 200:
                    counts[method] += 1
                else:
                    counts["errors"] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    total = counts["sendMessage"] + counts["getMe"]
    return {
        **counts,
        "elapsed": elapsed,
        "total_rps": total / elapsed,
        "sendmessage_rps": counts["sendMessage"] / elapsed,
    }


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    proc: subprocess.Popen[str], root: str, seconds: float, conc: int
) -> dict[str, Any]:
    """Drive a server and also record the CPU time it spent per request."""
    await drive(root, 0.5, conc)
    cpu_before = cpu_seconds(proc.pid)
    result = await drive(root, seconds, conc)
    done = result["sendMessage"] + result["getMe"]
    cpu = cpu_seconds(proc.pid) - cpu_before
    result["server_cpu_us_per_request"] = 1e6 * cpu / done if done else 0.0
    return result


async def run(quick: bool) -> dict[str, Any]:
    """Measure the emulator, then the bare server, with the same client."""
    seconds = 3.0 if quick else 10.0
    concurrency = 32
    emu_proc, emu_root = start_server(["-m", "emulator", "--port", "0", "--token", TOKEN])
    try:
        await prepare_chats(emu_root)
        emu = await measure(emu_proc, emu_root, seconds, concurrency)
    finally:
        emu_proc.terminate()
        emu_proc.wait(10)
    bare_proc, bare_root = start_server(["-m", "bench.emulator", "--serve-bare"])
    try:
        bare = await measure(bare_proc, bare_root, seconds, concurrency)
    finally:
        bare_proc.terminate()
        bare_proc.wait(10)
    return {"emulator": emu, "bare": bare, "seconds": seconds, "concurrency": concurrency}


def main() -> None:
    """Run the benchmark and print the summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.emulator")
    parser.add_argument("--quick", action="store_true", help="3 s per server instead of 10 s")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(0)
        return
    result = asyncio.run(run(args.quick))
    emu, bare = result["emulator"], result["bare"]
    ratio = emu["total_rps"] / bare["total_rps"] if bare["total_rps"] else 0.0
    for name, r in (("emulator", emu), ("bare aiohttp", bare)):
        print(
            f"{name:>13}: {r['total_rps']:8.0f} req/s total, "
            f"{r['sendmessage_rps']:8.0f} sendMessage/s, {r['errors']} errors, "
            f"server CPU {r['server_cpu_us_per_request']:.0f} us/request "
            f"({result['concurrency']} connections, {r['elapsed']:.1f} s)"
        )
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    summary = {
        "bench": "emulator",
        "figures": [
            {
                "name": "sendmessage_rps",
                "value": round(emu["sendmessage_rps"], 1),
                "unit": "req/s",
                "goal": f">= {GOAL_RPS:.0f}",
                "met": emu["sendmessage_rps"] >= GOAL_RPS and emu["errors"] == 0,
            },
            {
                "name": "ratio_to_bare_aiohttp",
                "value": round(ratio, 3),
                "unit": "x",
                "goal": f">= {GOAL_RATIO}",
                "met": ratio >= GOAL_RATIO,
            },
        ],
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
