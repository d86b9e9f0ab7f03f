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
import re
from collections import defaultdict
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from .namespaces import AIMS, BASE, GRAPH, PREFIXES, PROVISION_PREFIXES, RDF, XSD
from .paths import data_path

CONTEXT_FILE = "ontology/context.jsonld"
XSD_STRING = XSD + "string"
#: namespaces beyond the query prefixes that the shipped graph uses
EXTRA_PREFIXES = {
    "ag": BASE,
    "graph": GRAPH,
    "mapping": BASE + "mappings/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "dpv": "https://w3id.org/dpv#",
    "aiact-dpv": "https://w3id.org/dpv/legal/eu/aiact#",
    "gdpr-dpv": "https://w3id.org/dpv/legal/eu/gdpr#",
    "airo": "https://w3id.org/airo#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "eurlex": "https://eur-lex.europa.eu/eli/",
    "eurlex-aiact": "https://eur-lex.europa.eu/eli/reg/2024/1689/",
    "eurlex-gdpr": "https://eur-lex.europa.eu/eli/reg/2016/679/",
}
#: reverse terms: a mapping set lists its mappings, a framework its provisions, each embedded
#: there (so that the node does not repeat the property pointing back)
REVERSE = {"mappings": "aims:inMappingSet", "provisions": "aims:inFramework"}
#: IRI-valued properties whose values are written as vocabulary terms (``"Equal"``)
VOCAB_VALUED = ("aims:relation", "aims:mappingJustification", "aims:addressedTo")
#: shorter names for a few long property names (the rest are their local names)
RENAMED = {"aims:mappingJustification": "justification", "aims:authoredAtRow": "row",
           "skos:prefLabel": "title", "aims:carriesRequirement": "requirement",
           "aims:authoredIn": "file"}
#: SEMAPV justifications, written as terms where a property takes vocabulary values
SEMAPV_TERMS = ("ManualMappingCuration", "MappingReview", "LexicalMatching",
                "SemanticSimilarityThresholdMatching", "UnspecifiedMatching")
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
    context: dict = {"@vocab": AIMS, "id": "@id", "type": "@type",
                     **dict(sorted(prefixes.items()))}
    context.update({term: f"semapv:{term}" for term in SEMAPV_TERMS})
    for predicate in ranked:
        local = RENAMED.get(_compact(predicate, prefixes)) \
            or predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
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
        if definition["@id"] in VOCAB_VALUED:
            definition["@type"] = "@vocab"
        context[local] = definition
    for name, iri in REVERSE.items():
        context[name] = {"@reverse": iri}
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
        self.prefixes = {k: v for k, v in context.items() if isinstance(v, str)
                         and not k.startswith("@") and v[-1:] in ("/", "#")}
        #: plain terms for single IRIs (vocabulary values) and keyword aliases
        self.vocab_terms = {self.expand(v): k for k, v in context.items()
                            if isinstance(v, str) and v[-1:] not in ("/", "#")
                            and not v.startswith("@")}
        self.id_key = next((k for k, v in context.items() if v == "@id"), "@id")
        self.type_key = next((k for k, v in context.items() if v == "@type"), "@type")
        self.vocab = context.get("@vocab")
        self.base: str | None = None
        self.terms: dict[str, tuple[str, dict]] = {}
        self.reverse: dict[str, str] = {}
        for name, definition in context.items():
            if isinstance(definition, dict) and "@id" in definition:
                self.terms[self.expand(definition["@id"])] = (name, definition)
            elif isinstance(definition, dict) and "@reverse" in definition:
                self.reverse[self.expand(definition["@reverse"])] = name
        self._cache: dict[str, str] = {}
        self._refs: dict[str, str] = {}  # node references under the current @base

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
        """A node's IRI: relative to the graph's ``@base`` where that is shortest."""
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        held = self._refs.get(term.value)
        if held is None:
            held = self.iri(term.value)
            if self.base and term.value.startswith(self.base):
                relative = term.value[len(self.base):]
                if len(relative) < len(held) and _relative_ok(relative):
                    held = relative
            self._refs[term.value] = held
        return held

    def type_name(self, iri: str) -> str:
        """A class: its local name where ``@vocab`` gives it back, else a compact IRI."""
        if self.vocab and iri.startswith(self.vocab):
            local = iri[len(self.vocab):]
            if local.isidentifier() and local not in self.context:
                return local
        return self.iri(iri)

    def value(self, o: ox.NamedNode | ox.BlankNode | ox.Literal, definition: dict | None):
        coerce = (definition or {}).get("@type")
        if not isinstance(o, ox.Literal):
            if coerce == "@vocab" and isinstance(o, ox.NamedNode):
                # a term, a vocabulary-relative name or a compact IRI: never base-relative
                return self.vocab_terms.get(o.value) or self.type_name(o.value)
            ref = self.node_ref(o)
            return ref if coerce == "@id" and isinstance(o, ox.NamedNode) else {self.id_key: ref}
        language = (definition or {}).get("@language")
        if o.language:
            if language == o.language:
                return o.value
            return {"@value": o.value, "@language": o.language}
        datatype = o.datatype.value
        if datatype == XSD_STRING:
            return o.value if coerce is None and language is None else {"@value": o.value}
        if coerce is not None and coerce != "@id" and self.expand(coerce) == datatype:
            if datatype == XSD + "boolean" and o.value in ("true", "false"):
                return o.value == "true"  # a JSON boolean expands to the same literal
            if datatype == XSD + "integer" and re.fullmatch(r"-?(0|[1-9][0-9]{0,14})", o.value):
                return int(o.value)  # likewise a JSON integer in canonical form
            return o.value
        return {"@value": o.value, "@type": self.iri(datatype)}

    def nodes(self, quads: list[ox.Quad]) -> list[dict]:
        subjects: dict[str, dict] = {}
        for q in quads:
            key = self.node_ref(q.subject)
            node = subjects.get(key)
            if node is None:
                node = subjects[key] = {self.id_key: key}
            predicate = q.predicate.value
            if predicate == RDF + "type" and isinstance(q.object, ox.NamedNode):
                node.setdefault(self.type_key, []).append(self.type_name(q.object.value))
                continue
            name, definition = self.terms.get(predicate, (self.iri(predicate), None))
            node.setdefault(name, []).append(self.value(q.object, definition))
        embedded = self._embed(quads, subjects)
        embedded |= self._embed_matches(subjects, embedded)
        return [_finish(subjects[key]) for key in sorted(subjects) if key not in embedded]

    def _embed_matches(self, subjects: dict[str, dict], moved: set[str]) -> set[str]:
        """A node that only states SKOS matches (a provision in a crosswalk's graph) goes in
        place of the first reference to it from a mapping of the same graph (its ``source``);
        the keys of the nodes moved."""
        skos = "http://www.w3.org/2004/02/skos/core#"
        matches = {self.terms.get(skos + m, (self.iri(skos + m),))[0]
                   for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                             "relatedMatch", "mappingRelation")}
        source = self.terms.get(AIMS + "source", (None,))[0]
        wanted = {key for key, node in subjects.items()
                  if key not in moved and set(node) - {self.id_key} <= matches and len(node) > 1}
        if not wanted or source is None:
            return set()
        done: set[str] = set()

        def visit(node: dict) -> None:
            values = node.get(source)
            if isinstance(values, list):
                for index, value in enumerate(values):
                    if isinstance(value, str) and value in wanted and value not in done:
                        values[index] = subjects[value]
                        done.add(value)
            for name in self.reverse.values():
                for child in node.get(name, []):
                    visit(child)

        for key in sorted(subjects):
            if key not in moved and key not in wanted:
                visit(subjects[key])
        return done

    def _embed(self, quads: list[ox.Quad], subjects: dict[str, dict]) -> set[str]:
        """Move each node that points to exactly one node of this graph by a reverse term's
        property into that node's reverse term; the keys of the nodes moved."""
        targets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for q in quads:
            name = self.reverse.get(q.predicate.value)
            if name is not None and isinstance(q.object, ox.NamedNode) \
                    and isinstance(q.subject, ox.NamedNode):
                targets[self.node_ref(q.subject)][name].append(self.node_ref(q.object))
        moved: set[str] = set()
        for key in sorted(targets):
            for name, parents in targets[key].items():
                if key in moved or len(parents) != 1 or parents[0] not in subjects \
                        or parents[0] == key or parents[0] in targets:
                    continue
                node, parent = subjects[key], subjects[parents[0]]
                prop = self.terms.get(self.expand(self.context[name]["@reverse"]), (None,))[0]
                values = node.get(prop, [])
                if len(values) != 1 or not isinstance(values[0], str):
                    continue
                del node[prop]
                parent.setdefault(name, []).append(node)
                moved.add(key)
        return moved


    def document(self, quads: list[ox.Quad]) -> dict:
        by_graph: dict[str | None, list[ox.Quad]] = defaultdict(list)
        for q in quads:
            graph = q.graph_name
            by_graph[None if isinstance(graph, ox.DefaultGraph) else graph.value].append(q)
        top = self.nodes(by_graph.pop(None, []))
        for graph in sorted(by_graph):
            entry: dict = {self.id_key: self.iri(graph)}
            self.base = _best_base([q.subject.value for q in by_graph[graph]
                                    if isinstance(q.subject, ox.NamedNode)])
            if self.base:
                entry["@context"] = {"@base": self.base}
            self._refs = {}
            entry["@graph"] = self.nodes(by_graph[graph])
            self.base, self._refs = None, {}
            top.append(entry)
        return {"@context": self.context, "@graph": top}


def _finish(node: dict) -> dict:
    result = {}
    for k, v in node.items():
        if isinstance(v, list):
            v = [_finish(x) if isinstance(x, dict) and len(x) > 1 else x
                 for x in v]
            v = v[0] if len(v) == 1 else sorted(v, key=_order)
        result[k] = v
    return result


def _relative_ok(text: str) -> bool:
    """A relative reference that resolves back by plain concatenation to the base."""
    segments = text.split("/")
    return bool(text) and ":" not in text and text[0] not in "/?#" and "#" not in text \
        and "?" not in text and not any(seg in (".", "..", "") for seg in segments)


def _best_base(iris: list[str]) -> str | None:
    """The folder IRI (ending in ``/``) under which the subjects save the most characters."""
    counts: dict[str, int] = defaultdict(int)
    for iri in set(iris):
        cut = iri.find("//") + 2 if "//" in iri else 0
        for index in range(cut, len(iri)):
            if iri[index] == "/":
                counts[iri[:index + 1]] += 1
    if not counts:
        return None
    best = max(counts, key=lambda p: (counts[p] * len(p), len(p)))
    return best if counts[best] > 1 else None


def _order(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def write_jsonld(quads: list[ox.Quad], out: BinaryIO, context: dict | None = None) -> None:
    """The quads as one compacted JSON-LD document, the context inline (so no processor has to
    fetch it); the same context is published as ``ontology/context.jsonld``."""
    document = Compactor(context if context is not None else load_context()).document(quads)
    out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    out.write(b"\n")


def write_context(path: Path | None = None) -> Path:
    """Regenerate ``ontology/context.jsonld`` from the shipped graph (``python -m
    aimsgraph.jsonld``); a test fails while the committed file differs."""
    from .catalog import open_store

    target = path or data_path(CONTEXT_FILE)
    text = json.dumps({"@context": build_context(open_store().quads())}, indent=2,
                      ensure_ascii=False)
    target.write_text(text + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(f"wrote {write_context()}")
