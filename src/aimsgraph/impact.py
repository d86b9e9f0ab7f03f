"""Regulatory change impact: what a change set really reaches in the organization's data (AI
systems, SoA lines, evidence, risks), each item once with every reason, grouped by the owner to
notify.

Relevance is decided first, from the graph (:mod:`.relevance`: the edition the SoA is on, the
systems' classification, roles, obligations and dates); only then are the few controls it reaches
looked up (named query ``impact-lines``, one control at a time), so the work grows with what the
change reaches, not with the size of the organization. Without organization data the answer is
the catalog's provisions and obligations the change touches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import networkx as nx

from .changes import SEVERITY, Change, ChangeSet
from .errors import UsageError
from .law import LawView, law_view
from .queries import QueryCatalog
from .relevance import Catalog, Relevance, named, organization_data, relevance
from .spreadsheet import rows_csv
from .store import GraphStore

ORGANIZATION_KINDS = ("AISystem", "ControlImplementation", "Evidence", "Risk")
CSV_FIELDS = ["item", "kind", "label", "severity", "change", "owner", "email", "reasons",
              "changed", "paths"]


class Reason(NamedTuple):
    change: str  # the kind of change
    changed: str  # the changed provision, with the move ("-> A.8.15") or the dates
    why: str
    path: tuple[str, ...]  # labels from the change to the item

    @property
    def severity(self) -> int:
        return SEVERITY[self.change]

    def as_dict(self) -> dict[str, object]:
        return {"change": self.change, "severity": self.severity, "changed": self.changed,
                "why": self.why, "path": list(self.path)}


@dataclass(frozen=True)
class Impact:
    item: str
    kind: str
    label: str
    owner: str
    email: str
    reasons: tuple[Reason, ...]  # most severe first

    @property
    def severity(self) -> int:
        return self.reasons[0].severity

    @property
    def change(self) -> str:
        return self.reasons[0].change

    @property
    def path(self) -> tuple[str, ...]:
        return self.reasons[0].path

    def as_dict(self) -> dict[str, object]:
        return {"item": self.item, "kind": self.kind, "label": self.label,
                "severity": self.severity, "change": self.change, "owner": self.owner,
                "email": self.email, "reasons": [r.as_dict() for r in self.reasons]}

    def as_row(self) -> dict[str, str]:
        return {"item": self.item, "kind": self.kind, "label": self.label,
                "severity": str(self.severity), "change": self.change, "owner": self.owner,
                "email": self.email, "reasons": str(len(self.reasons)),
                "changed": "; ".join(dict.fromkeys(r.changed for r in self.reasons)),
                "paths": " | ".join(" -> ".join(r.path) for r in self.reasons)}


@dataclass
class OwnerGroup:
    owner: str  # "" for items nobody owns
    email: str
    items: list[Impact] = field(default_factory=list)

    @property
    def severity(self) -> int:
        return max(i.severity for i in self.items)

    def as_dict(self) -> dict[str, object]:
        return {"owner": self.owner, "email": self.email, "severity": self.severity,
                "items": len(self.items),
                "byKind": dict(Counter(i.kind for i in self.items)),
                "impacts": [i.item for i in self.items]}


@dataclass
class ImpactReport:
    change_set: ChangeSet
    organization: bool  # organization data loaded (else: catalog-level impact)
    impacts: list[Impact]
    law: LawView | None = None  # the view of the law the AI systems' obligations follow

    def owners(self) -> list[OwnerGroup]:
        """Owners of affected items, most severe first, then most items; unowned last."""
        groups: dict[tuple[str, str], OwnerGroup] = {}
        for i in self.impacts:
            key = (i.owner, i.email if i.owner else "")
            groups.setdefault(key, OwnerGroup(*key)).items.append(i)
        return sorted(groups.values(), key=lambda g: (not g.owner, -g.severity, -len(g.items),
                                                      g.owner))

    def summary(self) -> dict[str, object]:
        by_severity = Counter(i.change for i in self.impacts)
        return {
            "items": len(self.impacts),
            "byKind": dict(sorted(Counter(i.kind for i in self.impacts).items())),
            "byChange": {k: by_severity[k] for k in sorted(by_severity,
                                                           key=lambda k: -SEVERITY[k])},
            "owners": [{"owner": g.owner, "email": g.email, "severity": g.severity,
                        "items": len(g.items)} for g in self.owners()],
            "unowned": sum(1 for i in self.impacts if not i.owner)}

    def as_dict(self) -> dict[str, object]:
        c = self.change_set
        return {"changeSet": c.id, "title": c.title, "status": c.status,
                "statusEvidence": c.status_line,
                "law": self.law.assumptions() if self.law else None,
                "changes": len(c.changes), "organization": self.organization,
                "summary": self.summary(), "owners": [g.as_dict() for g in self.owners()],
                "impacts": [i.as_dict() for i in self.impacts]}


class _Collector:
    """Items by IRI, each with its set of reasons."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def add(self, iri: str, kind: str, label: str, owner: str, email: str,
            reason: Reason) -> None:
        held = self.items.setdefault(iri, {"kind": kind, "label": label, "owner": owner,
                                           "email": email, "reasons": {}})
        if owner and not held["owner"]:
            held.update(owner=owner, email=email)
        held["reasons"].setdefault((reason.change, reason.changed, reason.path), reason)

    def impacts(self) -> list[Impact]:
        found = []
        labels = Counter(h["label"] for h in self.items.values())
        for iri, h in self.items.items():
            reasons = sorted(h["reasons"].values(), key=lambda r: (-r.severity, r.changed,
                                                                    r.path))
            label = h["label"] if labels[h["label"]] == 1 else \
                f"{h['label']} [{iri.rsplit('/', 1)[-1]}]"
            found.append(Impact(iri, h["kind"], label, h["owner"], h["email"], tuple(reasons)))
        return sorted(found, key=lambda i: (-i.severity, ORDER.get(i.kind, 9), i.label))


ORDER = {"AISystem": 0, "ControlImplementation": 1, "Risk": 2, "Evidence": 3, "Provision": 4,
         "Obligation": 5}


def impact_report(store: GraphStore, change_set: ChangeSet, as_of: date | None = None,
                  law: LawView | None = None) -> ImpactReport:
    """What the change set reaches, with the AI systems' obligations as ``law`` has them
    (default: the change sets in force on ``as_of``); relevance uses the obligations' own dates,
    so ``as_of`` only chooses the view of the law."""
    law = law or law_view(store, as_of)
    catalog = Catalog.of(store)
    organization = store.query("ASK { ?o a aims:Organization }").boolean or \
        store.query("ASK { ?s a aims:AISystem }").boolean
    controls, systems = organization_data(store, law) if organization else ({}, None)
    entries = relevance(change_set, catalog, controls, systems)
    collected = _Collector()
    if organization:
        _organization_items(store, entries, catalog, collected)
    else:
        for r in entries:
            for e in r.catalog:
                kind = "Obligation" if e.target in catalog.obligation_label else "Provision"
                label = catalog.obligation_label.get(e.target) or catalog.label.get(
                    e.target, e.target)
                collected.add(e.target, kind, label, "", "",
                              Reason(r.change.kind, r.changed, e.why, e.path))
    return ImpactReport(change_set, organization, collected.impacts(), law)


def impact(store: GraphStore, change_set: ChangeSet, as_of: date | None = None,
           law: LawView | None = None) -> list[Impact]:
    return impact_report(store, change_set, as_of, law).impacts


def _organization_items(store: GraphStore, entries: list[Relevance], catalog: Catalog,
                        collected: _Collector) -> None:
    if not any(r.systems or r.added or r.controls for r in entries):
        return
    names: dict[str, str] = {}
    owner_of: dict[str, str] = {}
    emails: dict[str, str] = {}
    for _kind, node, name, owner, email in _values(named("impact-systems").run(store)):
        names[node] = name or node
        if owner:
            owner_of[node] = owner
        if email:
            emails[node] = email
    people: dict[str | None, tuple[str, str]] = {None: ("", "")}

    def person(iri: str | None) -> tuple[str, str]:
        if iri not in people:
            people[iri] = (names.get(iri, iri), emails.get(iri, ""))  # type: ignore[arg-type]
        return people[iri]

    def system(iri: str, reason: Reason) -> None:
        collected.add(iri, "AISystem", names.get(iri, iri), *person(owner_of.get(iri)), reason)

    facts: dict[str, _ControlFacts] = {}
    for r in entries:
        kind = r.change.kind
        for e in r.systems:
            system(e.target, Reason(kind, r.changed, e.why, e.path))
        for e in r.added:
            collected.add(e.target, "Provision", catalog.label.get(e.target, e.target), "", "",
                          Reason(kind, r.changed, e.why, e.path))
        for e in r.controls:
            if e.target not in facts:
                facts[e.target] = _ControlFacts(_values(named("impact-lines").run(
                    store, {"control": e.target})))
            _through_control(e, facts[e.target], Reason(kind, r.changed, e.why, e.path),
                             catalog.label.get(e.target, e.target), names, person, collected,
                             system)


def _values(result) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """Rows as tuples of lexical values ("" where unbound), in the order of the variables."""
    return [tuple(t.value if t is not None else "" for t in row) for row in result.rows]


class _ControlFacts:
    """The rows of ``impact-lines`` for one control, as lines, evidence and risks."""

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        self.lines: dict[str, dict] = {}
        self.evidence: dict[str, tuple[str, str]] = {}  # evidence -> (line, title)
        self.risks: dict[str, dict] = {}
        for _control, item, line_iri, attribute, value in rows:
            if attribute == "evidence":
                self.evidence[item] = (line_iri, value)
            elif attribute.startswith("risk"):
                risk = self.risks.get(item)
                if risk is None:
                    risk = self.risks[item] = {"systems": set(), "owner": None, "label": item}
                if attribute == "risk":
                    risk["label"] = value
                elif attribute == "risk system":
                    risk["systems"].add(value)
                else:
                    risk["owner"] = value
            else:
                line = self.lines.get(item)
                if line is None:
                    line = self.lines[item] = {"systems": set(), "owner": None}
                if attribute == "system":
                    line["systems"].add(value)
                elif attribute == "owner":
                    line["owner"] = value


def _through_control(entry, facts: _ControlFacts, reason: Reason, control: str,  # type: ignore[no-untyped-def]
                     names: dict[str, str], person, collected: _Collector, system) -> None:
    """Lines of the control, their evidence, the risks it treats: those for a system the change
    applies to (an organization-wide line or a risk with no system: when it applies to any)."""
    scope = entry.systems

    def applies(systems: set[str]) -> bool:
        return scope is None or not systems or bool(systems & scope)

    def step(kind: str, iri: str, label: str, owner: str | None, path: tuple[str, ...]) -> None:
        collected.add(iri, kind, label, *person(owner),
                      Reason(reason.change, reason.changed, reason.why, path))

    line_labels = {}
    for iri, line in facts.lines.items():
        if not applies(line["systems"]):
            continue
        systems = sorted(names.get(s, s) for s in line["systems"])
        label = f"SoA line for {control}" + (f" ({', '.join(systems)})" if systems
                                              else " (organization-wide)")
        line_labels[iri] = label
        path = (*reason.path, label)
        step("ControlImplementation", iri, label, line["owner"], path)
        for s in sorted(line["systems"] if scope is None else line["systems"] & scope):
            system(s, Reason(reason.change, reason.changed, reason.why,
                             (*path, names.get(s, s))))
    for iri, (line, title) in facts.evidence.items():
        if line in line_labels:
            step("Evidence", iri, title, facts.lines[line]["owner"],
                 (*reason.path, line_labels[line], title))
    for iri, risk in facts.risks.items():
        if applies(risk["systems"]):
            step("Risk", iri, risk["label"], risk["owner"], (*reason.path, risk["label"]))


def impacts_csv(impacts: list[Impact]) -> str:
    return rows_csv([i.as_row() for i in impacts], CSV_FIELDS)


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
