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
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import pyoxigraph as ox

from ..errors import QueryError, StoreError
from ..history import PROTECTED_GRAPHS, Change, commit_update
from ..isolation.evaluation import KINDS, Deadline, Formats, Refusal, evaluate
from ..isolation.pool import Busy, Snapshots, Stopped, WorkerPool
from ..namespaces import PREFIXES
from ..sparqlguard import guard
from ..store import GraphStore
from .answers import MAX_TEXT, AnswerCache, repeatable
from .faults import evaluation_failed, store_timeout
from .problems import ProblemError
from .settings import ServerSettings


def check_remote(text: str, allowlist: tuple[str, ...], *, update: bool = False) -> bool:
    """Refuse SERVICE/LOAD of addresses the allow-list does not name, and queries nested too
    deep or too large for the engine (:mod:`aimsgraph.sparqlguard`); else whether the text's
    answer may be remembered (:func:`.answers.repeatable`, read from the same tokens). The
    verdict on a text that passed is remembered (the same dashboard query comes again and
    again: tokenizing it took 80 us of a 1 ms answer); a refusal is worked out again each time,
    with its position."""
    if len(text) > MAX_TEXT:
        guard(text, allowlist, update=update, prefixes=PREFIXES)
        return False
    return _passes(text, allowlist, update)


#: passing verdicts remembered (texts of at most answers.MAX_TEXT characters: a few MB at worst)
REMEMBERED_VERDICTS = 512


@functools.lru_cache(maxsize=REMEMBERED_VERDICTS)
def _passes(text: str, allowlist: tuple[str, ...], update: bool) -> bool:
    read = guard(text, allowlist, update=update, prefixes=PREFIXES)  # raises: not remembered
    return repeatable(text, read)


Bindings = dict[str, ox.NamedNode | ox.Literal]
#: seconds the service gives a worker to compare an updated copy with its snapshot (the
#: update's effect, for the audit trail): the service's work, not the client's query
EFFECT_TIMEOUT = 120.0
T = TypeVar("T")


class Runner:
    """Runs the clients' queries and updates over ``store`` within ``settings``' limits."""

    def __init__(self, store: GraphStore, settings: ServerSettings) -> None:
        self.store, self.settings = store, settings
        self.isolated = settings.isolation == "process" and store.embedded
        self.pool = WorkerPool(settings.workers, settings.query_memory * 1024 * 1024,
                               settings.preempt_after) if self.isolated else None
        #: answers remembered per snapshot (worker processes only: the thread mode is the
        #: benchmarks' baseline, and a remote store may be written by others)
        self.answers = AnswerCache(settings.answer_cache * 1024 * 1024) \
            if self.isolated and settings.answer_cache else None
        self._snapshots: Snapshots | None = None
        self._publishing: anyio.Lock | None = None
        self._writing: anyio.Lock | None = None
        self._published = -1
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
        if self._snapshots is not None and self._published == self.store.generation:
            return self._snapshots  # current: no lock to take (every query comes here)
        if self._publishing is None:
            self._publishing = anyio.Lock()
        # ``_published`` moves on only once the snapshot is there, and to the generation seen
        # before it was made: a query never takes an older snapshot for the current one (a
        # client's query after its own write's answer sees the write), and a write during the
        # publication makes the next query publish again
        async with self._publishing:
            generation = self.store.generation
            if self._snapshots is None:
                snapshots = Snapshots(self.store, PROTECTED_GRAPHS)
                folder = await anyio.to_thread.run_sync(snapshots.publish)
                if self.store.persistent:  # read through it: a worker may write the folder
                    await anyio.to_thread.run_sync(
                        lambda: self.store.detach(folder, changed=False))
                self._published = generation
                self._snapshots = snapshots
            elif self._published != generation:
                # written since (an edit, an update and its trail entry): workers must see it
                await anyio.to_thread.run_sync(self._snapshots.publish)
                self._published = generation
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

    def _visible(self, default_graphs: tuple[str, ...],
                 named_graphs: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        refuse_history(default_graphs, named_graphs)
        visible = tuple(g for g in self.store.named_graphs() if g not in PROTECTED_GRAPHS)
        # an embedded store's own default graph ("") is part of the union too
        union = ("", *visible) if self.store.embedded else visible
        return default_graphs or union, named_graphs or visible

    def _store_fault(self, err: ProblemError) -> ProblemError:
        if err.kind == "query-timeout" and self.store.remote:
            return store_timeout(self.store, self.settings)
        return err

    async def _query(self, text: str, *, default_graphs: tuple[str, ...] = (),
                    named_graphs: tuple[str, ...] = (), bindings: Bindings | None = None,
                    choose_format: Callable[[str], Any], client: str = "",
                    history: bool = False) -> tuple[str, bytes]:
        """(media type, body) of ``text``'s answer; ``choose_format(kind)`` negotiates; ``client``
        is the address the workers are shared by. Without ``history`` (a reader who may not see
        the audit trail) the dataset is every graph but the history and state graphs: in a
        worker, the union of the snapshot that leaves them out (:attr:`Snapshots.reader`); in a
        thread or on a remote store, every other graph, named in the request."""
        remember = check_remote(text, self.settings.service_allowlist)
        formats = negotiated(choose_format)
        if self.pool is None:
            if not history:
                default_graphs, named_graphs = await anyio.to_thread.run_sync(
                    self._visible, default_graphs, named_graphs)
            return await self._in_thread(text, default_graphs, named_graphs, bindings, formats)
        if not history:
            refuse_history(default_graphs, named_graphs)
        snapshots = await self._snapshot()
        # a reader who may not see the audit trail queries the copy without it (see Snapshots)
        folder = snapshots.current if history else snapshots.reader
        task = {"op": "query", "snapshot": str(folder), "text": text,
                "default_graphs": default_graphs, "named_graphs": named_graphs,
                "bindings": bindings or None, "formats": formats,
                "max_rows": self.settings.max_rows, "timeout": self.settings.query_timeout}
        key = None
        if self.answers is not None and remember:
            key = (text, default_graphs, named_graphs, formats.key, self.settings.max_rows,
                   tuple(sorted((k, str(v)) for k, v in (bindings or {}).items())))
            remembered = self.answers.get(str(folder), key)
            if remembered is not None:
                return remembered
        reply = await self._call(task, client)
        if reply[0] == "ok":
            if key is not None and self.answers is not None:
                self.answers.put(str(folder), key, text, reply[1], reply[2])
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

    async def update(self, text: str, change: Change, client: str = "") -> str:
        """Apply ``text`` with its trail entry (see :meth:`_update`); a remote store's timeout
        names the store. Returns the entry's activity IRI."""
        try:
            return await self._update(text, change, client)
        except ProblemError as err:
            raise self._store_fault(err) from None

    async def _update(self, text: str, change: Change, client: str) -> str:
        """Apply ``text`` and its trail entry in one transaction, or change nothing (also at the
        timeout).

        The update is tried first on a copy, within the timeout and memory cap: isolated, in a
        worker on a copy of the current snapshot, else in a thread on an in-memory copy. The
        trial gives its effect (quads added and removed) for the trail entry, and shows that it
        leaves the history alone. Then the update and the entry are applied as one request: to a
        folder store (``--store DIR``, which the service reads through snapshots) by a worker,
        within the limits again (:meth:`_update_folder`); to any other store by the store
        itself. Reads go on over the old data meanwhile. Updates run one at a time."""
        check_remote(text, self.settings.service_allowlist, update=True)
        if self._writing is None:
            self._writing = anyio.Lock()
        async with self._writing:
            if self.pool is None:
                added, removed = await self._trial_in_thread(text)
            else:
                snapshots = await self._snapshot()
                work = await anyio.to_thread.run_sync(snapshots.work_copy)
                try:
                    reply = await self._call({"op": "update", "folder": str(work), "text": text},
                                             client)
                    if reply[0] != "updated":
                        raise self._problem(reply)
                    # its effect, for the trail: not the client's work, so not its time limit
                    assert self.pool is not None
                    try:
                        reply = await self.pool.call(
                            {"op": "effect", "folder": str(work),
                             "base": str(snapshots.current)},
                            max(EFFECT_TIMEOUT, self.settings.query_timeout),
                            self.settings.queue_wait)
                    except (Stopped, Busy):
                        raise ProblemError(503, "service-busy", "the update's effect could not "
                                           "be read", "the update changed nothing: its effect "
                                           "for the audit trail could not be computed in time; "
                                           "try again later",
                                           headers={"Retry-After": "5"}) from None
                    if reply[0] != "effect":
                        raise self._problem(reply)
                finally:
                    if work.exists():
                        snapshots.discard(work)
                added = list(ox.parse(reply[1], format=ox.RdfFormat.N_QUADS))
                removed = list(ox.parse(reply[2], format=ox.RdfFormat.N_QUADS))
            touched = {q.graph_name.value for q in (*added, *removed)
                       if isinstance(q.graph_name, ox.NamedNode)}
            if touched & set(PROTECTED_GRAPHS):
                raise ProblemError(403, "history-append-only", "the history cannot be changed",
                                   "this update would change the history or state graph: the "
                                   "audit trail is append-only and written by the service; "
                                   "nothing was changed")
            change.added, change.removed, change.update = added, removed, text
            if self.pool is not None and self.store.detached:
                activity, trail = change.trail_operation()
                await self._update_folder(f"{text.rstrip().rstrip(';')} ;\n{trail}", client,
                                          snapshots)
                return activity
            try:
                with anyio.fail_after(self.settings.query_timeout):
                    return await anyio.to_thread.run_sync(commit_update, self.store, text,
                                                          change)
            except TimeoutError:
                raise timed_out(self.settings) from None

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
                            await self._snapshot()  # published once, under the queries' lock

    async def _update_folder(self, text: str, client: str, snapshots: Snapshots) -> None:
        """Apply ``text`` (an update and its trail entry) to the store folder once, in a worker,
        within the limits.

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
        self._published = self.store.generation

    async def _trial_in_thread(self, text: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
        def trial() -> tuple[list[ox.Quad], list[ox.Quad]] | BaseException:
            try:
                scratch = self.store.copy_contents()
                before = set(scratch)
                try:
                    scratch.update(text, prefixes=dict(PREFIXES))
                except SyntaxError as err:
                    raise QueryError(f"SPARQL syntax error: {err}") from err
                except (OSError, ValueError, RuntimeError) as err:
                    raise QueryError(f"update failed: {err}") from err
                after = set(scratch)
                return sorted(after - before, key=str), sorted(before - after, key=str)
            except Exception as err:
                return err.with_traceback(None)

        try:
            with anyio.fail_after(self.settings.query_timeout):
                outcome = await anyio.to_thread.run_sync(trial, abandon_on_cancel=True)
        except TimeoutError:
            raise timed_out(self.settings) from None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def refuse_history(default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> None:
    """A 403 for a reader who names the history or state graph in the dataset."""
    if (set(default_graphs) | set(named_graphs)) & set(PROTECTED_GRAPHS):
        raise ProblemError(403, "history-forbidden", "the history is not yours to read",
                           "the history and state graphs are readable by admins and "
                           "auditors only")


def negotiated(choose_format: Callable[[str], Any]) -> Formats:
    """What ``choose_format`` picks for each kind of answer, as names a worker can use; a
    negotiator that carries its choices already (``choose_format.formats``: the SPARQL endpoint
    keeps one negotiator per ``Accept`` header) is not asked again."""
    known = getattr(choose_format, "formats", None)
    if isinstance(known, Formats):
        return known
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
