"""Where the quads live: Oxigraph in this process (in memory or in a folder), or a remote store
that speaks the SPARQL 1.1 Protocol and Graph Store Protocol.

:class:`~aimsgraph.store.GraphStore` talks to one engine through the small interface below and
keeps everything else (source bookkeeping, error messages, result handling) engine-independent,
so every query, shape and report runs unchanged on either.

Remote stores are configured by URL; credentials come from the environment:

    AIMSGRAPH_STORE_TOKEN                       sent as ``Authorization: Bearer``
    AIMSGRAPH_STORE_USER, AIMSGRAPH_STORE_PASSWORD   HTTP Basic or Digest authentication, as
                                                the server's challenge asks (Virtuoso's
                                                ``/sparql-auth`` takes Digest)
    AIMSGRAPH_STORE_UPDATE_URL, AIMSGRAPH_STORE_GSP_URL   update and Graph Store endpoints
    AIMSGRAPH_STORE_TIMEOUT                     seconds per request (default 300)

A URL with no path (``http://host:7878``) is taken to be an Oxigraph server: ``/query``,
``/update`` and ``/store``. Otherwise the URL is the query endpoint and the update and Graph Store
endpoints come from the two variables above (the update endpoint defaults to the query URL, as on
Virtuoso and GraphDB; without a Graph Store endpoint, loading falls back to ``INSERT DATA``).

Virtuoso (told by its ``Server`` header) gets the few adjustments listed in :class:`Dialect`;
every other server is sent the queries as written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

import pyoxigraph as ox

from .errors import QueryError, StoreError, StoreTimeoutError
from .formats import RdfFormat
from .namespaces import BASE, GRAPH
from .sparqltext import tokens

#: the graph that lists what a persistent store holds (see :mod:`.store`), and its vocabulary
MANIFEST = GRAPH + "manifest"
STORE = BASE + "store#"

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Substitutions = Mapping[ox.Variable, ox.NamedNode | ox.Literal]


class Engine(Protocol):
    """What a store engine does; every method that writes is all-or-nothing for its call."""

    #: where the engine keeps its data, for messages ("memory", a folder or a URL)
    location: str
    #: the data outlives the process (a folder or a server): sources are tracked in a manifest
    persistent: bool

    def add(self, quads: Sequence[ox.Quad]) -> None: ...

    def add_staged(self, staging: ox.Store) -> None:
        """Add everything parsed into an in-memory staging store (the caller gives it up)."""

    def drop(self, graphs: Sequence[str]) -> None: ...

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None,
              default_graphs: Sequence[str], named_graphs: Sequence[str],
              substitutions: Substitutions | None) -> Result: ...

    def update(self, sparql: str, prefixes: Mapping[str, str] | None) -> None: ...

    def graph_ntriples(self, graph: str) -> bytes: ...

    def quad_count(self) -> int: ...

    def dump(self, out: BinaryIO, fmt: RdfFormat, prefixes: Mapping[str, str] | None) -> None: ...


#: the file in a store folder that the process using it holds locked: RocksDB's own lock is
#: let go while a service reads the folder through a snapshot (see EmbeddedEngine.detach)
HOLD_FILE = "aimsgraph.lock"


def _hold(path: Path) -> BinaryIO | None:
    """Lock ``path``'s hold file for this process (an OSError naming the lock if another
    process holds it); None where the platform has no ``fcntl``."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: RocksDB's own lock is all there is
        return None
    handle = open(path / HOLD_FILE, "ab")  # noqa: SIM115 (held for the engine's life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        handle.close()
        raise OSError(f"{path / HOLD_FILE} is locked by another process") from err
    return handle


class EmbeddedEngine:
    """Oxigraph in this process: in memory, or persisted in ``path`` (RocksDB, transactional)."""

    def __init__(self, path: Path | None = None) -> None:
        self.persistent = path is not None
        self.location = str(path) if path is not None else "memory"
        self.detached = False  #: a folder store read through a snapshot (see :meth:`detach`)
        if path is None:
            self._store = ox.Store()
            return
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._hold = _hold(path)
            self._store = ox.Store(str(path))
        except OSError as err:
            hint = " (is another aimsgraph process using it?)" if "lock" in str(err).lower() \
                else ""
            raise StoreError(f"cannot open the store folder {path}: {err}{hint}") from err

    @classmethod
    def read_only(cls, path: str | Path) -> EmbeddedEngine:
        """A read-only view of a folder store nobody writes any more (a snapshot): for queries
        only. It keeps no manifest of its own, so it does not count as persistent."""
        engine = cls.__new__(cls)
        engine.persistent, engine.location, engine.detached = False, str(path), False
        try:
            engine._store = ox.Store.read_only(str(path))
        except OSError as err:
            raise StoreError(f"cannot open the store folder {path} read-only: {err}") from err
        return engine

    def snapshot(self, target: Path) -> None:
        """Write the store as it is now into the new folder ``target``, which a read-only view
        can then open: a checkpoint (hard links) of a folder store, a bulk load of one in
        memory."""
        if self.persistent:
            source = ox.Store.read_only(self.location) if self.detached else self._store
            source.backup(str(target))
            return
        copy = ox.Store(str(target))
        # the quads go straight across: no N-Quads text of the whole graph is written, held in
        # memory and parsed again (that way took about twice as long; benchmarks/isolation.py)
        copy.bulk_extend(self._store)
        copy.flush()

    def detach(self, snapshot: Path) -> None:
        """A folder store: read from now on through ``snapshot`` (a checkpoint of the folder,
        read-only) and let go of the folder itself, so that one other process at a time (a
        worker applying an update) may open it for writing. Readers holding the old view finish
        on it. Called again with a newer snapshot, it moves the view."""
        assert self.persistent, "only a folder store is detached"
        self._store = ox.Store.read_only(str(snapshot))
        self.detached = True
        gc.collect()  # the folder is released once nothing holds its handle

    def reattach(self) -> None:
        """Open the folder for writing again (nobody else may have it open)."""
        if self.detached:
            self._store = ox.Store()  # the snapshot view is dropped before the folder opens
            gc.collect()
            self._store = ox.Store(self.location)
            self.detached = False

    def take_contents(self, folder: Path) -> None:
        """Replace an in-memory store's contents by the folder store's, in one step: readers
        see the old contents until the new are complete."""
        source = ox.Store.read_only(str(folder))
        fresh = ox.Store()
        fresh.bulk_extend(source)  # no N-Quads text of the whole graph in between
        self._store = fresh

    def add(self, quads: Sequence[ox.Quad]) -> None:
        self._store.extend(quads)

    def add_staged(self, staging: ox.Store) -> None:
        if not self.persistent and len(self._store) == 0:
            self._store = staging  # the common case, a fresh store: take it as it is
            return
        self._store.load(staging.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)

    def drop(self, graphs: Sequence[str]) -> None:
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None,
              default_graphs: Sequence[str], named_graphs: Sequence[str],
              substitutions: Substitutions | None) -> Result:
        return self._store.query(
            sparql,
            prefixes=dict(prefixes) if prefixes else None,
            use_default_graph_as_union=not default_graphs,
            # "" is the store's own default graph (a dataset that leaves some graphs out)
            default_graph=[ox.NamedNode(g) if g else ox.DefaultGraph()
                           for g in default_graphs] or None,
            named_graphs=[ox.NamedNode(g) for g in named_graphs] or None,
            substitutions=dict(substitutions) if substitutions else None,
        )

    def update(self, sparql: str, prefixes: Mapping[str, str] | None) -> None:
        self._store.update(sparql, prefixes=dict(prefixes) if prefixes else None)

    def graph_ntriples(self, graph: str) -> bytes:
        buffer = io.BytesIO()
        self._store.dump(buffer, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        return buffer.getvalue()

    def quad_count(self) -> int:
        return len(self._store)

    def dump(self, out: BinaryIO, fmt: RdfFormat, prefixes: Mapping[str, str] | None) -> None:
        if fmt.holds_graphs:
            self._store.dump(out, format=fmt.engine, prefixes=dict(prefixes or {}) or None)
            return
        triples = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    use_default_graph_as_union=True)
        out.write(ox.serialize(triples, format=fmt.engine, prefixes=dict(prefixes or {}) or None))


@dataclass(frozen=True)
class Endpoints:
    """The three addresses of a remote store."""

    query: str
    update: str | None = None
    graph_store: str | None = None
    oxigraph: bool = False  #: an Oxigraph server (its root URL was given)

    @classmethod
    def from_url(cls, url: str, env: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if env is None else env
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"not a store URL (expected http:// or https://): {url}")
        update = env.get("AIMSGRAPH_STORE_UPDATE_URL")
        graph_store = env.get("AIMSGRAPH_STORE_GSP_URL")
        if parts.path in ("", "/"):  # an Oxigraph server's root
            base = url.rstrip("/")
            return cls(base + "/query", update or base + "/update", graph_store or base + "/store",
                       oxigraph=True)
        return cls(url, update or url, graph_store)


class RemoteEngine:
    """A SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph, Fuseki, GraphDB, Virtuoso,
    Stardog, Neptune ...).

    The store's default graph is taken to be the union of its named graphs, as in the embedded
    store, whatever the server's own setting: queries name every graph as a ``default-graph-uri``.
    The store parses before it calls :meth:`add` (so malformed input never reaches the server),
    which sends each graph's triples with one Graph Store ``POST``; when one fails, the graphs
    sent by that call are dropped again before the error is raised.
    """

    persistent = True

    def __init__(self, url: str, *, env: Mapping[str, str] | None = None) -> None:
        import httpx  # only remote stores need an HTTP client

        env = os.environ if env is None else env
        self.endpoints = Endpoints.from_url(url, env)
        self.location = url
        headers = {"User-Agent": "aimsgraph"}
        auth = None
        if env.get("AIMSGRAPH_STORE_TOKEN"):
            headers["Authorization"] = f"Bearer {env['AIMSGRAPH_STORE_TOKEN']}"
        elif env.get("AIMSGRAPH_STORE_USER"):
            auth = _challenge_auth(httpx, env["AIMSGRAPH_STORE_USER"],
                                   env.get("AIMSGRAPH_STORE_PASSWORD", ""))
        timeout = float(env.get("AIMSGRAPH_STORE_TIMEOUT", "300"))
        self._http = httpx.Client(headers=headers, auth=auth, timeout=timeout)
        self._httpx = httpx
        self._graphs: list[str] | None = None
        self._mode: str | None = None
        self.dialect = Dialect()
        # fail now, with the address, if the server is not there; and learn which server it is
        self._select("ASK { }", [], [])
        if self.dialect.name == "virtuoso" and self.endpoints.graph_store is None:
            # its Graph Store endpoint beside the query endpoint: SPARQL Update's INSERT DATA
            # refuses blank nodes in a GRAPH on Virtuoso 7.2 ("not allowed in a constant clause")
            crud = re.sub(r"/sparql(-auth)?/?$", lambda m: f"/sparql-graph-crud{m[1] or ''}",
                          self.endpoints.query)
            if crud != self.endpoints.query:
                self.endpoints = dataclasses.replace(self.endpoints, graph_store=crud)

    def set_timeout(self, seconds: float) -> None:
        """Seconds each request to the store may take (default ``AIMSGRAPH_STORE_TIMEOUT``)."""
        self._http.timeout = self._httpx.Timeout(seconds)

    # -- transport -----------------------------------------------------------------------------

    def _send(self, method: str, url: str, what: str, **kwargs: object):  # type: ignore[no-untyped-def]
        try:
            response = self._http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except self._httpx.TimeoutException as err:
            seconds = self._http.timeout.read or self._http.timeout.connect
            raise StoreTimeoutError(f"{what}: the store at {url} did not answer within "
                                    f"{seconds:g} s (hung, overloaded, or the work too heavy "
                                    "for it)", location=url) from err
        except self._httpx.HTTPError as err:
            raise StoreError(f"{what}: cannot reach the store at {url}: "
                             f"{err or type(err).__name__}", location=url) from err
        if response.status_code >= 400:
            detail = response.text.strip().splitlines()[0][:300] if response.text.strip() else ""
            if response.status_code == 400 and what.startswith(("query", "update")):
                raise QueryError(f"the store refused the {what.split()[0]}: {detail}")
            if response.status_code in (401, 403):
                raise StoreError(f"{what}: {url} refused the credentials (HTTP "
                                 f"{response.status_code}); set AIMSGRAPH_STORE_TOKEN or "
                                 "AIMSGRAPH_STORE_USER/AIMSGRAPH_STORE_PASSWORD", location=url)
            raise StoreError(f"{what}: the store at {url} answered HTTP {response.status_code}: "
                             f"{detail}", location=url)
        return response

    def _need(self, endpoint: str | None, what: str) -> str:
        if endpoint is None:
            raise StoreError(f"{what} needs an endpoint: set AIMSGRAPH_STORE_UPDATE_URL / "
                             "AIMSGRAPH_STORE_GSP_URL for this store")
        return endpoint

    # -- reading -------------------------------------------------------------------------------

    def graphs(self) -> list[str]:
        """The store's named graphs (cached until this engine writes)."""
        if self._graphs is None:
            # Oxigraph lists the graph names alone for an empty group pattern, without a scan of
            # every quad; Virtuoso answers that with one unbound row, and the grouped count is
            # its fast form
            text = self.dialect.graph_listing
            result = self._select(text, [], [])
            assert isinstance(result, ox.QuerySolutions)
            self._graphs = sorted(
                row["g"].value for row in result
                if isinstance(row["g"], ox.NamedNode) and not self.dialect.system_graph(
                    row["g"].value))
        return self._graphs

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None,
              default_graphs: Sequence[str], named_graphs: Sequence[str],
              substitutions: Substitutions | None) -> Result:
        text = _with_prologue(_bind_parameters(sparql, substitutions,
                                               binds=self.dialect.bind_parameters), prefixes)
        if default_graphs:
            return self._select(text, list(default_graphs), list(named_graphs))
        if self.dialect.server_union and not named_graphs and not _names_graphs(text):
            return self._select(text, [], [])
        if named_graphs or self._union_mode() == "explicit":
            # a protocol dataset that names default graphs must name the named graphs too
            # (an empty store: a graph nobody has, else the server would take its own default)
            graphs = self.graphs() or [MANIFEST]
            return self._select(text, graphs, list(named_graphs) or graphs)
        return self._select(text, [], [], union=self._union_mode() == "parameter")

    def _union_mode(self) -> str:
        """How to make the default graph the union of the named graphs: Oxigraph takes a
        ``union-default-graph`` parameter; a server configured that way (Virtuoso, GraphDB, Fuseki
        with unionDefaultGraph) needs nothing; elsewhere every graph is named in the request,
        which is portable but slower (4x on Oxigraph)."""
        if self._mode is None:
            if self.endpoints.oxigraph:
                self._mode = "parameter"
            elif self.dialect.server_union:
                # queries that name graphs (see query): GRAPH ?g must not see the server's own
                self._mode = "explicit"
            elif MANIFEST not in self.graphs():
                return "explicit"  # nothing to tell from yet
            else:  # the manifest's triples show in the default graph only if it is the union
                probe = self._select(f"ASK {{ ?g <{STORE}sha256> ?sha }}", [], [])
                self._mode = "server" if bool(probe) else "explicit"
        return self._mode

    def _select(self, text: str, default_graphs: list[str], named_graphs: list[str], *,
                union: bool = False) -> Result:
        form: dict[str, str | list[str]] = {"query": text}
        if union:
            form["union-default-graph"] = ""
        if default_graphs:
            form["default-graph-uri"] = default_graphs
        if named_graphs:
            form["named-graph-uri"] = named_graphs
        response = self._send(
            "POST", self.endpoints.query, "query", data=form,
            headers={"Accept": "application/sparql-results+json, "
                               "application/n-triples;q=0.9"})
        if not self.dialect.known:
            self.dialect = Dialect.of(response.headers.get("server", ""))
        cap = response.headers.get("x-sparql-maxrows")
        if cap is not None:  # Virtuoso says so when it cuts an answer at its ResultSetMaxRows
            raise StoreError(f"query: the store at {self.endpoints.query} cut its answer at "
                             f"{cap} rows (its result cap: raise ResultSetMaxRows in "
                             "virtuoso.ini above the largest answer)",
                             location=self.endpoints.query)
        media = response.headers.get("content-type", "").split(";")[0].strip()
        try:
            if media == "application/sparql-results+json":
                return self.dialect.results(response.content, text)
            if media in ("application/n-triples", "text/plain"):
                return _as_query_triples(response.content)
        except (SyntaxError, ValueError) as err:
            raise StoreError(f"query: the store at {self.endpoints.query} answered {media} "
                             f"that does not parse: {err}",
                             location=self.endpoints.query) from None
        raise StoreError(f"query: the store at {self.endpoints.query} answered with "
                         f"{media or 'no type'}, not SPARQL JSON results nor N-Triples",
                         location=self.endpoints.query)

    def ping(self, seconds: float = 5.0) -> None:
        """Raise StoreError (naming the address) unless the store answers ``ASK {}`` now."""
        try:
            response = self._http.post(self.endpoints.query, data={"query": "ASK {}"},
                                       headers={"Accept": "application/sparql-results+json"},
                                       timeout=min(seconds, self._http.timeout.read or seconds))
        except self._httpx.TimeoutException as err:
            raise StoreTimeoutError(f"the store at {self.endpoints.query} did not answer",
                                    location=self.endpoints.query) from err
        except self._httpx.HTTPError as err:
            raise StoreError(f"cannot reach the store at {self.endpoints.query}: {err}",
                             location=self.endpoints.query) from err
        if response.status_code >= 400:
            raise StoreError(f"the store at {self.endpoints.query} answered HTTP "
                             f"{response.status_code}", location=self.endpoints.query)

    def graph_ntriples(self, graph: str) -> bytes:
        if self.endpoints.graph_store is None:
            result = self._select(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> "
                                  "{ ?s ?p ?o } }", [], [])
            return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
        response = self._send("GET", self.endpoints.graph_store, f"reading graph {graph}",
                              params={"graph": graph}, headers={"Accept": "application/n-triples"})
        return response.content

    def quad_count(self) -> int:
        if self.dialect.system_prefixes:  # the server's own graphs are not counted
            result = self._select(self.dialect.graph_listing, [], [])
            assert isinstance(result, ox.QuerySolutions)
            return sum(int(row["n"].value) for row in result
                       if isinstance(row["g"], ox.NamedNode)
                       and not self.dialect.system_graph(row["g"].value))
        result = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", [], [])
        assert isinstance(result, ox.QuerySolutions)
        return int(next(iter(result))["n"].value)

    def dump(self, out: BinaryIO, fmt: RdfFormat, prefixes: Mapping[str, str] | None) -> None:
        local = EmbeddedEngine()
        for graph in self.graphs():
            local._store.load(self.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES,
                              to_graph=ox.NamedNode(graph))
        local.dump(out, fmt, prefixes)

    # -- writing -------------------------------------------------------------------------------

    def update(self, sparql: str, prefixes: Mapping[str, str] | None) -> None:
        url = self._need(self.endpoints.update, "SPARQL Update")
        self._graphs = None
        self._send("POST", url, "update", content=_with_prologue(sparql, prefixes).encode(),
                   headers={"Content-Type": "application/sparql-update"})

    def drop(self, graphs: Sequence[str]) -> None:
        if graphs:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs), None)

    def add(self, quads: Sequence[ox.Quad]) -> None:
        staging = ox.Store()
        staging.extend(quads)
        self.add_staged(staging)

    def add_staged(self, staging: ox.Store) -> None:
        if any(True for _ in staging.quads_for_pattern(None, None, None, ox.DefaultGraph())):
            raise StoreError("only quads in named graphs can be sent to a remote store")
        self._graphs = None
        done: list[str] = []
        try:
            for node in staging.named_graphs():
                graph = node.value
                body = staging.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node)
                if self.endpoints.graph_store is not None:
                    self._send("POST", self.endpoints.graph_store, f"loading graph {graph}",
                               params={"graph": graph}, content=body,
                               headers={"Content-Type": "application/n-triples"})
                else:
                    self._insert_data(graph, body)
                done.append(graph)
        except StoreError:
            with contextlib.suppress(StoreError):  # the first error is the one to report
                self.drop(done)
            raise

    def _insert_data(self, graph: str, ntriples: bytes, chunk: int = 20_000) -> None:
        lines = ntriples.decode().splitlines()
        for start in range(0, len(lines), chunk):
            body = "\n".join(lines[start:start + chunk])
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}", None)


def _with_prologue(sparql: str, prefixes: Mapping[str, str] | None) -> str:
    """PREFIX declarations ahead of the query's own (which, coming later, win)."""
    if not prefixes:
        return sparql
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + sparql


def _bind_parameters(sparql: str, substitutions: Substitutions | None, *,
                     binds: bool = False) -> str:
    """Bindings as a VALUES block opening the query's WHERE group, so that every pattern and
    FILTER of the query sees them bound, as with the embedded store's substitution (a FILTER on
    a parameter would see it unbound if the block were joined at the end); or, for a store
    that evaluates that form wrongly (see :class:`Dialect`), as BINDs in the same place."""
    if not substitutions:
        return sparql
    at = _where_group(sparql)
    if binds:
        block = " ".join(f"BIND({_computed(t)} AS {v})" for v, t in substitutions.items())
        return f"{sparql[:at]} {block} {sparql[at:]}"
    names = " ".join(str(v) for v in substitutions)
    values = " ".join(str(t) for t in substitutions.values())
    return f"{sparql[:at]} VALUES ({names}) {{ ({values}) }} {sparql[at:]}"


def _computed(term: ox.NamedNode | ox.Literal) -> str:
    """A typed literal as the value of ``STRDT`` rather than a constant (see :class:`Dialect`)."""
    if isinstance(term, ox.Literal) and not term.language \
            and term.datatype.value != XSD_STRING:
        return f"STRDT({ox.Literal(term.value)}, {term.datatype})"
    return str(term)


def _names_graphs(sparql: str) -> bool:
    """The query has a ``GRAPH`` pattern (read as SPARQL tokens, not in a string or IRI)."""
    return any(token.keyword == "GRAPH" for token in tokens(sparql))


def _where_group(sparql: str) -> int:
    """The offset just inside the ``{`` that opens the WHERE clause (read as SPARQL tokens, so a
    brace or WHERE inside a string, IRI or comment is not one): the one after the keyword WHERE,
    or the first brace when the keyword is left out."""
    first = None
    after_where = False
    for token in tokens(sparql):
        if token.keyword == "WHERE":
            after_where = True
        elif token.kind == "punct" and token.text == "{":
            if after_where:
                return token.start + 1
            first = token.start + 1 if first is None else first
    if first is None:
        raise QueryError("the query has no WHERE clause to bind parameters in")
    return first


def _as_query_triples(ntriples: bytes) -> ox.QueryTriples:
    """A CONSTRUCT answer as the engine's own result type, so callers need not care where the
    query ran."""
    local = ox.Store()
    local.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return local.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")  # type: ignore[return-value]


@dataclass(frozen=True)
class Dialect:
    """What one kind of SPARQL server needs beyond the standard (known from its ``Server``
    header). Only Virtuoso has entries; each says why:

    - graph listing: Virtuoso answers ``SELECT DISTINCT ?g WHERE { GRAPH ?g { } }`` with one row
      where ``?g`` is unbound; the grouped count over the quads is its fast, correct form.
    - system graphs: Virtuoso keeps its own graphs (``virtrdf#``, ``ldp#``, its URIQA graph ...)
      beside the user's; they are no graph of ours and are left out of every listing.
    - union default graph: Virtuoso 7.2 evaluates a query over a dataset that lists the graphs
      (``default-graph-uri`` per graph) wrongly when it sorts over a property path (``ORDER BY``
      with ``rdfs:subClassOf*`` answers 1 row of 116), so a query that names no graph runs on
      the server's own default graph, the union of all graphs; its system graphs are there too
      but hold none of our vocabulary. A query with ``GRAPH`` still gets the graphs listed, so
      that ``GRAPH ?g`` never ranges over the system graphs.
    - parameters: a typed literal bound by VALUES or ``BIND("2026-08-02"^^xsd:date AS ?date)``
      and compared in a FILTER (``obligations-applicable-on``) makes Virtuoso 7.2 answer no rows
      at all, at times (right after a load; the same query with the date written inline
      answers); parameters are bound by ``BIND`` at the same place, a typed literal as the value
      of ``STRDT(lexical, datatype)``, which Virtuoso evaluates correctly.
    - booleans: Virtuoso stores ``xsd:boolean`` as an integer and answers ``"1"``/``"0"``; they
      are read back as ``"true"``/``"false"``, what was stored. (A comparison's value comes
      back as an ``xsd:integer``: the named queries cast it with ``xsd:boolean(...)``.)
    - GROUP_CONCAT over no values: Virtuoso answers ``""`` where Oxigraph leaves the variable
      unbound (the aggregate of errors); an empty value of a variable the query binds by
      GROUP_CONCAT is read back as unbound. (The common form, ``IF(COUNT(?x) > 0,
      GROUP_CONCAT(...), SAMPLE(?x))``, stops Virtuoso 7.2's compiler: "Bad dfe in
      sqlo_place_exp".)

    Where a form both engines evaluate correctly exists, it is written instead of an entry here
    (docs/deploy.md lists them): e.g. no alternative path (``a|b``) after a subquery (Virtuoso
    drops rows), no aggregating subquery in an ``OPTIONAL`` that joins per row (Virtuoso
    evaluates it once per row), no ``VALUES`` block of thousands of terms (Virtuoso's 32 KB code
    vector per query: validation asks in chunks).

    Besides (in :class:`RemoteEngine`): an answer Virtuoso cut at its ``ResultSetMaxRows``
    (header ``X-SPARQL-MaxRows``) is an error, not the answer; and without a Graph Store URL the
    one beside its query endpoint is used, as its ``INSERT DATA`` refuses blank nodes in a
    ``GRAPH``. Known remaining difference: a query of the service's ``/sparql`` that names no
    graph and matches any triple (``?s ?p ?o``) also sees Virtuoso's system graphs (about 2,500
    quads of its own schemas).
    """

    name: str = ""
    known: bool = False
    graph_listing: str = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
    system_prefixes: tuple[str, ...] = ()
    integer_booleans: bool = False
    server_union: bool = False
    bind_parameters: bool = False

    @classmethod
    def of(cls, server: str) -> Dialect:
        if server.lower().startswith("virtuoso"):
            return cls(name="virtuoso", known=True,
                       graph_listing="SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                     "GROUP BY ?g",
                       system_prefixes=VIRTUOSO_SYSTEM_GRAPHS, integer_booleans=True,
                       server_union=True, bind_parameters=True)
        return cls(name=server.split("/")[0].strip().lower(), known=True)

    def system_graph(self, graph: str) -> bool:
        return graph.startswith(self.system_prefixes) if self.system_prefixes else False

    def results(self, body: bytes, query: str) -> ox.QuerySolutions | ox.QueryBoolean:
        """SPARQL JSON results of ``query`` as the engine's own result type."""
        if self.integer_booleans:
            concatenated = _group_concat_names(query)
            if concatenated or XSD_BOOLEAN.encode() in body:
                body = _standard_values(body, concatenated)
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)  # type: ignore[return-value]


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: graphs a fresh Virtuoso holds of its own (schemas, its LDP and URIQA graphs, its inference
#: rule sets' graphs under the OpenLink namespace)
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#",
                          "http://localuriqaserver/", "http://www.w3.org/2002/07/owl#")


def _group_concat_names(query: str) -> set[str]:
    """The variables a query binds by ``GROUP_CONCAT(...) AS ?x`` (two levels of parentheses
    inside the call, as in ``GROUP_CONCAT(DISTINCT STR(?x); separator=" ")``)."""
    return set(re.findall(r"GROUP_CONCAT\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\s+AS\s+"
                          r"\?(\w+)", query, flags=re.IGNORECASE))


def _standard_values(body: bytes, concatenated: set[str]) -> bytes:
    document = json.loads(body)
    for row in document.get("results", {}).get("bindings", ()):
        for name, term in list(row.items()):
            if term.get("datatype") == XSD_BOOLEAN and term.get("value") in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
            elif name in concatenated and term.get("value") == "" and term["type"] == "literal":
                del row[name]
    return json.dumps(document).encode()


def _challenge_auth(httpx, user: str, password: str):  # type: ignore[no-untyped-def]
    """Credentials sent the way the server's ``WWW-Authenticate`` challenge asks: Digest
    (Virtuoso's ``/sparql-auth``) or Basic, with httpx's own implementations. The first request
    goes without them, so a password is never sent in clear to a server that asks for Digest."""

    class ChallengeAuth(httpx.Auth):
        requires_request_body = True

        def __init__(self) -> None:
            self.basic = httpx.BasicAuth(user, password)
            self.digest = httpx.DigestAuth(user, password)
            self.chosen: httpx.Auth | None = None

        def auth_flow(self, request):  # type: ignore[no-untyped-def]
            if self.chosen is not None:
                yield from self.chosen.auth_flow(request)
                return
            response = yield request
            if response.status_code != 401:
                return
            scheme = response.headers.get("www-authenticate", "").split(" ")[0].lower()
            if scheme not in ("digest", "basic"):
                return
            self.chosen = self.digest if scheme == "digest" else self.basic
            yield from self.chosen.auth_flow(request)

    return ChallengeAuth()
