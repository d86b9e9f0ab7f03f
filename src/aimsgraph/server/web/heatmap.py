"""The coverage heatmap: ISO/IEC 42001 Annex A controls against the other frameworks.

A cell holds the direct mappings (authored, or derived inverses read from the control) between the
row's control and provisions of the column's framework; its strength is the strongest relation
among them (Equal > SubsetOf / SupersetOf > IntersectsWith). NotRelated statements are counted
but give no strength. Each row carries the organization's SoA decision for the control.

Each cell is coloured by the organization's status for the provisions it maps to, as
``aimsgraph coverage --have implemented`` computes it (every implemented control counts, over the
crosswalks, under the default path rule): ``covered`` when every one is fully covered, ``gap``
when none is reached at all, ``partial`` otherwise. With no organization loaded there is no
status, and a cell shows only its mappings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ...coverage import (
    DEFAULT_RULE,
    FULL,
    NONE,
    MappingGraph,
    coverage,
    natural_key,
    organization_roles,
)
from ...namespaces import AIMS, FRAMEWORKS
from ...organization import has_organization
from ...queries import QueryCatalog
from ...reports import implemented_controls, soa_rows
from ...store import GraphStore
from .links import Catalog, Framework

TIER = {"Equal": 3, "SubsetOf": 2, "SupersetOf": 2, "IntersectsWith": 1}
SYMBOL = {"Equal": "=", "SubsetOf": "⊂", "SupersetOf": "⊃", "IntersectsWith": "∩"}
#: SoA decision -> (symbol, label); the symbol travels with the colour so colour is never alone
STATUS = {"implemented": ("✓", "implemented"), "in progress": ("◐", "in progress"),
          "planned": ("○", "planned"), "not started": ("○", "not started"),
          "excluded": ("✕", "excluded"), "undecided": ("?", "no SoA decision"),
          "": ("-", "no status")}


#: the organization's status for a cell -> (symbol, label); the symbol travels with the colour
ORG_STATUS = {"covered": ("●", "covered"), "partial": ("◐", "partly covered"),
              "gap": ("○", "gap"), "none": ("", "no organization loaded")}


@dataclass
class Cell:
    framework: Framework
    relations: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    not_related: int = 0
    targets: set[str] = field(default_factory=set)  # the provisions mapped (related) to
    status: str = "none"  # a key of ORG_STATUS; "none" also when nothing is mapped

    @property
    def count(self) -> int:
        return sum(self.relations.values())

    @property
    def strongest(self) -> str:
        """The strongest relation ("" when none): Equal, then SubsetOf/SupersetOf, then
        IntersectsWith."""
        if not self.relations:
            return ""
        return max(self.relations, key=lambda r: (TIER[r], self.relations[r]))

    @property
    def tier(self) -> int:
        return TIER.get(self.strongest, 0)


@dataclass
class Row:
    iri: str
    notation: str
    title: str
    status: str  # a key of STATUS
    cells: list[Cell]


def soa_status(store: GraphStore, framework_notation: str) -> dict[str, str]:
    """Each control's organization-wide SoA decision: its status, or excluded."""
    decided: dict[str, str] = {}
    for r in soa_rows(store):
        if r["framework"] != framework_notation:
            continue
        status = "excluded" if r["applicable"] == "no" else r["status"]
        if not r["systems"] or r["control"] not in decided:
            decided[r["control"]] = status
    return decided


def heatmap(store: GraphStore, index: Catalog,
            strengths: Callable[[Framework], dict[str, int]] | None = None,
            ) -> tuple[list[Framework], list[Row], list[Framework]]:
    """The columns, the rows, and the frameworks left out because nothing maps to them
    directly (ISO/IEC 27001:2013 is reached only through its transition to 2022)."""
    own = FRAMEWORKS["iso42001"]
    columns = [f for f in index.ordered_frameworks() if f.iri != own]
    controls = sorted((p for p in QueryCatalog().get("provisions").run(store, {"framework": own})
                       .records() if p["kind"] == "Control"),
                      key=lambda p: natural_key(p["notation"] or ""))
    cells: dict[str, dict[str, Cell]] = {
        c["provision"] or "": {f.iri: Cell(f) for f in columns} for c in controls}
    seen: set[tuple[str, str, str]] = set()
    for r in QueryCatalog().get("mapping-edges").run(store).records():
        source, target = r["source"] or "", r["target"] or ""
        relation = (r["relation"] or "").removeprefix(AIMS)
        row = cells.get(source)
        other = index.provisions.get(target)
        if row is None or other is None or other.framework not in row:
            continue
        if (source, target, relation) in seen:
            continue
        seen.add((source, target, relation))
        if relation in TIER:
            row[other.framework].relations[relation] += 1
            row[other.framework].targets.add(target)
        elif relation == "NotRelated":
            row[other.framework].not_related += 1
    if has_organization(store):
        _colour_by_status(store, [f for f in columns if f.iri in FRAMEWORKS.values()],
                          [cell for by_framework in cells.values()
                           for cell in by_framework.values()], strengths)
    own_notation = index.frameworks[own].notation if own in index.frameworks else ""
    decided = soa_status(store, own_notation)
    used = [f for f in columns
            if any(cells[c["provision"] or ""][f.iri].count for c in controls)]
    rows = [Row(c["provision"] or "", c["notation"] or "", c["title"] or "",
                decided.get(c["notation"] or "", "undecided"),
                [cells[c["provision"] or ""][f.iri] for f in used]) for c in controls]
    return used, rows, [f for f in columns if f not in used]


def _colour_by_status(store: GraphStore, frameworks: list[Framework], cells: list[Cell],
                      strengths: Callable[[Framework], dict[str, int]] | None) -> None:
    """``strengths`` gives each provision's coverage strength in a framework (the web view
    passes the coverage it has already computed for the overview); by default it is computed
    here, as ``coverage --have implemented`` does."""
    if strengths is None:
        graph = MappingGraph(store)
        have = implemented_controls(store)
        roles = organization_roles(store)

        def strengths(framework: Framework) -> dict[str, int]:
            return {r.target.iri: r.strength for r in coverage(
                store, [], framework.iri, graph=graph, have_provisions=have,
                rule=DEFAULT_RULE, roles=roles)}

    for framework in frameworks:
        strength = strengths(framework)
        for cell in cells:
            if cell.framework.iri != framework.iri or not cell.targets:
                continue
            reached = [strength.get(t, NONE) for t in cell.targets]
            cell.status = ("covered" if all(s == FULL for s in reached)
                           else "gap" if all(s == NONE for s in reached) else "partial")


def summary(columns: list[Framework], rows: list[Row], organization: bool) -> str:
    """The heatmap in words (its text alternative): per framework, how many controls map to it
    and, with an organization loaded, how many of those cells are covered, partial or a gap."""
    if not rows:
        return "No ISO/IEC 42001 Annex A control is loaded."
    parts = []
    for i, f in enumerate(columns):
        cells = [r.cells[i] for r in rows if r.cells[i].count]
        text = f"{f.short}: {len(cells)} control{'' if len(cells) == 1 else 's'} mapped"
        if organization:
            counts = {k: sum(c.status == k for c in cells) for k in ("covered", "partial", "gap")}
            text += (f" ({counts['covered']} covered, {counts['partial']} partly covered, "
                     f"{counts['gap']} gap)")
        parts.append(text)
    lead = (f"{len(rows)} Annex A controls. " + ("" if organization else
            "No organization is loaded, so the cells show the mappings only. "))
    return lead + "; ".join(parts) + "."
