"""Coverage of each shipped framework by the organization's implemented controls, as
``aimsgraph coverage --have implemented --want FRAMEWORK`` computes it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ...coverage import LEVEL, CoverageRow, MappingGraph, coverage
from ...namespaces import FRAMEWORKS
from ...reports import implemented_controls
from .cache import per_store
from .links import Framework, catalog


@dataclass(frozen=True)
class FrameworkCoverage:
    framework: Framework
    provisions: int
    counts: dict[str, int]  # full / partial / none

    def share(self, level: str) -> float:
        return 100.0 * self.counts.get(level, 0) / self.provisions if self.provisions else 0.0


def mapping_graph(request: Request) -> MappingGraph:
    return per_store(request, "mapping-graph", lambda: MappingGraph(request.app.state.store))


def implemented(request: Request) -> list[str]:
    return per_store(request, "implemented",
                     lambda: implemented_controls(request.app.state.store))


def rows_for(request: Request, framework: Framework) -> list[CoverageRow]:
    return per_store(request, f"coverage:{framework.iri}", lambda: coverage(
        request.app.state.store, [], framework.iri, graph=mapping_graph(request),
        have_provisions=implemented(request)))


def per_framework(request: Request) -> list[FrameworkCoverage]:
    out = []
    for f in catalog(request).ordered_frameworks():
        if f.iri not in FRAMEWORKS.values():
            continue
        rows = rows_for(request, f)
        out.append(FrameworkCoverage(f, len(rows), {
            level: sum(r.level == level for r in rows) for level in LEVEL.values()}))
    return out
