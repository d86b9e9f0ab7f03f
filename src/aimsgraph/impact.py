"""Regulatory change impact: from each changed provision, through the crosswalks, to the
organization's control implementations, evidence, risks, AI systems and their owners.

The graph is a networkx projection of the store (named queries ``impact-edges`` and
``impact-nodes``). A change crosses at most two mappings (for an edition change: the transition
mapping to the new edition, then one crosswalk), then follows the organization's links freely.
Each impacted item is reported once: for the most severe change that reaches it (removed >
obligation added > changed > renumbered > date moved) and along the shortest path, with the owner
to notify (the item's own, else the nearest owner on the path back to the change).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date

import networkx as nx

from .changes import Change, ChangeSet
from .errors import UsageError
from .law import LawView
from .queries import QueryCatalog
from .spreadsheet import rows_csv
from .store import GraphStore
from .validation import prepare

ORGANIZATION_KINDS = ("AISystem", "ControlImplementation", "Evidence", "Risk")
#: links that cross from one provision to a mapped one (they use up the crosswalk budget)
CROSSWALK_LINKS = {"Equal", "SubsetOf", "SupersetOf", "IntersectsWith", "guidance"}


@dataclass(frozen=True)
class Impact:
    item: str
    kind: str
    label: str
    change: str  # the kind of change that reaches it
    severity: int
    changed: str  # the changed provision's label
    path: tuple[str, ...]  # labels from the change to the item
    owner: str
    email: str

    def as_row(self) -> dict[str, str]:
        return {"item": self.item, "kind": self.kind, "label": self.label, "change": self.change,
                "severity": str(self.severity), "changed": self.changed,
                "path": " -> ".join(self.path), "owner": self.owner, "email": self.email}


class ImpactGraph:
    """The store as a directed graph of the links a change travels along."""

    def __init__(self, store: GraphStore, as_of: date | None = None,
                 law: LawView | None = None) -> None:
        prepare(store, as_of, law)  # so that AI systems carry their in-force obligations
        queries = QueryCatalog()
        self.graph = nx.DiGraph()
        for r in queries.get("impact-edges").run(store).records():
            self.graph.add_edge(r["from"], r["to"], link=r["link"])
        self.nodes: dict[str, dict[str, str]] = {}
        for r in queries.get("impact-nodes").run(store).records():
            node = self.nodes.setdefault(r["node"] or "", {"kind": r["kind"] or "",
                                                           "label": r["label"] or ""})
            if r["ownerName"] and not node.get("owner"):
                node.update(owner=r["ownerName"], email=r["email"] or "")
        self.obligations_by_condition = self._conditions(store)

    @staticmethod
    def _conditions(store: GraphStore) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for r in QueryCatalog().get("obligations").run(store).records():
            for condition in (r["conditions"] or "").split():
                found.setdefault(condition, []).append(r["obligation"] or "")
        return found

    def label(self, node: str) -> str:
        return self.nodes.get(node, {}).get("label") or node

    def starts(self, change: Change) -> list[str]:
        """Where a change enters the graph: the provision, and for date moves the obligations."""
        if change.kind == "date-moved" and change.obligation_condition:
            return self.obligations_by_condition.get(change.obligation_condition, [])
        return [change.provision, *change.to]

    def paths_from(self, start: str, crosswalk_hops: int,
                   own_entries: frozenset[str] = frozenset()) -> dict[str, list[str]]:
        """Shortest paths from ``start``, crossing at most ``crosswalk_hops`` mappings: a change
        reaches the provisions mapped to it, and what implements those, not the whole graph.
        A change to a container does not descend into parts that have their own entry in the
        change set (``own_entries``): a new annex does not make its renumbered controls new."""
        paths = {start: [start]}
        frontier = deque([(start, 0)])
        while frontier:
            node, used = frontier.popleft()
            for _, nxt, data in self.graph.out_edges(node, data=True):
                cost = used + (data["link"] in CROSSWALK_LINKS)
                if nxt in paths or cost > crosswalk_hops:
                    continue
                if data["link"] == "part" and nxt in own_entries:
                    continue
                paths[nxt] = [*paths[node], nxt]
                frontier.append((nxt, cost))
        return paths

    def impacts(self, changes: list[Change], crosswalk_hops: int = 2) -> list[Impact]:
        best: dict[str, Impact] = {}
        entries = frozenset(p for c in changes for p in (c.provision, *c.to))
        for change in sorted(changes, key=lambda c: -c.severity):
            for start in self.starts(change):
                if start not in self.graph:
                    continue
                paths = self.paths_from(start, crosswalk_hops, entries - {start})
                for item, path in paths.items():
                    if item == start and change.kind != "date-moved":
                        continue
                    held = best.get(item)
                    if held and (held.severity, -len(held.path)) >= (change.severity,
                                                                      -len(path)):
                        continue
                    best[item] = self._impact(item, change, start, path)
        return sorted(best.values(), key=lambda i: (-i.severity, i.kind, i.label))

    def _impact(self, item: str, change: Change, start: str, path: list[str]) -> Impact:
        node = self.nodes.get(item, {"kind": "", "label": item})
        owner, email = node.get("owner", ""), node.get("email", "")
        for step in reversed(path):  # evidence has no owner of its own: its SoA line's owner
            if owner:
                break
            holder = self.nodes.get(step, {})
            owner, email = holder.get("owner", ""), holder.get("email", "")
        if change.kind == "date-moved":
            changed = f"{change.notation} (application date {change.from_date} -> {change.to_date})"
        else:
            changed = self.label(change.provision)
        steps = path[1:] if start == change.provision else path
        return Impact(item, node.get("kind", ""), node.get("label", item), change.kind,
                      change.severity, changed, (changed, *(self.label(p) for p in steps)),
                      owner, email)


def impact_graph(store: GraphStore, as_of: date | None = None,
                 law: LawView | None = None) -> ImpactGraph:
    """The projection, built once per store state, date and view of the law (it is most of an
    impact run)."""
    prepare(store, as_of, law)
    return store.cached(("impact-graph", as_of, law.key if law else None),
                        lambda: ImpactGraph(store, as_of, law))


def impact(store: GraphStore, change_set: ChangeSet, as_of: date | None = None,
           law: LawView | None = None) -> list[Impact]:
    """What ``change_set`` reaches, with the organization's obligations as ``law`` has them
    (default: the change sets in force on ``as_of``)."""
    return impact_graph(store, as_of, law).impacts(change_set.changes)


def impacts_csv(impacts: list[Impact]) -> str:
    fields = ["item", "kind", "label", "change", "severity", "changed", "path", "owner", "email"]
    return rows_csv([i.as_row() for i in impacts], fields)


# -- migration to a new edition ------------------------------------------------------------------

@dataclass(frozen=True)
class MigratedLine:
    new_control: str  # notation in the new edition
    title: str
    status: str  # carried status, "not applicable" (carried exclusion), or "open" (nothing
    # carries over to the control)
    owner: str
    carried_from: str  # old notations, "; "-separated
    evidence: str
    change: str

    def as_row(self) -> dict[str, str]:
        return {"control": self.new_control, "title": self.title, "status": self.status,
                "owner": self.owner, "carriedFrom": self.carried_from,
                "evidence": self.evidence, "change": self.change}


def migrate_soa(store: GraphStore, change_set: ChangeSet) -> list[MigratedLine]:
    """The organization's SoA proposed for the new edition of an edition change set: each old
    control's implementation and evidence carried to its new control(s); new controls open."""
    from .coverage import natural_key
    from .reports import soa_rows

    if change_set.kind != "edition" or not change_set.to_framework:
        raise UsageError("migration needs an edition change set (with to_framework)")
    old_name = _framework_notation(store, change_set.framework)
    lines = {r["control"]: r for r in soa_rows(store) if r["framework"] == old_name}
    titles = {r["notation"]: r["title"] for r in QueryCatalog().get("provisions").run(
        store, {"framework": change_set.to_framework}).records() if r["kind"] == "Control"}
    carried: dict[str, list[tuple[Change, dict]]] = {}
    for change in change_set.changes:
        if change.notation in lines:
            for target in change.to_notations:
                carried.setdefault(target, []).append((change, lines[change.notation]))
    result = []
    for notation in sorted(titles, key=natural_key):
        sources = carried.get(notation, [])
        if not sources:
            result.append(MigratedLine(notation, titles[notation], "open", "", "", "",
                                       "new control" if any(c.kind == "added" and
                                                            c.notation == notation
                                                            for c in change_set.changes)
                                       else "no implementation carried over"))
            continue
        statuses = [line["status"] for _, line in sources if line["applicable"] != "no"]
        # an exclusion carries over as one (its justification stays in the old SoA line)
        status = "not applicable" if not statuses else min(
            statuses, key=lambda s: ("not started", "planned", "in progress",
                                     "implemented").index(s)
            if s in ("not started", "planned", "in progress", "implemented") else 0)
        result.append(MigratedLine(
            notation, titles[notation], status,
            "; ".join(sorted({line["owner"] for _, line in sources if line["owner"]})),
            "; ".join(c.notation for c, _ in sources),
            "; ".join(line["evidence"] for _, line in sources if line["evidence"]),
            "; ".join(sorted({c.kind for c, _ in sources}))))
    return result


def _framework_notation(store: GraphStore, iri: str) -> str:
    for r in QueryCatalog().get("frameworks").run(store).records():
        if r["framework"] == iri:
            return r["notation"] or iri
    return iri


# -- control leverage ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Leverage:
    control: str  # "ISO/IEC 42001:2023 A.6.2.4"
    iri: str
    serves: int  # provisions of other frameworks it maps to directly
    frameworks: int  # how many other frameworks those are in
    centrality: float  # degree centrality in the crosswalk graph
    implemented: bool


def control_leverage(store: GraphStore) -> list[Leverage]:
    """Catalog controls ranked by how many provisions across the other frameworks they serve."""
    from .coverage import MappingGraph
    from .reports import implemented_controls

    mapping = MappingGraph(store)
    undirected = nx.Graph()
    for source, target, data in mapping.graph.edges(data=True):
        if data["step"].relation != "GuidanceFor":
            undirected.add_edge(source, target)
    centrality = nx.degree_centrality(undirected) if undirected.number_of_nodes() > 1 else {}
    implemented = set(implemented_controls(store))
    controls = {r["provision"] for r in QueryCatalog().get("provision-index").run(store).records()
                if (r["notation"] or "").startswith(("A.", "B."))} & set(undirected.nodes)
    ranked = []
    for iri in controls:
        own = mapping.provisions[iri].framework
        served = [n for n in undirected.neighbors(iri)
                  if n in mapping.provisions and mapping.provisions[n].framework != own]
        ranked.append(Leverage(str(mapping.provisions[iri]), iri, len(served),
                               len({mapping.provisions[n].framework for n in served}),
                               round(centrality.get(iri, 0.0), 4), iri in implemented))
    return sorted(ranked, key=lambda c: (-c.serves, -c.frameworks, c.control))
