"""What the service is started with; every limit has a documented default."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServerSettings:
    data: tuple[Path, ...] = ()  #: the organization's data (folders or RDF files)
    update_token: str | None = None  #: SPARQL Update is refused unless this is set
    query_timeout: float = 30.0  #: seconds a query may run before the client gets a 503
    max_rows: int = 100_000  #: rows (or triples) a query may return
    max_body_bytes: int = 1_000_000  #: largest request body accepted
    service_allowlist: tuple[str, ...] = field(default=())  #: SERVICE/LOAD IRIs allowed
    #: amendment change sets to rely on beyond those in force (a request may choose others)
    as_amended_by: tuple[str, ...] = field(default=())
    as_enacted: bool = False  #: apply no amendment change set unless a request asks
    #: mapping sets that count (ids or file stems); empty: every set selected by default
    mapping_sets: tuple[str, ...] = field(default=())
