"""Reports for compliance leads and auditors: the Statement of Applicability and the gap report."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import BinaryIO

from .coverage import NONE, MappingGraph, coverage
from .namespaces import FRAMEWORKS
from .queries import QueryCatalog
from .spreadsheet import rows_csv, rows_xlsx
from .store import GraphStore
from .validation import Finding

SOA_COLUMNS = ["framework", "control", "title", "applicable", "justification", "status", "owner",
               "systems", "evidence", "newestEvidence", "risks"]
GAP_FRAMEWORKS = ("aiact", "gdpr", "iso27001", "iso27701", "nist-ai-rmf")


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
    counts: dict[str, int]
    uncovered: list[str]  # notations of leaf provisions nothing implemented reaches


@dataclass
class Candidate:
    control: str  # "ISO/IEC 42001:2023 A.6.2.6"
    iri: str
    closes: int  # uncovered provisions it maps to
    examples: list[str] = field(default_factory=list)


@dataclass
class GapReport:
    by_system: dict[str, list[Finding]]
    by_framework: list[FrameworkGap]
    cheapest: list[Candidate]


def implemented_controls(store: GraphStore) -> list[str]:
    """The catalog controls the organization has implemented (IRIs)."""
    rows = QueryCatalog().get("implemented-controls").run(store).records()
    return sorted({r["control"] or "" for r in rows})


def gap_report(store: GraphStore, findings: list[Finding], *, top: int = 10) -> GapReport:
    """What is missing per AI system and per framework, and which controls close the most."""
    by_system: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_system[f.system or "organization-wide"].append(f)
    implemented = set(implemented_controls(store))
    graph = MappingGraph(store)
    frameworks, open_provisions = [], set()
    for key in GAP_FRAMEWORKS:
        rows = coverage(store, [], key, graph=graph, have_provisions=sorted(implemented))
        leaves = [r for r in rows if not graph.children.get(r.target.iri)]
        uncovered = [r for r in leaves if r.strength == NONE]
        open_provisions.update(r.target.iri for r in uncovered)
        frameworks.append(FrameworkGap(
            FRAMEWORKS[key], rows[0].target.framework_notation if rows else key,
            dict(Counter(r.level for r in leaves)), [r.target.notation for r in uncovered]))
    candidates: dict[str, Candidate] = {}
    for source, target, data in graph.graph.edges(data=True):
        provision = graph.provisions.get(source)
        if (provision is None or source in implemented or target not in open_provisions
                or provision.framework not in (FRAMEWORKS["iso42001"], FRAMEWORKS["iso27001"])
                or data["step"].relation == "GuidanceFor"):
            continue
        if not provision.notation.startswith("A."):
            continue  # only Annex A controls are candidates to implement
        candidate = candidates.setdefault(source, Candidate(str(provision), source, 0))
        candidate.closes += 1
        if len(candidate.examples) < 4:
            candidate.examples.append(str(graph.provisions[target]))
    cheapest = sorted(candidates.values(), key=lambda c: (-c.closes, c.control))[:top]
    return GapReport(dict(by_system), frameworks, cheapest)
