"""CPU and resident memory of a process and all its descendants, from /proc (Linux): how the
tests and benchmarks see what the service and its workers use."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants alive now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()  # the fields after the command name


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the tree's processes alive now."""
    total = 0.0
    for member in tree(pid):
        try:
            fields = _stat(member)
        except (OSError, ValueError):
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def resident_bytes(pid: int) -> int:
    """Resident memory of the tree's processes (shared pages counted in each)."""
    total = 0
    for member in tree(pid):
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * resource.getpagesize()


def cpu_share(pid: int, window: float = 0.5) -> float:
    """Cores the tree used over the next ``window`` seconds (1.0: one core busy)."""
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    return max(0.0, cpu_seconds(pid) - before) / (time.monotonic() - start)
