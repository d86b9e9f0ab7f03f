"""Counts a user checks first: provisions per framework and kind, triples per graph."""

from __future__ import annotations

from dataclasses import dataclass

from .queries import QueryCatalog
from .store import GraphStore


@dataclass(frozen=True)
class ProvisionCount:
    framework: str
    notation: str
    kind: str
    count: int


@dataclass(frozen=True)
class GraphSize:
    graph: str
    triples: int


@dataclass(frozen=True)
class Stats:
    provisions: list[ProvisionCount]
    graphs: list[GraphSize]

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def collect_stats(store: GraphStore, queries: QueryCatalog | None = None) -> Stats:
    queries = queries or QueryCatalog()
    provisions = [
        ProvisionCount(r["framework"] or "", r["notation"] or "", r["kind"] or "",
                       int(r["provisions"] or 0))
        for r in queries.get("provision-counts").run(store).records()
    ]
    graphs = [GraphSize(r["graph"] or "", int(r["triples"] or 0))
              for r in queries.get("graph-sizes").run(store).records()]
    return Stats(provisions, graphs)
