"""The audit-ready Statement of Applicability: a header, every control, evidence checked.

What an auditor opens (ISO/IEC 42001 6.1.3 d, ISO/IEC 27001 6.1.3 d): a header block naming the
organization, the scope of its management system, the SoA's version and approver, the date it was
produced, the date the evidence was judged on ("as of") and the edition of each standard; then one
line per control of each standard the SoA answers to. A control with no organization-wide decision
is listed as ``undecided``, never dropped (the sample has no decision on A.10.4). Each applicable
line says whether its evidence is ``current``, ``stale`` (newest item older than the cutoff of the
validation's evidence age rule, 12 months by default), ``missing`` (an implemented line with no
evidence) or ``none yet`` (a line not implemented yet, with no evidence).

The same statement is written as CSV, XLSX (A4 landscape, organization and "as of" date on every
printed page) and Markdown; the web view prints it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from .coverage import natural_key
from .namespaces import FRAMEWORKS
from .queries import QueryCatalog
from .spreadsheet import PrintSetup, document_xlsx, write_csv
from .store import GraphStore
from .validation import evidence_cutoff

COLUMNS = ["framework", "control", "title", "applicable", "justification", "status", "owner",
           "systems", "evidence", "newestEvidence", "evidenceCheck", "risks"]
#: evidence checks that an auditor would raise
FLAGGED = ("stale", "missing")
UNDECIDED = "undecided"


@dataclass(frozen=True)
class Edition:
    iri: str
    notation: str  # "ISO/IEC 42001:2023"
    title: str
    issued: str


@dataclass
class Header:
    organization: str
    scope: str
    version: str
    approver: str
    produced: date  # the day the statement was written
    as_of: date  # the day the evidence age is judged on
    evidence_months: int
    cutoff: date  # evidence dated before this is stale
    editions: list[Edition] = field(default_factory=list)

    def fields(self) -> list[tuple[str, str]]:
        """The header block as (label, value) pairs, the same in every format."""
        return [("Organization", self.organization),
                ("Scope", self.scope or "not recorded (organization.csv scope)"),
                ("Version", self.version or "not recorded (organization.csv soa_version)"),
                ("Approved by", self.approver or "not recorded (organization.csv soa_approver)"),
                ("Date", self.produced.isoformat()),
                ("As of", f"{self.as_of.isoformat()} (evidence older than "
                          f"{self.evidence_months} months, before {self.cutoff.isoformat()}, "
                          "is stale)"),
                *(("Standard", f"{e.notation}" + (f", issued {e.issued}" if e.issued else ""))
                   for e in self.editions)]


@dataclass
class Statement:
    header: Header
    lines: list[dict[str, str]]  # COLUMNS, plus "line": the line's local id ("" if undecided)

    def frameworks(self) -> list[str]:
        """The standards in header order, then any other framework a line implements directly
        (an AI Act article named in controls.csv)."""
        seen = [e.notation for e in self.header.editions]
        return seen + sorted({r["framework"] for r in self.lines} - set(seen))

    def summary(self) -> list[tuple[str, Counter]]:
        """Per framework: how many lines apply, are excluded, undecided, flagged."""
        out = []
        for framework in self.frameworks():
            lines = [r for r in self.lines if r["framework"] == framework]
            counts = Counter(r["applicable"] for r in lines)
            counts.update(r["evidenceCheck"] for r in lines if r["evidenceCheck"] in FLAGGED)
            counts["lines"] = len(lines)
            out.append((framework, counts))
        return out

    def title(self) -> str:
        return f"Statement of Applicability: {self.header.organization}"


def statement(store: GraphStore, as_of: date | None = None, *, evidence_months: int = 12,
              produced: date | None = None) -> Statement:
    """The organization's SoA with every control of each standard it answers to."""
    as_of = as_of or date.today()
    cutoff = evidence_cutoff(as_of, evidence_months)
    catalog = QueryCatalog()
    head = list(catalog.get("soa-header").run(store).records())
    first = head[0] if head else {}
    editions = list({r["framework"]: Edition(r["framework"], r["notation"] or "",
                                             r["title"] or "", r["issued"] or "")
                     for r in head if r.get("framework")}.values())
    editions.sort(key=lambda e: (e.iri != FRAMEWORKS["iso42001"], e.notation))
    header = Header(first.get("name") or "", first.get("scope") or "",
                    first.get("version") or "", first.get("approver") or "",
                    produced or date.today(), as_of, evidence_months, cutoff, editions)
    lines = []
    for r in catalog.get("soa").run(store).records():
        line = {c: (r.get(c) or "") for c in COLUMNS if c != "evidenceCheck"}
        line["applicable"] = {"true": "yes", "false": "no"}.get(line["applicable"], UNDECIDED)
        line["line"] = (r.get("line") or "").rsplit("/", 1)[-1]
        line["scoped"] = "yes" if line["systems"] else ""
        line["evidenceCheck"] = evidence_check(line, cutoff)
        lines.append(line)
    decided = {(r["framework"], r["control"]) for r in lines
               if not r["scoped"] and r["applicable"] != UNDECIDED}
    for edition in editions:
        for r in catalog.get("soa-controls").run(store, {"framework": edition.iri}).records():
            key = (edition.notation, r["notation"] or "")
            if key in decided or any((x["framework"], x["control"]) == key and not x["scoped"]
                                     for x in lines):
                continue  # an organization-wide line is there (decided, or listed undecided)
            lines.append({**dict.fromkeys(COLUMNS, ""), "framework": edition.notation,
                          "control": key[1], "title": r["title"] or "",
                          "applicable": UNDECIDED, "line": "", "scoped": ""})
    order = {e.notation: i for i, e in enumerate(editions)}
    lines.sort(key=lambda r: (order.get(r["framework"], len(order)), r["framework"],
                              natural_key(r["control"]), r["scoped"], r["systems"], r["line"]))
    return Statement(header, lines)


def evidence_check(line: dict[str, str], cutoff: date) -> str:
    """``current``, ``stale``, ``missing`` or ``none yet`` for an applicable line; else empty."""
    if line["applicable"] != "yes":
        return ""
    if not line["newestEvidence"]:
        return "missing" if line["status"] in ("implemented", "") else "none yet"
    return "stale" if date.fromisoformat(line["newestEvidence"][:10]) < cutoff else "current"


# -- the files -----------------------------------------------------------------------------------

def statement_csv(s: Statement) -> str:
    """The header block (label, value rows), a blank row, then the table with its header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    write_csv(out, [dict(zip(("Statement of Applicability", ""), pair, strict=True))
                    for pair in s.header.fields()], ["Statement of Applicability", ""])
    writer.writerow([])
    write_csv(out, s.lines, COLUMNS)
    return out.getvalue()


def statement_xlsx(s: Statement, out: BinaryIO) -> None:
    """One sheet: the header block, then the table; prints A4 landscape, one page wide, with
    the organization and the "as of" date on every page."""
    document_xlsx(out, "SoA", COLUMNS, list(s.lines),  # type: ignore[arg-type]
                  preamble=[("Statement of Applicability", ""), *s.header.fields()],
                  printing=PrintSetup(
                      header=f"Statement of Applicability: {s.header.organization}",
                      footer=f"As of {s.header.as_of.isoformat()}"))


def statement_markdown(s: Statement) -> str:
    def cell(text: str) -> str:  # a cell a Markdown renderer shows as text, never as HTML
        return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")
                .replace("\n", " "))

    out = [f"# {cell(s.title())}", ""]
    out += [f"- **{label}:** {cell(value)}" for label, value in s.header.fields()]
    for framework, counts in s.summary():
        out += ["", f"## {cell(framework)}", "",
                f"{counts['lines']} lines: {counts['yes']} applicable, {counts['no']} excluded, "
                f"{counts[UNDECIDED]} undecided; evidence stale on {counts['stale']}, missing on "
                f"{counts['missing']}.", "",
                "| " + " | ".join(COLUMNS[1:]) + " |", "|" + "---|" * (len(COLUMNS) - 1)]
        out += ["| " + " | ".join(cell(r[c]) for c in COLUMNS[1:]) + " |"
                for r in s.lines if r["framework"] == framework]
    return "\n".join(out) + "\n"
