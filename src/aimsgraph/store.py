"""The graph store: every source file in its own named graph, loaded all-or-nothing.

The default engine is Oxigraph (pyoxigraph) in memory, chosen by measurement (see
benchmarks/README.md): it loads and queries one to two orders of magnitude faster than rdflib's
in-memory graph. The same store can live in a folder (Oxigraph on disk) or on a remote SPARQL 1.1
server (:mod:`.engines`); every query, shape and report runs unchanged on each. Libraries that
need an rdflib graph (pySHACL) get one from :meth:`GraphStore.to_rdflib`.

    store = GraphStore()                       # or GraphStore.open("store/") / ("http://host:7878")
    store.load([Source(Path("frameworks/oecd-ai-principles-2024.ttl"), "https://example.org/g")])
    store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows

A store that outlives the process (a folder or a server) records each loaded source in a manifest
graph (its path, kind and SHA-256), so a later process loads only what changed. Each load clears
a source's manifest entry before it replaces the graph and writes the entry last: a load that
dies half-way leaves a graph without an entry, which the next open loads again. Derived graphs
(classification, settings) are never recorded: they are recomputed by each process.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import pyoxigraph as ox
import rdflib

from .engines import MANIFEST, STORE, EmbeddedEngine, Engine, RemoteEngine
from .errors import QueryError, RDFSyntaxError, StoreError, UsageError
from .formats import RdfFormat, rdf_format, rdf_format_for_path
from .namespaces import GRAPH, PREFIXES, XSD
from .results import QueryResult
from .sssom import mapping_quads, read_sssom

T = TypeVar("T")

#: Called once per source while loading: (index from 1, total, source).
Progress = Callable[[int, int, "Source"], None]

MANIFEST_GRAPH = MANIFEST
DERIVED_PREFIX = GRAPH + "derived/"


@dataclass(frozen=True)
class Source:
    """One RDF file (or organization folder) and the named graph it is loaded into."""

    path: Path
    graph: str
    kind: str = "data"


@dataclass(frozen=True)
class LoadReport:
    sources: tuple[Source, ...]
    quads: int


class GraphStore:
    """A quad store that knows which source file each named graph came from."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine: Engine = engine if engine is not None else EmbeddedEngine()
        self._sources: dict[str, Source] = {}
        self._digests: dict[str, str] = {}
        self._generation = 0
        self._seen_marker: int | None = None
        self._memo: dict[Hashable, tuple[int, Any, datetime]] = {}
        if self._engine.persistent:
            self._read_manifest()

    @classmethod
    def open(cls, location: str | Path | None = None) -> GraphStore:
        """In memory (``None``), in a folder (Oxigraph on disk), or a remote store (a URL)."""
        if location is None or str(location) == "":
            return cls()
        text = str(location)
        if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
            return cls(RemoteEngine(text))
        path = Path(location)
        if path.exists() and not path.is_dir():
            raise StoreError(f"the store location is a file, not a folder: {path}")
        return cls(EmbeddedEngine(path))

    @property
    def location(self) -> str:
        return self._engine.location

    @property
    def persistent(self) -> bool:
        return self._engine.persistent

    @property
    def generation(self) -> int:
        """Counts the writes made through this store object (loads, updates)."""
        return self._generation

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the next write through this store: for projections
        and reports that are costly to derive (impact graph, validation findings). Writes made
        to a remote store by other clients are not seen."""
        held = self._memo.get(key)
        if held is not None and held[0] == self._generation:
            return held[1]
        value = compute()
        # after compute, which may itself write
        self._memo[key] = (self._generation, value, datetime.now(UTC))
        return value

    def read_at(self, key: Hashable) -> datetime | None:
        """When the value :meth:`cached` holds for ``key`` was computed (UTC), if it holds one."""
        held = self._memo.get(key)
        return held[2] if held is not None and held[0] == self._generation else None

    @property
    def remote(self) -> bool:
        """The quads live on a SPARQL server that can be down or hung apart from this process."""
        return isinstance(self._engine, RemoteEngine)

    def limit_requests(self, seconds: float) -> None:
        """Wait at most ``seconds`` for each answer of a remote store (no effect otherwise)."""
        if isinstance(self._engine, RemoteEngine):
            self._engine.set_timeout(seconds)

    def unreachable(self) -> StoreError | None:
        """Why the store cannot answer now (a remote store that is down or hung), else None."""
        if not isinstance(self._engine, RemoteEngine):
            return None
        try:
            self._engine.ping()
        except StoreError as err:
            return err
        return None

    # -- loading -------------------------------------------------------------------------------

    def load(self, sources: Sequence[Source], progress: Progress | None = None, *,
             replace: bool = False, digests: Mapping[str, str] | None = None) -> LoadReport:
        """Parse every source, then add them all in one transaction.

        A source that does not parse raises :class:`RDFSyntaxError` naming its file, line and
        column, and the store is left exactly as it was: nothing is added until all have parsed.
        ``replace=True`` replaces graphs already loaded instead of refusing them. A persistent
        store records each source's SHA-256 (from ``digests`` by graph, if already computed).
        """
        graphs = [s.graph for s in sources]
        taken = {g for g in graphs if graphs.count(g) > 1 or (g in self._sources and not replace)}
        if taken:
            raise UsageError(f"graph named twice or already loaded: {', '.join(sorted(taken))}")
        staging = ox.Store()  # parsed in the engine, not as Python objects
        for index, source in enumerate(sources, start=1):
            if progress is not None:
                progress(index, len(sources), source)
            stage_file(staging, source.path, source.graph)
        known = digests or {}
        recorded = {s.graph: known.get(s.graph) or digest(s.path) for s in sources} \
            if self.persistent else {}
        size = len(staging)
        self._write(list(sources), staging, recorded)
        return LoadReport(tuple(sources), size)

    def replace_quads(self, source: Source, quads: Sequence[ox.Quad]) -> None:
        """Put derived quads in ``source.graph``, dropping what that graph held before."""
        self._write([source], quads, {})

    def load_quads(self, source: Source, quads: Sequence[ox.Quad],
                   source_digest: str | None = None) -> None:
        """Add quads built from ``source`` (already validated) in one transaction.

        In a persistent store the graph replaces what an earlier process loaded from the same
        source; ``source_digest`` (see :func:`digest`) is recorded so that it is loaded once.
        """
        if source.graph in self._sources and not self.persistent:
            raise UsageError(f"graph named twice or already loaded: {source.graph}")
        self._write([source], quads, {source.graph: source_digest or ""})

    def _write(self, sources: list[Source], quads: Sequence[ox.Quad] | ox.Store,
               digests: Mapping[str, str]) -> None:
        graphs = [s.graph for s in sources]
        self._generation += 1
        if self.persistent:
            self._forget(graphs)
        self._engine.drop([g for g in graphs if g in self._sources or self.persistent])
        if isinstance(quads, ox.Store):
            self._engine.add_staged(quads)
        else:
            self._engine.add(quads)
        for source in sources:
            self._sources[source.graph] = source
        if self.persistent:
            self._remember([s for s in sources if s.kind != "derived"], digests)

    def unload(self, graphs: Sequence[str]) -> None:
        """Drop loaded sources' graphs (and, in a persistent store, their manifest entries)."""
        graphs = [g for g in graphs if g in self._sources]
        if not graphs:
            return
        self._generation += 1
        if self.persistent:
            self._forget(graphs)
        self._engine.drop(graphs)
        for graph in graphs:
            del self._sources[graph]

    def is_current(self, source: Source, source_digest: str | None = None) -> bool:
        """The persistent store already holds ``source`` as it is now (same SHA-256)."""
        known = self._digests.get(source.graph)
        return known is not None and known == (source_digest or digest(source.path))

    def _read_manifest(self) -> None:
        rows = self.query(
            f"SELECT ?g ?path ?kind ?sha WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ ?g <{STORE}path> "
            f"?path ; <{STORE}kind> ?kind ; <{STORE}sha256> ?sha }} }}").rows
        for graph, path, kind, sha in rows:
            assert graph is not None and path is not None and kind is not None and sha is not None
            self._sources[graph.value] = Source(Path(path.value), graph.value, kind.value)
            self._digests[graph.value] = sha.value
        # derived graphs belong to the process that computed them
        stale = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } FILTER(STRSTARTS("
                           f"STR(?g), \"{DERIVED_PREFIX}\")) }}").rows
        self._engine.drop([row[0].value for row in stale if row[0] is not None])

    def _forget(self, graphs: Sequence[str]) -> None:
        if not graphs:
            return
        values = " ".join(f"<{g}>" for g in graphs)
        self._engine.update(f"DELETE {{ GRAPH <{MANIFEST_GRAPH}> {{ ?g ?p ?o }} }} WHERE {{ "
                            f"VALUES ?g {{ {values} }} GRAPH <{MANIFEST_GRAPH}> {{ ?g ?p ?o }} }}",
                            None)
        for graph in graphs:
            self._digests.pop(graph, None)

    def _remember(self, sources: Sequence[Source], digests: Mapping[str, str]) -> None:
        if not sources:
            return
        now = ox.Literal(datetime.now(UTC).isoformat(timespec="seconds"),
                         datatype=ox.NamedNode(XSD + "dateTime"))
        lines = []
        for source in sources:
            sha = digests.get(source.graph, "")
            lines.append(f"<{source.graph}> <{STORE}path> {ox.Literal(str(source.path))} ; "
                         f"<{STORE}kind> {ox.Literal(source.kind)} ; "
                         f"<{STORE}sha256> {ox.Literal(sha)} ; <{STORE}loaded> {now} .")
            self._digests[source.graph] = sha
        body = "\n".join(lines)
        self._engine.update(f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{\n{body}\n}} }}", None)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(self._sources.values())

    # -- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._engine.quad_count()

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query over the union of all graphs (``GRAPH`` still names one).

        ``bindings`` substitute variables with RDF terms before evaluation (SEP-0007), so a value
        is never pasted into the query text.
        """
        return QueryResult.from_engine(self.execute(sparql, bindings))

    def execute(
        self,
        sparql: str,
        bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        prefixes: bool = True,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """The engine's lazy result. ``default_graphs`` replace the union default graph
        (SPARQL Protocol ``default-graph-uri``); ``named_graphs`` restrict ``GRAPH``."""
        substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            return self._engine.query(
                sparql,
                prefixes=PREFIXES if prefixes else None,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                substitutions=substitutions or None,
            )
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from err
        except RuntimeError as err:
            if substitutions and "projection" in str(err):
                raise QueryError(
                    f"{err}: a parameter must be a variable of the SELECT clause (Oxigraph binds "
                    "parameters by substitution, which ASK, CONSTRUCT and SELECT * do not allow)"
                ) from err
            raise QueryError(f"query failed: {err}") from err
        except (OSError, ValueError) as err:
            raise QueryError(f"query failed: {err}") from err

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one transaction: all of it applies, or none.

        The generation moves on when the write is over, so that what :meth:`cached` computes
        meanwhile (from the data before the update) is not taken for the data after it."""
        try:
            self._engine.update(sparql, PREFIXES)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from err
        except (OSError, ValueError, RuntimeError) as err:
            raise QueryError(f"update failed: {err}") from err
        finally:
            self._generation += 1

    def change(self, *, added: Sequence[ox.Quad] = (), removed: Sequence[ox.Quad] = ()) -> None:
        """Remove ``removed``, then add ``added``, in one transaction (all or nothing)."""
        self.update(change_text(added, removed))

    def copy(self, without: Iterable[str] = ()) -> GraphStore:
        """An in-memory copy of the loaded sources' graphs but ``without`` (to try a change on
        before it is made here)."""
        skip = set(without)
        kept = [s for s in self._sources.values() if s.graph not in skip]
        staging = ox.Store()
        for source in kept:  # parsed in the engine, not as Python objects
            staging.bulk_load(self._engine.graph_ntriples(source.graph),
                              format=ox.RdfFormat.N_TRIPLES,
                              to_graph=ox.NamedNode(source.graph))
        other = GraphStore()
        other._write(kept, staging, {})
        return other

    def snapshot(self, target: Path) -> None:
        """Copy the store as it is now into the new folder ``target``, for read-only views in
        other processes (embedded stores only)."""
        if not isinstance(self._engine, EmbeddedEngine):
            raise UsageError(f"a snapshot needs an embedded store, not {self.location}")
        self._engine.snapshot(target)

    def detach(self, snapshot: Path, *, changed: bool = True) -> None:
        """A folder store: read through ``snapshot`` and let another process write the folder
        (see :meth:`EmbeddedEngine.detach`); ``changed``: the snapshot holds data this store
        object has not seen (an update made by that process)."""
        if not isinstance(self._engine, EmbeddedEngine) or not self.persistent:
            raise UsageError(f"only a folder store is detached, not {self.location}")
        self._engine.detach(snapshot)
        if changed:
            self._generation += 1

    def reattach(self) -> None:
        """Open a detached folder store for writing again."""
        if isinstance(self._engine, EmbeddedEngine):
            self._engine.reattach()

    @property
    def detached(self) -> bool:
        return isinstance(self._engine, EmbeddedEngine) and self._engine.detached

    def take_contents(self, folder: Path) -> None:
        """Replace an in-memory store's contents by a folder store's (an update applied to a
        copy elsewhere); readers see the old contents until the new are complete."""
        if not isinstance(self._engine, EmbeddedEngine) or self.persistent:
            raise UsageError(f"only an in-memory store takes another's contents, not "
                             f"{self.location}")
        self._engine.take_contents(folder)
        self._generation += 1

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        """The quads of one named graph (none if it is not there)."""
        if graph not in self._sources:
            return []
        node = ox.NamedNode(graph)
        return [ox.Quad(t.subject, t.predicate, t.object, node) for t in ox.parse(
            self._engine.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES)]

    def copy_contents(self) -> ox.Store:
        """Every quad of the store in a new in-memory Oxigraph store (a scratch copy)."""
        scratch = ox.Store()
        if isinstance(self._engine, EmbeddedEngine):
            scratch.bulk_load(self._engine._store.dump(format=ox.RdfFormat.N_QUADS),
                              format=ox.RdfFormat.N_QUADS)
            return scratch
        for graph in self._engine.graphs():  # type: ignore[attr-defined]
            scratch.load(self._engine.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES,
                         to_graph=ox.NamedNode(graph))
        return scratch

    def named_graphs(self) -> list[str]:
        """The names of the store's graphs (remembered until the next write through it)."""
        def read() -> list[str]:
            rows = self.execute("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", prefixes=False)
            return sorted(row["g"].value for row in rows)  # type: ignore[union-attr]

        return self.cached(("named-graphs",), read)

    def refresh(self) -> bool:
        """For a store other processes write (a remote one): read the generation marker the
        audit trail keeps in the store (one triple) and, if another process wrote since this
        one last looked, forget everything remembered (see :meth:`cached`). True when it had
        moved on. An embedded store has one writer, this process: nothing to read."""
        if not isinstance(self._engine, RemoteEngine):
            return False
        from .history import generation

        seen = generation(self)
        if seen == self._seen_marker:
            return False
        self._seen_marker = seen
        self._engine._graphs = None
        self._generation += 1
        return True

    @property
    def embedded(self) -> bool:
        """Oxigraph in this process (in memory or a folder), not a remote store."""
        return isinstance(self._engine, EmbeddedEngine)

    def dump(self, out: BinaryIO, fmt: RdfFormat) -> None:
        """Write the whole store: per graph where the format keeps graphs, else their union.
        JSON-LD is compacted with the published context (:mod:`.jsonld`)."""
        if fmt.name == "jsonld":
            from .jsonld import write_jsonld

            write_jsonld(self.quads(), out)
            return
        self._engine.dump(out, fmt, _dump_prefixes(fmt))

    def quads(self) -> list[ox.Quad]:
        """Every quad of every graph."""
        buffer = io.BytesIO()
        self._engine.dump(buffer, rdf_format("nquads"), None)
        return list(ox.parse(buffer.getvalue(), format=ox.RdfFormat.N_QUADS))

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        """The union of the given graphs (default: all) as an rdflib graph, for pySHACL & co."""
        wanted = list(graphs) if graphs is not None else list(self._sources)
        buffer = io.BytesIO()
        for graph in wanted:
            buffer.write(self._engine.graph_ntriples(graph))
        result = rdflib.Graph()
        result.parse(data=buffer.getvalue(), format="nt")
        return result


def change_text(added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> str:
    """A SPARQL Update removing then adding these quads (no blank nodes)."""
    def block(quads: Iterable[ox.Quad]) -> str:
        by_graph: dict[str, list[str]] = {}
        for q in quads:
            by_graph.setdefault(str(q.graph_name), []).append(
                f"{q.subject} {q.predicate} {q.object} .")
        return " ".join(f"GRAPH {g} {{ {' '.join(triples)} }}" for g, triples in by_graph.items())

    return f"DELETE DATA {{ {block(removed)} }} ;\nINSERT DATA {{ {block(added)} }}"


def digest(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, in name order)."""
    sha = hashlib.sha256()
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            sha.update(file.relative_to(path).as_posix().encode() + b"\0")
            sha.update(file.read_bytes())
    elif path.is_file():
        sha.update(path.read_bytes())
    return sha.hexdigest()


def stage_file(staging: ox.Store, path: Path, graph: str) -> None:
    """Parse one source file into ``staging``, in ``graph``; errors as :func:`parse_file`."""
    fmt = rdf_format_for_path(path)
    if fmt is None or fmt.holds_graphs:  # SSSOM, or a dataset whose graphs become ours
        staging.extend(parse_file(path, graph))
        return
    try:
        staging.load(path=str(path), format=fmt.engine, base_iri=path.resolve().as_uri(),
                     to_graph=ox.NamedNode(graph))
    except SyntaxError as err:
        raise _syntax_error(err, path) from err
    except OSError as err:
        raise RDFSyntaxError(f"cannot read: {err.strerror or err}", file=path) from err


def _syntax_error(err: SyntaxError, path: Path) -> RDFSyntaxError:
    # the engine says "Parser error between line 3 column 10 and line 4 column 1: <reason>";
    # the position goes into line/column, the reason stays
    reason = re.sub(r"^Parser error (?:at|between) [^:]*: ", "", err.msg)
    return RDFSyntaxError(reason, file=path, line=err.lineno, column=err.offset)


def parse_file(path: Path, graph: str) -> list[ox.Quad]:
    """Parse one source file into quads of ``graph``: an RDF file, or an SSSOM TSV crosswalk.

    An RDFSyntaxError (or, for SSSOM, an InputError) says where the file is malformed.
    """
    if path.name.endswith(".sssom.tsv"):
        return mapping_quads(read_sssom(path), graph)
    fmt = rdf_format_for_path(path)
    if fmt is None:
        raise RDFSyntaxError("not an RDF file (expected .ttl, .trig, .nq, .nt, .jsonld or .rdf) "
                             "nor an SSSOM crosswalk (.sssom.tsv)", file=path)
    target = ox.NamedNode(graph)
    try:
        parsed = ox.parse(path=str(path), format=fmt.engine, base_iri=path.resolve().as_uri(),
                          rename_blank_nodes=True)
        return [ox.Quad(q.subject, q.predicate, q.object, target) for q in parsed]
    except SyntaxError as err:
        raise _syntax_error(err, path) from err
    except OSError as err:
        raise RDFSyntaxError(f"cannot read: {err.strerror or err}", file=path) from err


def _dump_prefixes(fmt: RdfFormat) -> dict[str, str] | None:
    return PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
