"""A framework's outline: its provisions with numbers, short titles, kinds and structure.

What the catalog exports (OSCAL catalogs, CISO Assistant libraries) write, and what the catalog
importers read back: numbers, titles and the tree, never a provision's text (ISO/IEC text is
copyrighted; for the laws and the NIST and OECD publications aimsgraph keeps to identifiers and
titles as well). An imported outline becomes a Turtle catalog in the form of ``frameworks/``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .errors import InputError
from .namespaces import AIMS, DCTERMS, RDF, SKOS, XSD
from .store import GraphStore

#: provision classes of the ontology (aims:Provision's subclasses), by local name
KINDS = ("Clause", "Annex", "ControlGroup", "ControlObjective", "Control", "Chapter",
         "Section", "Article", "Paragraph", "Point", "PrincipleGroup", "Principle", "Function",
         "Category", "Subcategory", "Provision")
#: where an IRI's path after the framework IRI is written into a token (OSCAL ids, URN parts)
_TOKEN_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

_FRAMEWORKS = """
SELECT ?framework ?graph ?notation ?title ?version ?issued ?publisher WHERE {
  GRAPH ?graph { ?framework a aims:Framework }
  ?framework skos:notation ?notation ; skos:prefLabel ?title .
  OPTIONAL { ?framework aims:version ?version }
  OPTIONAL { ?framework dcterms:issued ?issued }
  OPTIONAL { ?framework dcterms:publisher ?publisher . FILTER(isLiteral(?publisher)) }
}"""

_PROVISIONS = """
SELECT ?framework ?provision ?class ?notation ?title ?parent WHERE {
  ?provision aims:inFramework ?framework ; a ?class ;
             skos:notation ?notation ; skos:prefLabel ?title .
  ?class rdfs:subClassOf* aims:Provision .
  OPTIONAL { ?provision aims:partOf ?parent }
}"""


@dataclass
class Node:
    """One provision: ``key`` is its IRI's path below the framework IRI (``annex-a/A.6.2.4``)."""

    key: str
    notation: str
    title: str
    kind: str = "Control"
    parent: str | None = None  # the parent's key
    children: list[Node] = field(default_factory=list)


@dataclass
class Outline:
    iri: str
    stem: str  # file name stem: the source file's (``iso-iec-42001-2023``)
    notation: str
    title: str
    version: str = ""
    issued: str = ""
    publisher: str = ""
    nodes: list[Node] = field(default_factory=list)  # depth-first, in document order

    def roots(self) -> list[Node]:
        return [n for n in self.nodes if n.parent is None]


def natural_key(text: str) -> tuple:
    """``A.6.2.10`` after ``A.6.2.9``; ``Article 10`` after ``Article 9``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|\D+", text))


def token(key: str) -> str:
    """An OSCAL token (``^(\\p{L}|_)(\\p{L}|\\p{N}|[.\\-_])*$``) for a provision key."""
    text = _TOKEN_UNSAFE.sub("-", key.replace("/", "_"))
    return text if re.match(r"[A-Za-z_]", text) else f"_{text}"


def outlines(store: GraphStore) -> list[Outline]:
    """Every framework in the store with its provisions in document order."""
    found: dict[str, Outline] = {}
    for r in store.query(_FRAMEWORKS).records():
        iri = r["framework"] or ""
        found.setdefault(iri, Outline(iri, (r["graph"] or iri).rstrip("/").rsplit("/", 1)[-1],
                                      r["notation"] or "", r["title"] or "", r["version"] or "",
                                      r["issued"] or "", r["publisher"] or ""))
    rows: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in store.query(_PROVISIONS).records():
        framework, provision = r["framework"] or "", r["provision"] or ""
        kind = (r["class"] or "").removeprefix(AIMS)
        held = rows[framework].get(provision)
        if held is None or _rank(kind) < _rank(held["kind"]):
            rows[framework][provision] = {"kind": kind, "notation": r["notation"] or "",
                                          "title": r["title"] or "", "parent": r["parent"]}
    for iri, outline in found.items():
        prefix = iri.rstrip("/") + "/"
        nodes = {p: Node(p.removeprefix(prefix), v["notation"], v["title"],
                         v["kind"] if v["kind"] in KINDS else "Control",
                         v["parent"].removeprefix(prefix) if v["parent"] else None)
                 for p, v in rows.get(iri, {}).items() if p.startswith(prefix)}
        by_key = {n.key: n for n in nodes.values()}
        for node in by_key.values():
            if node.parent is not None and node.parent not in by_key:
                node.parent = None  # a parent outside the framework: shown at the top
        outline.nodes = ordered(list(by_key.values()))
    return sorted(found.values(), key=lambda o: o.stem)


def _rank(kind: str) -> int:
    """The most specific provision class names a provision's kind."""
    return 0 if kind in KINDS and kind != "Provision" else 1 if kind == "Provision" else 2


def ordered(nodes: list[Node]) -> list[Node]:
    """Depth first, siblings in natural order of their numbers; fills ``children``."""
    by_key = {n.key: n for n in nodes}
    for n in nodes:
        n.children = []
    for n in nodes:
        if n.parent is not None:
            by_key[n.parent].children.append(n)
    result: list[Node] = []

    def walk(level: list[Node]) -> None:
        for n in sorted(level, key=lambda n: (natural_key(n.notation), n.key)):
            result.append(n)
            walk(n.children)

    walk([n for n in nodes if n.parent is None])
    for n in nodes:
        n.children.sort(key=lambda c: (natural_key(c.notation), c.key))
    return result


# -- an imported outline as a catalog ------------------------------------------------------------

def check_outline(outline: Outline, file: str) -> None:
    """Keys and numbers unique, parents known, no cycle: an InputError names the first fault."""
    seen_keys: set[str] = set()
    seen_notations: dict[str, str] = {}
    for n in outline.nodes:
        if n.key in seen_keys:
            raise InputError(f"{n.key!r} appears twice", file=file, field="id")
        seen_keys.add(n.key)
        if n.notation in seen_notations:
            raise InputError(f"number {n.notation!r} is used by {seen_notations[n.notation]!r} "
                             f"and {n.key!r}", file=file, field="ref_id")
        seen_notations[n.notation] = n.key
    for n in outline.nodes:
        if n.parent is not None and n.parent not in seen_keys:
            raise InputError(f"{n.key!r} names a parent that is not in the file: {n.parent!r}",
                             file=file, field="parent")
    by_key = {n.key: n for n in outline.nodes}
    for n in outline.nodes:
        steps, parent = 0, n.parent
        while parent is not None:
            steps += 1
            if steps > len(by_key):
                raise InputError(f"{n.key!r} is its own ancestor", file=file, field="parent")
            parent = by_key[parent].parent


def outline_quads(outline: Outline) -> list[ox.Triple]:
    """The framework node and one provision per node, as ``frameworks/*.ttl`` states them."""
    framework = ox.NamedNode(outline.iri)
    triples = [ox.Triple(framework, ox.NamedNode(RDF + "type"), ox.NamedNode(AIMS + "Framework")),
               ox.Triple(framework, ox.NamedNode(SKOS + "notation"), ox.Literal(outline.notation)),
               ox.Triple(framework, ox.NamedNode(SKOS + "prefLabel"),
                         ox.Literal(outline.title, language="en"))]
    if outline.version:
        triples.append(ox.Triple(framework, ox.NamedNode(AIMS + "version"),
                                 ox.Literal(outline.version)))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", outline.issued):
        triples.append(ox.Triple(framework, ox.NamedNode(DCTERMS + "issued"),
                                 ox.Literal(outline.issued, datatype=ox.NamedNode(XSD + "date"))))
    if outline.publisher:
        triples.append(ox.Triple(framework, ox.NamedNode(DCTERMS + "publisher"),
                                 ox.Literal(outline.publisher)))
    for n in outline.nodes:
        node = ox.NamedNode(f"{outline.iri}/{n.key}")
        triples += [ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(AIMS + n.kind)),
                    ox.Triple(node, ox.NamedNode(SKOS + "notation"), ox.Literal(n.notation)),
                    ox.Triple(node, ox.NamedNode(SKOS + "prefLabel"),
                              ox.Literal(n.title, language="en")),
                    ox.Triple(node, ox.NamedNode(AIMS + "inFramework"), framework)]
        if n.parent is not None:
            triples.append(ox.Triple(node, ox.NamedNode(AIMS + "partOf"),
                                     ox.NamedNode(f"{outline.iri}/{n.parent}")))
    return triples


def outline_turtle(outline: Outline, source: str) -> bytes:
    prefixes = {"aims": AIMS, "skos": SKOS, "dcterms": DCTERMS, "xsd": XSD,
                "": outline.iri + "/"}
    header = (f"# {outline.notation}: imported by aimsgraph import-catalog from {source}\n"
              "# Numbers, titles and structure only.\n\n").encode()
    return header + ox.serialize(outline_quads(outline), format=ox.RdfFormat.TURTLE,
                                 prefixes=prefixes)
