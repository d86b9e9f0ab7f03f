"""An organization's data from a folder of CSV files (see examples/README.md) into the graph.

Every row is checked before anything is kept: required cells, allowed values, dates, references
to people, systems and SoA lines, and control references against the loaded catalogs. All problems
are collected and raised together as :class:`DataErrors`, each naming file, line and column; the
caller adds the quads to the store in one transaction only when there are none.
"""

from __future__ import annotations

import csv
import errno
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError, NoOrganizationError
from .namespaces import AIMS, BASE, DCTERMS, FRAMEWORKS, RDF, RDFS, XSD
from .store import GraphStore

AIACT = FRAMEWORKS["aiact"]
DPV_AIACT = "https://w3id.org/dpv/legal/eu/aiact#"
ROLES = {"provider": "AIProvider", "deployer": "AIDeployer", "importer": "AIImporter",
         "distributor": "AIDistributor", "authorised-representative": "AuthorisedRepresentative",
         "product-manufacturer": "AIProductManufacturer"}
STAGES = {"inception": "Inception", "design-and-development": "DesignAndDevelopment",
          "verification-and-validation": "VerificationAndValidation", "deployment": "Deployment",
          "operation-and-monitoring": "OperationAndMonitoring",
          "continuous-validation": "ContinuousValidation", "re-evaluation": "ReEvaluation",
          "retirement": "Retirement"}
STATUSES = {"not-started": "NotStarted", "planned": "Planned", "in-progress": "InProgress",
            "implemented": "Implemented"}
TREATMENTS = {"mitigate": "Mitigate", "accept": "Accept", "avoid": "Avoid",
              "transfer": "Transfer"}
KINDS = {"ai-system-impact": "AISystemImpactAssessment",
         "fria": "FundamentalRightsImpactAssessment", "dpia": "DataProtectionImpactAssessment"}
MEASURES = {"human-oversight": "HumanOversight", "logging": "Logging",
            "technical-documentation": "TechnicalDocumentation",
            "accuracy-robustness": "AccuracyRobustness"}
TRANSPARENCY = {"interacts-with-persons": "art_50/par_1", "synthetic-content": "art_50/par_2",
                "emotion-recognition": "art_50/par_3", "biometric-categorisation": "art_50/par_3",
                "deep-fake": "art_50/par_4", "public-interest-text": "art_50/par_4"}
LEVELS = ("low", "medium", "high")
RISK_STATUSES = ("open", "closed")
ASSESSMENT_STATUSES = ("planned", "in-progress", "completed")
#: frameworks whose management-system clauses take conformity lines, and the clauses that count:
#: the harmonized structure's clauses 4-10, which ISO/IEC 27701:2019 extends in its clause 5
MANAGEMENT_CLAUSES = {"iso42001": range(4, 11), "iso27001": range(4, 11), "iso27701": (5,)}
#: frameworks whose provisions an SoA line may name as implemented directly (``implements``)
LEGAL = ("aiact", "gdpr")


class DataErrors(InputError):
    """Several problems in an organization's data; nothing of it was loaded."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s), nothing imported:\n"
                         + "\n".join(f"  {e}" for e in errors))


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False


TABLES: dict[str, tuple[Column, ...]] = {
    "organization.csv": (Column("id", True), Column("name", True), Column("scope"),
                         Column("soa_version"), Column("soa_approver")),
    "people.csv": (Column("id", True), Column("name", True), Column("email"), Column("roles")),
    "ai_systems.csv": (
        Column("id", True), Column("name", True), Column("intended_purpose"), Column("owner"),
        Column("role"), Column("lifecycle_stage"), Column("processes_personal_data"),
        Column("prohibited_practice"), Column("annex_i_legislation"),
        Column("third_party_conformity"), Column("annex_iii_point"), Column("art6_3_exception"),
        Column("profiling"), Column("transparency"), Column("gpai_model"),
        Column("public_service")),
    "risks.csv": (Column("id", True), Column("title", True), Column("system"),
                  Column("likelihood"), Column("severity"), Column("treatment"),
                  Column("controls"), Column("owner"), Column("review_date"),
                  Column("status")),
    "impact_assessments.csv": (Column("id", True), Column("system", True), Column("kind", True),
                               Column("date"), Column("status"), Column("owner"),
                               Column("next_assessment")),
    "controls.csv": (Column("id", True), Column("control", True), Column("applicable", True),
                     Column("justification"), Column("status"), Column("owner"),
                     Column("systems"), Column("measure"), Column("implements"),
                     Column("target_date")),
    "clauses.csv": (Column("id", True), Column("clause", True), Column("status", True),
                    Column("owner"), Column("evidence"), Column("date"), Column("notes"),
                    Column("target_date")),
    "evidence.csv": (Column("id", True), Column("title", True), Column("supports", True),
                     Column("date", True), Column("location"), Column("review_date")),
}
#: load order: a file only refers to ids of files before it
ORDER = ("organization.csv", "people.csv", "ai_systems.csv", "controls.csv", "clauses.csv",
         "risks.csv", "impact_assessments.csv", "evidence.csv")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def is_organization_folder(path: Path) -> bool:
    return path.is_dir() and (path / "organization.csv").is_file()


def has_organization(store: GraphStore) -> bool:
    """Whether the store holds an organization's data (an ``aims:Organization``); remembered
    until the next write, so answers served from cached findings need no store round trip."""
    return store.cached(("has-organization",), lambda: bool(
        store.query("ASK { ?organization a aims:Organization }").boolean))


def require_organization(store: GraphStore, action: str) -> None:
    """Refuse an answer about an organization when none is loaded (no false assurance)."""
    if not has_organization(store):
        raise NoOrganizationError(action)


class ProvisionIndex:
    """Resolves ``iso42001:A.6.2.4`` to a provision IRI, from the loaded catalogs."""

    def __init__(self, rows: list[dict[str, str | None]]) -> None:
        self._by_key = {(r["framework"], r["notation"]): r["provision"] for r in rows}

    def resolve(self, reference: str) -> str:
        key, sep, notation = reference.partition(":")
        if not sep or key.strip() not in FRAMEWORKS:
            raise ValueError(f"{reference!r} is not FRAMEWORK:NUMBER with a framework key "
                             f"({', '.join(FRAMEWORKS)})")
        iri = self._by_key.get((FRAMEWORKS[key.strip()], notation.strip()))
        if iri is None:
            raise ValueError(f"{reference!r}: no provision numbered {notation.strip()!r} in "
                             f"{key.strip()}")
        return iri


class _Builder:
    """Turns rows into quads, collecting problems rather than stopping at the first."""

    def __init__(self, folder: Path, graph: str, provisions: ProvisionIndex) -> None:
        self.folder = folder
        self.graph = ox.NamedNode(graph)
        self.provisions = provisions
        self.quads: list[ox.Quad] = []
        self.errors: list[InputError] = []
        self.ids: dict[str, set[str]] = {name: set() for name in TABLES}
        self.base = ""
        self.file = ""
        self.line = 0

    # -- emitting -----------------------------------------------------------------------------

    def node(self, kind: str, id_: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}/{kind}/{id_}")

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.quads.append(ox.Quad(s, ox.NamedNode(p), o, self.graph))

    def record(self, s: ox.NamedNode, cls: str) -> None:
        self.add(s, RDF + "type", ox.NamedNode(AIMS + cls))
        self.add(s, AIMS + "authoredIn", ox.Literal(self.file))
        self.add(s, AIMS + "authoredAtRow", _int(self.line))

    def error(self, field: str | None, reason: str) -> None:
        self.errors.append(InputError(reason, file=self.folder / self.file, line=self.line,
                                      field=field))

    # -- reading cells ------------------------------------------------------------------------

    def choice(self, row: dict, field: str, allowed: dict[str, str] | tuple) -> str | None:
        value = row.get(field, "").strip()
        if not value:
            return None
        if value not in allowed:
            self.error(field, f"{value!r} is not one of: {', '.join(allowed)}")
            return None
        return value

    def flag(self, row: dict, field: str) -> bool | None:
        value = row.get(field, "").strip().lower()
        if not value:
            return None
        if value not in ("yes", "no"):
            self.error(field, f"{value!r} is not yes or no")
            return None
        return value == "yes"

    def day(self, row: dict, field: str) -> date | None:
        value = row.get(field, "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(field, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def deadline(self, node: ox.NamedNode, prop: str, row: dict, field: str,
                 own: date | None = None, own_field: str = "date") -> None:
        """A due date (target, review, next assessment); never before the record's own date."""
        when = self.day(row, field)
        if when is None:
            return
        if own is not None and when < own:
            self.error(field, f"{when.isoformat()} is before the record's own {own_field} "
                       f"({own.isoformat()}): a deadline cannot come before it")
            return
        self.add(node, AIMS + prop, _date(when))

    def ref(self, row: dict, field: str, table: str, kind: str) -> ox.NamedNode | None:
        value = row.get(field, "").strip()
        if not value:
            return None
        if value not in self.ids[table]:
            self.error(field, f"{value!r} is not an id in {table}")
            return None
        return self.node(kind, value)

    def refs(self, row: dict, field: str, table: str, kind: str) -> list[ox.NamedNode]:
        found = []
        for value in _split(row.get(field, "")):
            if value not in self.ids[table]:
                self.error(field, f"{value!r} is not an id in {table}")
            else:
                found.append(self.node(kind, value))
        return found

    def control(self, field: str, reference: str) -> ox.NamedNode | None:
        try:
            return ox.NamedNode(self.provisions.resolve(reference))
        except ValueError as err:
            self.error(field, str(err))
            return None

    def text(self, s: ox.NamedNode, p: str, row: dict, field: str) -> None:
        value = row.get(field, "").strip()
        if value:
            self.add(s, p, ox.Literal(value))

    # -- the tables ---------------------------------------------------------------------------

    def organization(self, row: dict) -> None:
        self.base = f"{BASE}org/{row['id']}"
        org = ox.NamedNode(self.base)
        self.record(org, "Organization")
        self.add(org, RDFS + "label", ox.Literal(row["name"]))
        if row.get("scope", "").strip():
            scope = self.node("scope", "aims")
            self.add(scope, RDF + "type", ox.NamedNode(AIMS + "ManagementSystemScope"))
            self.add(scope, DCTERMS + "description", ox.Literal(row["scope"].strip()))
            self.add(org, AIMS + "hasScope", scope)
        self.text(org, AIMS + "soaVersion", row, "soa_version")
        approver = self.ref(row, "soa_approver", "people.csv", "person")
        if approver:
            self.add(org, AIMS + "soaApprovedBy", approver)

    def person(self, row: dict) -> None:
        person = self.node("person", row["id"])
        self.record(person, "Person")
        self.add(person, RDFS + "label", ox.Literal(row["name"]))
        self.add(person, AIMS + "memberOf", ox.NamedNode(self.base))
        self.text(person, AIMS + "email", row, "email")
        for role in _split(row.get("roles", "")):
            node = self.node("role", _slug(role))
            self.add(node, RDF + "type", ox.NamedNode(AIMS + "Role"))
            self.add(node, RDFS + "label", ox.Literal(role))
            self.add(person, AIMS + "holdsRole", node)

    def ai_system(self, row: dict) -> None:
        system = self.node("system", row["id"])
        self.record(system, "AISystem")
        self.add(system, RDFS + "label", ox.Literal(row["name"]))
        self.add(system, AIMS + "operatedBy", ox.NamedNode(self.base))
        self.text(system, AIMS + "intendedPurpose", row, "intended_purpose")
        owner = self.ref(row, "owner", "people.csv", "person")
        if owner:
            self.add(system, AIMS + "owner", owner)
        for role in _split(row.get("role", "")):
            if role not in ROLES:
                self.error("role", f"{role!r} is not one of: {', '.join(ROLES)}")
            else:
                self.add(system, AIMS + "organizationRole", ox.NamedNode(DPV_AIACT + ROLES[role]))
        stage = self.choice(row, "lifecycle_stage", STAGES)
        if stage:
            self.add(system, AIMS + "lifecycleStage", ox.NamedNode(AIMS + STAGES[stage]))
        for field, prop in (("processes_personal_data", "processesPersonalData"),
                            ("third_party_conformity", "thirdPartyConformity"),
                            ("profiling", "profiling"), ("public_service", "publicService")):
            value = self.flag(row, field)
            if value is not None:
                self.add(system, AIMS + prop, _bool(value))
        practice = self.choice(row, "prohibited_practice", tuple("abcdefgh"))
        if practice:
            self.add(system, AIMS + "prohibitedPractice",
                     ox.NamedNode(f"{AIACT}/art_5/par_1/pnt_{practice}"))
        if row.get("annex_i_legislation", "").strip():
            self.add(system, AIMS + "annexIPoint", ox.Literal(row["annex_i_legislation"].strip()))
        point = row.get("annex_iii_point", "").strip()
        if point:
            match = re.fullmatch(r"(\d)(?:\(([a-z])\))?", point)
            if not match:
                self.error("annex_iii_point", f"{point!r} is not an Annex III point like 4(a) or 2")
            else:
                notation = f"Annex III({match[1]})" + (f"({match[2]})" if match[2] else "")
                use_case = self.control("annex_iii_point", f"aiact:{notation}")
                if use_case:
                    self.add(system, AIMS + "annexIIIUseCase", use_case)
        exception = self.choice(row, "art6_3_exception", tuple("abcd"))
        if exception:
            self.add(system, AIMS + "article6Exception",
                     ox.NamedNode(f"{AIACT}/art_6/par_3/pnt_{exception}"))
        for case in _split(row.get("transparency", "")):
            if case not in TRANSPARENCY:
                self.error("transparency", f"{case!r} is not one of: {', '.join(TRANSPARENCY)}")
            else:
                self.add(system, AIMS + "transparencyCase",
                         ox.NamedNode(f"{AIACT}/{TRANSPARENCY[case]}"))
                self.add(system, AIMS + "transparencyKind", ox.Literal(case))
        gpai = self.choice(row, "gpai_model", ("provider", "provider-systemic"))
        if gpai:
            self.add(system, AIMS + "gpaiModelRole", ox.Literal(gpai))

    def control_line(self, row: dict) -> None:
        line = self.node("control", row["id"])
        self.record(line, "ControlImplementation")
        control = self.control("control", row["control"].strip())
        if control:
            self.add(line, AIMS + "implementsControl", control)
        applicable = self.flag(row, "applicable")
        if applicable is None and row.get("applicable", "").strip() == "":
            self.error("applicable", "empty: say yes or no")
        if applicable is not None:
            self.add(line, AIMS + "applicable", _bool(applicable))
        self.text(line, AIMS + "applicabilityJustification", row, "justification")
        self.status_and_owner(line, row)
        for system in self.refs(row, "systems", "ai_systems.csv", "system"):
            self.add(line, AIMS + "appliesToSystem", system)
        measure = self.choice(row, "measure", MEASURES)
        if measure:
            self.add(line, AIMS + "providesMeasure", ox.NamedNode(AIMS + MEASURES[measure]))
        for reference in _split(row.get("implements", "")):
            if reference.partition(":")[0].strip() not in LEGAL:
                self.error("implements", f"{reference!r}: name a legal provision "
                           f"({', '.join(f'{k}:...' for k in LEGAL)}), e.g. aiact:Article 50(2)")
                continue
            provision = self.control("implements", reference)
            if provision:
                self.add(line, AIMS + "implementsProvision", provision)
        self.deadline(line, "targetDate", row, "target_date")

    def status_and_owner(self, line: ox.NamedNode, row: dict) -> None:
        """The status and owner columns an SoA line and a clause line share."""
        status = self.choice(row, "status", STATUSES)
        if status:
            self.add(line, AIMS + "status", ox.NamedNode(AIMS + STATUSES[status]))
        owner = self.ref(row, "owner", "people.csv", "person")
        if owner:
            self.add(line, AIMS + "owner", owner)

    def clause_line(self, row: dict) -> None:
        """A conformity line for a management-system clause: the same kind of thing as an SoA
        line (so it counts wherever implemented controls count), but a clause always applies."""
        line = self.node("control", row["id"])
        if row["id"] in self.ids["controls.csv"]:
            self.error("id", f"{row['id']!r} is already an id in controls.csv (evidence "
                       "refers to both files' ids)")
        self.record(line, "ControlImplementation")
        self.add(line, RDF + "type", ox.NamedNode(AIMS + "ClauseConformity"))
        self.add(line, AIMS + "applicable", _bool(True))
        reference = row["clause"].strip()
        key, _, notation = reference.partition(":")
        allowed = MANAGEMENT_CLAUSES.get(key.strip())
        head = notation.strip().split(".")[0]
        if allowed is None:
            self.error("clause", f"{reference!r}: clause lines are for the management-system "
                       f"clauses of {', '.join(MANAGEMENT_CLAUSES)}")
        elif not (re.fullmatch(r"\d+(\.\d+)*", notation.strip()) and int(head) in allowed):
            hint = "" if head.isdigit() else " (Annex A controls go in controls.csv)"
            self.error("clause", f"{reference!r} is not a management-system clause "
                       + ("5.x of iso27701" if key.strip() == "iso27701" else
                          f"4-10 of {key.strip()}") + hint)
        else:
            clause = self.control("clause", reference)
            if clause:
                self.add(line, AIMS + "implementsControl", clause)
        self.status_and_owner(line, row)
        for evidence in self.refs(row, "evidence", "evidence.csv", "evidence"):
            self.quads.append(ox.Quad(evidence, ox.NamedNode(AIMS + "supports"), line,
                                      self.graph))
        when = self.day(row, "date")
        if when:
            self.add(line, AIMS + "conformityDate", _date(when))
        self.deadline(line, "targetDate", row, "target_date", when)
        self.text(line, AIMS + "applicabilityJustification", row, "notes")

    def risk(self, row: dict) -> None:
        risk = self.node("risk", row["id"])
        self.record(risk, "Risk")
        self.add(risk, RDFS + "label", ox.Literal(row["title"]))
        system = self.ref(row, "system", "ai_systems.csv", "system")
        if system:
            self.add(risk, AIMS + "concernsSystem", system)
        for field in ("likelihood", "severity"):
            value = self.choice(row, field, LEVELS)
            if value:
                self.add(risk, AIMS + field, ox.Literal(value))
        treatment = self.choice(row, "treatment", TREATMENTS)
        if treatment:
            self.add(risk, AIMS + "treatment", ox.NamedNode(AIMS + TREATMENTS[treatment]))
        for reference in _split(row.get("controls", "")):
            control = self.control("controls", reference)
            if control:
                self.add(risk, AIMS + "treatmentControl", control)
        owner = self.ref(row, "owner", "people.csv", "person")
        if owner:
            self.add(risk, AIMS + "owner", owner)
        self.deadline(risk, "reviewDate", row, "review_date")
        status = self.choice(row, "status", RISK_STATUSES)
        if status:
            self.add(risk, AIMS + "riskStatus", ox.Literal(status))

    def assessment(self, row: dict) -> None:
        node = self.node("assessment", row["id"])
        self.record(node, "ImpactAssessment")
        system = self.ref(row, "system", "ai_systems.csv", "system")
        if system:
            self.add(node, AIMS + "concernsSystem", system)
        kind = self.choice(row, "kind", KINDS)
        if kind:
            self.add(node, AIMS + "assessmentKind", ox.NamedNode(AIMS + KINDS[kind]))
        when = self.day(row, "date")
        if when:
            self.add(node, DCTERMS + "date", _date(when))
        status = self.choice(row, "status", ASSESSMENT_STATUSES)
        if status:
            self.add(node, AIMS + "assessmentStatus", ox.Literal(status))
        owner = self.ref(row, "owner", "people.csv", "person")
        if owner:
            self.add(node, AIMS + "owner", owner)
        self.deadline(node, "nextAssessmentDate", row, "next_assessment", when)

    def evidence(self, row: dict) -> None:
        node = self.node("evidence", row["id"])
        self.record(node, "Evidence")
        self.add(node, RDFS + "label", ox.Literal(row["title"]))
        supports = row.get("supports", "").strip()
        if supports in self.ids["controls.csv"] or supports in self.ids["clauses.csv"]:
            self.add(node, AIMS + "supports", self.node("control", supports))
        elif supports:
            self.error("supports", f"{supports!r} is not an id in controls.csv or clauses.csv")
        when = self.day(row, "date")
        if when:
            self.add(node, AIMS + "evidenceDate", _date(when))
        self.text(node, AIMS + "location", row, "location")
        self.deadline(node, "reviewDate", row, "review_date", when)


HANDLERS: dict[str, Callable[[_Builder, dict], None]] = {
    "organization.csv": _Builder.organization, "people.csv": _Builder.person,
    "ai_systems.csv": _Builder.ai_system, "controls.csv": _Builder.control_line,
    "clauses.csv": _Builder.clause_line,
    "risks.csv": _Builder.risk, "impact_assessments.csv": _Builder.assessment,
    "evidence.csv": _Builder.evidence,
}


#: a table's rows as read: (line in the file, cells by column name)
Table = list[tuple[int, dict[str, str]]]


def organization_quads(folder: Path, graph: str, provisions: ProvisionIndex) -> list[ox.Quad]:
    """Every record of the folder as quads in ``graph``; DataErrors lists every problem found."""
    builder = _Builder(folder, graph, provisions)
    unknown = sorted(p.name for p in folder.glob("*.csv") if p.name not in TABLES)
    for name in unknown:
        builder.errors.append(InputError(f"unknown file; expected one of {', '.join(ORDER)}",
                                         file=folder / name))
    tables = {name: _read(folder / name, builder) for name in ORDER if _present(folder / name)}
    return _build(builder, tables)


def tables_quads(tables: Mapping[str, Table], graph: str, provisions: ProvisionIndex,
                 folder: Path = Path(".")) -> list[ox.Quad]:
    """The quads of tables already read (rows of an edit, an export): the same checks as a
    folder gets, with errors naming ``folder``/file, line and column."""
    return _build(_Builder(folder, graph, provisions),
                  {name: tables[name] for name in ORDER if name in tables})


def _build(builder: _Builder, tables: Mapping[str, Table]) -> list[ox.Quad]:
    folder = builder.folder
    for name, rows in tables.items():  # ids first, so references can point forward in a file
        builder.ids[name] = {row["id"].strip() for _, row in rows if row.get("id", "").strip()}
    organization_rows = tables.get("organization.csv", [])
    if len(organization_rows) != 1:
        builder.errors.append(InputError("must hold exactly one organization row",
                                         file=folder / "organization.csv"))
        raise DataErrors(builder.errors)
    for name in ORDER:
        builder.file = name
        seen: set[str] = set()
        for line, row in tables.get(name, []):
            builder.line = line
            if not _check_row(builder, name, row, seen):
                continue
            HANDLERS[name](builder, row)
        if not builder.base:  # the organization row is wrong: no record has an address
            raise DataErrors(builder.errors)
    if builder.errors:
        raise DataErrors(builder.errors)
    return builder.quads


def _present(path: Path) -> bool:
    """The table is there: a file, or a name that should be one (a dangling or looping
    symbolic link, a folder) and is reported by :func:`_read` instead of skipped."""
    return path.is_file() or path.is_symlink() or path.exists()


def _read(path: Path, builder: _Builder) -> Table:
    builder.file = path.name
    try:
        if not path.is_file():
            target = os.readlink(path) if path.is_symlink() else ""
            why = (f"a symbolic link to {target}, which " if target else "") + (
                "loops" if target and _loops(path) else "does not exist" if target
                else "is not a file")
            builder.errors.append(InputError(f"cannot read: {why}", file=path))
            return []
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        builder.errors.append(InputError(f"cannot read as UTF-8 text: {err}", file=path))
        return []
    reader = csv.DictReader(text.splitlines(keepends=True))
    columns = {c.name for c in TABLES[path.name]}
    header = [h.strip() for h in reader.fieldnames or []]
    extra = [h for h in header if h not in columns]
    missing = [c.name for c in TABLES[path.name] if c.required and c.name not in header]
    if extra or missing:
        what = []
        if extra:
            what.append(f"unknown column(s) {', '.join(extra)}")
        if missing:
            what.append(f"missing column(s) {', '.join(missing)}")
        builder.errors.append(InputError(f"{'; '.join(what)}; columns are: "
                                         f"{', '.join(c.name for c in TABLES[path.name])}",
                                         file=path, line=1))
        return []
    rows = []
    for row in reader:
        clean = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else ""
                 for k, v in row.items() if k is not None}
        if None in row:
            builder.errors.append(InputError("more cells than columns", file=path,
                                             line=reader.line_num))
            continue
        if any(clean.values()):
            rows.append((reader.line_num, clean))
    return rows


def _loops(path: Path) -> bool:
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13
        return True
    except OSError as err:
        return err.errno == errno.ELOOP
    return False


def _check_row(builder: _Builder, name: str, row: dict, seen: set[str]) -> bool:
    ok = True
    for column in TABLES[name]:
        if column.required and not row.get(column.name):
            builder.error(column.name, "required, but empty")
            ok = False
    id_ = row.get("id", "")
    if id_ and not _ID.match(id_):
        builder.error("id", f"{id_!r} is not a slug (letters, digits, '.', '_' and '-')")
        ok = False
    if id_ in seen:
        builder.error("id", f"{id_!r} is used twice in this file")
        ok = False
    seen.add(id_)
    return ok


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _bool(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _date(value: date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
