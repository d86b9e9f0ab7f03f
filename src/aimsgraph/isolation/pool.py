"""The parent's side: a pool of worker processes, and the snapshots they read.

Each worker answers one task at a time over a pipe. The parent waits for the answer while it
watches the clock and the worker's resident size; past the timeout or the memory cap it kills
the worker (SIGKILL: the evaluation stops at once, its memory is returned) and starts another.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from multiprocessing import spawn
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pyoxigraph as ox

from ..store import GraphStore

#: how often (seconds) the parent looks at a running worker's resident size
WATCH_INTERVAL = 0.05

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["aimsgraph.isolation.worker"])
_STARTING = threading.Lock()


def _start_process(process: BaseProcess) -> None:
    """Start ``process`` without running the parent's ``__main__`` in it: multiprocessing would
    import the main script again in every worker (seconds for a test runner or a benchmark
    script), and a worker needs only the module the forkserver preloaded."""
    with _STARTING:
        original = spawn.get_preparation_data

        def preparation(name: str) -> dict[str, Any]:
            data = original(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = preparation
        try:
            process.start()
        finally:
            spawn.get_preparation_data = original


class Stopped(Exception):
    """The worker was stopped (``reason``: "timeout", "memory") or died ("crashed")."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


class Busy(Exception):
    """No worker became free in time."""


def resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return 0


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection

    def kill(self) -> None:
        if self.process.pid is not None and self.process.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(5)
        self.conn.close()


#: how fast a client's recorded use of the workers fades (seconds for it to halve)
USAGE_HALF_LIFE = 60.0
#: a client that used a worker this recently (seconds) counts as active: while another is, a
#: client already running a query does not take the last free worker
ACTIVE_WINDOW = 60.0


@dataclass(eq=False)
class _Ticket:
    """One query's place: waiting for a worker, then running on one."""

    client: str
    arrived: float
    event: anyio.Event
    started: float = 0.0  #: when it was given a worker (0: still waiting)
    preempted: bool = False  #: to be stopped so that another client's query can run


@dataclass
class WorkerPool:
    """At most ``size`` workers, each capped at ``memory_cap`` bytes resident (0: no cap),
    shared fairly between clients (see the package docstring, "Fairness"): a free worker goes
    to the waiting client that runs the fewest queries now (then: that used the workers least
    lately; then: the query that came first); the last free worker is kept for a client with
    nothing running while other clients are active; and a waiting query stops the
    longest-running query of a client that runs at least two more than its own client, once
    that query has run ``preempt_after`` seconds."""

    size: int
    memory_cap: int
    preempt_after: float = 1.0
    _idle: list[_Worker] = field(default_factory=list)
    _all: set[int] = field(default_factory=set)
    _waiting: list[_Ticket] = field(default_factory=list)
    _running: list[_Ticket] = field(default_factory=list)
    _usage: dict[str, tuple[float, float]] = field(default_factory=dict)  # client: (s, when)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def _start(self) -> _Worker:
        from .worker import main

        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=main, args=(child, self.memory_cap), daemon=True,
                                   name="aimsgraph-query-worker")
        _start_process(process)
        child.close()
        with self._lock:
            self._all.add(process.pid or 0)
        return _Worker(process, parent)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker.process.pid or 0)

    @property
    def pids(self) -> list[int]:
        """The worker processes alive now."""
        with self._lock:
            return sorted(self._all)

    async def warm(self, count: int = 1) -> None:
        """Start ``count`` workers ahead of the first query."""
        started = [await anyio.to_thread.run_sync(self._start) for _ in range(count)]
        self._idle.extend(started)

    # -- sharing the workers between clients ------------------------------------------------
    # All of this runs on the event loop, one step at a time: no lock is needed.

    def state(self) -> dict[str, Any]:
        """Who runs and who waits now, per client (for tests and diagnostics)."""
        return {"running": [t.client for t in self._running if not t.preempted],
                "waiting": [t.client for t in self._waiting]}

    def _runs(self, client: str) -> int:
        return sum(1 for t in self._running if t.client == client and not t.preempted)

    def _used(self, client: str, now: float) -> float:
        seconds, when = self._usage.get(client, (0.0, now))
        return seconds * 0.5 ** ((now - when) / USAGE_HALF_LIFE)

    def _order(self, ticket: _Ticket, now: float) -> tuple[int, float, float]:
        return self._runs(ticket.client), self._used(ticket.client, now), ticket.arrived

    def _others_active(self, client: str, now: float) -> bool:
        return any(t.client != client for t in self._running + self._waiting) or any(
            other != client and now - when < ACTIVE_WINDOW
            for other, (_, when) in self._usage.items())

    def _dispatch(self) -> None:
        """Give free workers to the waiting queries that come first in the fair order; keep
        the last free one for a client with nothing running while other clients are active
        (whoever waits first in the order already runs a query then)."""
        now = time.monotonic()
        while self._waiting and len(self._running) < self.size:
            ticket = min(self._waiting, key=lambda t: self._order(t, now))
            if (self.size >= 2 and len(self._running) == self.size - 1
                    and self._runs(ticket.client) >= 1
                    and self._others_active(ticket.client, now)):
                break
            self._waiting.remove(ticket)
            ticket.started = now
            self._running.append(ticket)
            ticket.event.set()

    def _release(self, ticket: _Ticket) -> None:
        if ticket in self._running:
            self._running.remove(ticket)
            now = time.monotonic()
            self._usage[ticket.client] = (self._used(ticket.client, now) + now - ticket.started,
                                          now)
            if len(self._usage) > 10_000:  # forget the clients that used the least
                for client, _ in sorted(self._usage.items(), key=lambda i: i[1][0])[:5_000]:
                    del self._usage[client]
        elif ticket in self._waiting:
            self._waiting.remove(ticket)
        self._dispatch()

    def _preempt_for(self, ticket: _Ticket) -> None:
        """Stop the longest-running query of a client that runs at least two more queries than
        ``ticket``'s client, if it has run ``preempt_after`` seconds: one worker moves from the
        client that holds the most to one that holds fewer, never the other way round."""
        now, mine = time.monotonic(), self._runs(ticket.client)
        victims = [t for t in self._running if not t.preempted
                   and now - t.started >= self.preempt_after and self._runs(t.client) > mine + 1]
        if victims:
            min(victims, key=lambda t: t.started).preempted = True

    async def _admit(self, client: str, queue_wait: float) -> _Ticket:
        now = time.monotonic()
        ticket = _Ticket(client, now, anyio.Event())
        self._waiting.append(ticket)
        self._dispatch()
        deadline, check = now + queue_wait, now
        try:
            while not ticket.started:
                now = time.monotonic()
                if now >= deadline:
                    raise Busy
                with anyio.move_on_after(min(deadline, max(check, now)) - now):
                    await ticket.event.wait()
                if not ticket.started and time.monotonic() >= check:
                    self._preempt_for(ticket)
                    check = time.monotonic() + WATCH_INTERVAL * 2
        except BaseException:  # timed out or cancelled while waiting (or just given a worker)
            self._release(ticket)
            raise
        return ticket

    async def call(self, task: dict[str, Any], timeout: float, queue_wait: float,
                   client: str = "") -> tuple:
        """The worker's reply to ``task`` sent by ``client`` (its address); raises
        :class:`Stopped` or :class:`Busy`."""
        ticket = await self._admit(client, queue_wait)
        try:
            worker = self._idle.pop() if self._idle else \
                await anyio.to_thread.run_sync(self._start)
            try:
                reply = await self._exchange(worker, task, timeout, ticket)
            except BaseException:  # also a cancelled request: the worker must not run on
                self._retire(worker)  # SIGKILL, then a join of a few ms: no await to cancel
                raise
            if self._closed:
                self._retire(worker)
            else:
                self._idle.append(worker)
            return reply
        finally:
            self._release(ticket)

    async def _exchange(self, worker: _Worker, task: dict[str, Any], timeout: float,
                        ticket: _Ticket) -> tuple:
        deadline = time.monotonic() + timeout
        # the worker is idle, reading: sending does not wait on it; the answer is awaited on the
        # event loop (no thread per waiting query), looking at the worker's memory meanwhile.
        # uvloop leaves a watched descriptor non-blocking, and the pipe's own send and recv read
        # a message in pieces: a large one would stop half-way with BlockingIOError
        os.set_blocking(worker.conn.fileno(), True)
        worker.conn.send(task)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Stopped("timeout")
            if ticket.preempted:
                raise Stopped("preempted", f"{time.monotonic() - ticket.started:.1f}")
            with anyio.move_on_after(min(remaining, WATCH_INTERVAL)):
                await anyio.wait_readable(worker.conn.fileno())
            if worker.conn.poll():
                os.set_blocking(worker.conn.fileno(), True)
                try:
                    return worker.conn.recv()  # written in one piece by a worker now done
                except (EOFError, OSError):
                    await anyio.to_thread.run_sync(worker.process.join, 5)
                    raise self._death(worker) from None
            if self.memory_cap and resident_bytes(worker.process.pid or 0) > self.memory_cap:
                raise Stopped("memory")

    @staticmethod
    def _death(worker: _Worker) -> Stopped:
        code = worker.process.exitcode
        if code in (-signal.SIGABRT, -signal.SIGKILL):  # allocation failed; the OOM killer
            return Stopped("memory")
        name = signal.Signals(-code).name if code is not None and code < 0 else f"exit {code}"
        return Stopped("crashed", name)

    def close(self) -> None:
        self._closed = True
        while self._idle:
            self._retire(self._idle.pop())


class Snapshots:
    """Read-only copies of a store, one folder per published generation, in a temporary folder
    removed on :meth:`close`. Workers open the current one; nothing writes to it once
    published.

    Each generation has two: :attr:`current`, every graph, and :attr:`reader`, the same without
    the ``hidden`` graphs (the audit trail), for the clients who may not read them. Their queries
    run over the reader copy's own union default graph instead of a dataset that names every
    visible graph: on a RocksDB snapshot a dataset of 38 named graphs made a small query 6x
    slower (2.2 ms against 0.37 ms, sample organization). The reader copy is a checkpoint of
    the current one (hard links) with the hidden graphs removed: it costs what the hidden
    graphs hold, not the whole store."""

    def __init__(self, store: GraphStore, hidden: tuple[str, ...] = ()) -> None:
        self.store, self.hidden = store, hidden
        self.root = Path(tempfile.mkdtemp(prefix="aimsgraph-snapshots-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.root, True)  # also at exit
        self.generation = 0
        self.current: Path | None = None
        self.reader: Path | None = None

    def _next(self, kind: str) -> Path:
        self.generation += 1
        return self.root / f"{kind}-{self.generation}"

    def publish(self) -> Path:
        """Snapshot the store as it is now and make it current (blocking: run in a thread)."""
        target = self._next("snapshot")
        self.store.snapshot(target)
        return self._adopt(target)

    def work_copy(self) -> Path:
        """A writable copy of the current snapshot, for a trial update (hard links)."""
        assert self.current is not None
        target = self._next("work")
        ox.Store.read_only(str(self.current)).backup(str(target))
        return target

    def _without_hidden(self, folder: Path) -> Path:
        """``folder`` if it holds none of the hidden graphs, else a copy without them."""
        source = ox.Store.read_only(str(folder))
        present = [ox.NamedNode(g) for g in self.hidden
                   if source.contains_named_graph(ox.NamedNode(g))]
        if not present:
            return folder
        target = self._next("reader")
        source.backup(str(target))
        del source
        copy = ox.Store(str(target))
        for graph in present:
            copy.remove_graph(graph)
        copy.flush()
        del copy  # closed before any worker opens it read-only
        return target

    def _adopt(self, folder: Path) -> Path:
        reader = self._without_hidden(folder)
        previous, self.current = self.current, folder
        previous_reader, self.reader = self.reader, reader
        keep = {previous, folder, previous_reader, reader}  # a worker may still read the old
        for old in self.root.iterdir():
            if old not in keep and old.name.startswith(("snapshot-", "reader-")):
                shutil.rmtree(old, ignore_errors=True)
        return folder

    def adopt(self, work: Path) -> Path:
        """Make an updated work copy the current snapshot."""
        return self._adopt(work.rename(self._next("snapshot")))

    def discard(self, work: Path) -> None:
        shutil.rmtree(work, ignore_errors=True)

    def close(self) -> None:
        self._cleanup()
