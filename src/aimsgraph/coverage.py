"""Compliance transfer: which provisions of a target framework does what you have already cover?

The mappings (authored and derived inverses) form a directed graph over provisions (a networkx
projection). A provision you have covers a target fully through ``Equal`` or ``SupersetOf``,
partially through ``SubsetOf`` or ``IntersectsWith``; ``NotRelated`` is no edge. Over a path of
several mappings the weakest relation decides the strength. A target with no path of its own is
covered through its parts (an article through its paragraphs): fully when every part is fully
covered, partially when some part is covered.

    rows = coverage(store, have=[FRAMEWORKS["iso42001"]], want=FRAMEWORKS["aiact"])
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx

from .errors import UsageError
from .namespaces import AIMS, FRAMEWORKS
from .queries import QueryCatalog
from .store import GraphStore

FULL, PARTIAL, NONE = 2, 1, 0
LEVEL = {FULL: "full", PARTIAL: "partial", NONE: "none"}
EDGE_STRENGTH = {"Equal": FULL, "SupersetOf": FULL, "SubsetOf": PARTIAL, "IntersectsWith": PARTIAL,
                 # a control and the clause giving its implementation guidance go together
                 "GuidanceFor": FULL}


@dataclass(frozen=True)
class Provision:
    iri: str
    framework: str
    framework_notation: str
    notation: str
    title: str
    parent: str | None

    def __str__(self) -> str:
        return f"{self.framework_notation} {self.notation}"


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    relation: str
    confidence: Decimal | None
    mapping: str


@dataclass
class CoverageRow:
    target: Provision
    strength: int
    path: list[Step] = field(default_factory=list)
    via_parts: list[str] = field(default_factory=list)  # notations of covered parts

    @property
    def level(self) -> str:
        return LEVEL[self.strength]

    @property
    def confidence(self) -> Decimal | None:
        values = [s.confidence for s in self.path if s.confidence is not None]
        return min(values) if values else None


def resolve_framework(name: str) -> str:
    """A framework key (``iso42001``) or IRI to its IRI."""
    if name in FRAMEWORKS:
        return FRAMEWORKS[name]
    if name in FRAMEWORKS.values():
        return name
    raise UsageError(f"unknown framework {name!r}; valid: {', '.join(FRAMEWORKS)} "
                     "(or a framework IRI)")


def provision_index(store: GraphStore, queries: QueryCatalog | None = None
                    ) -> dict[str, Provision]:
    """Every provision of the loaded catalogs, by IRI (named query ``provision-index``)."""
    rows = (queries or QueryCatalog()).get("provision-index").run(store).records()
    return {r["provision"] or "": Provision(r["provision"] or "", r["framework"] or "",
                                            r["frameworkNotation"] or "", r["notation"] or "",
                                            r["title"] or "", r["parent"]) for r in rows}


class MappingGraph:
    """Provisions as nodes, mappings as directed edges carrying relation and confidence."""

    def __init__(self, store: GraphStore, queries: QueryCatalog | None = None) -> None:
        queries = queries or QueryCatalog()
        self.provisions = provision_index(store, queries)
        self.graph = nx.DiGraph()
        for r in queries.get("mapping-edges").run(store).records():
            relation = (r["relation"] or "").removeprefix(AIMS)
            strength = EDGE_STRENGTH.get(relation)
            if strength is None:
                continue
            step = Step(r["source"] or "", r["target"] or "", relation,
                        Decimal(r["confidence"]) if r["confidence"] else None,
                        r["authored"] or r["mapping"] or "")
            old = self.graph.get_edge_data(step.source, step.target)
            if old is None or strength > old["strength"]:
                self.graph.add_edge(step.source, step.target, strength=strength, step=step)
        self.children: dict[str, list[str]] = defaultdict(list)
        for p in sorted(self.provisions.values(), key=lambda p: natural_key(p.notation)):
            if p.parent:
                self.children[p.parent].append(p.iri)

    def in_frameworks(self, frameworks: Iterable[str]) -> list[str]:
        wanted = set(frameworks)
        return [p.iri for p in self.provisions.values() if p.framework in wanted]

    def best_paths(self, starts: Sequence[str], max_hops: int) -> dict[str, tuple[int, list]]:
        """For every reachable node, the strongest path from ``starts`` (fewest hops on ties)."""
        best: dict[str, tuple[int, list[Step]]] = {s: (FULL, []) for s in starts}
        frontier = dict(best)
        for _ in range(max_hops):
            reached: dict[str, tuple[int, list[Step]]] = {}
            for node, (strength, path) in frontier.items():
                for _, nxt, data in self.graph.out_edges(node, data=True):
                    candidate = (min(strength, data["strength"]), [*path, data["step"]])
                    for table in (reached, best):
                        held = table.get(nxt)
                        if held is None or candidate[0] > held[0]:
                            table[nxt] = candidate
            frontier = reached
        return best


def coverage(store: GraphStore, have: Sequence[str], want: str, *, max_hops: int = 3,
             graph: MappingGraph | None = None,
             have_provisions: Sequence[str] = ()) -> list[CoverageRow]:
    """How the provisions of ``want`` are covered by everything in the ``have`` frameworks,
    and by the individual ``have_provisions`` (an organization's implemented controls)."""
    have_iris = [resolve_framework(h) for h in have]
    want_iri = resolve_framework(want)
    if want_iri in have_iris:
        raise UsageError("the framework you want is among those you have")
    graph = graph or MappingGraph(store)
    starts = [*graph.in_frameworks(have_iris), *have_provisions]
    best = graph.best_paths(starts, max_hops)
    rows: dict[str, CoverageRow] = {}

    def row_for(iri: str) -> CoverageRow:
        if iri in rows:
            return rows[iri]
        strength, path = best.get(iri, (NONE, []))
        row = CoverageRow(graph.provisions[iri], strength, path)
        if strength < FULL and graph.children.get(iri):
            parts = [row_for(child) for child in graph.children[iri]]
            covered = [p for p in parts if p.strength > NONE]
            if covered:
                rolled = FULL if all(p.strength == FULL for p in parts) else PARTIAL
                if rolled > strength:
                    row.strength, row.path = rolled, []
                    row.via_parts = [p.target.notation for p in covered]
        rows[iri] = row
        return row

    targets = graph.in_frameworks([want_iri])
    return sorted((row_for(t) for t in targets), key=lambda r: natural_key(r.target.notation))


def describe_path(row: CoverageRow, graph: MappingGraph) -> str:
    if row.via_parts:
        return "through its parts: " + ", ".join(row.via_parts)
    if not row.path:  # full without a path: one of the have_provisions itself
        return "implemented directly" if row.strength == FULL else ""
    first = graph.provisions.get(row.path[0].source)
    text = str(first) if first else row.path[0].source
    for step in row.path:
        target = graph.provisions.get(step.target)
        text += f" -[{step.relation}]-> {target if target else step.target}"
    return text


def natural_key(notation: str) -> list:
    """Sort key that orders A.2 before A.10 and Article 9 before Article 10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", notation)]
