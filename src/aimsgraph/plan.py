"""The action plan: every open item of an organization's AI management system as one action, with
who owns it, by when, and why that date.

Open items, each listed once:

- a **validation finding** (``validate``): due on its record's own date where it has one (a
  target or review date), else on the evaluation date; findings on a record that is itself an
  open item below (a planned SoA line without an owner, a risk without one) are folded into that
  item's action, and the findings "no implemented control reaches ..." and "newest evidence ... is
  older than ..." are the unreached-obligation and stale-evidence actions themselves;
- an **unreached obligation**: an AI Act obligation that applies to an AI system (not merely
  conditionally) and that no implemented control reaches (:class:`~.classification.Reach`), due on
  its application date for that system: Article 113's date for its route, or the date an applied
  amendment change set gives it (:mod:`.law`);
- a **planned control**: an applicable SoA or clause conformity line not implemented yet, due on
  its ``target_date``; without one, on the earliest application date of an unreached obligation
  it would reach (through a crosswalk) for its systems;
- **stale evidence**: an implemented line whose newest evidence passed the age limit (the
  ``evidence_months`` setting), due on the day it did;
- a **review**: the review date of a risk or a piece of evidence, the next assessment date of an
  impact assessment.

The owner is the record's own, else the nearest responsible person: the AI system's owner, the
owner of the SoA line a piece of evidence supports, the AIMS owner (the person holding the role
"AIMS owner"). An action is overdue when its deadline is before the evaluation date.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from .classification import Reach, classify
from .errors import UsageError
from .law import LawView, law_view
from .namespaces import BASE
from .organization import require_organization
from .store import GraphStore
from .validation import Finding, _months_before, validate

SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2}
KINDS = ("finding", "obligation", "control", "evidence", "review")
KIND_LABEL = {"finding": "validation finding", "obligation": "unreached obligation",
              "control": "planned control", "evidence": "stale evidence", "review": "review"}
AIMS_OWNER_ROLE = "aims owner"
#: Article 113 of Regulation (EU) 2024/1689: the date each route of an obligation applies from
ARTICLE_113 = {
    date(2025, 2, 2): "Article 113(a): Chapters I and II apply from 2 February 2025",
    date(2025, 8, 2): "Article 113(b): Chapter III Section 4, Chapters V, VII and XII and "
                      "Article 78 apply from 2 August 2025",
    date(2026, 8, 2): "Article 113: the Regulation applies from 2 August 2026",
    date(2027, 8, 2): "Article 113(c): Article 6(1) (Annex I products) and the corresponding "
                      "obligations apply from 2 August 2027",
}
COLUMNS = ["deadline", "overdue", "severity", "kind", "title", "owner", "ownerName",
           "ownerBasis", "system", "systemName", "provision", "why", "location", "findings",
           "id"]


@dataclass(frozen=True)
class Person:
    iri: str
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class Action:
    """One open item: what to do, who owns it, by when and why that date."""
    id: str  # stable across runs for the same item (the iCalendar UID is built from it)
    kind: str  # one of KINDS
    title: str
    severity: str  # Violation | Warning | Info
    deadline: date | None
    why: str  # why that date
    overdue: bool
    owner: Person | None
    owner_basis: str  # own | system owner | control owner | AIMS owner | none
    system: str = ""  # the AI system's id ("" when organization-wide)
    system_name: str = ""
    system_iri: str = ""
    provision: str = ""  # the notation of the provision it serves (Article 27(2), A.8.3)
    provision_iri: str = ""
    location: str = ""  # file:row of the record
    findings: tuple[str, ...] = ()  # validation findings folded into this action
    focus: str = ""  # the record's IRI
    #: the AI systems whose unreached obligations it would reach (a planned control)
    serves: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "severity": self.severity,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "why": self.why, "overdue": self.overdue,
                "owner": self.owner.id if self.owner else None,
                "ownerName": self.owner.name if self.owner else None,
                "ownerBasis": self.owner_basis, "system": self.system or None,
                "systemName": self.system_name or None, "provision": self.provision or None,
                "provisionIri": self.provision_iri or None, "location": self.location or None,
                "findings": list(self.findings), "focus": self.focus or None,
                "serves": [_key(iri) for iri in self.serves]}

    def row(self) -> dict[str, str]:
        """The action as a table row (CSV, XLSX, Markdown)."""
        d = self.as_dict()
        return {"deadline": d["deadline"] or "", "overdue": "overdue" if self.overdue else "",
                "severity": self.severity, "kind": KIND_LABEL[self.kind], "title": self.title,
                "owner": self.owner.id if self.owner else "",
                "ownerName": self.owner.name if self.owner else "",
                "ownerBasis": self.owner_basis, "system": self.system,
                "systemName": self.system_name, "provision": self.provision, "why": self.why,
                "location": self.location, "findings": "; ".join(self.findings), "id": self.id}


@dataclass(frozen=True)
class PlanFilter:
    owner: str | None = None  # a person id
    system: str | None = None  # an AI system id
    before: date | None = None  # deadlines before this date only


@dataclass
class Plan:
    as_of: date
    law: LawView
    evidence_months: int
    organization: str
    actions: list[Action] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)  # by id
    systems: dict[str, str] = field(default_factory=dict)  # id -> name

    @property
    def overdue(self) -> int:
        return sum(a.overdue for a in self.actions)

    def filtered(self, f: PlanFilter) -> Plan:
        if f.owner and f.owner not in self.people:
            raise UsageError(f"no person {f.owner!r} in people.csv; known: "
                             f"{', '.join(sorted(self.people)) or 'none'}")
        if f.system and f.system not in self.systems:
            raise UsageError(f"no AI system {f.system!r} in ai_systems.csv; known: "
                             f"{', '.join(sorted(self.systems)) or 'none'}")
        actions = [a for a in self.actions
                   if (not f.owner or (a.owner and a.owner.id == f.owner))
                   and (not f.system or a.system == f.system)
                   and (not f.before or (a.deadline is not None and a.deadline < f.before))]
        return replace(self, actions=actions)

    def as_dict(self) -> dict[str, object]:
        return {"asOf": self.as_of.isoformat(), "law": self.law.assumptions(),
                "evidenceMonths": self.evidence_months, "organization": self.organization,
                "total": len(self.actions), "overdue": self.overdue,
                "items": [a.as_dict() for a in self.actions]}

    def by_system(self) -> dict[str, list[Action]]:
        out: dict[str, list[Action]] = {}
        for a in self.actions:
            out.setdefault(a.system, []).append(a)
        return out


# -- reading the records ---------------------------------------------------------------------

_PEOPLE = """
SELECT ?person ?name ?email (GROUP_CONCAT(?role; separator="|") AS ?roles) WHERE {
  ?person a aims:Person . OPTIONAL { ?person rdfs:label ?name }
  OPTIONAL { ?person aims:email ?email }
  OPTIONAL { ?person aims:holdsRole/rdfs:label ?role }
} GROUP BY ?person ?name ?email"""
_ORGANIZATION = "SELECT ?org ?name WHERE { ?org a aims:Organization ; rdfs:label ?name }"
_SYSTEMS = """
SELECT ?system ?name ?owner ?file ?row WHERE {
  ?system a aims:AISystem . OPTIONAL { ?system rdfs:label ?name }
  OPTIONAL { ?system aims:owner ?owner }
  OPTIONAL { ?system aims:authoredIn ?file ; aims:authoredAtRow ?row }
}"""
_LINES = """
SELECT ?line ?control ?notation ?title ?applicable ?status ?owner ?target ?clause ?file ?row
       (GROUP_CONCAT(STR(?system); separator=" ") AS ?systems) WHERE {
  ?line a aims:ControlImplementation .
  OPTIONAL { ?line aims:implementsControl ?control .
             OPTIONAL { ?control skos:notation ?notation }
             OPTIONAL { ?control skos:prefLabel ?title } }
  OPTIONAL { ?line aims:applicable ?applicable }
  OPTIONAL { ?line aims:status ?status }
  OPTIONAL { ?line aims:owner ?owner }
  OPTIONAL { ?line aims:targetDate ?target }
  OPTIONAL { ?line aims:appliesToSystem ?system }
  BIND(EXISTS { ?line a aims:ClauseConformity } AS ?clause)
  OPTIONAL { ?line aims:authoredIn ?file ; aims:authoredAtRow ?row }
} GROUP BY ?line ?control ?notation ?title ?applicable ?status ?owner ?target ?clause ?file ?row"""
_EVIDENCE = """
SELECT ?evidence ?title ?line ?date ?review ?file ?row WHERE {
  ?evidence a aims:Evidence . OPTIONAL { ?evidence rdfs:label ?title }
  OPTIONAL { ?evidence aims:supports ?line }
  OPTIONAL { ?evidence aims:evidenceDate ?date }
  OPTIONAL { ?evidence aims:reviewDate ?review }
  OPTIONAL { ?evidence aims:authoredIn ?file ; aims:authoredAtRow ?row }
}"""
_RISKS = """
SELECT ?risk ?title ?system ?owner ?review ?file ?row WHERE {
  ?risk a aims:Risk . OPTIONAL { ?risk rdfs:label ?title }
  OPTIONAL { ?risk aims:concernsSystem ?system }
  OPTIONAL { ?risk aims:owner ?owner }
  OPTIONAL { ?risk aims:reviewDate ?review }
  OPTIONAL { ?risk aims:authoredIn ?file ; aims:authoredAtRow ?row }
}"""
_ASSESSMENTS = """
SELECT ?assessment ?kind ?system ?owner ?date ?next ?status ?file ?row WHERE {
  ?assessment a aims:ImpactAssessment .
  OPTIONAL { ?assessment aims:assessmentKind ?kind }
  OPTIONAL { ?assessment aims:concernsSystem ?system }
  OPTIONAL { ?assessment aims:owner ?owner }
  OPTIONAL { ?assessment dcterms:date ?date }
  OPTIONAL { ?assessment aims:nextAssessmentDate ?next }
  OPTIONAL { ?assessment aims:assessmentStatus ?status }
  OPTIONAL { ?assessment aims:authoredIn ?file ; aims:authoredAtRow ?row }
}"""
_CITED = re.compile(r"AI Act Article (\d+)")
_PROVISION_BASES = tuple(f"{BASE}{kind}/" for kind in ("std", "eli", "oecd", "nist"))
ASSESSMENT_LABEL = {"AISystemImpactAssessment": "AI system impact assessment",
                    "FundamentalRightsImpactAssessment": "fundamental rights impact assessment",
                    "DataProtectionImpactAssessment": "data protection impact assessment"}


def _key(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _where(r: dict) -> str:
    return f"{r['file']}:{r['row']}" if r.get("file") and r.get("row") else (r.get("file") or "")


def _action_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def application_reason(applicable_from: date, amended_by: str | None) -> str:
    """Why an obligation applies from its date: Article 113's route, or the amendment."""
    if amended_by:
        return f"applies from {applicable_from.isoformat()} as amended by {amended_by}"
    route = ARTICLE_113.get(applicable_from)
    return route or f"applies from {applicable_from.isoformat()}"


# -- building the plan -----------------------------------------------------------------------

class _Owners:
    """Who answers for an action: its own owner, else the nearest responsible person."""

    def __init__(self, people: dict[str, Person], system_owner: dict[str, str],
                 line_owner: dict[str, str], aims_owners: set[str]) -> None:
        self.people = people  # by IRI
        self.system_owner = system_owner
        self.line_owner = line_owner
        aims = sorted((p for p in people.values() if p.iri in aims_owners), key=lambda p: p.id)
        self.aims_owner = aims[0] if aims else None

    def resolve(self, own: str | None, systems: Iterable[str] = (),
                lines: Iterable[str] = ()) -> tuple[Person | None, str]:
        if own and own in self.people:
            return self.people[own], "own"
        for system in systems:
            owner = self.system_owner.get(system)
            if owner in self.people:
                return self.people[owner], "system owner"
        for line in lines:
            owner = self.line_owner.get(line)
            if owner in self.people:
                return self.people[owner], "control owner"
        if self.aims_owner:
            return self.aims_owner, "AIMS owner"
        return None, "none"


def action_plan(store: GraphStore, as_of: date | None = None, *, law: LawView | None = None,
                evidence_months: int = 12,
                findings: list[Finding] | None = None) -> Plan:
    """Every open item of the loaded organization as one action, ordered by deadline (none
    last), then severity; ``findings`` may be given when already computed for the same view."""
    require_organization(store, "an action plan")
    if evidence_months < 1:
        raise UsageError(f"evidence-months must be at least 1, got {evidence_months}")
    as_of = as_of or (law.as_of if law else date.today())
    law = law or law_view(store, as_of)
    if findings is None:
        findings = validate(store, as_of=as_of, evidence_months=evidence_months, law=law)
    cutoff = _months_before(as_of, evidence_months)

    people: dict[str, Person] = {}
    aims_owners: set[str] = set()
    for r in store.query(_PEOPLE).records():
        iri = r["person"] or ""
        people[iri] = Person(iri, _key(iri), r["name"] or _key(iri), r["email"] or "")
        if AIMS_OWNER_ROLE in [x.strip().lower() for x in (r["roles"] or "").split("|")]:
            aims_owners.add(iri)
    org = next(iter(store.query(_ORGANIZATION).records()), {})
    systems = {r["system"] or "": r for r in store.query(_SYSTEMS).records()}
    lines = {r["line"] or "": r for r in store.query(_LINES).records()}
    evidence = list(store.query(_EVIDENCE).records())
    risks = {r["risk"] or "": r for r in store.query(_RISKS).records()}
    assessments = {r["assessment"] or "": r for r in store.query(_ASSESSMENTS).records()}
    owners = _Owners(people, {s: r["owner"] or "" for s, r in systems.items()},
                     {line: r["owner"] or "" for line, r in lines.items()}, aims_owners)

    def system_fields(iri: str) -> dict[str, str]:
        if not iri or iri not in systems:
            return {}
        return {"system": _key(iri), "system_name": systems[iri]["name"] or _key(iri),
                "system_iri": iri}

    def make(kind: str, key: str, title: str, severity: str, deadline: date | None, why: str,
             owner: tuple[Person | None, str], **extra: object) -> Action:
        return Action(id=_action_id(kind, key), kind=kind, title=title, severity=severity,
                      deadline=deadline, why=why,
                      overdue=deadline is not None and deadline < as_of, owner=owner[0],
                      owner_basis=owner[1], **extra)  # type: ignore[arg-type]

    actions: dict[str, Action] = {}  # by record IRI (or a key for items without one)

    # unreached obligations, one per system and obligation (roles joined)
    reach = store.cached(("reach", "default-rule"), lambda: Reach(store))  # kept until a write
    applying: dict[str, list] = {}  # system -> the obligations that apply to it
    for c in classify(store, as_of, law=law):
        applying[c.system.iri] = [o for o in c.obligations if o.applies]
        seen: dict[str, list] = {}
        for o in c.obligations:
            if o.applies:
                seen.setdefault(o.obligation, []).append(o)
        for obligation, statuses in seen.items():
            o = statuses[0]
            if reach.reaches(c.system.iri, o.provision):
                continue
            roles = ", ".join(sorted({_role(s.role) for s in statuses}))
            key = f"obligation|{c.system.iri}|{obligation}"
            actions[key] = make(
                "obligation", key, f"Reach {o.notation} ({o.title}) with an implemented control",
                "Warning" if o.in_force else "Info", o.applicable_from,
                f"{application_reason(o.applicable_from, o.amended_by)}; binds "
                f"{c.system.name} as {roles}",
                owners.resolve(None, [c.system.iri]), provision=o.notation,
                provision_iri=o.provision, focus=c.system.iri,
                location=_where(systems.get(c.system.iri, {})), **system_fields(c.system.iri))

    # planned controls: applicable lines not implemented yet
    unreached: dict[str, list[Action]] = {}  # provision -> its unreached-obligation actions
    for a in actions.values():
        if a.kind == "obligation":
            unreached.setdefault(a.provision_iri, []).append(a)
    reachers = {p: {c for t in reach.related(p) for c in reach.controls_for.get(t, ())}
                for p in unreached}

    def _reached_by(control: str | None) -> list[str]:
        """The provisions of unreached obligations implementing ``control`` would reach."""
        return [p for p, controls in reachers.items() if control and control in controls]

    for iri, r in lines.items():
        status = (r["status"] or "").rsplit("#", 1)[-1]
        if r["applicable"] != "true" or status == "Implemented":
            continue
        scoped = (r["systems"] or "").split()
        target = _day(r["target"])
        file = (r["file"] or "controls.csv")
        state = re.sub(r"(?<!^)(?=[A-Z])", " ", status).lower() if status else "no status"
        why = (f"target date in {file}" if target else f"no target date in {file}")
        served = sorted((a for p in _reached_by(r["control"]) for a in unreached[p]
                         if not scoped or a.system_iri in scoped),
                        key=lambda a: (a.deadline or date.max, a.system_name))
        if target is None and served:
            target = served[0].deadline
            why = (f"no target date in {file}; implemented, it would reach "
                   f"{served[0].provision} for {served[0].system_name}, which "
                   f"{served[0].why.split('; binds')[0]}")
        notation = r["notation"] or ""
        title = (f"Implement {'clause ' if r['clause'] == 'true' else ''}{notation}"
                 + (f" ({r['title']})" if r["title"] else "") + f", now {state}")
        actions[iri] = make("control", iri, title, "Info", target, why,
                            owners.resolve(r["owner"], scoped), provision=notation,
                            serves=tuple(sorted({a.system_iri for a in served})),
                            provision_iri=r["control"] or "", location=_where(r), focus=iri,
                            **(system_fields(scoped[0]) if len(scoped) == 1 else {}))

    # stale evidence: implemented lines whose newest evidence passed the age limit
    newest: dict[str, tuple[date, dict]] = {}
    for e in evidence:
        when = _day(e["date"])
        if e["line"] and when and (e["line"] not in newest or when > newest[e["line"]][0]):
            newest[e["line"]] = (when, e)
    for line_iri, (when, e) in newest.items():
        r = lines.get(line_iri)
        if r is None or (r["status"] or "").rsplit("#", 1)[-1] != "Implemented" or when >= cutoff:
            continue
        went_stale = _months_after(when, evidence_months)
        scoped = (r["systems"] or "").split()
        actions[line_iri] = make(
            "evidence", line_iri, f"Renew the evidence for {r['notation'] or _key(line_iri)}: "
            f"{e['title'] or _key(e['evidence'] or '')}", "Violation", went_stale,
            f"its newest evidence ({when.isoformat()}) passed the {evidence_months}-month age "
            f"limit on {went_stale.isoformat()}", owners.resolve(None, scoped, [line_iri]),
            provision=r["notation"] or "", provision_iri=r["control"] or "", location=_where(r),
            focus=line_iri, **(system_fields(scoped[0]) if len(scoped) == 1 else {}))

    # reviews: risks, impact assessments and evidence with a date
    for iri, r in risks.items():
        review = _day(r["review"])
        if review:
            actions[iri] = make("review", iri, f"Review risk: {r['title'] or _key(iri)}", "Info",
                                review, "review date in risks.csv",
                                owners.resolve(r["owner"], [r["system"]] if r["system"] else []),
                                location=_where(r), focus=iri, **system_fields(r["system"] or ""))
    for iri, r in assessments.items():
        nxt = _day(r["next"])
        if nxt:
            kind = ASSESSMENT_LABEL.get((r["kind"] or "").rsplit("#", 1)[-1], "impact assessment")
            done = r["status"] == "completed"
            actions[iri] = make(
                "review", iri, f"{'Reassess' if done else 'Complete'} the {kind}", "Info", nxt,
                "next assessment date in impact_assessments.csv",
                owners.resolve(r["owner"], [r["system"]] if r["system"] else []),
                location=_where(r), focus=iri, **system_fields(r["system"] or ""))
    for e in evidence:
        review, iri, line_iri = _day(e["review"]), e["evidence"] or "", e["line"] or ""
        renewed = (line_iri in actions and actions[line_iri].kind == "evidence"
                   and newest.get(line_iri, (None, {}))[1].get("evidence") == iri)
        if not review or renewed:
            continue  # the stale-evidence action of its line already asks to renew it
        r = lines.get(line_iri, {})
        scoped = (r.get("systems") or "").split()
        actions[iri] = make("review", iri, f"Review evidence: {e['title'] or _key(iri)}", "Info",
                            review, "review date in evidence.csv",
                            owners.resolve(None, scoped, [line_iri]),
                            provision=r.get("notation") or "",
                            provision_iri=r.get("control") or "", location=_where(e), focus=iri,
                            **(system_fields(scoped[0]) if len(scoped) == 1 else {}))

    # findings: folded into the action of their record, else one action each
    by_reach: dict[tuple[str, str], list[str]] = {}
    for k, a in actions.items():
        if a.kind == "obligation":
            by_reach.setdefault((a.system_iri, a.provision), []).append(k)
    for f in findings:
        shape = f.shape.rsplit("#", 1)[-1]
        if shape == "ObligationCoverageShape":  # an unreached-obligation action above
            match = next((k for system in f.systems
                          for k in by_reach.get((system, _reached_notation(f.message)), ())),
                         None)
            if match:
                actions[match] = _fold(actions[match], f)
                continue
        if shape == "EvidenceShape" and f.focus in actions \
                and actions[f.focus].kind == "evidence":
            actions[f.focus] = _fold(actions[f.focus], f)
            continue
        if f.focus in actions and actions[f.focus].kind in ("control", "review"):
            actions[f.focus] = _fold(actions[f.focus], f)
            continue
        key = f"finding|{f.focus}|{f.message}"
        focus_system = f.focus if f.focus in systems else (f.systems[0] if len(f.systems) == 1
                                                           else "")
        record = lines.get(f.focus) or risks.get(f.focus) or assessments.get(f.focus) or {}
        own = record.get("owner") if record else None
        deadline, why = as_of, "open finding, due on the evaluation date (no date of its own)"
        provision, notation = "", ""
        if record.get("target"):
            deadline, why = _day(record["target"]) or as_of, "target date of its record"
        elif (cited := _CITED.search(f.message)) and focus_system in applying:
            dates = [o for o in applying[focus_system]
                     if re.fullmatch(rf"Article {cited[1]}(\(.*)?", o.notation)]
            if dates:
                o = min(dates, key=lambda o: o.applicable_from)
                deadline = o.applicable_from
                why = (f"the finding cites Article {cited[1]}, which "
                       f"{application_reason(o.applicable_from, o.amended_by)} for this system"
                       if o.amended_by else f"the finding cites Article {cited[1]}: "
                       f"{application_reason(o.applicable_from, None)}")
                notation = f"Article {cited[1]}"
        if f.focus in lines:
            provision, notation = lines[f.focus]["control"] or "", lines[f.focus]["notation"] or ""
        elif notation:
            provision = f"{BASE}eli/reg/2024/1689/art_{notation.split()[-1]}"
        elif f.focus.startswith(_PROVISION_BASES):
            provision, notation = f.focus, _notation_of(store, f.focus)
        actions[key] = make("finding", key, f.message[:1].upper() + f.message[1:], f.severity,
                            deadline, why, owners.resolve(own, f.systems, [f.focus]),
                            location=f.location, focus=f.focus, findings=(str(f),),
                            provision=notation, provision_iri=provision,
                            **system_fields(focus_system))

    ordered = sorted(actions.values(), key=lambda a: (
        a.deadline is None, a.deadline or date.max, SEVERITY_RANK.get(a.severity, 3),
        a.system_name, a.title))
    return Plan(as_of, law, evidence_months, org.get("name") or "", ordered,
                {p.id: p for p in people.values()},
                {_key(s): r["name"] or _key(s) for s, r in systems.items()})


def _reached_notation(message: str) -> str:
    """The provision number in "no implemented control reaches Article 20(1) (title), ..."."""
    match = re.match(r"no implemented control reaches (.+?) \(", message)
    return match[1] if match else ""


def _fold(action: Action, f: Finding) -> Action:
    severity = min(action.severity, f.severity, key=lambda s: SEVERITY_RANK.get(s, 3))
    return replace(action, severity=severity, findings=(*action.findings, str(f)))


def _notation_of(store: GraphStore, iri: str) -> str:
    import pyoxigraph as ox

    for r in store.query("SELECT ?p ?n WHERE { ?p skos:notation ?n }",
                         {"p": ox.NamedNode(iri)}).records():
        return r["n"] or ""
    return _key(iri)


def _role(iri: str) -> str:
    name = iri.rsplit("#", 1)[-1]
    return {"AIProvider": "provider", "AIDeployer": "deployer", "AIImporter": "importer",
            "AIDistributor": "distributor"}.get(name, name)


def _months_after(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def finding_actions(plan: Plan) -> dict[str, Action]:
    """The action each validation finding is part of, by the finding's text (``str(f)``)."""
    return {text: a for a in plan.actions for text in a.findings}


def next_deadline(actions: Iterable[Action]) -> Action | None:
    """The earliest action still to come (not overdue) with a deadline."""
    upcoming = [a for a in actions if a.deadline and not a.overdue]
    return min(upcoming, key=lambda a: (a.deadline, SEVERITY_RANK.get(a.severity, 3)),
               default=None)
