"""Reports for compliance leads and auditors: the Statement of Applicability and the gap report."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from .classification import Reach, classify
from .coverage import (
    DEFAULT_RULE,
    NONE,
    MappingGraph,
    PathRule,
    coverage,
    organization_roles,
    role_names,
)
from .law import LawView
from .namespaces import FRAMEWORKS
from .queries import QueryCatalog
from .spreadsheet import rows_csv, rows_xlsx
from .store import GraphStore
from .validation import Finding

SOA_COLUMNS = ["framework", "control", "title", "applicable", "justification", "status", "owner",
               "systems", "evidence", "newestEvidence", "risks"]
GAP_FRAMEWORKS = ("aiact", "gdpr", "iso27001", "iso27701", "nist-ai-rmf")
LEGAL_FRAMEWORKS = ("aiact", "gdpr")  # what a candidate control is ranked by, beside obligations
CANDIDATE_FRAMEWORKS = (FRAMEWORKS["iso42001"], FRAMEWORKS["iso27001"])


# -- Statement of Applicability ------------------------------------------------------------------

def soa_rows(store: GraphStore) -> list[dict[str, str]]:
    rows = []
    for r in QueryCatalog().get("soa").run(store).records():
        row = {c: (r.get(c) or "") for c in SOA_COLUMNS}
        row["applicable"] = {"true": "yes", "false": "no"}.get(row["applicable"], "")
        rows.append(row)
    return rows


def rows_markdown(rows: list[dict[str, str]], columns: list[str], title: str) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def soa_csv(rows: list[dict[str, str]]) -> str:
    return rows_csv(rows, SOA_COLUMNS)


def soa_markdown(rows: list[dict[str, str]], title: str = "Statement of Applicability") -> str:
    return rows_markdown(rows, SOA_COLUMNS, title)


def soa_xlsx(rows: list[dict[str, str]], out: BinaryIO) -> None:
    rows_xlsx(rows, out, "SoA")


# -- gaps ----------------------------------------------------------------------------------------

@dataclass
class FrameworkGap:
    framework: str
    notation: str
    counts: dict[str, int]  # over leaf provisions carrying a requirement for the org's roles
    uncovered: list[str]  # notations of those leaves nothing implemented reaches


@dataclass
class Candidate:
    control: str  # "ISO/IEC 42001:2023 A.6.2.6"
    iri: str
    closes: int  # gaps it would close: system obligations plus legal provisions
    obligations: int = 0  # unreached obligations of the organization's AI systems it reaches
    provisions: int = 0  # open AI Act / GDPR provisions for the organization's roles it reaches
    examples: list[str] = field(default_factory=list)


@dataclass
class GapReport:
    by_system: dict[str, list[Finding]]
    by_framework: list[FrameworkGap]
    cheapest: list[Candidate]
    settings: str = ""  # the path rule and roles the figures rest on


def implemented_controls(store: GraphStore) -> list[str]:
    """The catalog controls the organization has implemented (IRIs)."""
    rows = QueryCatalog().get("implemented-controls").run(store).records()
    return sorted({r["control"] or "" for r in rows})


def gap_report(store: GraphStore, findings: list[Finding], *, top: int = 10,
               as_of: date | None = None, rule: PathRule = DEFAULT_RULE,
               law: LawView | None = None) -> GapReport:
    """What is missing per AI system and per framework, and which controls close the most.

    A candidate control is ranked by the gaps it would really close under ``rule``: the
    in-force obligations of the organization's AI systems no implemented control reaches
    (what the validation warns about), then the AI Act and GDPR provisions carrying a
    requirement for the organization's roles that nothing implemented reaches. Provisions of
    standards the organization may not run, headings, and links below the rule do not count.
    """
    by_system: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_system[f.system or "organization-wide"].append(f)
    implemented = set(implemented_controls(store))
    graph = MappingGraph(store)
    roles = organization_roles(store)
    frameworks, open_legal = [], {}
    for key in GAP_FRAMEWORKS:
        rows = coverage(store, [], key, graph=graph, have_provisions=sorted(implemented),
                        rule=rule, roles=roles)
        leaves = [r for r in rows if r.counted and not graph.children.get(r.target.iri)]
        uncovered = [r for r in leaves if r.strength == NONE]
        if key in LEGAL_FRAMEWORKS:
            open_legal.update((r.target.iri, str(r.target)) for r in uncovered)
        frameworks.append(FrameworkGap(
            FRAMEWORKS[key], rows[0].target.framework_notation if rows else key,
            dict(Counter(r.level for r in leaves)), [r.target.notation for r in uncovered]))
    reach = Reach(store, rule)
    unreached = [(c.system.name, o.provision, f"{o.notation} for {c.system.name}")
                 for c in classify(store, as_of, law=law) for o in c.obligations
                 if o.applies and o.in_force and not reach.reaches(c.system.iri, o.provision)]
    candidates = []
    for iri, provision in graph.provisions.items():
        if (iri in implemented or not provision.notation.startswith("A.")
                or provision.framework not in CANDIDATE_FRAMEWORKS
                or graph.children.get(iri)):
            continue  # only Annex A controls not yet implemented are candidates
        closed = [label for _, target, label in unreached if reach.would_reach(iri, target)]
        reached = graph.best_paths([iri], rule)
        legal = [label for target, label in open_legal.items() if target in reached]
        if closed or legal:
            candidates.append(Candidate(str(provision), iri, len(closed) + len(legal),
                                        len(closed), len(legal), (closed + legal)[:4]))
    cheapest = sorted(candidates, key=lambda c: (-c.closes, -c.obligations, c.control))[:top]
    settings = f"{rule}; roles: {', '.join(role_names(roles))}"
    return GapReport(dict(by_system), frameworks, cheapest, settings)
