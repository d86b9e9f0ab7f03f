"""The audit trail: every write to the graph as a PROV-O activity in the history graph, chained
by hash, written in the same transaction as the write itself.

One write is one SPARQL Update request (one transaction on Oxigraph, embedded or served): the
data operations, then one operation that appends the trail entry and moves the store's state
(its *generation*, which replicas compare to know their caches are stale, and the chain's head).
The chain link is made inside that transaction: the entry's hash is
``SHA256(previous entry's hash + SHA-256 of the entry's own fields)``, computed by the store
from the head it holds, so two replicas writing at once still make one chain. If any part
fails, none of it is applied.

An entry (graph ``https://w3id.org/aimsgraph/graph/history``, terms ``hist:`` =
``https://w3id.org/aimsgraph/history#``)::

    <https://w3id.org/aimsgraph/history/UUID> a prov:Activity, hist:Change ;
        hist:kind "edit" ;                    # edit | sparql-update | load
        prov:wasAssociatedWith <https://w3id.org/aimsgraph/agent/alice> ;
        hist:actor "alice" ; prov:endedAtTime "2026-12-05T00:10:00Z"^^xsd:dateTime ;
        rdfs:comment "why" ; hist:fromAddress "127.0.0.1" ;
        hist:added "N-Quads" ; hist:removed "N-Quads" ; hist:addedCount 2 ; hist:removedCount 1 ;
        hist:record <the subjects changed> ; hist:graph <the graphs changed> ;
        hist:updateText "the SPARQL Update, for kind sparql-update" ;
        hist:sequence 7 ; prov:wasInformedBy <the previous entry> ;
        hist:payloadHash "..." ; hist:previousHash "..." ; hist:entryHash "..." .

No API removes or rewrites an entry; :func:`verify` recomputes every hash and finds an entry
changed, removed or inserted out of the chain. The history and state graphs are readable only by
admins and auditors (the service keeps them out of everyone else's SPARQL dataset).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import pyoxigraph as ox

from .errors import UsageError
from .namespaces import BASE, GRAPH, PROV, RDF, RDFS, XSD
from .store import GraphStore, Source

HISTORY_GRAPH = GRAPH + "history"
STATE_GRAPH = GRAPH + "state"
#: graphs only admins and auditors may read
PROTECTED_GRAPHS = (HISTORY_GRAPH, STATE_GRAPH)
HIST = BASE + "history#"
ACTIVITY_BASE = BASE + "history/"
AGENT_BASE = BASE + "agent/"
STATE = ox.NamedNode(STATE_GRAPH)
KINDS = ("edit", "sparql-update", "load")


@dataclass(frozen=True)
class Entry:
    """One trail entry as read back from the history graph."""

    activity: str
    sequence: int
    kind: str
    actor: str
    time: str
    message: str | None
    address: str | None
    added: str  #: N-Quads
    removed: str  #: N-Quads
    update: str | None
    records: tuple[str, ...]
    graphs: tuple[str, ...]
    payload_hash: str
    previous_hash: str
    entry_hash: str
    informed_by: str | None = None

    def resource(self) -> dict[str, Any]:
        return {"activity": self.activity, "sequence": self.sequence, "kind": self.kind,
                "actor": self.actor, "time": self.time, "message": self.message,
                "address": self.address, "records": list(self.records),
                "graphs": list(self.graphs), "added": self.added.splitlines(),
                "removed": self.removed.splitlines(), "update": self.update,
                "previous": self.informed_by, "entryHash": self.entry_hash}


def payload_hash(fields: dict[str, Any]) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _nquads(quads: Iterable[ox.Quad]) -> str:
    return "".join(sorted(f"{q} .\n" for q in quads))


def _lit(value: str | int) -> str:
    if isinstance(value, int):
        return str(ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer")))
    return str(ox.Literal(value))


def _check_quads(quads: Iterable[ox.Quad], what: str) -> list[ox.Quad]:
    out = []
    for quad in quads:
        if not isinstance(quad, ox.Quad) or isinstance(quad.graph_name, ox.DefaultGraph):
            raise UsageError(f"{what}: every quad must name its graph, got {quad}")
        if quad.graph_name.value in PROTECTED_GRAPHS:
            raise UsageError(f"{what}: the history and state graphs are written by the trail "
                             "only")
        out.append(quad)
    return out


@dataclass
class Change:
    """What one write changes, and who makes it why; becomes one trail entry."""

    kind: str
    actor: str
    message: str | None = None
    address: str | None = None
    added: list[ox.Quad] = field(default_factory=list)
    removed: list[ox.Quad] = field(default_factory=list)
    update: str | None = None
    #: extra graphs named (a load's sources, whose quads are not copied into the trail)
    graphs: tuple[str, ...] = ()

    def trail_operation(self) -> tuple[str, str]:
        """(activity IRI, the SPARQL Update operation that appends the entry)."""
        if self.kind not in KINDS:
            raise UsageError(f"a trail entry's kind is one of {', '.join(KINDS)}, not "
                             f"{self.kind!r}")
        if not self.actor:
            raise UsageError("a trail entry needs an actor")
        activity = ACTIVITY_BASE + str(uuid.uuid4())
        when = _canonical_time(now())
        added, removed = _nquads(self.added), _nquads(self.removed)
        records = sorted({q.subject.value for q in (*self.added, *self.removed)
                          if isinstance(q.subject, ox.NamedNode)})
        graphs = sorted({q.graph_name.value for q in (*self.added, *self.removed)
                         if isinstance(q.graph_name, ox.NamedNode)} | set(self.graphs))
        fields = {"activity": activity, "kind": self.kind, "actor": self.actor, "time": when,
                  "message": self.message, "address": self.address, "added": added,
                  "removed": removed, "update": self.update, "records": records,
                  "graphs": graphs}
        payload = payload_hash(fields)
        agent = AGENT_BASE + _safe_segment(self.actor)
        act = f"<{activity}>"
        lines = [f"{act} <{RDF}type> <{PROV}Activity> , <{HIST}Change> ",
                 f"{act} <{HIST}kind> {_lit(self.kind)} ",
                 f"{act} <{PROV}wasAssociatedWith> <{agent}> ",
                 f"<{agent}> <{RDF}type> <{PROV}Agent> ",
                 f"<{agent}> <{RDFS}label> {_lit(self.actor)} ",
                 f"{act} <{HIST}actor> {_lit(self.actor)} ",
                 f"{act} <{PROV}endedAtTime> "
                 f"{ox.Literal(when, datatype=ox.NamedNode(XSD + 'dateTime'))} ",
                 f"{act} <{HIST}added> {_lit(added)} ",
                 f"{act} <{HIST}removed> {_lit(removed)} ",
                 f"{act} <{HIST}addedCount> {_lit(len(self.added))} ",
                 f"{act} <{HIST}removedCount> {_lit(len(self.removed))} ",
                 f"{act} <{HIST}payloadHash> {_lit(payload)} ",
                 f"{act} <{HIST}sequence> ?seq ",
                 f"{act} <{HIST}previousHash> ?prev ",
                 f"{act} <{HIST}entryHash> ?hash ",
                 f"{act} <{PROV}wasInformedBy> ?head "]
        if self.message is not None:
            lines.append(f"{act} <{RDFS}comment> {_lit(self.message)} ")
        if self.address is not None:
            lines.append(f"{act} <{HIST}fromAddress> {_lit(self.address)} ")
        if self.update is not None:
            lines.append(f"{act} <{HIST}updateText> {_lit(self.update)} ")
        lines += [f"{act} <{HIST}record> <{r}> " for r in records]
        lines += [f"{act} <{HIST}graph> <{g}> " for g in graphs]
        trail = ".\n".join(lines) + "."
        state = f"<{STATE_GRAPH}>"
        # the state is read by aggregates, not OPTIONALs: in an update, Virtuoso 7.2 finds no
        # solution for OPTIONALs that match nothing (the first entry), so it wrote no trail at
        # all; an aggregate over no rows is one row, on every engine
        text = f"""DELETE {{ GRAPH {state} {{ {state} <{HIST}generation> ?gen .
    {state} <{HIST}head> ?head . {state} <{HIST}headHash> ?hh .
    {state} <{HIST}headSequence> ?hs }} }}
INSERT {{ GRAPH {state} {{ {state} <{HIST}generation> ?nextGen . {state} <{HIST}head> {act} .
    {state} <{HIST}headHash> ?hash . {state} <{HIST}headSequence> ?seq }}
  GRAPH <{HISTORY_GRAPH}> {{
{trail}
}} }}
WHERE {{
  {{ SELECT (SAMPLE(?g0) AS ?gen) WHERE {{ GRAPH {state} {{ {state} <{HIST}generation> ?g0 }} }} }}
  {{ SELECT (SAMPLE(?h0) AS ?head) (SAMPLE(?hh0) AS ?hh) (SAMPLE(?hs0) AS ?hs)
     WHERE {{ GRAPH {state} {{ {state} <{HIST}head> ?h0 ; <{HIST}headHash> ?hh0 ;
                                <{HIST}headSequence> ?hs0 }} }} }}
  BIND(COALESCE(?gen, 0) + 1 AS ?nextGen)
  BIND(COALESCE(?hh, "") AS ?prev)
  BIND(COALESCE(?hs, 0) + 1 AS ?seq)
  BIND(SHA256(CONCAT(?prev, "{payload}")) AS ?hash)
}}"""
        return activity, text


def _safe_segment(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _data_operations(added: list[ox.Quad], removed: list[ox.Quad]) -> list[str]:
    ops = []
    if removed:
        if any(isinstance(t, ox.BlankNode) for q in removed for t in (q.subject, q.object)):
            raise UsageError("a blank node cannot be removed by value: give the record an IRI")
        ops.append("DELETE DATA {\n" + _sparql_quads(removed) + "}")
    if added:
        ops.append("INSERT DATA {\n" + _sparql_quads(added) + "}")
    return ops


def _sparql_quads(quads: list[ox.Quad]) -> str:
    return "".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}\n"
                   for q in quads)


def present(store: GraphStore, quads: list[ox.Quad]) -> set[ox.Quad]:
    """The ones among ``quads`` the store holds now."""
    named = [q for q in quads if not any(isinstance(t, ox.BlankNode)
                                         for t in (q.subject, q.object))]
    found: set[ox.Quad] = set()
    for start in range(0, len(named), 500):
        chunk = named[start:start + 500]
        values = " ".join(f"({q.subject} {q.predicate} {q.object} {q.graph_name})"
                          for q in chunk)
        result = store.execute(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o ?g) {{ {values} }}"
                               " GRAPH ?g { ?s ?p ?o } }", prefixes=False)
        for row in result:  # type: ignore[union-attr]
            found.add(ox.Quad(row["s"], row["p"], row["o"], row["g"]))
    return found


def commit(store: GraphStore, *, added: Iterable[ox.Quad], removed: Iterable[ox.Quad],
           actor: str, message: str | None, address: str | None, kind: str) -> str:
    """Apply `removed` then `added` (iterables of quads) to the organization data and append one
    trail entry (a PROV-O activity in the history graph, chained by hash), atomically: both or
    neither. Returns the activity IRI.

    The entry records what really changed: quads removed that the store held, quads added that
    it did not (after the removal)."""
    removed_list = _check_quads(removed, "removed")
    added_list = _check_quads(added, "added")
    held = present(store, list({*removed_list, *added_list}))
    gone = [q for q in dict.fromkeys(removed_list) if q in held]
    gone_set = set(gone)
    new = [q for q in dict.fromkeys(added_list) if q not in held or q in gone_set]
    # a quad both removed and added stays: it is no change
    both = set(gone) & set(new)
    gone = [q for q in gone if q not in both]
    new = [q for q in new if q not in both]
    change = Change(kind, actor, message, address, new, gone)
    activity, trail = change.trail_operation()
    store.update(" ;\n".join([*_data_operations(new, gone), trail]))
    return activity


def commit_update(store: GraphStore, text: str, change: Change) -> str:
    """Run a client's SPARQL Update and append its entry in one request (``change`` holds its
    effect, found by a trial on a copy, and who sends it)."""
    activity, trail = change.trail_operation()
    store.update(f"{text.rstrip().rstrip(';')} ;\n{trail}")
    return activity


def record(store: GraphStore, change: Change) -> str:
    """Append an entry for a write already made another way (a load through the Graph Store
    Protocol, which is not one SPARQL request)."""
    activity, trail = change.trail_operation()
    store.update(trail)
    return activity


#: the most quads a load's trail entry copies; a larger load (a big organization) is recorded
#: by its graphs and counts only: its entry is one SPARQL request, and stores cap their size
#: (Oxigraph server: 128 MB; a 10^6-triple organization is 233 MB of N-Quads)
LOAD_QUADS_COPIED = 50_000


def record_load(store: GraphStore, sources: Iterable[Source], actor: str,
                added: Iterable[ox.Quad] = (), removed: Iterable[ox.Quad] = ()) -> str | None:
    """The trail entry of a load: the graphs loaded (catalogs by their SHA-256 in the manifest;
    an organization's quads in full, so that its past states can be reconstructed, up to
    :data:`LOAD_QUADS_COPIED` quads; beyond that, their counts only, and as-of views before the
    entry show that load's data as loaded)."""
    graphs = tuple(s.graph for s in sources)
    if not graphs:
        return None
    added, removed = list(added), list(removed)
    message = "loaded " + ", ".join(str(s.path) for s in sources)
    if len(added) + len(removed) > LOAD_QUADS_COPIED:
        message += (f" ({len(added):,} quads added, {len(removed):,} removed; not copied into "
                    f"the trail, over {LOAD_QUADS_COPIED:,})")
        added, removed = [], []
    return record(store, Change("load", actor, message, None, added, removed, graphs=graphs))


# -- reading ---------------------------------------------------------------------------------

def generation(store: GraphStore) -> int:
    """The store's write counter, moved on by every write that goes through the trail (0 before
    the first). Cheap: one triple."""
    rows = store.execute(f"SELECT ?g WHERE {{ GRAPH <{STATE_GRAPH}> {{ <{STATE_GRAPH}> "
                         f"<{HIST}generation> ?g }} }}", prefixes=False)
    for row in rows:  # type: ignore[union-attr]
        return int(row["g"].value)
    return 0


_ENTRY_QUERY = f"""SELECT ?a ?seq ?kind ?actor ?time ?ph ?prev ?hash
       (SAMPLE(?msg0) AS ?msg) (SAMPLE(?addr0) AS ?addr) (SAMPLE(?added0) AS ?added)
       (SAMPLE(?removed0) AS ?removed) (SAMPLE(?upd0) AS ?upd) (SAMPLE(?informed0) AS ?informed)
       (GROUP_CONCAT(DISTINCT STR(?rec); SEPARATOR="\\n") AS ?recs)
       (GROUP_CONCAT(DISTINCT STR(?gr); SEPARATOR="\\n") AS ?grs)
WHERE {{ GRAPH <{HISTORY_GRAPH}> {{
  ?a <{HIST}sequence> ?seq ; <{HIST}kind> ?kind ; <{HIST}actor> ?actor ;
     <{PROV}endedAtTime> ?time ; <{HIST}added> ?added0 ; <{HIST}removed> ?removed0 ;
     <{HIST}payloadHash> ?ph ; <{HIST}previousHash> ?prev ; <{HIST}entryHash> ?hash .
  OPTIONAL {{ ?a <{RDFS}comment> ?msg0 }}
  OPTIONAL {{ ?a <{HIST}fromAddress> ?addr0 }}
  OPTIONAL {{ ?a <{HIST}updateText> ?upd0 }}
  OPTIONAL {{ ?a <{PROV}wasInformedBy> ?informed0 }}
  OPTIONAL {{ ?a <{HIST}record> ?rec }}
  OPTIONAL {{ ?a <{HIST}graph> ?gr }}
  }}
  FILTERS
}}
# the long values (an entry's quads, its update, its records) are not grouped by (SAMPLE: every
# entry has one of each) nor sorted on (entries sorts the answer): Virtuoso 7.2 can do neither
# with a value of more than a few KB ("SR478: Value of ANY type column too long")
GROUP BY ?a ?seq ?kind ?actor ?time ?ph ?prev ?hash"""


def entries(store: GraphStore, *, record: str | None = None, actor: str | None = None,
            since: datetime | None = None, until: datetime | None = None) -> list[Entry]:
    """The trail, oldest first; filtered by a record (subject IRI) changed, the actor, and a
    time range (``since`` inclusive, ``until`` exclusive)."""
    filters, bindings = [], {}
    if record is not None:
        filters.append(f"FILTER EXISTS {{ GRAPH <{HISTORY_GRAPH}> {{ ?a <{HIST}record> "
                       "?wanted } }")
        bindings["wanted"] = ox.NamedNode(record)
    if actor is not None:
        filters.append("FILTER(?actor = ?who)")
        bindings["who"] = ox.Literal(actor)
    if since is not None:
        filters.append(f"FILTER(?time >= {_datetime_literal(since)})")
    if until is not None:
        filters.append(f"FILTER(?time < {_datetime_literal(until)})")
    text = _ENTRY_QUERY.replace("FILTERS", "\n  ".join(filters))
    # parameters are bound as VALUES: substitution would need them projected
    if bindings:
        names = " ".join(f"?{k}" for k in bindings)
        terms = " ".join(str(v) for v in bindings.values())
        text = text.replace(f"WHERE {{ GRAPH <{HISTORY_GRAPH}> {{",
                            f"WHERE {{ VALUES ({names}) {{ ({terms}) }} "
                            f"GRAPH <{HISTORY_GRAPH}> {{", 1)
    out = []
    for row in store.execute(text, prefixes=False):  # type: ignore[union-attr]
        def val(name: str, row: Any = row) -> str | None:
            term = row[name]
            return term.value if term is not None else None

        out.append(Entry(
            activity=row["a"].value, sequence=int(row["seq"].value), kind=row["kind"].value,
            actor=row["actor"].value, time=_stored_time(row["time"].value), message=val("msg"),
            address=val("addr"), added=row["added"].value, removed=row["removed"].value,
            update=val("upd"), records=tuple(sorted(filter(None, (val("recs") or "").split(
                "\n")))), graphs=tuple(sorted(filter(None, (val("grs") or "").split("\n")))),
            payload_hash=row["ph"].value, previous_hash=row["prev"].value,
            entry_hash=row["hash"].value, informed_by=val("informed")))
    return sorted(out, key=lambda entry: entry.sequence)


def _datetime_literal(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    text = _canonical_time(when)
    return str(ox.Literal(text, datatype=ox.NamedNode(XSD + "dateTime")))


def now() -> datetime:
    """The time an entry is written (one place, so that tests can move it)."""
    return datetime.now(UTC)


def _canonical_time(when: datetime) -> str:
    """UTC, as the store writes an xsd:dateTime back (no trailing zeros in the fraction)."""
    text = when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "Z"


def _stored_time(text: str) -> str:
    """An entry's time as written (:func:`_canonical_time`): Virtuoso answers every xsd:dateTime
    with six digits of fraction (``.107350Z`` for the ``.10735Z`` written), Oxigraph as stored."""
    if "." in text and text.endswith("Z"):
        text = text[:-1].rstrip("0").rstrip(".") + "Z"
    return text


def end_of(day: date) -> datetime:
    """The first instant after ``day`` (UTC): an as-of date includes the whole day."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def verify(store: GraphStore) -> list[str]:
    """What is wrong with the chain (empty: intact): every entry's fields against its payload
    hash, every hash against the one before, the sequence without gaps, and the head."""
    problems = []
    trail = entries(store)
    previous_hash, previous_activity = "", None
    for expected, entry in enumerate(trail, start=1):
        where = f"entry {entry.sequence} ({entry.activity})"
        if entry.sequence != expected:
            problems.append(f"{where}: sequence {entry.sequence} where {expected} was expected "
                            "(an entry is missing or was inserted)")
        fields = {"activity": entry.activity, "kind": entry.kind, "actor": entry.actor,
                  "time": entry.time, "message": entry.message, "address": entry.address,
                  "added": entry.added, "removed": entry.removed, "update": entry.update,
                  "records": list(entry.records), "graphs": list(entry.graphs)}
        if payload_hash(fields) != entry.payload_hash:
            problems.append(f"{where}: its content does not match its hash (changed after it "
                            "was written)")
        if entry.previous_hash != previous_hash or entry.informed_by != previous_activity:
            problems.append(f"{where}: does not link to the entry before it")
        recomputed = hashlib.sha256((entry.previous_hash + entry.payload_hash).encode()) \
            .hexdigest()
        if recomputed != entry.entry_hash:
            problems.append(f"{where}: its chain hash is wrong")
        previous_hash, previous_activity = entry.entry_hash, entry.activity
    rows = list(store.execute(
        f"SELECT ?head ?hh ?hs WHERE {{ GRAPH <{STATE_GRAPH}> {{ <{STATE_GRAPH}> <{HIST}head> "
        f"?head ; <{HIST}headHash> ?hh ; <{HIST}headSequence> ?hs }} }}", prefixes=False))
    if trail and not rows:
        problems.append("the chain's head is missing from the state graph")
    for row in rows:  # type: ignore[union-attr]
        if not trail or row["head"].value != trail[-1].activity or \
                row["hh"].value != trail[-1].entry_hash or \
                int(row["hs"].value) != trail[-1].sequence:
            problems.append("the chain's head does not name the last entry (entries at the "
                            "end were removed)")
    return problems


# -- the past --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PastState:
    store: GraphStore
    as_of: datetime
    undone: int  #: entries after the date, undone
    trail_starts: str | None  #: when the first entry was written
    notes: tuple[str, ...]


def state_as_of(store: GraphStore, when: datetime) -> PastState:
    """A new in-memory store holding what ``store`` held at ``when``: the current quads, with
    every later entry's change undone, newest first (its added quads removed, its removed quads
    put back). The history and state graphs are left out."""
    trail = entries(store)
    notes = []
    if not trail:
        notes.append("no change is recorded: the state is the one loaded")
    elif when < datetime.fromisoformat(trail[0].time.replace("Z", "+00:00")):
        notes.append(f"the trail begins at {trail[0].time}: the state shown is the one before "
                     "the first recorded change")
    past = GraphStore()
    buffer = ox.Store()
    for graph in {s.graph for s in store.sources} | _named_graphs(store):
        if graph in PROTECTED_GRAPHS:
            continue
        buffer.load(store._engine.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(graph))
    later = [e for e in trail if datetime.fromisoformat(e.time.replace("Z", "+00:00")) > when]
    for entry in reversed(later):
        if entry.kind == "load" and not entry.added and not entry.removed:
            notes.append(f"{entry.time}: a load of {', '.join(entry.graphs)} is not undone "
                         "(its content is not copied into the trail: catalogs, or an "
                         "organization too large to copy)")
        for quad in ox.parse(entry.added, format=ox.RdfFormat.N_QUADS):
            buffer.remove(quad)
        for quad in ox.parse(entry.removed, format=ox.RdfFormat.N_QUADS):
            buffer.add(quad)
    past._engine.add_staged(buffer)  # type: ignore[attr-defined]
    past._sources = {s.graph: s for s in store.sources}  # same sources, as they were
    return PastState(past, when, len(later), trail[0].time if trail else None, tuple(notes))


def _named_graphs(store: GraphStore) -> set[str]:
    rows = store.execute("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", prefixes=False)
    return {row["g"].value for row in rows}  # type: ignore[union-attr]


# -- the SoA over time -----------------------------------------------------------------------

_SOA_PROGRESS = """PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
SELECT (COUNT(DISTINCT ?line) AS ?applicable) (COUNT(DISTINCT ?done) AS ?implemented) WHERE {
  ?line a aims:ControlImplementation ; aims:applicable true .
  FILTER NOT EXISTS { ?line a aims:ClauseConformity }
  OPTIONAL { ?line aims:status aims:Implemented . BIND(?line AS ?done) }
}"""


@dataclass(frozen=True)
class Progress:
    """The Statement of Applicability at the end of one day: applicable lines, implemented."""

    day: date
    applicable: int
    implemented: int
    label: str  #: "as loaded" for the state before the first recorded change

    @property
    def share(self) -> float:
        return self.implemented / self.applicable if self.applicable else 0.0


def soa_progress(store: GraphStore, today: date | None = None) -> list[Progress]:
    """Implemented share of the applicable SoA lines over time, from the audit trail: the state
    before the first recorded change (the day before it), at the end of each day with a change,
    and today. Empty when the trail holds no change. One pass: the current data is copied once
    and each later change undone, newest first, as :func:`state_as_of` does for one date."""
    trail = [e for e in entries(store) if e.added or e.removed]
    if not trail:
        return []
    today = today or datetime.now(UTC).date()

    def day_of(entry: Entry) -> date:
        return datetime.fromisoformat(entry.time.replace("Z", "+00:00")).astimezone(UTC).date()

    buffer = ox.Store()
    for graph in {s.graph for s in store.sources} | _named_graphs(store):
        if graph not in PROTECTED_GRAPHS:
            buffer.load(store._engine.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(graph))

    def measure(day: date, label: str = "") -> Progress:
        row = next(iter(buffer.query(_SOA_PROGRESS, use_default_graph_as_union=True)))
        return Progress(day, int(row["applicable"].value), int(row["implemented"].value), label)

    days = sorted({day_of(e) for e in trail} | {today}, reverse=True)
    pending = sorted(trail, key=lambda e: e.sequence, reverse=True)  # newest first
    points = []
    for day in days:
        while pending and day_of(pending[0]) > day:
            _undo(buffer, pending.pop(0))
        points.append(measure(day))
    while pending:
        _undo(buffer, pending.pop(0))
    first = min(day_of(e) for e in trail)
    points.append(measure(date.fromordinal(first.toordinal() - 1), "as loaded"))
    return sorted(points, key=lambda p: (p.day, p.label != "as loaded"))


def _undo(buffer: ox.Store, entry: Entry) -> None:
    for quad in ox.parse(entry.added, format=ox.RdfFormat.N_QUADS):
        buffer.remove(quad)
    for quad in ox.parse(entry.removed, format=ox.RdfFormat.N_QUADS):
        buffer.add(quad)
