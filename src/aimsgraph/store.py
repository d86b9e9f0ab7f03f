"""The embedded graph store: every source file in its own named graph, loaded all-or-nothing.

The engine is Oxigraph (pyoxigraph), chosen by measurement (see benchmarks/README.md): it loads
and queries one to two orders of magnitude faster than rdflib's in-memory graph. Libraries that
need an rdflib graph (pySHACL) get one from :meth:`GraphStore.to_rdflib`.

    store = GraphStore()
    store.load([Source(Path("frameworks/oecd-ai-principles-2024.ttl"), "https://example.org/g")])
    store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import rdflib

from .errors import QueryError, RDFSyntaxError, UsageError
from .formats import RdfFormat, rdf_format_for_path
from .namespaces import PREFIXES
from .results import QueryResult
from .sssom import mapping_quads, read_sssom

#: Called once per source while loading: (index from 1, total, source).
Progress = Callable[[int, int, "Source"], None]


@dataclass(frozen=True)
class Source:
    """One RDF file and the named graph it is loaded into."""

    path: Path
    graph: str
    kind: str = "data"


@dataclass(frozen=True)
class LoadReport:
    sources: tuple[Source, ...]
    quads: int


class GraphStore:
    """An in-memory Oxigraph store that knows which source file each named graph came from."""

    def __init__(self) -> None:
        self._store = ox.Store()
        self._sources: dict[str, Source] = {}

    # -- loading -------------------------------------------------------------------------------

    def load(self, sources: Sequence[Source], progress: Progress | None = None) -> LoadReport:
        """Parse every source, then add them all in one transaction.

        A source that does not parse raises :class:`RDFSyntaxError` naming its file, line and
        column, and the store is left exactly as it was: nothing is added until all have parsed.
        """
        graphs = [s.graph for s in sources]
        taken = {g for g in graphs if g in self._sources or graphs.count(g) > 1}
        if taken:
            raise UsageError(f"graph named twice or already loaded: {', '.join(sorted(taken))}")
        quads: list[ox.Quad] = []
        for index, source in enumerate(sources, start=1):
            if progress is not None:
                progress(index, len(sources), source)
            quads.extend(parse_file(source.path, source.graph))
        self._store.extend(quads)
        for source in sources:
            self._sources[source.graph] = source
        return LoadReport(tuple(sources), len(quads))

    def replace_quads(self, source: Source, quads: Sequence[ox.Quad]) -> None:
        """Put derived quads in ``source.graph``, dropping what that graph held before."""
        if source.graph in self._sources:
            self._store.remove_graph(ox.NamedNode(source.graph))
            del self._sources[source.graph]
        self.load_quads(source, quads)

    def load_quads(self, source: Source, quads: Sequence[ox.Quad]) -> None:
        """Add quads built from ``source`` (already validated) in one transaction."""
        if source.graph in self._sources:
            raise UsageError(f"graph named twice or already loaded: {source.graph}")
        self._store.extend(quads)
        self._sources[source.graph] = source

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(self._sources.values())

    # -- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._store)

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
            return self._store.query(
                sparql,
                prefixes=PREFIXES if prefixes else None,
                use_default_graph_as_union=not default_graphs,
                default_graph=[ox.NamedNode(g) for g in default_graphs] or None,
                named_graphs=[ox.NamedNode(g) for g in named_graphs] or None,
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
        """Run a SPARQL Update in one transaction: all of it applies, or none."""
        try:
            self._store.update(sparql)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from err
        except (OSError, ValueError, RuntimeError) as err:
            raise QueryError(f"update failed: {err}") from err

    def dump(self, out: BinaryIO, fmt: RdfFormat) -> None:
        """Write the whole store: per graph where the format keeps graphs, else their union."""
        if fmt.holds_graphs:
            self._store.dump(out, format=fmt.engine, prefixes=_dump_prefixes(fmt))
            return
        triples = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        data = ox.serialize(triples, format=fmt.engine, prefixes=_dump_prefixes(fmt))
        out.write(data)

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        """The union of the given graphs (default: all) as an rdflib graph, for pySHACL & co."""
        wanted = list(graphs) if graphs is not None else list(self._sources)
        buffer = io.BytesIO()
        for graph in wanted:
            self._store.dump(buffer, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        result = rdflib.Graph()
        result.parse(data=buffer.getvalue(), format="nt")
        return result


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
        # the engine says "Parser error between line 3 column 10 and line 4 column 1: <reason>";
        # the position goes into line/column, the reason stays
        reason = re.sub(r"^Parser error (?:at|between) [^:]*: ", "", err.msg)
        raise RDFSyntaxError(reason, file=path, line=err.lineno, column=err.offset) from err
    except OSError as err:
        raise RDFSyntaxError(f"cannot read: {err.strerror or err}", file=path) from err


def _dump_prefixes(fmt: RdfFormat) -> dict[str, str] | None:
    return PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
