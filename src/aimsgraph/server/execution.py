"""Running a client's SPARQL safely: no federation by default, a timeout, a memory cap, a row
limit.

:class:`Runner` is the one door: on an embedded store a query runs in a worker process (see
:mod:`aimsgraph.isolation` for the design and its measurements) that is killed at the timeout or
the memory cap, and an update is tried there first; on a remote store the store evaluates, and
each HTTP request may take no longer than the query timeout. ``isolation="thread"`` keeps the
old way (a thread that is abandoned, not stopped, at the timeout) as the benchmarks' baseline.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import pyoxigraph as ox

from ..errors import StoreError
from ..isolation.evaluation import KINDS, Deadline, Formats, Refusal, evaluate
from ..isolation.pool import Busy, Snapshots, Stopped, WorkerPool
from ..namespaces import PREFIXES
from ..sparqlguard import guard
from ..store import GraphStore
from .faults import evaluation_failed, store_timeout
from .problems import ProblemError
from .settings import ServerSettings


def check_remote(text: str, allowlist: tuple[str, ...], *, update: bool = False) -> None:
    """Refuse SERVICE/LOAD of addresses the allow-list does not name, and queries nested too
    deep or too large for the engine (:mod:`aimsgraph.sparqlguard`)."""
    guard(text, allowlist, update=update, prefixes=PREFIXES)


Bindings = dict[str, ox.NamedNode | ox.Literal]
T = TypeVar("T")


class Runner:
    """Runs the clients' queries and updates over ``store`` within ``settings``' limits."""

    def __init__(self, store: GraphStore, settings: ServerSettings) -> None:
        self.store, self.settings = store, settings
        self.isolated = settings.isolation == "process" and store.embedded
        self.pool = WorkerPool(settings.workers, settings.query_memory * 1024 * 1024,
                               settings.preempt_after) if self.isolated else None
        self._snapshots: Snapshots | None = None
        self._publishing: anyio.Lock | None = None
        self._writing: anyio.Lock | None = None
        if not store.embedded:
            store.limit_requests(settings.query_timeout)

    async def start(self) -> None:
        """Publish the first snapshot and start a worker, ahead of the first query (the
        service answers meanwhile). If that fails, the first query tries again and answers
        with the problem."""
        if self.pool is not None:
            with contextlib.suppress(OSError, StoreError):
                await self._snapshot()
                await self.pool.warm()

    def close(self) -> None:
        """Stop the workers and remove the snapshots (a later query starts afresh)."""
        if self.pool is not None:
            self.pool.close()
            with contextlib.suppress(OSError):  # a worker still in the folder: at exit only
                self.store.reattach()  # the folder store is the service's own again
            self.pool = WorkerPool(self.pool.size, self.pool.memory_cap,
                                   self.pool.preempt_after)
        if self._snapshots is not None:
            self._snapshots.close()
            self._snapshots = None

    async def _snapshot(self) -> Snapshots:
        if self._publishing is None:
            self._publishing = anyio.Lock()
        async with self._publishing:
            if self._snapshots is None:
                snapshots = Snapshots(self.store)
                folder = await anyio.to_thread.run_sync(snapshots.publish)
                if self.store.persistent:  # read through it: a worker may write the folder
                    await anyio.to_thread.run_sync(
                        lambda: self.store.detach(folder, changed=False))
                self._snapshots = snapshots
        return self._snapshots

    # -- queries ---------------------------------------------------------------------------

    async def query(self, text: str, **options: Any) -> tuple[str, bytes]:
        """(media type, body) of ``text``'s answer (options: default_graphs, named_graphs,
        bindings, choose_format, client: the address the workers are shared by); store and
        SERVICE faults become problem details."""
        try:
            return await self._query(text, **options)
        except ProblemError as err:
            raise self._store_fault(err) from None
        except (RuntimeError, OSError) as err:  # raised by the engine while it evaluates
            raise evaluation_failed(err) from None

    def _store_fault(self, err: ProblemError) -> ProblemError:
        if err.kind == "query-timeout" and self.store.remote:
            return store_timeout(self.store, self.settings)
        return err

    async def _query(self, text: str, *, default_graphs: tuple[str, ...] = (),
                    named_graphs: tuple[str, ...] = (), bindings: Bindings | None = None,
                    choose_format: Callable[[str], Any], client: str = "") -> tuple[str, bytes]:
        """(media type, body) of ``text``'s answer; ``choose_format(kind)`` negotiates."""
        check_remote(text, self.settings.service_allowlist)
        formats = negotiated(choose_format)
        if self.pool is None:
            return await self._in_thread(text, default_graphs, named_graphs, bindings, formats)
        snapshots = await self._snapshot()
        task = {"op": "query", "snapshot": str(snapshots.current), "text": text,
                "default_graphs": default_graphs, "named_graphs": named_graphs,
                "bindings": bindings or None, "formats": formats,
                "max_rows": self.settings.max_rows, "timeout": self.settings.query_timeout}
        reply = await self._call(task, client)
        if reply[0] == "ok":
            return reply[1], reply[2]
        raise self._problem(reply)

    async def _call(self, task: dict[str, Any], client: str) -> tuple:
        assert self.pool is not None
        try:
            return await self.pool.call(task, self.settings.query_timeout,
                                        self.settings.queue_wait, client)
        except Stopped as stop:
            raise self._stopped(stop) from None
        except Busy:
            raise ProblemError(503, "service-busy", "all query workers are busy",
                               f"no query worker became free within {self.settings.queue_wait:g}"
                               " s; try again later", headers={"Retry-After": "5"}) from None

    def _problem(self, reply: tuple) -> ProblemError:
        if reply[0] == "refused":
            status, kind, title, detail, extra = reply[1:]
            return ProblemError(status, kind, title, detail, **extra)
        if reply[0] == "memory":
            return self._stopped(Stopped("memory"))
        return timed_out(self.settings)  # "deadline": the row loop passed it

    def _stopped(self, stop: Stopped) -> ProblemError:
        if stop.reason == "timeout":
            return timed_out(self.settings)
        if stop.reason == "memory":
            return ProblemError(503, "query-memory-exceeded", "query used too much memory",
                                f"the query needed more than {self.settings.query_memory} MB "
                                "and was stopped; narrow it or add a LIMIT",
                                headers={"Retry-After": "5"})
        if stop.reason == "preempted":
            return ProblemError(503, "query-preempted", "query stopped to let others run",
                                f"the query ran {stop.detail} s while holding more query workers "
                                "than other clients whose queries waited, and was stopped so "
                                "that they could run; try again later, one query at a time, or "
                                "narrow it", headers={"Retry-After": "5"})
        return ProblemError(500, "query-crashed", "the query engine failed",
                            f"the query engine stopped on this query ({stop.detail}); the "
                            "service itself is unaffected")

    async def _in_thread(self, text: str, default_graphs: tuple[str, ...],
                         named_graphs: tuple[str, ...], bindings: Bindings | None,
                         formats: Formats) -> tuple[str, bytes]:
        deadline = time.monotonic() + self.settings.query_timeout

        def work() -> tuple[str, bytes] | BaseException:
            # Engine objects may only be dropped on the thread that made them: an exception
            # leaving this thread must not carry frames that still hold them.
            try:
                return evaluate(lambda: self.store.execute(
                    text, bindings, default_graphs=default_graphs, named_graphs=named_graphs),
                    formats, self.settings.max_rows, deadline)
            except Exception as err:
                return err.with_traceback(None)

        try:
            with anyio.fail_after(self.settings.query_timeout):
                outcome = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except TimeoutError:
            raise timed_out(self.settings) from None
        if isinstance(outcome, Deadline):
            raise timed_out(self.settings)
        if isinstance(outcome, Refusal):
            raise ProblemError(outcome.status, outcome.kind, outcome.title, outcome.detail,
                               **outcome.extra)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    # -- updates ---------------------------------------------------------------------------

    async def update(self, text: str, client: str = "") -> None:
        """Apply ``text`` (see :meth:`_update`); a remote store's timeout names the store."""
        try:
            await self._update(text, client)
        except ProblemError as err:
            raise self._store_fault(err) from None

    async def _update(self, text: str, client: str) -> None:
        """Apply ``text`` in one transaction, or change nothing (also at the timeout).

        Isolated, in memory: the update runs in a worker, on a copy of the current snapshot,
        within the timeout and memory cap; only then does the service's own store take the
        result, while reads go on over the old data. A folder store (``--store DIR``): a worker
        applies it to the folder itself (:meth:`_update_folder`). Updates run one at a time."""
        check_remote(text, self.settings.service_allowlist, update=True)
        if self._writing is None:
            self._writing = anyio.Lock()
        async with self._writing:
            if self.pool is None:
                await self._update_in_thread(text)
                return
            snapshots = await self._snapshot()
            if self.store.persistent:
                await self._update_folder(text, client, snapshots)
                return
            work = await anyio.to_thread.run_sync(snapshots.work_copy)
            try:
                reply = await self._call({"op": "update", "folder": str(work), "text": text},
                                         client)
                if reply[0] != "updated":
                    raise self._problem(reply)
                # in memory: take the updated copy as it is
                await anyio.to_thread.run_sync(self.store.take_contents, work)
                snapshots.adopt(work)
            finally:
                if work.exists():
                    snapshots.discard(work)

    async def write(self, work: Callable[[], T]) -> T:
        """Run ``work`` (a checked write through the store, such as an edit) one at a time with
        the updates, then let the workers read the result: the next query sees it. A folder
        store read through a snapshot is opened for writing for the time of ``work``."""
        if self._writing is None:
            self._writing = anyio.Lock()
        async with self._writing:
            reattached = self.store.detached
            if reattached:  # no worker writes the folder now: updates wait for this lock
                await anyio.to_thread.run_sync(self.store.reattach)
            generation = self.store.generation
            try:
                return await anyio.to_thread.run_sync(work)
            finally:
                with anyio.CancelScope(shield=True):
                    if self.pool is not None and self._snapshots is not None:
                        if reattached:
                            await anyio.to_thread.run_sync(self._view_folder, self._snapshots)
                        elif self.store.generation != generation:
                            await anyio.to_thread.run_sync(self._snapshots.publish)

    async def _update_folder(self, text: str, client: str, snapshots: Snapshots) -> None:
        """Apply ``text`` to the store folder once, in a worker, within the limits.

        The service reads a detached folder store through snapshots (see :meth:`start`), so
        the worker may open the folder for writing. Its update is one RocksDB transaction:
        killed before the commit (the timeout, the memory cap, a client gone), the folder is as
        it was, as after a crash. Then the folder is checkpointed again and the service and the
        workers read the new snapshot (also after a kill: the kill may come in the moment after
        the commit, and what is read must be what the folder holds)."""
        written = True
        try:
            reply = await self._call({"op": "update", "folder": self.store.location,
                                      "text": text}, client)
            if reply[0] != "updated":
                written = False  # refused or failed: the transaction never committed
                raise self._problem(reply)
        finally:
            if written:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self._view_folder, snapshots)

    def _view_folder(self, snapshots: Snapshots) -> None:
        self.store.detach(snapshots.publish())

    async def _update_in_thread(self, text: str) -> None:
        try:
            with anyio.fail_after(self.settings.query_timeout):
                await anyio.to_thread.run_sync(self.store.update, text)
        except TimeoutError:
            raise timed_out(self.settings) from None


def negotiated(choose_format: Callable[[str], Any]) -> Formats:
    """What ``choose_format`` picks for each kind of answer, as names a worker can use."""
    choices: dict[str, tuple[str, str] | Refusal] = {}
    for kind in KINDS:
        try:
            media, fmt = choose_format(kind)
            choices[kind] = (media, fmt.name)
        except ProblemError as err:
            choices[kind] = Refusal(err.status, err.kind, err.title, err.detail, err.extra)
    return Formats(choices)


def timed_out(settings: ServerSettings) -> ProblemError:
    return ProblemError(503, "query-timeout", "query timed out",
                        f"the query ran longer than {settings.query_timeout:g} s and was "
                        "stopped; narrow it or add a LIMIT", headers={"Retry-After": "5"})
