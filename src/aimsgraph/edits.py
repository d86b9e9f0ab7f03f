"""Edits of an organization's data: change an SoA line, add or retire evidence, add, change or
close a risk, record an impact assessment.

An edit is a change to the CSV row of one record (:mod:`.orgtables` reads the rows back from the
graph). The changed tables go through the importer (:func:`.organization.tables_quads`, the same
checks a folder gets), and the difference between the record's quads before and after is tried
on a copy of the store against the coverage shapes. An edit that fails a check, or that brings a
new violation to a record it touches, is refused with the findings (:class:`EditRejected`);
otherwise it is committed in one transaction (:func:`.history.commit`).

Each record has a version (``Record.etag``, from its row): a change names the version it was
made against, and a record changed since is refused (:class:`StaleRecordError`).

    record = get_record(store, "soa", "iso42001-a-6-2-4")
    change = plan_edit(store, Edit("soa", record.id, "change", {"status": "implemented"}),
                       if_match=record.etag)
    apply_edit(store, change, actor="mara", message="evidence filed", address=None)

A new editable column is one name in :data:`KINDS` (kept only when the importer has it).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import history
from .classification import DERIVED_GRAPH, classify, materialize
from .errors import (
    EditRejected,
    NoOrganizationError,
    RecordExistsError,
    StaleRecordError,
    UnknownRecordError,
    UsageError,
)
from .law import LawView, law_view
from .organization import TABLES, DataErrors, tables_quads
from .orgtables import SEGMENT, References, Tables, organization_graphs, read_tables, record_iri
from .store import DERIVED_PREFIX, GraphStore
from .validation import Finding, validate


def _columns(table: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The wanted columns the importer knows (a column added there becomes editable here)."""
    known = {c.name for c in TABLES[table]}
    return tuple(name for name in wanted if name in known)


@dataclass(frozen=True)
class Kind:
    """A kind of record that can be edited: its table, which columns a change may set, whether
    it can be created or retired, and the columns naming records a finding may concern too."""

    table: str
    change: tuple[str, ...]
    create: bool = False
    retire: bool = False
    related: Mapping[str, str] = field(default_factory=dict)  # column -> the table it names

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in TABLES[self.table])


KINDS: dict[str, Kind] = {
    "soa": Kind("controls.csv", _columns("controls.csv", (
        "status", "owner", "justification", "target_date"))),
    "evidence": Kind("evidence.csv", _columns("evidence.csv", (
        "title", "supports", "date", "location", "review_date")), create=True, retire=True,
        related={"supports": "controls.csv"}),
    "risks": Kind("risks.csv", _columns("risks.csv", (
        "title", "system", "likelihood", "severity", "treatment", "controls", "owner", "status",
        "review_date", "target_date")), create=True, related={"system": "ai_systems.csv"}),
    "assessments": Kind("impact_assessments.csv", _columns("impact_assessments.csv", (
        "system", "kind", "date", "status", "owner", "next_assessment", "target_date")),
        create=True,
        related={"system": "ai_systems.csv"}),
}
ACTIONS = ("create", "change", "retire")


@dataclass(frozen=True)
class Record:
    kind: str
    id: str
    graph: str  #: the organization graph holding it
    iri: str
    row: dict[str, str]  #: its cells, as in the CSV file

    @property
    def etag(self) -> str:
        """The record's version: a strong entity tag over its cells."""
        text = json.dumps([self.kind, self.row], sort_keys=True, ensure_ascii=False)
        return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


@dataclass(frozen=True)
class Edit:
    kind: str  #: a key of KINDS
    id: str
    action: str  #: create | change | retire
    values: Mapping[str, str] = field(default_factory=dict)  #: cells to set ("" clears one)


@dataclass
class Change:
    """A checked edit, ready to commit."""

    edit: Edit
    graph: str
    added: list[ox.Quad]
    removed: list[ox.Quad]
    record: Record | None  #: the record after the edit (None once retired)
    findings: list[Finding]  #: the findings on the records it touches, after it
    validation: list[Finding] = field(default_factory=list)  #: every finding after it
    #: (generation of the store, the copy it was checked on, the change made there)
    staging: tuple | None = field(default=None, repr=False)


def cell(value: str | list[str] | None) -> str:
    """A JSON value as a CSV cell: a list becomes a ``;``-list, None an empty cell."""
    if value is None:
        return ""
    return ";".join(v.strip() for v in value) if isinstance(value, list) else value.strip()


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise UsageError(f"unknown kind of record {name!r}; valid: {', '.join(KINDS)}")
    return KINDS[name]


def _tables(store: GraphStore, graph: str, refs: References | None = None) -> Tables:
    """The graph's tables, read once per store state (a copy: callers change them)."""
    held = store.cached(("org-tables", graph), lambda: read_tables(store, graph, refs))
    return copy.deepcopy(held)


def _locate(store: GraphStore, kind: Kind, id_: str,
            refs: References | None = None) -> tuple[str, Tables, int] | None:
    for graph in organization_graphs(store):
        tables = _tables(store, graph, refs)
        for index, (_, row) in enumerate(tables.get(kind.table, [])):
            if row["id"] == id_:
                return graph, tables, index
    return None


def get_record(store: GraphStore, kind: str, id_: str) -> Record:
    """The record of ``kind`` (a key of :data:`KINDS`) with ``id_``; UnknownRecordError if none."""
    spec = _kind(kind)
    located = _locate(store, spec, id_)
    if located is None:
        raise UnknownRecordError(f"no {kind} record {id_!r}")
    graph, tables, index = located
    return _record(kind, graph, tables, tables[spec.table][index][1])


def list_records(store: GraphStore, kind: str) -> list[Record]:
    spec = _kind(kind)
    return [_record(kind, graph, tables, row)
            for graph in organization_graphs(store)
            for tables in [_tables(store, graph)]
            for _, row in tables.get(spec.table, [])]


def people(store: GraphStore) -> list[tuple[str, str]]:
    """(id, name) of everyone a record may name as owner, by name."""
    found = {row["id"]: row["name"] for graph in organization_graphs(store)
             for _, row in _tables(store, graph).get("people.csv", [])}
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


def _record(kind: str, graph: str, tables: Tables, row: dict[str, str]) -> Record:
    table = KINDS[kind].table
    return Record(kind, row["id"], graph, record_iri(tables, table, row["id"]), dict(row))


def matches(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: ``*`` or a list of entity tags, compared strongly."""
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or etag in tags


def plan_edit(store: GraphStore, edit: Edit, *, if_match: str | None = None,
              law: LawView | None = None, before: list[Finding] | None = None) -> Change:
    """Check ``edit`` against the importer's rules and the coverage shapes; the quads to remove
    and add. ``if_match`` (a change or retirement) is the version it was made against;
    ``before`` the current findings under ``law``, if known."""
    spec = _kind(edit.kind)
    if edit.action not in ACTIONS:
        raise UsageError(f"unknown action {edit.action!r}; valid: {', '.join(ACTIONS)}")
    refs = References(store)
    allowed = spec.columns if edit.action == "create" else spec.change
    extra = sorted(set(edit.values) - set(allowed))
    if extra:
        raise EditRejected([{"field": name, "message": f"not a field a {edit.action} of "
                             f"{edit.kind} sets; fields: {', '.join(allowed)}",
                             "severity": "Violation"} for name in extra])
    located = _locate(store, spec, edit.id, refs)
    if edit.action == "create":
        if located is not None:
            raise RecordExistsError(f"{edit.kind} record {edit.id!r} exists already; change it "
                                    "instead, or choose another id")
        graph, tables = _home(store, spec, edit.values, refs)
        rows = tables.setdefault(spec.table, [])
        before_tables = copy.deepcopy(tables)
        line = max((n for n, _ in rows), default=1) + 1
        rows.append((line, {**{c: "" for c in spec.columns}, **edit.values, "id": edit.id}))
        old_row: dict[str, str] = {}
    else:
        if located is None:
            raise UnknownRecordError(f"no {edit.kind} record {edit.id!r}")
        graph, tables, index = located
        before_tables = copy.deepcopy(tables)
        line, old_row = tables[spec.table][index]
        current = _record(edit.kind, graph, tables, old_row)
        if if_match is not None and not matches(if_match, current.etag):
            raise StaleRecordError(f"{edit.kind} record {edit.id!r} changed since version "
                                   f"{if_match}; it is now {current.etag}: read it again",
                                   current.etag)
        if edit.action == "retire":
            if not spec.retire:
                raise UsageError(f"a {edit.kind} record cannot be retired")
            del tables[spec.table][index]
            _drop_references(tables, spec, edit.id)
        else:
            tables[spec.table][index] = (line, {**old_row, **edit.values})
    try:
        old = set(tables_quads(before_tables, graph, refs.index))
    except DataErrors as err:
        raise UsageError(f"the organization's data in {graph} does not pass the importer's "
                         f"checks as it is ({err}); fix it before editing") from None
    try:
        new = set(tables_quads(tables, graph, refs.index))
    except DataErrors as err:
        raise EditRejected([{"field": e.field or "record", "message": e.reason,
                             "severity": "Violation"} for e in err.errors]) from None
    added, removed = sorted(new - old, key=str), sorted(old - new, key=str)
    new_row = next((r for _, r in tables.get(spec.table, []) if r["id"] == edit.id), None)
    record = _record(edit.kind, graph, tables, new_row) if new_row is not None else None
    iri = record_iri(tables, spec.table, edit.id)
    touched = {iri} | _related(tables, spec, old_row) | _related(tables, spec, new_row or {})
    found, after, staging = _check(store, added, removed, touched, edit, law, before)
    return Change(edit, graph, added, removed, record, found, after, staging)


def _home(store: GraphStore, spec: Kind, values: Mapping[str, str],
          refs: References) -> tuple[str, Tables]:
    """The organization graph a new record goes to: the one holding a record it names (the
    line evidence supports, the system a risk concerns), else the first."""
    graphs = organization_graphs(store)
    if not graphs:
        raise NoOrganizationError("an edit")
    for column, table in spec.related.items():
        wanted = values.get(column, "")
        for graph in graphs:
            tables = _tables(store, graph, refs)
            names = [table, "clauses.csv"] if table == "controls.csv" else [table]
            if any(row["id"] == wanted for name in names for _, row in tables.get(name, [])):
                return graph, tables
    return graphs[0], _tables(store, graphs[0], refs)


def _drop_references(tables: Tables, spec: Kind, id_: str) -> None:
    """A retired evidence record leaves the clause lines that list it."""
    if spec.table != "evidence.csv":
        return
    for _, row in tables.get("clauses.csv", []):
        kept = [e for e in row.get("evidence", "").split(";") if e.strip() and e.strip() != id_]
        row["evidence"] = ";".join(kept)


def _related(tables: Tables, spec: Kind, row: Mapping[str, str]) -> set[str]:
    """The records a row names whose findings an edit of it may change."""
    found = set()
    for column, table in spec.related.items():
        value = row.get(column, "").strip()
        if value:
            found.add(f"{record_iri(tables, table, '')}{value}")
    return found


#: per store, a copy of it (derived graphs left out) as it was at a generation of the store:
#: the next edit is tried on it instead of a fresh copy when nothing was written since
_STAGING: weakref.WeakKeyDictionary[GraphStore, tuple[int, GraphStore]] = \
    weakref.WeakKeyDictionary()
_STAGING_LOCK = threading.Lock()


def _take_staging(store: GraphStore) -> tuple[int, GraphStore]:
    """(the store's generation, a copy of the store as it is now) for this edit alone."""
    with _STAGING_LOCK:
        held = _STAGING.pop(store, None)
    if held is not None and held[0] == store.generation:
        return held
    generation = store.generation
    derived = [s.graph for s in store.sources if s.graph.startswith(DERIVED_PREFIX)]
    return generation, store.copy(without=derived)


def _keep_staging(store: GraphStore, generation: int, staging: GraphStore) -> None:
    with _STAGING_LOCK:
        _STAGING[store] = (generation, staging)


def _check(store: GraphStore, added: list[ox.Quad], removed: list[ox.Quad], touched: set[str],
           edit: Edit, law: LawView | None,
           before: list[Finding] | None) -> tuple[list[Finding], list[Finding], tuple]:
    """Validate the store with the change made (on a copy); refuse a new violation on a touched
    record. (The findings on touched records, all findings), after the change, and the copy."""
    law = law or law_view(store, None)
    if before is None:
        derived = [s.graph for s in store.sources if s.graph.startswith(DERIVED_PREFIX)]
        before = validate(store.copy(without=derived), law=law)
    generation, staging = _take_staging(store)
    staging.unload([s.graph for s in staging.sources if s.graph.startswith(DERIVED_PREFIX)])
    staging.change(added=added, removed=removed)
    try:
        after = validate(staging, law=law)
    except BaseException:
        staging.change(added=removed, removed=added)
        raise

    def key(f: Finding) -> tuple[str, str, str]:
        return f.focus, f.shape, f.message

    known = {key(f) for f in before}
    mine = [f for f in after if f.focus in touched]
    new = [f for f in mine if f.severity == "Violation" and key(f) not in known]
    if new:
        staging.change(added=removed, removed=added)  # as the store still is
        _keep_staging(store, generation, staging)
        raise EditRejected([{"field": field_of(edit, f), "message": f.message,
                             "severity": f.severity} for f in new])
    return mine, after, (generation, staging)


#: which field of an edit a coverage finding points at, by a phrase of its message
FIELDS = (("without a justification", "justification"), ("has no owner", "owner"),
          ("no implementation status", "status"), ("no treatment decision", "treatment"),
          ("names no control", "controls"), ("no evidence supports", "status"),
          ("newest evidence", "date"), ("impact assessment", "kind"),
          ("no risk assessment", "system"))


def field_of(edit: Edit, finding: Finding) -> str:
    for phrase, name in FIELDS:
        if phrase in finding.message:
            if name == "date" and edit.kind == "soa":
                return "status"  # the line is implemented, its evidence is old
            if name in KINDS[edit.kind].columns:
                return name
    return "record"


def apply_edit(store: GraphStore, change: Change, *, actor: str, message: str | None,
               address: str | None, law: LawView | None = None) -> str:
    """Commit a planned change (one transaction, with its trail); the id of the commit. The
    derived classification graph is brought up to date (implemented controls count in it)."""
    unchanged = change.staging is not None and change.staging[0] == store.generation
    commit = history.commit(store, added=change.added, removed=change.removed, actor=actor,
                            message=message, address=address,
                            kind="edit")
    if any(s.graph == DERIVED_GRAPH for s in store.sources):
        law = law or law_view(store, None)
        materialize(store, classify(store, law.as_of, law=law), law.key)
    if unchanged and change.staging is not None:  # the copy holds what the store holds now
        _keep_staging(store, store.generation, change.staging[1])
    return commit


def record_segment(kind: str) -> str:
    return SEGMENT[KINDS[kind].table]


__all__ = ["ACTIONS", "KINDS", "Change", "Edit", "Kind", "Record", "apply_edit", "cell",
           "get_record", "list_records", "matches", "people", "plan_edit"]
