"""The law as it stands: which amendment change sets a view of the law applies, and what they
do to the obligations.

By default the view on an evaluation date applies the shipped amendment change sets that are
``in-force`` by their evidence on that date. ``as_amended_by`` adds change sets the user chooses
to rely on (a proposal, an act adopted but not yet read in force); ``as_enacted`` applies none.
Applying a change set moves obligation dates (``date-moved`` with an obligation selector), adds
duties (``obligation-added`` with an ``obligation``) and removes them (``obligation-removed``).
Every answer built on a view states it (:meth:`LawView.assumptions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .changes import Change, ChangeSet, change_set_from, load_change_set, read_change_set
from .coverage import resolve_framework
from .errors import AimsgraphError, UsageError
from .paths import data_path
from .queries import QueryCatalog
from .store import GraphStore


def change_set_files(folder: Path | None = None) -> dict[str, Path]:
    """The shipped change sets by id (the file name without ``.yaml``)."""
    return {p.stem: p for p in sorted((folder or data_path("changes")).glob("*.yaml"))}


@dataclass(frozen=True)
class LawView:
    as_of: date
    applied: tuple[ChangeSet, ...] = ()
    #: amendment change sets known but not applied, with the reason
    not_applied: tuple[tuple[ChangeSet, str], ...] = ()
    as_enacted: bool = False
    #: provision -> parent, for amendments that select obligations by provision
    parents: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """Identifies what the view applies (derived graphs are rebuilt when it changes)."""
        return ",".join(sorted(c.id for c in self.applied)) or "as-enacted"

    def describe(self) -> str:
        """One line for text answers: what the answer assumes."""
        if self.applied:
            law = "as amended by " + "; ".join(f"{c.id} ({c.status_line})" for c in self.applied)
        else:
            law = "as enacted"
        text = f"Law assumed on {self.as_of.isoformat()}: the AI Act {law}"
        if self.not_applied:
            text += ". Not applied: " + "; ".join(
                f"{c.id} ({reason})" for c, reason in self.not_applied)
        return text

    def assumptions(self) -> dict[str, object]:
        """The same, as data for JSON and REST answers."""
        return {
            "asOf": self.as_of.isoformat(), "asEnacted": not self.applied,
            "appliedChangeSets": [_summary(c) for c in self.applied],
            "notApplied": [{**_summary(c), "reason": reason} for c, reason in self.not_applied]}

    def obligations(self, records: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
        """The obligation rows (named query ``obligations``) with the applied amendments."""
        rows = [dict(r, amendedBy=None) for r in records]
        for change_set in self.applied:
            for number, change in enumerate(change_set.changes, start=1):
                rows = _apply(rows, change_set, number, change, self.parents)
        return rows


def _summary(c: ChangeSet) -> dict[str, object]:
    e = c.evidence
    return {"id": c.id, "title": c.title, "status": c.status,
            "publication": e.publication if e else None,
            "inForceFrom": e.in_force_from.isoformat() if e and e.in_force_from else None,
            "publishedTextRead": e.published_act_read if e else None}


def _selected(row: dict[str, str | None], change: Change, parents: dict[str, str]) -> bool:
    if change.obligation_condition and \
            change.obligation_condition not in (row["conditions"] or "").split():
        return False
    if change.obligation_provision:
        node: str | None = row["provision"]
        while node and node != change.obligation_provision:
            node = parents.get(node)
        if node is None:
            return False
    return bool(change.obligation_condition or change.obligation_provision)


def _apply(rows: list[dict[str, str | None]], change_set: ChangeSet, number: int,
           change: Change, parents: dict[str, str]) -> list[dict[str, str | None]]:
    source = f"{change_set.id}: {change.amended_by or change.notation}"
    if change.kind == "date-moved" and change.to_date:
        for row in rows:
            if not _selected(row, change, parents):
                continue
            if change.from_date and row["applicableFrom"] != change.from_date.isoformat():
                continue
            row["applicableFrom"] = change.to_date.isoformat()
            row["amendedBy"] = source
        return rows
    if change.kind == "obligation-removed":
        return [r for r in rows if not _selected(r, change, parents)]
    if change.kind == "obligation-added" and change.added:
        added = change.added
        rows.append({"obligation": f"urn:aimsgraph:change/{change_set.id}/{number}",
                     "title": added.title, "provision": change.provision,
                     "notation": change.notation,
                     "applicableFrom": added.applicable_from.isoformat(),
                     "applicableUntil": None, "roles": " ".join(added.roles),
                     "conditions": " ".join(added.conditions), "amendedBy": source})
    return rows


@dataclass
class LawChoice:
    """What the user asked for: the change sets to rely on beyond those in force, or none."""
    as_amended_by: list[str] = field(default_factory=list)  # ids of shipped sets, or YAML paths
    as_enacted: bool = False


def law_view(store: GraphStore, as_of: date | None = None, choice: LawChoice | None = None,
             folder: Path | None = None) -> LawView:
    """The view of the law on ``as_of`` (default today) for the user's choice."""
    as_of = as_of or date.today()
    choice = choice or LawChoice()
    if choice.as_enacted and choice.as_amended_by:
        raise UsageError("--as-enacted and --as-amended-by exclude each other: choose one")
    known = change_set_files(folder)
    amendments = {}
    loaded = _loaded_frameworks(store)
    for path in known.values():
        data = read_change_set(path)  # read once; only amendments are checked and built
        if data.get("kind") != "amendment" or _framework_of(data) not in (None, *loaded):
            continue  # an edition, or nothing it amends is in this store
        change_set = change_set_from(data, path, store)
        amendments[change_set.id] = change_set
    chosen: list[ChangeSet] = []
    for name in choice.as_amended_by:
        if name in amendments:
            chosen.append(amendments[name])
        elif Path(name).suffix in (".yaml", ".yml") and Path(name).is_file():
            change_set = load_change_set(Path(name), store)
            if change_set.kind != "amendment":
                raise UsageError(f"{name}: an edition change set does not amend the law; "
                                 "--as-amended-by takes an amendment")
            chosen.append(change_set)
            amendments.setdefault(change_set.id, change_set)
        else:
            raise UsageError(f"no amendment change set {name!r}: give one of "
                             f"{', '.join(sorted(amendments)) or '(none shipped)'} or a YAML file")
    applied: list[ChangeSet] = []
    if not choice.as_enacted:
        applied = [c for c in amendments.values() if c.in_force_on(as_of)]
        applied += [c for c in chosen if c not in applied]
    not_applied = []
    for change_set in amendments.values():
        if change_set in applied:
            continue
        if choice.as_enacted:
            reason = "--as-enacted"
        elif change_set.status == "in-force":
            reason = "not yet in force on this date"
        else:
            reason = f"{change_set.status}; use --as-amended-by {change_set.id} to rely on it"
        not_applied.append((change_set, reason))
    parents = {}
    if any(c.obligation_provision for s in applied for c in s.changes):
        rows = QueryCatalog().get("provision-index").run(store).records()
        parents = {r["provision"] or "": r["parent"] or "" for r in rows if r["parent"]}
    return LawView(as_of, tuple(applied), tuple(not_applied), choice.as_enacted, parents)


def _loaded_frameworks(store: GraphStore) -> set[str]:
    return {r["framework"] or "" for r in QueryCatalog().get("frameworks").run(store).records()}


def _framework_of(data: dict) -> str | None:
    """The framework a change set amends (None when it cannot be told; building it then
    reports the problem)."""
    try:
        return resolve_framework(str(data["framework"]))
    except (KeyError, AimsgraphError):
        return None
