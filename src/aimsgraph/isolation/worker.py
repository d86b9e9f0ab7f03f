"""The worker process: evaluates the queries (and trial updates) the parent sends, one at a time.

This module is what the forkserver preloads, so a replacement worker starts as a fork with the
engine already imported; it never imports the web stack.
"""

from __future__ import annotations

import resource
import time
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from ..engines import EmbeddedEngine
from ..errors import QueryError
from ..namespaces import PREFIXES
from ..store import GraphStore
from .evaluation import Deadline, Refusal, evaluate

#: address space a worker may reserve beyond what it holds when it starts, on top of the memory
#: cap: thread stacks, allocator arenas and the store's files are reserved, not resident
ADDRESS_SPACE_MARGIN = 1 << 30


def vm_size() -> int:
    """This process's virtual size in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def main(conn: Connection, memory_cap: int) -> None:
    """Answer tasks on ``conn`` until the parent closes it."""
    if memory_cap > 0:  # a backstop: the parent also watches the resident size
        limit = vm_size() + memory_cap + ADDRESS_SPACE_MARGIN
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    opened: tuple[str, GraphStore] | None = None
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if task["op"] == "update":
                reply = apply_update(task["folder"], task["text"])
            elif task["op"] == "effect":
                reply = effect(task["base"], task["folder"])
            else:
                if opened is None or opened[0] != task["snapshot"]:
                    opened = None  # the old view is dropped before the new one opens
                    opened = (task["snapshot"],
                              GraphStore(EmbeddedEngine.read_only(task["snapshot"])))
                reply = run(opened[1], task)
        except Refusal as err:
            reply = ("refused", err.status, err.kind, err.title, err.detail, err.extra)
        except QueryError as err:
            reply = ("refused", 400, "bad-query", "bad query", str(err), {})
        except Deadline:
            reply = ("deadline",)
        except MemoryError:
            reply = ("memory",)
        except (RuntimeError, OSError) as err:  # raised by the engine while it evaluates
            reply = ("refused", 502, "evaluation-failed", "query failed while running",
                     f"the query failed while it ran: {err}. With SERVICE this is the remote "
                     "endpoint answering something that is not a SPARQL result (or not "
                     "answering)", {})
        conn.send(reply)


def run(store: GraphStore, task: dict[str, Any]) -> tuple[Any, ...]:
    def execute() -> Any:
        return store.execute(task["text"], task["bindings"],
                             default_graphs=task["default_graphs"],
                             named_graphs=task["named_graphs"])

    deadline = time.monotonic() + task["timeout"]
    media, body = evaluate(execute, task["formats"], task["max_rows"], deadline)
    return ("ok", media, body)


def apply_update(folder: str, text: str) -> tuple[Any, ...]:
    """Apply ``text`` to the folder store in ``folder`` (a copy of an in-memory store's
    snapshot, or the service's ``--store DIR`` itself, which the service has let go of), in one
    transaction, and make it durable; the folder is closed before the answer is sent.

    Killed before the transaction commits, the folder is as it was (a copy is thrown away).
    """
    try:
        store = ox.Store(folder)
    except OSError as err:
        raise Refusal(503, "store-busy", "the store folder is in use",
                      f"the update could not open the store folder: {err}", {}) from err
    try:
        store.update(text, prefixes=dict(PREFIXES))
        store.flush()
    except SyntaxError as err:
        raise QueryError(f"SPARQL syntax error: {err}") from err
    except (OSError, ValueError, RuntimeError) as err:
        raise QueryError(f"update failed: {err}") from err
    finally:
        del store
    return ("updated",)


def effect(base: str, folder: str) -> tuple[Any, ...]:
    """What a trial update changed: the quads of ``folder`` (the updated copy) not in ``base``
    (the snapshot it was copied from), and the other way round, as N-Quads (for the trail)."""
    before = set(ox.Store.read_only(base))
    after = set(ox.Store.read_only(folder))
    return ("effect", ox.serialize(sorted(after - before, key=str), format=ox.RdfFormat.N_QUADS),
            ox.serialize(sorted(before - after, key=str), format=ox.RdfFormat.N_QUADS))
