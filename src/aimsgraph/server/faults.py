"""What a client is told when the store or a SERVICE endpoint fails, rather than a bare 500.

    a remote store that is down or answers nonsense        502 store-unavailable (its address)
    a remote store that does not answer in time            504 store-timeout (its address)
    a SERVICE endpoint answering what is not SPARQL        502 evaluation-failed
    a page or resource served from data read earlier       says when it was read, and that the
                                                           store cannot be reached now
"""

from __future__ import annotations

from collections.abc import Hashable

from ..store import GraphStore
from .problems import ProblemError
from .settings import ServerSettings


def store_timeout(store: GraphStore, settings: ServerSettings) -> ProblemError:
    return ProblemError(504, "store-timeout", "store timeout",
                        f"the store at {store.location} did not answer within "
                        f"{settings.query_timeout:g} s: it may be down or overloaded, or the "
                        "query too heavy for it", store=store.location)


def evaluation_failed(err: Exception) -> ProblemError:
    return ProblemError(502, "evaluation-failed", "query failed while running",
                        f"the query failed while it ran: {err}. With SERVICE this is the remote "
                        "endpoint answering something that is not a SPARQL result (or not "
                        "answering)")


def freshness(store: GraphStore, key: Hashable) -> dict[str, str]:
    """When the cached value for ``key`` was read from the store; for a remote store that
    cannot be reached now, a notice saying so (the value may be out of date)."""
    read = store.read_at(key)
    out = {"readAt": read.isoformat(timespec="seconds") if read else ""}
    problem = store.unreachable()
    if problem is not None:
        out["storeUnreachable"] = (
            f"{problem}. What is shown was read from the store at "
            f"{read.strftime('%Y-%m-%d %H:%M:%S UTC') if read else 'an earlier time'} and may "
            "be out of date")
    return out
