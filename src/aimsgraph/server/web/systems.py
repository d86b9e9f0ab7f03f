"""What the pages show about AI systems: the inventory with classification, obligations and open
gaps, and one system's record (risks, controls, evidence, assessments, findings).

The AI Act gaps of a system are the obligations that apply to it and are in force but that no
implemented control reaches, directly or through the crosswalks: the same test (Reach) as the
validation warning "no implemented control reaches ...", kept here with the provision so a page
can link to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from ...classification import Classification, ObligationStatus, Reach, classify
from ...coverage import natural_key
from ...queries import QueryCatalog
from ...store import GraphStore
from ...validation import Finding
from ..deps import default_law
from ..routers.organization import findings
from .cache import per_store
from .links import Catalog, Links

#: the web view's own named queries (same header format as queries/)
WEB_QUERIES = QueryCatalog(Path(__file__).parent / "queries")
SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2}
CLASS_LABEL = {"prohibited": "prohibited", "high-risk": "high-risk",
               "transparency": "transparency (Art. 50)", "minimal": "minimal risk",
               "annex-iii-not-high-risk": "Annex III, not high-risk (Art. 6(3))",
               "gpai-model": "GPAI model", "gpai-model-systemic": "GPAI model, systemic risk"}


def system_key(iri: str) -> str:
    """The id in page addresses, as in the REST route /systems/{id}."""
    return iri.rsplit("/", 1)[-1]


def role_label(role_iri: str) -> str:
    return {"AIProvider": "provider", "AIDeployer": "deployer", "AIImporter": "importer",
            "AIDistributor": "distributor"}.get(role_iri.rsplit("#", 1)[-1],
                                                role_iri.rsplit("#", 1)[-1])


@dataclass
class SystemSummary:
    classification: Classification
    key: str
    purpose: str
    owner: str
    stage: str
    gaps: list[ObligationStatus]  # in force, applies, reached by no implemented control
    reached: set[str]  # obligation IRIs an implemented control reaches
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.classification.system.name

    @property
    def classes(self) -> list[str]:
        return [CLASS_LABEL.get(c, c) for c in self.classification.classes]

    @property
    def roles(self) -> list[str]:
        return sorted(role_label(r) for r in self.classification.system.roles)

    @property
    def obligations(self) -> list[ObligationStatus]:
        """By provision number, then role."""
        return sorted(self.classification.obligations,
                      key=lambda o: (natural_key(o.notation), o.role))

    @property
    def stage_label(self) -> str:
        """``OperationAndMonitoring`` -> ``operation and monitoring``."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", self.stage).lower()

    @property
    def applying(self) -> list[ObligationStatus]:
        return [o for o in self.classification.obligations if o.applies]

    @property
    def conditional(self) -> list[ObligationStatus]:
        return [o for o in self.classification.obligations if not o.applies]

    @property
    def next_date(self) -> str:
        upcoming = sorted(o.applicable_from for o in self.applying if not o.in_force)
        return upcoming[0].isoformat() if upcoming else ""

    @property
    def violations(self) -> int:
        return sum(f.severity == "Violation" for f in self.findings)


def summaries(request: Request) -> list[SystemSummary]:
    """Every AI system, classified, with its AI Act gaps and validation findings."""
    store: GraphStore = request.app.state.store

    def compute() -> list[SystemSummary]:
        by_system: dict[str, list[Finding]] = defaultdict(list)
        for f in findings(request, store):  # cached per store generation, as /validation does
            for iri in f.systems:
                by_system[iri].append(f)
        law = default_law(request)
        results = classify(store, law.as_of, law=law)
        facts = {r["system"]: r for r in QueryCatalog().get("ai-systems").run(store).records()}
        reach = Reach(store) if results else None
        out = []
        for c in results:
            row = facts.get(c.system.iri, {})
            reached = {o.obligation for o in c.obligations
                       if reach and reach.reaches(c.system.iri, o.provision)}
            gaps = [o for o in c.obligations
                    if o.applies and o.in_force and o.obligation not in reached]
            out.append(SystemSummary(c, system_key(c.system.iri), row.get("purpose") or "",
                                     row.get("ownerName") or "",
                                     (row.get("stage") or "").rsplit("#", 1)[-1], gaps, reached,
                                     sorted(by_system.get(c.system.iri, []), key=urgency)))
        return out

    return per_store(request, "systems", compute)


def urgency(f: Finding) -> tuple:
    return (SEVERITY_RANK.get(f.severity, 3), f.system == "", f.location, f.message)


@dataclass(frozen=True)
class Risk:
    title: str
    likelihood: str
    severity: str
    treatment: str
    owner: str
    controls: tuple[str, ...]  # provision IRIs
    location: str
    iri: str = ""


@dataclass
class ControlLine:
    line: str
    control: str  # provision IRI
    applicable: bool
    status: str
    owner: str
    measure: str
    evidence: list[tuple[str, str, str]] = field(default_factory=list)  # title, date, location


def system_record(store: GraphStore, iri: str) -> tuple[list[Risk], list[ControlLine],
                                                         list[dict[str, str | None]]]:
    """Risks, the SoA lines scoped to the system (with evidence) and its impact assessments."""
    values = {"system": iri}
    risks = [Risk(r["title"] or "", r["likelihood"] or "", r["severity"] or "",
                  r["treatment"] or "", r["owner"] or "", tuple((r["controls"] or "").split()),
                  f"{r['file']}:{r['row']}" if r["file"] else "", r["risk"] or "")
             for r in WEB_QUERIES.get("system-risks").run(store, values).records()]
    lines: dict[str, ControlLine] = {}
    for r in WEB_QUERIES.get("system-controls").run(store, values).records():
        line = lines.setdefault(r["line"] or "", ControlLine(
            r["line"] or "", r["control"] or "", r["applicable"] == "true", r["status"] or "",
            r["owner"] or "", r["measure"] or ""))
        if r["evidence"]:
            line.evidence.append((r["evidenceTitle"] or "", r["evidenceDate"] or "",
                                  r["location"] or ""))
    assessments = list(WEB_QUERIES.get("system-assessments").run(store, values).records())
    return risks, list(lines.values()), assessments


def system_pages(systems: list[SystemSummary]) -> dict[str, tuple[str, str]]:
    """(name, page key) of each system, by IRI: findings name the systems they concern by IRI."""
    return {s.classification.system.iri: (s.name, s.key) for s in systems}


def finding_targets(f: Finding, links: Links, index: Catalog,
                    pages: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """Where a person goes to fix a finding: (label, address) of its system(s) and its node."""
    targets = [(pages[iri][0], links.system(pages[iri][1], "findings"))
               for iri in f.systems if iri in pages]
    if f.focus in index.provisions:
        targets.append((str(index.provisions[f.focus]), links.provision(f.focus)))
    elif "/control/" in f.focus and not f.location.startswith("clauses.csv"):
        targets.append(("SoA line", links.soa_line(f.focus)))  # clause lines are not on it
    return targets
