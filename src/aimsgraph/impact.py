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

import csv
import io
from collections import deque
from dataclasses import dataclass
from datetime import date

import networkx as nx

from .changes import Change, ChangeSet
from .queries import QueryCatalog
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

    def __init__(self, store: GraphStore, as_of: date | None = None) -> None:
        prepare(store, as_of)  # so that AI systems carry their in-force obligations
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

    def paths_from(self, start: str, crosswalk_hops: int) -> dict[str, list[str]]:
        """Shortest paths from ``start``, crossing at most ``crosswalk_hops`` mappings: a change
        reaches the provisions mapped to it, and what implements those, not the whole graph."""
        paths = {start: [start]}
        frontier = deque([(start, 0)])
        while frontier:
            node, used = frontier.popleft()
            for _, nxt, data in self.graph.out_edges(node, data=True):
                cost = used + (data["link"] in CROSSWALK_LINKS)
                if nxt in paths or cost > crosswalk_hops:
                    continue
                paths[nxt] = [*paths[node], nxt]
                frontier.append((nxt, cost))
        return paths

    def impacts(self, changes: list[Change], crosswalk_hops: int = 2) -> list[Impact]:
        best: dict[str, Impact] = {}
        for change in sorted(changes, key=lambda c: -c.severity):
            for start in self.starts(change):
                if start not in self.graph:
                    continue
                paths = self.paths_from(start, crosswalk_hops)
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


def impact(store: GraphStore, change_set: ChangeSet, as_of: date | None = None) -> list[Impact]:
    return ImpactGraph(store, as_of).impacts(change_set.changes)


def impacts_csv(impacts: list[Impact]) -> str:
    out = io.StringIO()
    fields = ["item", "kind", "label", "change", "severity", "changed", "path", "owner", "email"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(i.as_row() for i in impacts)
    return out.getvalue()
