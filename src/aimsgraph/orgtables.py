"""An organization's graph back as the CSV tables it is imported from (the inverse of
:mod:`.organization`): what ``aimsgraph export-org`` writes and what an edit changes.

Each record keeps the row it was authored at (``aims:authoredAtRow``): rows are written at
their line, blank lines filling the gaps a retired record leaves, so that importing the written
folder gives the same graph, row numbers included (``tables_quads(read_tables(g)) == g``).

    tables = read_tables(store, graph)
    write_folder(tables, Path("acme-export"))
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError, OutputError, UsageError
from .namespaces import AIMS, BASE, DCTERMS, FRAMEWORKS, RDF, RDFS
from .organization import (
    DPV_AIACT,
    KINDS,
    MEASURES,
    ORDER,
    ROLES,
    STAGES,
    STATUSES,
    TABLES,
    TRANSPARENCY,
    TREATMENTS,
    ProvisionIndex,
    Table,
)
from .queries import QueryCatalog
from .store import GraphStore

Tables = dict[str, Table]

#: the IRI segment of each table's records (``{org}/{segment}/{id}``)
SEGMENT = {"people.csv": "person", "ai_systems.csv": "system", "controls.csv": "control",
           "clauses.csv": "control", "risks.csv": "risk", "impact_assessments.csv": "assessment",
           "evidence.csv": "evidence"}
_FLAGS = {"processes_personal_data": "processesPersonalData",
          "third_party_conformity": "thirdPartyConformity", "profiling": "profiling",
          "public_service": "publicService"}


def organization_graphs(store: GraphStore) -> list[str]:
    """The named graphs holding an organization imported from CSV, in load order."""
    return [s.graph for s in store.sources if s.kind == "organization"]


def provision_index(store: GraphStore) -> ProvisionIndex:
    return ProvisionIndex(list(QueryCatalog().get("provision-index").run(store).records()))


class References:
    """Provision IRI -> the reference a CSV cell uses (``iso42001:A.6.2.4``), checked to resolve
    back to the same IRI."""

    def __init__(self, store: GraphStore) -> None:
        keys = {iri: key for key, iri in FRAMEWORKS.items()}
        rows = list(QueryCatalog().get("provision-index").run(store).records())
        self.index = ProvisionIndex(rows)
        self._by_iri: dict[str, str] = {}
        for r in rows:
            key = keys.get(r["framework"] or "")
            if key is None:
                continue
            reference = f"{key}:{r['notation']}"
            try:
                if self.index.resolve(reference) == r["provision"]:
                    self._by_iri[r["provision"] or ""] = reference
            except ValueError:
                continue

    def of(self, iri: str, where: str) -> str:
        try:
            return self._by_iri[iri]
        except KeyError:
            raise InputError(f"{iri} is not a provision of the loaded catalogs that a CSV cell "
                             "can name", file=where) from None


def read_tables(store: GraphStore, graph: str, references: References | None = None) -> Tables:
    """The rows of every table whose records ``graph`` holds, each at its authored line."""
    refs = references or References(store)
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list))
    for s, p, o, _ in store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                               {"g": ox.NamedNode(graph)}).rows:
        if s is not None and p is not None and o is not None:
            facts[s.value][p.value].append(o)
    organizations = [s for s, props in facts.items()
                     if ox.NamedNode(AIMS + "Organization") in props.get(RDF + "type", [])]
    if len(organizations) != 1:
        raise UsageError(f"the graph {graph} holds {len(organizations)} organizations; an "
                         "export needs exactly one")
    return _Reader(facts, organizations[0], refs).tables()


class _Reader:
    def __init__(self, facts: Mapping[str, Mapping[str, list]], base: str,
                 refs: References) -> None:
        self.facts, self.base, self.refs = facts, base, refs

    def one(self, s: str, prop: str) -> str:
        values = sorted(v.value for v in self.facts.get(s, {}).get(prop, []))
        return values[0] if values else ""

    def all(self, s: str, prop: str) -> list[str]:
        return sorted(v.value for v in self.facts.get(s, {}).get(prop, []))

    def id_of(self, iri: str, segment: str) -> str:
        prefix = f"{self.base}/{segment}/"
        return iri[len(prefix):] if iri.startswith(prefix) else iri

    def ref(self, s: str, prop: str, segment: str) -> str:
        value = self.one(s, prop)
        return self.id_of(value, segment) if value else ""

    def refs_of(self, s: str, prop: str, segment: str) -> str:
        return ";".join(self.id_of(v, segment) for v in self.all(s, prop))

    def provisions(self, s: str, prop: str, file: str) -> str:
        return ";".join(sorted(self.refs.of(v, file) for v in self.all(s, prop)))

    @staticmethod
    def reverse(value: str, names: Mapping[str, str], prefix: str = AIMS) -> str:
        local = value[len(prefix):] if value.startswith(prefix) else value
        return next((key for key, name in names.items() if name == local), "")

    @staticmethod
    def flag(value: str) -> str:
        return {"true": "yes", "false": "no", "1": "yes", "0": "no"}.get(value, "")

    def tables(self) -> Tables:
        records: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for s, props in self.facts.items():
            files = props.get(AIMS + "authoredIn", [])
            rows = props.get(AIMS + "authoredAtRow", [])
            if files and files[0].value in TABLES:
                line = int(rows[0].value) if rows else 0
                records[files[0].value].append((line, s))
        tables: Tables = {}
        builders = {"organization.csv": self.organization, "people.csv": self.person,
                    "ai_systems.csv": self.ai_system, "controls.csv": self.control_line,
                    "clauses.csv": self.clause_line, "risks.csv": self.risk,
                    "impact_assessments.csv": self.assessment, "evidence.csv": self.evidence}
        for name in ORDER:
            if records.get(name):
                tables[name] = [(line, builders[name](s))
                                for line, s in sorted(records[name])]
        self.place_evidence(tables)
        return {name: [(line, {c.name: row.get(c.name, "") for c in TABLES[name]})
                       for line, row in rows] for name, rows in tables.items()}

    def organization(self, s: str) -> dict[str, str]:
        scope = self.one(s, AIMS + "hasScope")
        return {"id": s.rsplit("/", 1)[-1], "name": self.one(s, RDFS + "label"),
                "scope": self.one(scope, DCTERMS + "description") if scope else "",
                "soa_version": self.one(s, AIMS + "soaVersion"),
                "soa_approver": self.ref(s, AIMS + "soaApprovedBy", "person")}

    def person(self, s: str) -> dict[str, str]:
        roles = sorted({label for role in self.all(s, AIMS + "holdsRole")
                        for label in self.all(role, RDFS + "label")})
        return {"id": self.id_of(s, "person"), "name": self.one(s, RDFS + "label"),
                "email": self.one(s, AIMS + "email"), "roles": ";".join(roles)}

    def ai_system(self, s: str) -> dict[str, str]:
        row = {"id": self.id_of(s, "system"), "name": self.one(s, RDFS + "label"),
               "intended_purpose": self.one(s, AIMS + "intendedPurpose"),
               "owner": self.ref(s, AIMS + "owner", "person"),
               "role": ";".join(_ordered({self.reverse(v, ROLES, DPV_AIACT) for v in self.all(
                   s, AIMS + "organizationRole")}, ROLES)),
               "lifecycle_stage": self.reverse(self.one(s, AIMS + "lifecycleStage"), STAGES),
               "prohibited_practice": self.one(s, AIMS + "prohibitedPractice")[-1:],
               "annex_i_legislation": self.one(s, AIMS + "annexIPoint"),
               "art6_3_exception": self.one(s, AIMS + "article6Exception")[-1:],
               "transparency": ";".join(_ordered(set(self.all(s, AIMS + "transparencyKind")),
                                                 TRANSPARENCY)),
               "gpai_model": self.one(s, AIMS + "gpaiModelRole")}
        for column, prop in _FLAGS.items():
            row[column] = self.flag(self.one(s, AIMS + prop))
        use_case = self.one(s, AIMS + "annexIIIUseCase")
        if use_case:  # aiact:Annex III(5)(b) -> 5(b)
            notation = self.refs.of(use_case, "ai_systems.csv").partition(":")[2]
            row["annex_iii_point"] = notation.removeprefix("Annex III(").replace(")", "", 1)
        return row

    def control_line(self, s: str) -> dict[str, str]:
        return {"id": self.id_of(s, "control"),
                "control": self.provisions(s, AIMS + "implementsControl", "controls.csv"),
                "applicable": self.flag(self.one(s, AIMS + "applicable")),
                "justification": self.one(s, AIMS + "applicabilityJustification"),
                "status": self.reverse(self.one(s, AIMS + "status"), STATUSES),
                "owner": self.ref(s, AIMS + "owner", "person"),
                "systems": self.refs_of(s, AIMS + "appliesToSystem", "system"),
                "measure": self.reverse(self.one(s, AIMS + "providesMeasure"), MEASURES),
                "implements": self.provisions(s, AIMS + "implementsProvision", "controls.csv"),
                "target_date": self.one(s, AIMS + "targetDate")}

    def clause_line(self, s: str) -> dict[str, str]:
        return {"id": self.id_of(s, "control"),
                "clause": self.provisions(s, AIMS + "implementsControl", "clauses.csv"),
                "status": self.reverse(self.one(s, AIMS + "status"), STATUSES),
                "owner": self.ref(s, AIMS + "owner", "person"),
                "date": self.one(s, AIMS + "conformityDate"),
                "notes": self.one(s, AIMS + "applicabilityJustification"), "evidence": "",
                "target_date": self.one(s, AIMS + "targetDate")}

    def risk(self, s: str) -> dict[str, str]:
        return {"id": self.id_of(s, "risk"), "title": self.one(s, RDFS + "label"),
                "system": self.ref(s, AIMS + "concernsSystem", "system"),
                "likelihood": self.one(s, AIMS + "likelihood"),
                "severity": self.one(s, AIMS + "severity"),
                "treatment": self.reverse(self.one(s, AIMS + "treatment"), TREATMENTS),
                "controls": self.provisions(s, AIMS + "treatmentControl", "risks.csv"),
                "owner": self.ref(s, AIMS + "owner", "person"),
                "status": self.one(s, AIMS + "riskStatus"),
                "review_date": self.one(s, AIMS + "reviewDate")}

    def assessment(self, s: str) -> dict[str, str]:
        return {"id": self.id_of(s, "assessment"),
                "system": self.ref(s, AIMS + "concernsSystem", "system"),
                "kind": self.reverse(self.one(s, AIMS + "assessmentKind"), KINDS),
                "date": self.one(s, DCTERMS + "date"),
                "status": self.one(s, AIMS + "assessmentStatus"),
                "owner": self.ref(s, AIMS + "owner", "person"),
                "next_assessment": self.one(s, AIMS + "nextAssessmentDate")}

    def evidence(self, s: str) -> dict[str, str]:
        return {"id": self.id_of(s, "evidence"), "title": self.one(s, RDFS + "label"),
                "supports": "", "date": self.one(s, AIMS + "evidenceDate"),
                "location": self.one(s, AIMS + "location"),
                "review_date": self.one(s, AIMS + "reviewDate")}

    def place_evidence(self, tables: Tables) -> None:
        """An evidence record names one line it supports (``supports``); a clause line may list
        more evidence (``evidence``). Both give the same triple, so each supported line goes
        where the CSV can hold it: an SoA line in ``supports``, further clause lines in their
        ``evidence`` cell."""
        soa = {row["id"] for _, row in tables.get("controls.csv", [])}
        clause_rows = {row["id"]: row for _, row in tables.get("clauses.csv", [])}
        clause_order = list(clause_rows)
        for _, row in tables.get("evidence.csv", []):
            node = f"{self.base}/evidence/{row['id']}"
            targets = [self.id_of(t, "control") for t in self.all(node, AIMS + "supports")]
            lines = [t for t in targets if t in soa]
            if len(lines) > 1:
                raise InputError(f"evidence {row['id']!r} supports several SoA lines "
                                 f"({', '.join(lines)}); evidence.csv names one",
                                 file="evidence.csv")
            clauses = sorted((t for t in targets if t in clause_rows), key=clause_order.index)
            chosen = lines[0] if lines else (clauses[0] if clauses else "")
            row["supports"] = chosen
            for clause in clauses:
                if clause != chosen:
                    cell = clause_rows[clause]
                    cell["evidence"] = ";".join([*filter(None, cell["evidence"].split(";")),
                                                 row["id"]])


def _ordered(values: set[str], names: Mapping[str, str]) -> list[str]:
    """Values in the order the format lists them (provider before deployer)."""
    order = list(names)
    return sorted(values, key=lambda v: (order.index(v) if v in order else len(order), v))


def organization_id(tables: Tables) -> str:
    return tables["organization.csv"][0][1]["id"]


def record_iri(tables: Tables, table: str, id_: str) -> str:
    return f"{BASE}org/{organization_id(tables)}/{SEGMENT[table]}/{id_}"


def table_text(name: str, rows: Table) -> str:
    """The CSV text of one table, each row ending on its line (blank lines fill gaps)."""
    out = io.StringIO()
    columns = [c.name for c in TABLES[name]]
    csv.writer(out, lineterminator="\n").writerow(columns)
    line = 1
    for number, row in sorted(rows, key=lambda lr: lr[0]):
        cell = io.StringIO()
        csv.writer(cell, lineterminator="\n").writerow([row.get(c, "") for c in columns])
        text = cell.getvalue()
        height = len(text.splitlines())  # as the importer counts lines
        gap = number - (line + height)
        if gap > 0:
            out.write("\n" * gap)
            line += gap
        out.write(text)
        line += height
    return out.getvalue()


def write_folder(tables: Tables, folder: Path) -> list[Path]:
    """Write each table as ``folder/<table>``; the folder must not hold other tables' files
    from before (an import would read them too)."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write {folder}: it is a file, not a folder")
    stale = [name for name in TABLES if (folder / name).exists() and name not in tables]
    if stale:
        raise OutputError(f"{folder} already holds {', '.join(stale)}, which the organization "
                          "has no rows for: an import would read them too; use an empty folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ORDER:
            if name in tables:
                path = folder / name
                path.write_text(table_text(name, tables[name]), encoding="utf-8")
                written.append(path)
    except OSError as err:
        raise OutputError(f"cannot write {folder}: {err.strerror or err}") from None
    return written


def choose_graph(store: GraphStore, name: str | None = None) -> str:
    """The organization graph to export: the only one, or the one of folder ``name``."""
    graphs = organization_graphs(store)
    if not graphs:
        raise UsageError("no organization loaded from CSV: give --data with a folder holding "
                         "organization.csv (or --store with one loaded)")
    names = {g.rstrip("/").rsplit("/", 2)[-2]: g for g in graphs}  # .../data/NAME/organization
    if name is not None:
        if name not in names:
            raise UsageError(f"no organization folder {name!r}; loaded: {', '.join(names)}")
        return names[name]
    if len(graphs) > 1:
        raise UsageError(f"{len(graphs)} organizations are loaded ({', '.join(names)}): choose "
                         "one with --organization NAME")
    return graphs[0]


def export_organization(store: GraphStore, folder: Path,
                        name: str | None = None) -> tuple[list[Path], int]:
    """Write the organization's graph as a CSV folder; (files written, statements the CSV
    cannot hold, e.g. added by SPARQL Update, which the export leaves out)."""
    graph = choose_graph(store, name)
    refs = References(store)
    tables = read_tables(store, graph, refs)
    from .organization import tables_quads

    rebuilt = {(q.subject, q.predicate, q.object) for q in tables_quads(tables, graph,
                                                                        refs.index)}
    held = {(s, p, o) for s, p, o, _ in store.query(
        "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": ox.NamedNode(graph)}).rows}
    return write_folder(tables, folder), len(held - rebuilt)
