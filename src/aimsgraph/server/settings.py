"""What the service is started with; every limit has a documented default, and is checked."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..isolation import ISOLATION_MODES, default_workers

#: the names a client on this machine uses for it
LOOPBACK = ("localhost", "127.0.0.1", "::1")


#: what to do instead of the shared update token (--update-token, AIMSGRAPH_UPDATE_TOKEN)
UPDATE_TOKEN_GONE = (
    "the shared update token (--update-token, AIMSGRAPH_UPDATE_TOKEN) is replaced by per-user "
    "tokens: create an admin with 'aimsgraph users add NAME --role admin' (it prints the "
    "token), start the service with --users FILE, send 'Authorization: Bearer TOKEN', and "
    "unset AIMSGRAPH_UPDATE_TOKEN")


@dataclass(frozen=True)
class ServerSettings:
    data: tuple[Path, ...] = ()  #: the organization's data (folders or RDF files)
    #: the users and their hashed tokens (aimsgraph users add); None: nobody can sign in, so
    #: nothing can be written through the service
    users_file: Path | None = None
    #: answer reads without a token (default on; ``aimsgraph serve`` turns it off when bound to
    #: an address other than loopback unless asked)
    anonymous_read: bool = True
    #: key the web view's session cookies are signed with (default: the users file's, so that
    #: replicas sharing it share sessions; else one made at start)
    session_secret: str | None = None
    #: the old shared SPARQL Update token, replaced by users: refused with what to do instead
    update_token: str | None = None
    query_timeout: float = 30.0  #: seconds a query or update may run before the client gets a 503
    max_rows: int = 100_000  #: rows (or triples) a query may return
    max_body_bytes: int = 1_000_000  #: largest request body accepted
    service_allowlist: tuple[str, ...] = field(default=())  #: SERVICE/LOAD IRIs allowed
    isolation: str = "process"  #: "process" (worker processes) or "thread" (see ISOLATION_MODES)
    workers: int = field(default_factory=default_workers)  #: worker processes at most
    query_memory: int = 1024  #: MB a worker may hold resident before it is stopped (0: no cap)
    queue_wait: float = 30.0  #: seconds a query waits for a free worker before a 503
    #: seconds a query of a client holding at least two workers more than a client whose query
    #: waits may run before it is stopped for that query (fair sharing, see aimsgraph.isolation)
    preempt_after: float = 1.0
    route_timeout: float = 60.0  #: seconds any other route (REST, web page) may take
    #: MB of answers to client SPARQL remembered per snapshot of the data (0: none; see
    #: aimsgraph.server.answers)
    answer_cache: int = 64

    #: the Host names requests may use (others get a 400); "*" allows any (behind a proxy that
    #: checks it). ``aimsgraph serve`` adds the address it is bound to.
    allowed_hosts: tuple[str, ...] = LOOPBACK
    #: the public address links in answers are built from (e.g. behind a reverse proxy),
    #: instead of the request's Host
    base_url: str | None = None
    #: amendment change sets to rely on beyond those in force (a request may choose others)
    as_amended_by: tuple[str, ...] = field(default=())
    as_enacted: bool = False  #: apply no amendment change set unless a request asks
    #: mapping sets that count (ids or file stems); empty: every set selected by default
    mapping_sets: tuple[str, ...] = field(default=())
    #: oldest acceptable evidence, in months (validation findings and the action plan)
    evidence_months: int = 12

    def __post_init__(self) -> None:
        if self.update_token:
            raise UsageError(UPDATE_TOKEN_GONE)
        for name in ("query_timeout", "queue_wait", "route_timeout", "preempt_after"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise UsageError(f"{name.replace('_', '-')} must be a number of seconds above "
                                 f"0, got {value!r}")
        for name, low in (("max_rows", 1), ("max_body_bytes", 1), ("workers", 1),
                          ("evidence_months", 1), ("query_memory", 0), ("answer_cache", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise UsageError(f"{name.replace('_', '-')} must be a whole number of at least "
                                 f"{low}, got {value!r}")
        if self.isolation not in ISOLATION_MODES:
            raise UsageError(f"isolation is one of {', '.join(ISOLATION_MODES)}, got "
                             f"{self.isolation!r}")
