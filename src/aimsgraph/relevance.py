"""Which changes apply to the organization, and to what: decided from the graph before any
traversal, so that impact analysis reports only what a change really reaches.

- An edition change (``kind: edition``) applies to the lines of the organization's SoA that are on
  the old edition: an organization already on the new edition gets nothing, one on the old
  edition gets what it must migrate (and the controls new in the edition, to add).
- A change to a provision that imposes obligations (the AI Act) applies to an AI system only when
  the classification gives the system one of those obligations: its class and route (Annex I or
  Annex III, high-risk or not, GPAI, Article 50 cases), the organization's role for it and the
  obligation's other conditions. A provision that decides the classification itself (Article 5(1)
  points, 6(1) with Annex I, 6(2) and 6(3) with Annex III) applies to the systems it classifies. A
  paragraph that carries no obligation of its own stands for the obligations of its article. A
  date move applies to the obligations it selects whose date is the old or the new one, and
  through them to the systems they bind; it changes no control or evidence.
- Controls (and through them SoA lines, evidence and risks) are reached through one crosswalk
  mapping from the changed provision, and only for the systems the change applies to (an
  organization-wide line when it applies to any).
- A change to a standard the organization implements (ISO/IEC 42001, 27001, ...) reaches the
  lines that implement the changed control or its parts, not lines of other standards.
- A change to a law whose obligations are not modelled (GDPR) reaches the controls mapped to it;
  the reason says that the systems it applies to are not known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import NamedTuple

from .changes import Change, ChangeSet
from .classification import Classification, ObligationStatus, classify
from .law import LawView
from .queries import NamedQuery, QueryCatalog
from .store import GraphStore

#: relations that carry a change across a crosswalk (not-related and guidance links do not)
CARRYING = ("Equal", "SubsetOf", "SupersetOf", "IntersectsWith")
#: AI Act provisions that decide a system's class rather than impose duties
CLASSIFYING = ("Article 5(1)", "Article 6(", "Annex I ", "Annex III")


@cache
def _shipped() -> QueryCatalog:
    return QueryCatalog()


def named(name: str) -> NamedQuery:
    """A shipped named query (the folder is read once per process)."""
    return _shipped().get(name)


class Entry(NamedTuple):
    """Where a change enters the organization's data, and why."""

    target: str  # an AI system IRI, or a control IRI (its lines, evidence and risks)
    path: tuple[str, ...]  # labels from the change to the target (the target included)
    why: str
    systems: frozenset[str] | None = None  # controls: the systems it applies to (None: all)


@dataclass
class Relevance:
    """A change's entries: AI systems it applies to directly, controls it reaches, provisions
    new to the organization (an edition's added controls), catalog items (no organization)."""

    change: Change
    changed: str  # readable: "Regulation (EU) 2024/1689 Article 10(2)", with dates if moved
    systems: list[Entry] = field(default_factory=list)
    controls: list[Entry] = field(default_factory=list)
    added: list[Entry] = field(default_factory=list)
    catalog: list[Entry] = field(default_factory=list)  # Provision/Obligation IRIs


class Catalog:
    """The catalog facts relevance needs: provision tree, crosswalk neighbours, obligations."""

    def __init__(self, store: GraphStore) -> None:
        queries = _shipped()
        self.framework: dict[str, str] = {}
        self.label: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        self.notation: dict[str, str] = {}
        self.by_notation: dict[tuple[str, str], str] = {}
        for r in queries.get("provision-index").run(store).records():
            iri = r["provision"] or ""
            self.framework[iri] = r["framework"] or ""
            self.notation[iri] = r["notation"] or ""
            self.label[iri] = f"{r['frameworkNotation']} {r['notation']}"
            self.by_notation[(r["framework"] or "", r["notation"] or "")] = iri
            if r["parent"]:
                self.parent[iri] = r["parent"]
                self.children.setdefault(r["parent"], []).append(iri)
        self.mapped: dict[str, list[tuple[str, str]]] = {}
        for r in queries.get("mapping-edges").run(store).records():
            relation = (r["relation"] or "").rsplit("#", 1)[-1]
            if relation in CARRYING:
                self.mapped.setdefault(r["source"] or "", []).append((r["target"] or "",
                                                                      relation))
        self.obligations = list(queries.get("obligations").run(store).records())
        self.obligation_label = {o["obligation"]: f"{o['notation']}: {o['title']}"
                                 for o in self.obligations}
        self.imposing = {self.framework.get(o["provision"] or "") for o in self.obligations}

    @staticmethod
    def of(store: GraphStore) -> Catalog:
        """Built once per store state."""
        return store.cached("impact-catalog", lambda: Catalog(store))

    def subtree(self, iri: str) -> list[str]:
        found, todo = [], [iri]
        while todo:
            node = todo.pop()
            found.append(node)
            todo.extend(self.children.get(node, ()))
        return found

    def ancestors(self, iri: str) -> list[str]:
        found = []
        while iri in self.parent:
            iri = self.parent[iri]
            found.append(iri)
        return found

    def article(self, iri: str) -> str | None:
        """The article (or annex) a paragraph or point belongs to; None for an article itself."""
        if "(" not in self.notation.get(iri, ""):
            return None
        return next((up for up in self.ancestors(iri) if "(" not in self.notation[up]
                     and self.notation[up].startswith(("Article ", "Annex "))), None)


def organization_data(store: GraphStore, law: LawView | None = None
                      ) -> tuple[dict[str, str], Callable[[], Systems]]:
    """The controls the organization's lines implement (IRI -> framework), and the AI systems'
    classification indexed by obligation and by deciding provision (built when first asked)."""
    catalog = Catalog.of(store)
    controls = {r["control"] or "": catalog.framework.get(r["control"] or "", "")
                for r in named("impact-soa-controls").run(store).records()}
    return controls, lambda: store.cached(("impact-systems", law.key if law else None),
                                          lambda: Systems(store, law))


@dataclass
class Group:
    """AI systems with the same classification facts: the same obligations and deciders."""

    obligations: dict[str, list[ObligationStatus]]  # obligation -> its statuses (one per role)
    deciders: list[tuple[str, str]]
    systems: list[tuple[str, str]] = field(default_factory=list)  # (IRI, name)


class Systems:
    """The classification of every AI system (from :func:`validation.prepare`'s cache when it ran
    on this store state), grouped by identical facts and indexed for relevance, so that a change
    is decided once per kind of system, not once per system. Obligations carry their own dates,
    so this does not depend on the evaluation date (which only says which are in force)."""

    def __init__(self, store: GraphStore, law: LawView | None = None) -> None:
        catalog = Catalog.of(store)
        aiact = next((f for f in catalog.imposing if f), "")
        groups = []
        key = ("classification-groups", law.key if law else None)
        for c, members in store.cached(key, lambda: by_facts(
                classify(store, law.as_of if law else None, law=law))):
            obligations: dict[str, list[ObligationStatus]] = {}
            for o in c.obligations:
                obligations.setdefault(o.obligation, []).append(o)
            groups.append(Group(obligations, decided_by(c, catalog, aiact), members))
        self.by_obligation: dict[str, list[Group]] = {}
        self.by_decider: dict[str, list[tuple[Group, str]]] = {}
        for group in groups:
            for obligation in group.obligations:
                self.by_obligation.setdefault(obligation, []).append(group)
            for decider, what in group.deciders:
                self.by_decider.setdefault(decider, []).append((group, what))


def by_facts(results: list[Classification]) -> list[tuple[Classification, list[tuple[str, str]]]]:
    """One classification per kind of system (identical facts give identical classes and
    obligations), with the systems (IRI, name) of that kind: what impact keeps of a
    classification run, small enough to hold for the life of the store state."""
    groups: dict[tuple, tuple[Classification, list[tuple[str, str]]]] = {}
    for c in results:
        key = tuple(frozenset(v) if isinstance(v, set) else v
                    for k, v in vars(c.system).items() if k not in ("iri", "name"))
        groups.setdefault(key, (c, []))[1].append((c.system.iri, c.system.name))
    return list(groups.values())


def decided_by(c: Classification, catalog: Catalog, aiact: str) -> list[tuple[str, str]]:
    """The provisions that decide a system's class, each with what it decides."""
    s, found = c.system, []

    def add(notation: str, what: str) -> None:
        iri = catalog.by_notation.get((aiact, notation))
        if iri:
            found.append((iri, what))

    if s.prohibited:
        add(f"Article 5(1)({s.prohibited})", "its prohibited practice")
    if s.annex_i:
        add("Article 6(1)", f"its Annex I route ({s.annex_i})")
        add(f"Annex I Section {s.annex_i[0].upper()}", f"its Annex I route ({s.annex_i})")
    if s.annex_iii:
        point = f"Annex III({s.annex_iii[0]})" + s.annex_iii[1:]
        add("Article 6(2)", f"its Annex III route ({s.annex_iii})")
        add(point, f"its Annex III route ({s.annex_iii})")
        if s.exception:
            add(f"Article 6(3)({s.exception})", "the Article 6(3) exception it relies on")
    return found


def relevance(change_set: ChangeSet, catalog: Catalog, controls: dict[str, str],
              systems: Callable[[], Systems] | None) -> list[Relevance]:
    """For each change of the set: where it enters the organization's data, and why."""
    edition_used = change_set.kind == "edition" and change_set.framework in controls.values()
    found = []
    for change in change_set.changes:
        r = Relevance(change, _changed(change, catalog))
        if systems is None:
            _catalog_reach(r, catalog)
        elif change_set.kind == "edition":
            if edition_used:
                _edition(r, catalog, controls, change_set)
        elif catalog.framework.get(change.provision) in catalog.imposing:
            _obligations(r, catalog, controls, systems())
        else:
            _standard_or_law(r, catalog, controls)
        found.append(r)
    return found


def _changed(change: Change, catalog: Catalog) -> str:
    label = catalog.label.get(change.provision, change.notation)
    if change.kind == "date-moved":
        return f"{label} (application date {change.from_date} -> {change.to_date})"
    if change.to_notations:
        return f"{label} ({change.kind} -> {', '.join(change.to_notations)})"
    return label


def _edition(r: Relevance, catalog: Catalog, controls: dict[str, str],
             change_set: ChangeSet) -> None:
    change = r.change
    if change.kind == "added":
        r.added.append(Entry(change.provision, (r.changed,), "new in the edition: the "
                             "Statement of Applicability needs a line for it"))
        return
    targets = ", ".join(change.to_notations) or "no control"
    inside = set(catalog.subtree(change.provision)) - {change.provision}
    # parts with an entry of their own (or inside one) follow that entry, not this container's:
    # a renumbered objective does not move its renumbered controls to the objective's number
    own = {p for c in change_set.changes if c.provision in inside
           for p in catalog.subtree(c.provision)}
    for control in catalog.subtree(change.provision):
        if control in controls and control not in own:
            r.controls.append(Entry(control, (r.changed,) if control == change.provision
                                    else (r.changed, catalog.label[control]),
                                    f"{change.kind} in the new edition: move the line to "
                                    f"{targets}"))


def _obligations(r: Relevance, catalog: Catalog, controls: dict[str, str],
                 systems: Systems) -> None:
    change = r.change
    scope = catalog.subtree(change.provision)  # also where the crosswalk starts
    in_scope = set(scope)
    selected = _selected_obligations(change, catalog, in_scope)
    via = ""
    classifying = catalog.notation.get(change.provision, "").startswith(CLASSIFYING)
    if not selected and change.kind != "date-moved" and not classifying:
        article = catalog.article(change.provision)
        if article:  # a paragraph without duties of its own qualifies its article's duties
            selected = _selected_obligations(change, catalog, set(catalog.subtree(article)))
            via = f" (through {catalog.label[article]}, which it qualifies)"
    bound: dict[int, tuple[Group, dict[str, list[ObligationStatus]]]] = {}
    for obligation in sorted(selected):
        for group in systems.by_obligation.get(obligation, ()):
            bound.setdefault(id(group), (group, {}))[1][obligation] = group.obligations[obligation]
    reached: set[str] = set()
    for group, obligations in bound.values():  # one reason per system: its obligations
        why, step = _obligations_text(obligations, catalog, change, via)
        for iri, name in group.systems:
            r.systems.append(Entry(iri, (r.changed, step, name), why))
            reached.add(iri)
    if change.kind not in ("date-moved", "obligation-added"):
        # the classification rules it changes: the provision, its parts, what contains it
        for decider in [*scope, *catalog.ancestors(change.provision)]:
            for group, what in systems.by_decider.get(decider, ()):
                why = f"{catalog.label[decider]} decides {what}"
                for iri, name in group.systems:
                    r.systems.append(Entry(iri, (r.changed, catalog.label[decider], name), why))
                    reached.add(iri)
    if not reached or change.kind == "date-moved":
        return
    scope_set = frozenset(reached)
    for source in scope:
        if source in controls:  # a line that implements the provision itself
            r.controls.append(Entry(source, (r.changed, catalog.label[source]),
                                    "the line implements the changed provision", scope_set))
        for control, relation in catalog.mapped.get(source, ()):
            if control in controls:
                path = (r.changed, *([catalog.label[source]] if source != change.provision
                                     else []), catalog.label[control])
                r.controls.append(Entry(control, path, f"{catalog.label[control]} maps to "
                                        f"{catalog.label[source]} ({relation})", scope_set))


def _obligations_text(obligations: dict[str, list[ObligationStatus]], catalog: Catalog,
                      change: Change, via: str) -> tuple[str, str]:
    """The reason (why, and the path step) for a system bound by these obligations."""
    parts = []
    for statuses in obligations.values():
        roles = " and ".join(sorted({o.role.rsplit("#", 1)[-1].removeprefix("AI").lower()
                                     for o in statuses}))
        text = f"{statuses[0].notation} (as {roles})"
        questions = sorted({q for o in statuses for q in o.open_questions})
        if questions:
            text += " if: " + "; ".join(questions)
        parts.append(text)
    why = f"obligation{'s' if len(parts) > 1 else ''}{via}: " + ", ".join(parts)
    if change.kind == "date-moved":
        why = f"applies from {change.to_date} instead of {change.from_date}: " + why
    step = (catalog.obligation_label[next(iter(obligations))] if len(obligations) == 1
            else f"{len(obligations)} obligations")
    return why, step


def _selected_obligations(change: Change, catalog: Catalog, in_scope: set[str]) -> set[str]:
    chosen = set()
    for o in catalog.obligations:
        if change.kind == "date-moved":
            if change.obligation_condition:
                if change.obligation_condition not in (o["conditions"] or "").split():
                    continue
            elif o["provision"] not in in_scope:
                continue
            start = date.fromisoformat(o["applicableFrom"] or "9999-12-31")
            if start not in (change.from_date, change.to_date):
                continue  # another date governs it: the move does not concern it
        elif o["provision"] not in in_scope:
            continue
        chosen.add(o["obligation"] or "")
    return chosen


def _standard_or_law(r: Relevance, catalog: Catalog, controls: dict[str, str]) -> None:
    change = r.change
    framework = catalog.framework.get(change.provision, "")
    implemented = framework in controls.values()
    for source in catalog.subtree(change.provision):
        path = (r.changed,) if source == change.provision else (r.changed, catalog.label[source])
        if source in controls:
            r.controls.append(Entry(source, path, "the line implements the changed provision"))
        if implemented:
            continue  # a standard the organization implements: its own lines only
        for control, relation in catalog.mapped.get(source, ()):
            if control in controls:
                r.controls.append(Entry(
                    control, (*path, catalog.label[control]),
                    f"{catalog.label[control]} maps to {catalog.label[source]} ({relation}); "
                    "which AI systems the provision applies to is not modelled"))


def _catalog_reach(r: Relevance, catalog: Catalog) -> None:
    """Without organization data: the provisions and obligations the change touches."""
    change = r.change
    starts = [change.provision, *change.to]
    if change.kind == "date-moved":
        for o in catalog.obligations:
            if o["obligation"] in _selected_obligations(change, catalog,
                                                         set(catalog.subtree(change.provision))):
                r.catalog.append(Entry(o["obligation"] or "", (r.changed, catalog.obligation_label[
                    o["obligation"]]), "its application date moves"))
        return
    for start in starts:
        for source in catalog.subtree(start):
            path = (r.changed,) if source == change.provision else (r.changed,
                                                                    catalog.label[source])
            if source != change.provision:
                r.catalog.append(Entry(source, path, "part of the changed provision"
                                       if start == change.provision else "its new edition"))
            _imposed(r, catalog, source, path)
            for other, relation in catalog.mapped.get(source, ()):
                r.catalog.append(Entry(other, (*path, catalog.label[other]),
                                       f"mapped to it ({relation})"))
                _imposed(r, catalog, other, (*path, catalog.label[other]))


def _imposed(r: Relevance, catalog: Catalog, provision: str, path: tuple[str, ...]) -> None:
    for o in catalog.obligations:
        if o["provision"] == provision:
            r.catalog.append(Entry(o["obligation"] or "", (*path, catalog.obligation_label[
                o["obligation"]]), f"imposed by {catalog.label[provision]}"))
