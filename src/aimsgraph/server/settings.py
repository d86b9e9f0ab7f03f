"""What the service is started with; every limit has a documented default."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: the names a client on this machine uses for it
LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ServerSettings:
    data: tuple[Path, ...] = ()  #: the organization's data (folders or RDF files)
    update_token: str | None = None  #: SPARQL Update is refused unless this is set
    query_timeout: float = 30.0  #: seconds a query may run before the client gets a 503
    max_rows: int = 100_000  #: rows (or triples) a query may return
    max_body_bytes: int = 1_000_000  #: largest request body accepted
    service_allowlist: tuple[str, ...] = field(default=())  #: SERVICE/LOAD IRIs allowed
    #: the Host names requests may use (others get a 400); "*" allows any (behind a proxy that
    #: checks it). ``aimsgraph serve`` adds the address it is bound to.
    allowed_hosts: tuple[str, ...] = LOOPBACK
    #: the public address links in answers are built from (e.g. behind a reverse proxy),
    #: instead of the request's Host
    base_url: str | None = None
