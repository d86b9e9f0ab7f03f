"""SHACL-SPARQL constraints evaluated on the Oxigraph store, one query per constraint.

pySHACL evaluates a SPARQL-based constraint once per focus node in rdflib, which takes minutes on
a compliance graph. Here each ``sh:sparql`` constraint becomes a single query: the shape's targets
bind ``?this`` and the constraint's body runs in the same group, which keeps the pre-binding
semantics of SHACL for the patterns these shapes use (``FILTER NOT EXISTS`` on ``$this``, and
sub-selects that project ``$this``). Results carry the same message, severity and value as
pySHACL's; a test checks both agree on the shipped shapes.



"""

from __future__ import annotations

import re
from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, SH

from .errors import InputError
from .store import GraphStore

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_SELECT = re.compile(r"^\s*SELECT\s+(?P<vars>.*?)\s+WHERE", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SparqlResult:
    focus: str
    value: str | None
    message: str
    severity: str  # IRI of sh:Violation, sh:Warning, sh:Info
    shape: str


def strip_sparql_constraints(shapes: rdflib.Graph) -> rdflib.Graph:
    """A copy of the shapes without sh:sparql constraints, for pySHACL to run the rest.

    A shape left with no constraint at all loses its targets too, so pySHACL does not compute
    focus nodes for nothing.
    """
    core = rdflib.Graph()
    for triple in shapes:
        core.add(triple)
    for shape, constraint in list(shapes.subject_objects(SH.sparql)):
        core.remove((shape, SH.sparql, constraint))
    for shape in set(shapes.subjects(SH.sparql, None)):
        if (shape, SH.property, None) not in core:
            for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf,
                           SH.targetNode, SH.target):
                core.remove((shape, target, None))
    return core


def run_sparql_constraints(store: GraphStore, shapes: rdflib.Graph) -> list[SparqlResult]:
    """Every sh:sparql constraint of every shape, evaluated on the store."""
    results = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        if (shape, SH.deactivated, rdflib.Literal(True)) in shapes:
            continue
        target = target_pattern(shapes, shape)
        if target is None:
            continue
        severity = str(shapes.value(shape, SH.severity) or SH.Violation)
        for constraint in shapes.objects(shape, SH.sparql):
            if (constraint, SH.deactivated, rdflib.Literal(True)) in shapes:
                continue
            select = str(shapes.value(constraint, SH.select))
            prefixes = _prefixes(shapes, constraint)
            message = shapes.value(constraint, SH.message) or shapes.value(shape, SH.message)
            query = _compile(prefixes, target, select)
            try:
                rows = store.query(query).records()
            except Exception as err:
                raise InputError(f"SPARQL constraint of {shape} does not run: {err}") from err
            node_shape = (shape, SH.path, None) not in shapes
            for row in rows:
                # SHACL: without ?value, a node shape's result has the focus node as its value
                value = row.get("value") or (row.get("this") if node_shape else None)
                results.append(SparqlResult(
                    focus=row.get("this") or "", value=value,
                    message=_fill(str(message) if message else "", row),
                    severity=severity, shape=str(shape)))
    return results


def target_pattern(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str | None:
    parts = []
    for cls in shapes.objects(shape, SH.targetClass):
        parts.append(f"{{ ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{cls}> }}")
    if (shape, RDF.type, rdflib.RDFS.Class) in shapes:
        parts.append(f"{{ ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{shape}> }}")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this <{prop}> ?o }} }}")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?s <{prop}> ?this }} }}")
    nodes = list(shapes.objects(shape, SH.targetNode))
    if nodes:
        parts.append("{ VALUES ?this { " + " ".join(n.n3() for n in nodes) + " } }")
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is None:
            raise InputError(f"unsupported sh:target on {shape}: only SPARQL targets")
        parts.append("{ " + str(select).replace("$this", "?this") + " }")
    if not parts:
        return None
    return "{ " + " UNION ".join(parts) + " }"


def _compile(prefixes: str, target: str, select: str) -> str:
    """``SELECT $this ?x WHERE { body }`` -> ``SELECT DISTINCT ?this ?x WHERE { target body }``."""
    text = select.replace("$this", "?this")
    match = _WHERE.search(text)
    head = _SELECT.match(text)
    if match is None or head is None:
        raise InputError("a SPARQL constraint must be a SELECT ... WHERE { ... } query")
    body = _minus(text[match.end():], {"this"})
    return f"{prefixes}\nSELECT DISTINCT {head['vars']} WHERE {{ {target} {body}"


_NOT_EXISTS = re.compile(r"FILTER\s+NOT\s+EXISTS\s*\{", re.IGNORECASE)
_FILTER = re.compile(r"FILTER\s*\(", re.IGNORECASE)
_VAR = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
#: around a FILTER NOT EXISTS, these could leave a variable it shares unbound
_UNSAFE = re.compile(r"\b(OPTIONAL|UNION|BIND|VALUES|MINUS|SELECT|GRAPH|SERVICE|EXISTS)\b",
                     re.IGNORECASE)


def _minus(body: str, bound: set[str]) -> str:
    """``FILTER NOT EXISTS { B }`` -> ``MINUS { B }`` where both give the same solutions.

    Oxigraph 0.5 evaluates a multi-pattern FILTER NOT EXISTS once per solution (quadratic on a
    large organization: the SoA completeness rule took minutes at 10^6 triples) but MINUS as a
    hash anti-join. They agree when every variable B shares with its surroundings is bound in
    every solution around it (``bound``: the focus node; plus the variables of plain triple
    patterns beside it, so nothing optional around) and also occurs in B's own triple patterns,
    and B shares at least one. Beside an OPTIONAL, UNION, subquery ..., only a block at the top
    level of the body that shares nothing but the focus node is rewritten (the FRIA rule: 20 s
    at 10^6 triples as a filter, 0.2 s as MINUS). Otherwise the filter is kept as written.
    """
    blocks = _blocks(body)
    if not blocks:
        return body
    outside = "".join(body[a:b] for a, b in _gaps(blocks, len(body)))
    guarded = bool(_UNSAFE.search(outside))
    around = set(bound) if guarded else bound | set(_VAR.findall(_strip_filters(outside)))
    out, last = [], 0
    for start, inner_start, end in blocks:
        inner = body[inner_start:end - 1]
        own = set(_VAR.findall(_strip_filters(_without_blocks(inner))))
        shared = set(_VAR.findall(inner)) & (around | set(_VAR.findall(outside)))
        rewritten = _minus(inner, own)
        top = body.count("{", 0, start) == body.count("}", 0, start)
        keyword = "MINUS {" if shared and shared <= own and shared <= around and \
            (top or not guarded) else "FILTER NOT EXISTS {"
        out += [body[last:start], keyword, rewritten, "}"]
        last = end
    out.append(body[last:])
    return "".join(out)


def _blocks(text: str) -> list[tuple[int, int, int]]:
    """(start, start of the inside, end after "}") of each outermost FILTER NOT EXISTS { }."""
    found, pos = [], 0
    while (match := _NOT_EXISTS.search(text, pos)) is not None:
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found.append((match.start(), match.end(), i))
        pos = i
    return found


def _gaps(blocks: list[tuple[int, int, int]], length: int) -> list[tuple[int, int]]:
    edges = [0] + [x for start, _, end in blocks for x in (start, end)] + [length]
    return list(zip(edges[::2], edges[1::2], strict=True))


def _without_blocks(text: str) -> str:
    return "".join(text[a:b] for a, b in _gaps(_blocks(text), len(text)))


def _strip_filters(text: str) -> str:
    """The text without its FILTER( ... ) expressions: what is left binds variables."""
    out, pos = [], 0
    while (match := _FILTER.search(text, pos)) is not None:
        out.append(text[pos:match.start()])
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        pos = i
    out.append(text[pos:])
    return "".join(out)


def _prefixes(shapes: rdflib.Graph, constraint: rdflib.term.Node) -> str:
    lines = []
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines)


def _fill(template: str, row: dict[str, str | None]) -> str:
    def value(match: re.Match[str]) -> str:
        return row.get(match[1]) or ""

    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", value, template)
