"""Coverage of each shipped framework by the organization's implemented controls, as
``aimsgraph coverage --have implemented --want FRAMEWORK`` computes it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ...coverage import (
    DEFAULT_RULE,
    CoverageRow,
    MappingGraph,
    coverage,
    level_counts,
    organization_roles,
)
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


def roles(request: Request) -> frozenset[str]:
    return per_store(request, "organization-roles",
                     lambda: organization_roles(request.app.state.store))


def rows_for(request: Request, framework: Framework) -> list[CoverageRow]:
    """Under the default path rule, counting what carries a requirement for the
    organization's roles (as ``aimsgraph coverage --have implemented`` does)."""
    return per_store(request, f"coverage:{framework.iri}", lambda: coverage(
        request.app.state.store, [], framework.iri, graph=mapping_graph(request),
        have_provisions=implemented(request), rule=DEFAULT_RULE, roles=roles(request)))


def per_framework(request: Request) -> list[FrameworkCoverage]:
    out = []
    for f in catalog(request).ordered_frameworks():
        if f.iri not in FRAMEWORKS.values():
            continue
        counts = level_counts(rows_for(request, f))
        out.append(FrameworkCoverage(f, sum(counts.values()), counts))
    return out
