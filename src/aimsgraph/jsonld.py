"""Compacted JSON-LD with aimsgraph's published context (``ontology/context.jsonld``).

The context gives a short term to every property the shipped graph uses (``notation``,
``inFramework``, ``relation``, ...) with the value type that property always has there (an IRI,
a typed literal, an ``@en`` string), and a prefix to each namespace and framework edition.
The export groups each named graph's triples by subject and writes every value in the shortest
form that expands back to the same term: a value that does not fit its term's type is written
as a full value object, so any graph (an organization's, an imported catalog) round-trips.
Any JSON-LD 1.1 processor expands it back to the same dataset (tested with two).

The context file is generated from the shipped graph (:func:`build_context`); a test keeps it
in sync.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import BinaryIO

import pyoxigraph as ox

from .namespaces import AIMS, BASE, GRAPH, PREFIXES, PROVISION_PREFIXES, RDF, XSD
from .paths import data_path

CONTEXT_FILE = "ontology/context.jsonld"
CONTEXT_IRI = BASE + "context.jsonld"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"
#: namespaces beyond the query prefixes that the shipped graph uses
EXTRA_PREFIXES = {
    "aimsgraph": BASE,
    "graph": GRAPH,
    "mapping": BASE + "mappings/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "dpv": "https://w3id.org/dpv#",
    "aiact-dpv": "https://w3id.org/dpv/legal/eu/aiact#",
    "gdpr-dpv": "https://w3id.org/dpv/legal/eu/gdpr#",
    "airo": "https://w3id.org/airo#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "eurlex": "https://eur-lex.europa.eu/eli/",
}
#: term names are chosen in this order when two namespaces share a local name
_PRIORITY = (AIMS, "http://www.w3.org/2004/02/skos/core#", "http://purl.org/dc/terms/")


def load_context() -> dict:
    """The published context (the value of ``@context``)."""
    return json.loads(data_path(CONTEXT_FILE).read_text(encoding="utf-8"))["@context"]


def build_context(quads: list[ox.Quad]) -> dict:
    """Prefixes, and a term per property with the value type it always has in ``quads``."""
    prefixes = {**PREFIXES, **EXTRA_PREFIXES, **PROVISION_PREFIXES}
    kinds: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for q in quads:
        if q.predicate.value == RDF + "type":
            continue
        o = q.object
        if isinstance(o, ox.Literal):
            kinds[q.predicate.value].add(("lang", o.language) if o.language
                                         else ("type", o.datatype.value))
        else:
            kinds[q.predicate.value].add(("id", ""))
    names: dict[str, str] = {}
    ranked = sorted(kinds, key=lambda p: (next((i for i, ns in enumerate(_PRIORITY)
                                                if p.startswith(ns)), len(_PRIORITY)), p))
    context: dict = dict(sorted(prefixes.items()))
    for predicate in ranked:
        local = predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if not local.isidentifier() or local in names or local in context:
            continue
        names[local] = predicate
        definition: dict = {"@id": _compact(predicate, prefixes)}
        only = kinds[predicate]
        if len(only) == 1:
            (kind, value), = only
            if kind == "id":
                definition["@type"] = "@id"
            elif kind == "lang":
                definition["@language"] = value
            elif value != XSD_STRING:
                definition["@type"] = _compact(value, prefixes)
        context[local] = definition
    return context


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    best = ""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(prefixes.get(best, "")) \
                and len(iri) > len(namespace):
            best = prefix
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri


class Compactor:
    """Writes quads as compacted JSON-LD under one context."""

    def __init__(self, context: dict) -> None:
        self.context = context
        self.prefixes = {k: v for k, v in context.items() if isinstance(v, str)}
        self.terms: dict[str, tuple[str, dict]] = {}
        for name, definition in context.items():
            if isinstance(definition, dict):
                self.terms[self.expand(definition["@id"])] = (name, definition)
        self._cache: dict[str, str] = {}

    def expand(self, text: str) -> str:
        prefix, sep, rest = text.partition(":")
        return self.prefixes[prefix] + rest if sep and prefix in self.prefixes else text

    def iri(self, iri: str) -> str:
        held = self._cache.get(iri)
        if held is None:
            held = _compact(iri, self.prefixes)
            # a full IRI whose scheme is a prefix name would be read as a compact IRI
            if held == iri and iri.partition(":")[0] in self.context:
                raise ValueError(f"{iri} cannot be written under this context")
            self._cache[iri] = held
        return held

    def node_ref(self, term: ox.NamedNode | ox.BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.iri(term.value)

    def value(self, o: ox.NamedNode | ox.BlankNode | ox.Literal, definition: dict | None):
        coerce = (definition or {}).get("@type")
        if not isinstance(o, ox.Literal):
            ref = self.node_ref(o)
            return ref if coerce == "@id" and isinstance(o, ox.NamedNode) else {"@id": ref}
        language = (definition or {}).get("@language")
        if o.language:
            if language == o.language:
                return o.value
            return {"@value": o.value, "@language": o.language}
        datatype = o.datatype.value
        if datatype == XSD_STRING:
            return o.value if coerce is None and language is None else {"@value": o.value}
        if coerce is not None and coerce != "@id" and self.expand(coerce) == datatype:
            return o.value
        return {"@value": o.value, "@type": self.iri(datatype)}

    def nodes(self, quads: list[ox.Quad]) -> list[dict]:
        subjects: dict[str, dict] = {}
        for q in quads:
            key = self.node_ref(q.subject)
            node = subjects.get(key)
            if node is None:
                node = subjects[key] = {"@id": key}
            predicate = q.predicate.value
            if predicate == RDF + "type" and isinstance(q.object, ox.NamedNode):
                node.setdefault("@type", []).append(self.iri(q.object.value))
                continue
            name, definition = self.terms.get(predicate, (self.iri(predicate), None))
            node.setdefault(name, []).append(self.value(q.object, definition))
        result = []
        for key in sorted(subjects):
            node = subjects[key]
            result.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else
                               sorted(v, key=_order) if isinstance(v, list) else v)
                           for k, v in node.items()})
        return result

    def document(self, quads: list[ox.Quad]) -> dict:
        by_graph: dict[str | None, list[ox.Quad]] = defaultdict(list)
        for q in quads:
            graph = q.graph_name
            by_graph[None if isinstance(graph, ox.DefaultGraph) else graph.value].append(q)
        top = self.nodes(by_graph.pop(None, []))
        for graph in sorted(by_graph):
            top.append({"@id": self.iri(graph), "@graph": self.nodes(by_graph[graph])})
        return {"@context": self.context, "@graph": top}


def _order(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def write_jsonld(quads: list[ox.Quad], out: BinaryIO, context: dict | None = None) -> None:
    """The quads as one compacted JSON-LD document, the context inline (so no processor has to
    fetch it); the same context is published as ``ontology/context.jsonld``."""
    document = Compactor(context if context is not None else load_context()).document(quads)
    out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    out.write(b"\n")
