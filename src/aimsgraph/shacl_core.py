"""SHACL core constraints of property shapes, compiled to SPARQL and run on the Oxigraph store.

For each node shape with targets, each ``sh:property`` with a plain IRI ``sh:path`` and each of the
components below becomes one query over all focus nodes at once:
``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:in``, ``sh:datatype``, ``sh:nodeKind``,
``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minLength``. A property shape using anything else
(a complex path, ``sh:pattern``, nested shapes ...) is left to pySHACL: :func:`split_core` returns
the shapes graph without what was compiled. A test checks the results against pySHACL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .shacl_sparql import target_pattern
from .store import GraphStore

SUPPORTED = {SH.minCount, SH.maxCount, SH["class"], SH["in"], SH.datatype, SH.nodeKind,
             SH.minInclusive, SH.maxInclusive, SH.minLength}
STRUCTURAL = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group,
              RDF.type}
_SUBCLASS = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/" \
            "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_NODE_KINDS = {SH.IRI: "isIRI(?value)", SH.Literal: "isLiteral(?value)",
               SH.BlankNode: "isBlank(?value)",
               SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
               SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
               SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))"}


@dataclass(frozen=True)
class CoreResult:
    focus: str
    value: str | None
    path: str
    message: str
    severity: str
    shape: str


def compilable(shapes: rdflib.Graph, prop: rdflib.term.Node) -> bool:
    path = shapes.value(prop, SH.path)
    if not isinstance(path, rdflib.URIRef):
        return False
    return all(p in SUPPORTED or p in STRUCTURAL for p in shapes.predicates(prop, None))


def split_core(shapes: rdflib.Graph) -> rdflib.Graph:
    """The shapes graph without the property shapes :func:`run_core_constraints` handles."""
    rest = rdflib.Graph()
    for triple in shapes:
        rest.add(triple)
    for shape, prop in shapes.subject_objects(SH.property):
        if compilable(shapes, prop) and target_pattern(shapes, shape) is not None:
            rest.remove((shape, SH.property, prop))
    return rest


def run_core_constraints(store: GraphStore, shapes: rdflib.Graph) -> list[CoreResult]:
    results = []
    closures: dict[rdflib.term.Node, list[str]] = {}
    for shape, prop in sorted(shapes.subject_objects(SH.property), key=str):
        target = target_pattern(shapes, shape)
        if target is None or not compilable(shapes, prop):
            continue
        path = shapes.value(prop, SH.path)
        message = shapes.value(prop, SH.message)
        severity = str(shapes.value(prop, SH.severity) or SH.Violation)
        for component, value in shapes.predicate_objects(prop):
            if component == SH["class"] and value not in closures:
                closures[value] = _subclasses(store, str(value))
            query = _query(shapes, target, f"<{path}>", component, value,
                           closures.get(value, ()))
            if query is None:
                continue
            for row in store.query(query).records():
                # the source shape is the property shape, as in SHACL (and pySHACL), not the
                # node shape that holds it
                results.append(CoreResult(row.get("this") or "", row.get("value"), str(path),
                                          str(message) if message else _default(component, value),
                                          severity, str(prop)))
    return results


def _subclasses(store: GraphStore, cls: str) -> list[str]:
    """``cls`` and every class below it in the store (``rdfs:subClassOf*``), by one query.

    ``sh:class`` is then checked as ``?value a ?t`` with ``?t`` among these: Virtuoso 7.2
    evaluates ``FILTER NOT EXISTS { ?value rdf:type/rdfs:subClassOf* <C> }`` (and its MINUS and
    two-pattern forms) wrongly, finding every value outside the class; this form gives the same
    answer on every store."""
    rows = store.query("SELECT DISTINCT ?c WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#"
                       f"subClassOf>* <{cls}> FILTER(isIRI(?c)) }}").rows
    return sorted({cls, *(row[0].value for row in rows if row[0] is not None)})


def _query(shapes: rdflib.Graph, target: str, path: str, component: rdflib.term.Node,
           value: rdflib.term.Node, subclasses: Sequence[str] = ()) -> str | None:
    values = f"{target} ?this {path} ?value ."
    if component == SH.minCount:
        n = int(value)
        if n == 1:
            return (f"SELECT DISTINCT ?this WHERE {{ {target} "
                    f"FILTER NOT EXISTS {{ ?this {path} ?v }} }}")
        return (f"SELECT DISTINCT ?this WHERE {{ {target} OPTIONAL {{ {{ SELECT ?this "
                f"(COUNT(DISTINCT ?v) AS ?n) WHERE {{ ?this {path} ?v }} GROUP BY ?this }} }} "
                f"FILTER(COALESCE(?n, 0) < {n}) }}")
    if component == SH.maxCount:
        return (f"SELECT DISTINCT ?this WHERE {{ {target} {{ SELECT ?this (COUNT(DISTINCT ?v) AS "
                f"?n) WHERE {{ ?this {path} ?v }} GROUP BY ?this }} FILTER(?n > {int(value)}) }}")
    if component == SH["class"]:
        if not subclasses:
            return (f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                    f"FILTER NOT EXISTS {{ ?value {_SUBCLASS} <{value}> }} }}")
        classes = ", ".join(f"<{c}>" for c in subclasses)
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                f"FILTER NOT EXISTS {{ ?value a ?type FILTER(?type IN ({classes})) }} }}")
    if component == SH["in"]:
        members = ", ".join(m.n3() for m in Collection(shapes, value))
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                f"FILTER(?value NOT IN ({members})) }}")
    if component == SH.datatype:
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                f"FILTER(!isLiteral(?value) || DATATYPE(?value) != <{value}>) }}")
    if component == SH.nodeKind:
        return f"SELECT DISTINCT ?this ?value WHERE {{ {values} FILTER(!{_NODE_KINDS[value]}) }}"
    if component in (SH.minInclusive, SH.maxInclusive):
        operator = ">=" if component == SH.minInclusive else "<="
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                f"FILTER(!(?value {operator} {value.n3()})) }}")
    if component == SH.minLength:
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                f"FILTER(isBlank(?value) || STRLEN(STR(?value)) < {int(value)}) }}")
    return None


def _default(component: rdflib.term.Node, value: rdflib.term.Node) -> str:
    return f"{str(component).rsplit('#', 1)[-1]} {value} not met"
