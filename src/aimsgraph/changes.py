"""Change sets: what changed in a framework, read from YAML (changes/README.md) or derived.

An edition change set can be derived from the two editions' catalogs and the transition
crosswalk between them (:func:`diff_editions`): a control mapped one-to-one with the same number
and an equal requirement is unchanged; with another number it is renumbered; several old controls
mapped into one new control were merged; one old control mapped to several new ones was split; a
one-to-one mapping that is not equal is a change; an old control with no mapping was removed, a new
one that nothing maps to was added.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from .coverage import natural_key, resolve_framework
from .errors import InputError, UsageError
from .namespaces import AIMS, FRAMEWORKS
from .queries import QueryCatalog
from .store import GraphStore

KINDS = ("removed", "added", "renumbered", "merged", "split", "reworded", "changed",
         "obligation-added", "obligation-removed", "date-moved")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
STATUSES = ("proposal", "adopted", "in-force")
SEVERITY = {"removed": 5, "obligation-added": 4, "changed": 3, "reworded": 3, "merged": 3,
            "split": 3, "obligation-removed": 3, "renumbered": 2, "date-moved": 1, "added": 4}


@dataclass(frozen=True)
class Change:
    provision: str  # IRI in the change set's framework
    notation: str
    kind: str
    to: tuple[str, ...] = ()  # IRIs in the new edition
    to_notations: tuple[str, ...] = ()
    obligation_condition: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    note: str = ""
    amended_by: str = ""  # the provision of the amending act this change comes from
    obligation_provision: str | None = None  # obligations imposed by this provision or its parts
    added: AddedObligation | None = None  # obligation-added: the duty the amendment creates

    @property
    def severity(self) -> int:
        return SEVERITY[self.kind]


@dataclass(frozen=True)
class AddedObligation:
    """A duty an amendment adds, bound to the roles and conditions given, from a date."""
    title: str
    roles: tuple[str, ...]
    conditions: tuple[str, ...]
    applicable_from: date


@dataclass(frozen=True)
class Evidence:
    """Why a change set has its status: what was read, where, and what could not be read."""
    publication: str = ""  # e.g. "Regulation (EU) 2026/1744, OJ L, 2026/1744, 24.7.2026"
    date: date | str | None = None  # of the publication (YYYY-MM where only the month is known)
    in_force_from: date | None = None
    published_act_read: bool = False  # the published text itself (EUR-Lex, ISO) was read
    read: tuple[str, ...] = ()  # where the facts were read (URLs)
    note: str = ""


@dataclass
class ChangeSet:
    id: str
    title: str
    kind: str
    status: str
    framework: str
    to_framework: str | None = None
    sources: list[str] = field(default_factory=list)
    date: date | str | None = None  # a YYYY-MM month when the day is not known
    note: str = ""
    changes: list[Change] = field(default_factory=list)
    evidence: Evidence | None = None

    def in_force_on(self, day: date) -> bool:
        """In force (by its evidence) on ``day``: the law as it stands then includes it."""
        return (self.status == "in-force" and self.evidence is not None
                and self.evidence.in_force_from is not None
                and self.evidence.in_force_from <= day)

    @property
    def status_line(self) -> str:
        """The status and what it rests on, in one line."""
        e = self.evidence
        if e is None:
            return self.status
        parts = [self.status]
        if e.publication:
            parts.append(e.publication)
        if e.in_force_from:
            parts.append(f"in force from {e.in_force_from.isoformat()}")
        if self.status != "proposal" and not e.published_act_read:
            parts.append(f"published text not read; {len(e.read)} sources read")
        return ", ".join(parts)

    def to_yaml(self) -> str:
        def short(iri: str) -> str:
            return next((k for k, v in FRAMEWORKS.items() if v == iri), iri)

        data: dict = {"id": self.id, "title": self.title, "kind": self.kind,
                      "status": self.status, "source": self.sources,
                      "date": self.date or None,
                      "framework": short(self.framework)}
        if self.to_framework:
            data["to_framework"] = short(self.to_framework)
        data["note"] = self.note
        entries = []
        for c in self.changes:
            entry: dict = {"provision": c.notation, "change": c.kind}
            if c.to_notations:
                entry["to"] = list(c.to_notations)
            if c.note:
                entry["note"] = c.note
            entries.append(entry)
        data["changes"] = entries
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _index(store: GraphStore) -> dict[tuple[str, str], str]:
    rows = QueryCatalog().get("provision-index").run(store).records()
    return {(r["framework"] or "", r["notation"] or ""): r["provision"] or "" for r in rows}


#: libyaml's safe loader where PyYAML has it (an order of magnitude faster on the large edition
#: change sets, which every view of the law reads), else PyYAML's own
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """The YAML document in ``path``, with the safe loader (raises OSError, yaml.YAMLError)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def load_change_set(path: Path, store: GraphStore) -> ChangeSet:
    """Read and check a change set; InputError names the field and what is wrong."""
    return change_set_from(read_change_set(path), path, store)


def read_change_set(path: Path) -> dict:
    """The YAML mapping in ``path``, unchecked; InputError when it is no YAML mapping."""
    try:
        data = read_yaml(path)
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", file=path) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(err, 'problem', err)}", file=path,
                         line=mark.line + 1 if mark else None) from err
    if not isinstance(data, dict):
        raise InputError("a change set is a YAML mapping (id, title, kind, ...)", file=path)
    return data


def change_set_from(data: dict, path: Path, store: GraphStore) -> ChangeSet:
    """Check the mapping read from ``path`` (:func:`read_change_set`) and build the change set."""

    def fail(field_: str, reason: str) -> InputError:
        return InputError(reason, file=path, field=field_)

    def when(value: object, field_: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise fail(field_, f"{value!r} is not a date (YYYY-MM-DD)") from None

    for key in ("id", "kind", "framework", "changes"):
        if not data.get(key):
            raise fail(key, "required")
    if data["kind"] not in ("edition", "amendment"):
        raise fail("kind", "must be edition or amendment")
    try:
        framework = resolve_framework(str(data["framework"]))
        to_framework = (resolve_framework(str(data["to_framework"]))
                        if data.get("to_framework") else None)
    except UsageError as err:
        raise fail("framework", str(err)) from None
    status = data.get("status")
    if status not in STATUSES:
        raise fail("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    if data.get("evidence") is None and data["kind"] == "edition" and to_framework:
        evidence = _edition_evidence(store, to_framework, fail)
    else:
        evidence = _evidence(data.get("evidence"), str(status), fail, when)
    index = _index(store)
    sources = data.get("source") or []
    change_set = ChangeSet(
        id=str(data["id"]), title=str(data.get("title", data["id"])), kind=data["kind"],
        status=str(status), framework=framework, to_framework=to_framework,
        sources=[sources] if isinstance(sources, str) else list(sources),
        date=_month_or_date(data.get("date"), when), note=str(data.get("note", "")).strip(),
        evidence=evidence)
    for number, entry in enumerate(data["changes"], start=1):
        where = f"changes[{number}]"
        if not isinstance(entry, dict):
            raise fail(where, "each change is a mapping with provision and change")
        notation = str(entry.get("provision", ""))
        kind = entry.get("change")
        if kind not in KINDS:
            raise fail(f"{where}.change", f"{kind!r} is not one of {', '.join(KINDS)}")
        home = to_framework if kind == "added" and to_framework else framework
        iri = index.get((home, notation))
        if iri is None:
            raise fail(f"{where}.provision", f"no provision {notation!r} in {home}")
        targets = entry.get("to") or []
        targets = [targets] if isinstance(targets, str) else targets
        to_iris = []
        for target in targets:
            target_iri = index.get((to_framework or framework, str(target)))
            if target_iri is None:
                raise fail(f"{where}.to", f"no provision {target!r} in "
                                          f"{to_framework or framework}")
            to_iris.append(target_iri)
        selector = entry.get("obligations") or {}
        if not isinstance(selector, dict):
            raise fail(f"{where}.obligations", "a mapping with condition and/or provision")
        condition = selector.get("condition")
        by_provision = None
        if selector.get("provision"):
            by_provision = index.get((framework, str(selector["provision"])))
            if by_provision is None:
                raise fail(f"{where}.obligations.provision",
                           f"no provision {selector['provision']!r} in {framework}")
        amended_by = str(entry.get("amended_by") or "").strip()
        if data["kind"] == "amendment" and not amended_by:
            raise fail(f"{where}.amended_by", "required: the provision of the amending act "
                                              "this change comes from")
        added = None
        if kind == "obligation-added" and entry.get("obligation") is not None:
            added = _added(entry["obligation"], f"{where}.obligation", fail, when)
        change_set.changes.append(Change(
            iri, notation, kind, tuple(to_iris), tuple(str(t) for t in targets),
            str(condition) if condition else None, when(entry.get("from_date"),
                                                         f"{where}.from_date"),
            when(entry.get("to_date"), f"{where}.to_date"), str(entry.get("note", "")).strip(),
            amended_by, by_provision, added))
    return change_set


def _month_or_date(value: object, when) -> date | str | None:
    """The change set's own date: YYYY-MM-DD, or YYYY-MM when only the month is known."""
    if isinstance(value, str) and _MONTH.fullmatch(value.strip()):
        return value.strip()
    return when(value, "date")


def _evidence(value: object, status: str, fail, when) -> Evidence:
    """The evidence block: required, and enough for the status it backs."""
    if not isinstance(value, dict):
        raise fail("evidence", "required: a mapping with publication, date, read (the sources "
                               "read) and published_act_read; see changes/README.md")
    read = value.get("read") or []
    read = [read] if isinstance(read, str) else read
    if not isinstance(read, list) or not read or not all(isinstance(r, str) for r in read):
        raise fail("evidence.read", "required: the addresses (URLs) where the facts were read")
    published_read = value.get("published_act_read")
    if not isinstance(published_read, bool):
        raise fail("evidence.published_act_read", "required: true or false (was the published "
                                                  "text itself read?)")
    evidence = Evidence(
        publication=str(value.get("publication") or "").strip(),
        date=when(value.get("date"), "evidence.date"),
        in_force_from=when(value.get("in_force_from"), "evidence.in_force_from"),
        published_act_read=published_read, read=tuple(read),
        note=str(value.get("note") or "").strip())
    if status in ("adopted", "in-force") and not evidence.publication:
        raise fail("evidence.publication", f"status {status} needs the publication reference")
    if status in ("adopted", "in-force") and evidence.date is None:
        raise fail("evidence.date", f"status {status} needs the date of the publication")
    if status == "in-force":
        if evidence.in_force_from is None:
            raise fail("evidence.in_force_from", "status in-force needs the date it entered "
                                                 "into force")
        if not published_read:
            raise fail("status", "in-force needs the published text read "
                                 "(evidence.published_act_read: true); otherwise use adopted")
    if status == "adopted" and not published_read and len(set(read)) < 2:
        raise fail("evidence.read", "adopted without reading the published text needs two "
                                    "independent sources that agree")
    return evidence


def _issued(value: str) -> date | str:
    """A catalog's issue date: a day, or a month (xsd:gYearMonth) where only that is known."""
    return value if _MONTH.fullmatch(value) else date.fromisoformat(value)


def _edition_evidence(store: GraphStore, framework: str, fail) -> Evidence:
    """An edition change set's evidence is the new edition's catalog record (its issue date and
    the sources the catalog was read from), unless the file gives its own."""
    for r in QueryCatalog().get("frameworks").run(store).records():
        if r["framework"] == framework and r["issued"] and r["sources"]:
            return Evidence(publication=f"{r['notation']} ({r['title']})",
                            date=_issued(r["issued"]), published_act_read=False,
                            read=tuple((r["sources"] or "").split()),
                            note="from the catalog record of the new edition")
    raise fail("evidence", f"required: the catalog of {framework} records no issue date and "
                           "sources to stand as evidence")


def _added(value: object, where: str, fail, when) -> AddedObligation:
    if not isinstance(value, dict):
        raise fail(where, "a mapping with title, roles, conditions and applicable_from")
    for key in ("title", "roles", "applicable_from"):
        if not value.get(key):
            raise fail(f"{where}.{key}", "required")
    roles = value["roles"] if isinstance(value["roles"], list) else [value["roles"]]
    conditions = value.get("conditions") or []
    conditions = conditions if isinstance(conditions, list) else [conditions]
    start = when(value["applicable_from"], f"{where}.applicable_from")
    assert start is not None
    return AddedObligation(str(value["title"]), tuple(str(r) for r in roles),
                           tuple(str(c) for c in conditions), start)


def what_if(store: GraphStore, reference: str) -> ChangeSet:
    """A one-change set: "what if this provision changed" (``aiact:Article 10(2)``)."""
    key, sep, notation = reference.partition(":")
    if not sep:
        raise UsageError(f"{reference!r}: write FRAMEWORK:NUMBER, e.g. 'aiact:Article 10(2)'")
    framework = resolve_framework(key.strip())
    iri = _index(store).get((framework, notation.strip()))
    if iri is None:
        raise UsageError(f"no provision {notation.strip()!r} in {key.strip()}")
    return ChangeSet(id="what-if", title=f"What if {reference} changed", kind="amendment",
                     status="hypothetical", framework=framework,
                     changes=[Change(iri, notation.strip(), "changed")])


def diff_editions(store: GraphStore, old: str, new: str) -> ChangeSet:
    """The change set between two editions of a framework, from the transition crosswalk.

    It covers the provision kinds the crosswalk maps (Annex A controls for ISO/IEC 27001; clauses,
    annexes, tables, objectives and controls for ISO/IEC 27701). Its id is
    ``<framework>-<old version>-to-<new version>`` and its date the new edition's issue date.
    """
    old_iri, new_iri = resolve_framework(old), resolve_framework(new)
    old_all, new_all = _provisions(store, old_iri), _provisions(store, new_iri)
    forward: dict[str, list[tuple[str, str]]] = defaultdict(list)
    backward: dict[str, list[str]] = defaultdict(list)
    sets: set[str] = set()
    for m in QueryCatalog().get("mappings").run(store).records():
        if m["source"] in old_all and m["target"] in new_all:
            relation = (m["relation"] or "").removeprefix(AIMS)
            if relation != "NotRelated":
                forward[m["source"] or ""].append((m["target"] or "", relation))
                backward[m["target"] or ""].append(m["source"] or "")
                sets.add(m["mappingSet"] or "")
    if not forward:
        raise UsageError(f"no transition crosswalk from {old} to {new} is loaded")
    kinds = ({old_all[s][0] for s in forward}
             | {new_all[t][0] for targets in forward.values() for t, _ in targets})
    olds = {iri: n for iri, (kind, n) in old_all.items() if kind in kinds}
    news = {iri: n for iri, (kind, n) in new_all.items() if kind in kinds}
    changes = []
    for iri, notation in sorted(olds.items(), key=lambda kv: natural_key(kv[1])):
        targets = forward.get(iri, [])
        if not targets:
            kind = "removed"
        elif len(targets) > 1:
            kind = "split"
        else:
            target, relation = targets[0]
            if len(backward[target]) > 1:
                kind = "merged"
            elif relation != "Equal":
                kind = "changed"
            elif news[target].removeprefix("A.") != notation.removeprefix("A."):
                kind = "renumbered"
            else:
                continue
        to = tuple(t for t, _ in targets)
        changes.append(Change(iri, notation, kind, to, tuple(news[t] for t in to)))
    for iri, notation in sorted(news.items(), key=lambda kv: natural_key(kv[1])):
        if iri not in backward:
            changes.append(Change(iri, notation, "added"))
    editions = {r["framework"]: r for r in QueryCatalog().get("frameworks").run(store).records()}
    old_row, new_row = editions.get(old_iri) or {}, editions.get(new_iri) or {}
    scope = "Annex A controls" if kinds == {"Control"} else "clauses, annexes and controls"
    return ChangeSet(
        id=edition_change_set_id(old_iri, str(old_row.get("version") or ""),
                                 str(new_row.get("version") or "")),
        kind="edition", status="adopted",
        title=f"{old_row.get('notation') or old} to {new_row.get('notation') or new} ({scope})",
        framework=old_iri, to_framework=new_iri, sources=sorted(sets),
        date=_issued(new_row.get("issued")),
        note="Derived by `aimsgraph diff` from the two catalogs and the transition crosswalk "
             "(the sources): unchanged provisions are not listed.",
        changes=changes)


def edition_change_set_id(old_iri: str, old_version: str, new_version: str) -> str:
    """``iso27001-2013-to-2022``: the framework's key without its year, then both versions."""
    family = re.sub(r"-\d{4}$", "", _slug(old_iri))
    return f"{family}-{old_version}-to-{new_version}"


def _issued(value: str | None) -> date | str | None:
    """An edition's dcterms:issued: a date, or a ``YYYY-MM`` month when only that is known."""
    if not value:
        return None
    if _MONTH.fullmatch(value):
        return value
    return date.fromisoformat(value)


def _provisions(store: GraphStore, framework: str) -> dict[str, tuple[str, str]]:
    """provision IRI -> (kind, notation) for one framework edition."""
    rows = QueryCatalog().get("provisions").run(store, {"framework": framework}).records()
    return {r["provision"] or "": (r["kind"] or "", r["notation"] or "") for r in rows}


def _slug(iri: str) -> str:
    return next((k for k, v in FRAMEWORKS.items() if v == iri), iri.rsplit("/", 2)[-2])
