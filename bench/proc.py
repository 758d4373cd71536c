"""What a process and the processes it started use, read from /proc (Linux), for benchmarks.

The bot starts its archive-search worker as a child process: the bot's own figures leave the
worker's out, so the benchmarks read the children too and report them apart.
"""

from __future__ import annotations

import os
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    try:
        # The command name may hold spaces and parentheses: split after its closing one.
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def descendants(pid: int) -> list[int]:
    """Every living process started by `pid`, and by those, and so on."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = list(parents.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(parents.get(child, []))
    return sorted(found)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) the process has used so far, None when it is gone."""
    fields = _stat(pid)
    if fields is None:
        return None
    # utime and stime are the 12th and 13th fields after the command name, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    """Resident memory of the process in MB, None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children_cpu_seconds(pid: int) -> float:
    """CPU time of the living processes `pid` started (its search worker)."""
    return sum(cpu_seconds(child) or 0.0 for child in descendants(pid))


def children_rss_mb(pid: int) -> float:
    """Resident memory of the living processes `pid` started, in MB."""
    return sum(rss_mb(child) or 0.0 for child in descendants(pid))
