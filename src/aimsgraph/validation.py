"""SHACL validation of the loaded graph with pySHACL, the reference implementation.

Every ``ontology/shapes/*.ttl`` file is a shapes graph. Before validating an organization's data,
its AI systems are classified (risk class and in-force obligations are materialized), and a small
settings graph gives the shapes today's date and the oldest acceptable evidence date.

A finding names the file and row a node was authored at (``aims:authoredIn`` /
``aims:authoredAtRow``, kept when SSSOM or CSV rows are loaded), so a user reads
"iso42001-aiact.sssom.tsv:42 [object_id] - the target is not a provision ..." or
"ai_systems.csv:6 - the AI system has no life-cycle stage".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import curies
import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH, XSD

from .catalog import open_store
from .classification import DERIVED_GRAPH, classify, materialize
from .errors import InputError
from .law import LawView, law_view
from .namespaces import AIMS, GRAPH, PROVISION_PREFIXES
from .paths import data_path
from .shacl_core import run_core_constraints, split_core
from .shacl_sparql import run_sparql_constraints, strip_sparql_constraints
from .sssom import MappingSet, read_sssom
from .store import GraphStore, Source

_AIMS = rdflib.Namespace(AIMS)
_AIMSH = rdflib.Namespace("https://w3id.org/aimsgraph/shapes#")
#: the SSSOM column behind each mapping property, to point a user at the cell to fix
COLUMN = {_AIMS.source: "subject_id", _AIMS.target: "object_id", _AIMS.relation: "set_relation",
          _AIMS.rationale: "comment", _AIMS.confidence: "confidence"}
_CURIES = curies.Converter.from_prefix_map(PROVISION_PREFIXES)
SETTINGS_GRAPH = GRAPH + "derived/settings"


@dataclass(frozen=True, order=True)
class Finding:
    severity: str  # Violation | Warning | Info
    location: str  # "file:row [column]" where known, else the node as a CURIE or IRI
    message: str
    focus: str
    shape: str
    clause: str = ""  # the requirement the rule checks, for grouping
    system: str = ""  # the AI system it concerns, for grouping ("" when organization-wide)
    systems: tuple[str, ...] = ()  # the IRIs of the AI systems it concerns: match on these

    def __str__(self) -> str:
        return f"{self.location} - {self.message}"


def shape_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or data_path("ontology", "shapes")).glob("*.ttl"))


def prepare(store: GraphStore, as_of: date | None = None, law: LawView | None = None) -> None:
    """Classify the AI systems once per view of the law, so that shapes can use risk classes and
    obligations; the derived graph records the view it assumes (``aims:lawView``)."""
    if not store.query("ASK { ?s a aims:AISystem }").boolean:
        return
    from .relevance import by_facts

    law = law or law_view(store, as_of)
    if any(s.graph == DERIVED_GRAPH for s in store.sources) and store.query(
            "ASK { GRAPH ?g { ?g aims:lawView ?key } }",
            {"g": ox.NamedNode(DERIVED_GRAPH), "key": ox.Literal(law.key)}).boolean:
        return
    results = classify(store, law.as_of, law=law)
    materialize(store, results, law.key)
    groups = by_facts(results)  # kept, in short, for impact (relevance.py)
    store.cached(("classification-groups", law.key), lambda: groups)


def validate(store: GraphStore, shapes: Iterable[Path] | None = None, *,
             as_of: date | None = None, evidence_months: int = 12,
             reference: bool = False, law: LawView | None = None) -> list[Finding]:
    """Validate the store's graphs (shapes graphs excluded) against the shapes; sorted findings.

    By default the constraints run as SPARQL on the Oxigraph store: SHACL-SPARQL constraints
    (:mod:`.shacl_sparql`) and the core constraints of property shapes (:mod:`.shacl_core`);
    pySHACL only takes what neither covers. ``reference=True`` runs everything in pySHACL (slow;
    the test suite checks both agree).
    """
    return _findings(store, shapes, as_of=as_of, evidence_months=evidence_months,
                     reference=reference, law=law)


@dataclass(frozen=True)
class _Result:
    focus: rdflib.term.Node
    value: rdflib.term.Node | None
    path: rdflib.term.Node | None
    message: str
    severity: str
    shape: rdflib.term.Node | None


def validation_report(store: GraphStore, shapes: Iterable[Path] | None = None, *,
                      as_of: date | None = None, evidence_months: int = 12,
                      reference: bool = False,
                      law: LawView | None = None) -> tuple[list[Finding], rdflib.Graph]:
    """The findings, and a SHACL validation report graph holding the same results."""
    found = _findings(store, shapes, as_of=as_of, evidence_months=evidence_months,
                      reference=reference, law=law)
    return found, _report_graph(found)


def _findings(store: GraphStore, shapes: Iterable[Path] | None, *, as_of: date | None,
              evidence_months: int, reference: bool,
              law: LawView | None = None) -> list[Finding]:
    as_of = as_of or (law.as_of if law else date.today())
    prepare(store, as_of, law)
    cutoff = evidence_cutoff(as_of, evidence_months)
    settings = ox.NamedNode(str(_AIMSH.settings))
    store.replace_quads(Source(Path("derived/settings"), SETTINGS_GRAPH, "derived"), [
        ox.Quad(settings, ox.NamedNode(str(_AIMSH.asOf)),
                ox.Literal(as_of.isoformat(), datatype=ox.NamedNode(str(XSD.date))),
                ox.NamedNode(SETTINGS_GRAPH)),
        ox.Quad(settings, ox.NamedNode(str(_AIMSH.evidenceCutoff)),
                ox.Literal(cutoff.isoformat(), datatype=ox.NamedNode(str(XSD.date))),
                ox.NamedNode(SETTINGS_GRAPH))])
    shapes_graph = rdflib.Graph()
    for path in shapes if shapes is not None else shape_files():
        try:
            shapes_graph.parse(path, format="turtle")
        except Exception as err:  # rdflib raises several types for bad Turtle
            raise InputError(f"shapes file does not parse: {err}", file=path) from err
    def data() -> rdflib.Graph:  # pySHACL needs an rdflib copy of the store: only then, it is slow
        return store.to_rdflib([s.graph for s in store.sources if s.kind != "shapes"])

    if reference:
        results = _pyshacl(data(), shapes_graph)
    else:
        rest = split_core(strip_sparql_constraints(shapes_graph))
        results = _pyshacl(data(), rest) if any(rest.subject_objects(SH.property)) else []
        results += [_Result(rdflib.URIRef(r.focus), _term(r.value), rdflib.URIRef(r.path),
                            r.message, r.severity, _shape(shapes_graph, r.shape))
                    for r in run_core_constraints(store, shapes_graph)]
        results += [_Result(rdflib.URIRef(r.focus), _term(r.value), None, r.message,
                            r.severity, rdflib.URIRef(r.shape))
                    for r in run_sparql_constraints(store, shapes_graph)]
    info = _node_info(store, {str(n) for r in results for n in (r.focus, r.value)
                              if isinstance(n, rdflib.URIRef)})
    findings: set[Finding] = set()
    clauses: dict[rdflib.term.Node | None, str] = {}  # per shape, not per result
    for r in results:
        if r.shape not in clauses:
            clauses[r.shape] = _clause(shapes_graph, r.shape)
        focus = info.get(str(r.focus), _NodeInfo())
        if focus.derived:
            continue  # a derived inverse mirrors its authored mapping, which is reported
        value = info.get(str(r.value), _NodeInfo())
        location = value.location or focus.location or _CURIES.compress(
            str(r.focus), passthrough=True)
        column = COLUMN.get(r.path)
        findings.add(Finding(
            severity=r.severity.rsplit("#", 1)[-1],
            location=f"{location} [{column}]" if column else location,
            message=r.message or "constraint not met",
            focus=str(r.focus),
            shape=str(r.shape),
            clause=clauses[r.shape],
            system=focus.system,
            systems=focus.systems,
        ))
    return sorted(findings)


def _pyshacl(data: rdflib.Graph, shapes: rdflib.Graph) -> list[_Result]:
    _, report, text = shacl_validate(data, shacl_graph=shapes, inference="none",
                                     advanced=True, allow_warnings=True)
    if not isinstance(report, rdflib.Graph):  # pySHACL could not run the shapes at all
        raise InputError(f"SHACL validation could not run: {str(text).strip()}")
    results = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        message = report.value(result, SH.resultMessage)
        results.append(_Result(
            focus=report.value(result, SH.focusNode), value=report.value(result, SH.value),
            path=report.value(result, SH.resultPath),
            message=str(message) if message is not None else "",
            severity=str(report.value(result, SH.resultSeverity)),
            shape=report.value(result, SH.sourceShape)))
    return results


def _report_graph(findings: list[Finding]) -> rdflib.Graph:
    """A W3C SHACL validation report of the findings (sh:ValidationReport)."""
    graph = rdflib.Graph()
    graph.bind("sh", SH)
    report = rdflib.BNode()
    graph.add((report, rdflib.RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms,
               rdflib.Literal(not any(f.severity == "Violation" for f in findings))))
    for f in findings:
        result = rdflib.BNode()
        graph.add((report, SH.result, result))
        graph.add((result, rdflib.RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, rdflib.URIRef(f.focus)))
        graph.add((result, SH.resultSeverity, SH[f.severity]))
        graph.add((result, SH.resultMessage, rdflib.Literal(f.message)))
        graph.add((result, SH.sourceShape, rdflib.URIRef(f.shape)))
    return graph


def _shape(shapes: rdflib.Graph, shape: str) -> rdflib.term.Node:
    """A shape's node in the shapes graph: property shapes are usually blank nodes."""
    blank = rdflib.BNode(shape)
    return blank if (None, SH.property, blank) in shapes else rdflib.URIRef(shape)


def _term(value: str | None) -> rdflib.term.Node | None:
    if value is None:
        return None
    return rdflib.URIRef(value) if value.startswith(("http", "urn:")) else rdflib.Literal(value)


def validate_mapping_file(path: Path, catalogs: Sequence[Path] = ()
                          ) -> tuple[MappingSet, list[Finding]]:
    """Check a user's SSSOM crosswalk against the shipped catalogs (and ``catalogs``, RDF files
    of frameworks not shipped) without keeping it anywhere.

    Structural problems raise InputError (file, line, column); integrity findings that concern
    this file (unknown provisions, contradictions with shipped crosswalks, wrong editions) are
    returned.
    """
    mapping_set = read_sssom(path)
    store = open_store([*catalogs, path])
    findings = [f for f in validate(store) if f.location.split(":")[0] == path.name]
    return mapping_set, findings


@dataclass(frozen=True)
class _NodeInfo:
    location: str = ""  # file:row the node (or the mapping it was derived from) was authored at
    derived: bool = False  # a derived inverse mapping
    system: str = ""  # the AI system it is, or concerns (labels)
    systems: tuple[str, ...] = ()  # the same systems' IRIs


_NODE_INFO = """
SELECT ?n ?derived ?file ?row ?system ?systemLabel WHERE {
  VALUES ?n { %s }
  OPTIONAL { ?n aims:derivedFrom ?derived }
  BIND(COALESCE(?derived, ?n) AS ?authored)
  OPTIONAL { ?authored aims:authoredIn ?file . OPTIONAL { ?authored aims:authoredAtRow ?row } }
  OPTIONAL {
    { ?n a aims:AISystem . BIND(?n AS ?system) }
    UNION { ?n aims:concernsSystem|aims:appliesToSystem ?system }
    OPTIONAL { ?system rdfs:label ?systemLabel }
  }
}"""


#: the most nodes one :data:`_NODE_INFO` query lists: a large organization's findings concern
#: thousands (4,600 at 10^6 triples), and Virtuoso 7.2 compiles a VALUES block into one code
#: vector of at most 32 KB (about 60 bytes a node: "SQ199: Maximum size (32767) of a code vector
#: exceeded"), so they are asked in chunks
NODE_INFO_CHUNK = 250


def _node_info(store: GraphStore, nodes: set[str]) -> dict[str, _NodeInfo]:
    """Where each node was authored and which AI systems it concerns, a query per
    :data:`NODE_INFO_CHUNK` nodes."""
    ordered = sorted(nodes)
    found: dict[str, dict] = {}
    for start in range(0, len(ordered), NODE_INFO_CHUNK):
        terms = " ".join(str(ox.NamedNode(n)) for n in ordered[start:start + NODE_INFO_CHUNK])
        _node_info_chunk(store, terms, found)
    return {n: _NodeInfo(e["location"], e["derived"], ", ".join(sorted(e["systems"])),
                         tuple(sorted(e["iris"])))
            for n, e in found.items()}


def _node_info_chunk(store: GraphStore, terms: str, found: dict[str, dict]) -> None:
    for r in store.query(_NODE_INFO % terms).records():
        entry = found.setdefault(r["n"] or "", {"location": "", "derived": False,
                                                "systems": set(), "iris": set()})
        if r["file"]:
            entry["location"] = f"{r['file']}:{r['row']}" if r["row"] else r["file"]
        entry["derived"] = entry["derived"] or bool(r["derived"])
        if r["system"]:
            entry["systems"].add(r["systemLabel"] or r["system"])
            entry["iris"].add(r["system"])


def _clause(shapes: rdflib.Graph, shape: rdflib.term.Node | None) -> str:
    """The aimsh:clause of the node shape a result came from (property shapes: their parent)."""
    if shape is None:
        return ""
    owner = shapes.value(predicate=SH.property, object=shape) or shape
    clause = shapes.value(owner, _AIMSH.clause)
    return str(clause) if clause is not None else ""


def evidence_cutoff(as_of: date, months: int) -> date:
    """The oldest evidence date still current on ``as_of``: ``months`` months before it."""
    return _months_before(as_of, months)


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)
