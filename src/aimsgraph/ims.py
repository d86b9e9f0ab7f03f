"""The integrated management system: one backbone for ISO/IEC 42001, 27001 and 27701.

- **Backbone**: each harmonized-structure clause (4-10) with the ISO/IEC 42001, ISO/IEC 27001:2022
  and ISO/IEC 27701:2025 clauses of that number (and the ISO/IEC 27701:2019 clause 5 subclause that
  extended it), and what each adds (the crosswalk relations and their rationales); 42001-only
  requirements such as 6.1.4 stand out. A 42001 + 27001 + 27701:2025 organization sees one backbone.
- **Integrated SoA**: the organization's control lines across the three standards' annexes, with
  lines whose controls the crosswalks call equal shown once, and the other standards each serves.
- **Evidence reuse**: evidence items that serve requirements of more than one standard.
- **Audit checklist**: one line per backbone clause, for a combined audit, with the
  organization's conformity status for it in each standard (its clauses.csv lines).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from .coverage import natural_key
from .queries import QueryCatalog
from .reports import soa_rows
from .store import GraphStore

STANDARDS = ("ISO/IEC 42001:2023", "ISO/IEC 27001:2022", "ISO/IEC 27701:2025",
             "ISO/IEC 27701:2019")


@dataclass(frozen=True)
class BackboneClause:
    number: str
    title: str
    required_by: tuple[str, ...]
    pims_clause: str  # the ISO/IEC 27701 clause 5 subclause extending it ("" if none)
    relation: str  # ISO/IEC 42001 vs ISO/IEC 27001
    adds: str  # rationale: what each standard adds
    pims_relation: str = ""  # ISO/IEC 27701:2025 vs ISO/IEC 27001:2022, same clause number
    pims_adds: str = ""

    def as_row(self) -> dict[str, str]:
        return {"clause": self.number, "title": self.title,
                "requiredBy": "; ".join(self.required_by), "iso27701": self.pims_clause,
                "relation": self.relation, "whatEachAdds": self.adds,
                "iso27701v2025Relation": self.pims_relation,
                "iso27701v2025Adds": self.pims_adds}


def backbone(store: GraphStore) -> list[BackboneClause]:
    rows = QueryCatalog().get("harmonized-clauses").run(store).records()
    clauses: dict[str, BackboneClause] = {}
    for r in rows:
        number = r["number"] or ""
        if number in clauses and not r["relation"]:
            continue
        required = tuple(s for s, present in zip(
            STANDARDS, (r["aimsTitle"], r["ismsTitle"], r["pims2025Title"], r["pimsNumber"]),
            strict=True) if present)
        adds = r["rationale"] or ""
        if r["aimsTitle"] and not r["ismsTitle"]:
            adds = adds or "Required by ISO/IEC 42001 only: no ISO/IEC 27001 counterpart."
        clauses[number] = BackboneClause(
            number, r["aimsTitle"] or r["ismsTitle"] or r["pims2025Title"] or "", required,
            r["pimsNumber"] or "", r["relation"] or "", adds, r["pimsRelation"] or "",
            r["pimsRationale"] or "")
    return sorted(clauses.values(), key=lambda c: natural_key(c.number))


def integrated_soa(store: GraphStore) -> list[dict[str, str]]:
    """SoA lines of the three standards; lines whose controls are mapped Equal appear once."""
    lines = [r for r in soa_rows(store) if r["framework"] in STANDARDS]
    mapped = list(QueryCatalog().get("mappings").run(store).records())
    key = {(r["framework"], r["control"]): i for i, r in enumerate(lines)}
    same = nx.Graph()
    same.add_nodes_from(range(len(lines)))
    serves: dict[int, set[str]] = defaultdict(set)
    names = {r["framework"]: r["notation"] for r in QueryCatalog().get("frameworks")
             .run(store).records()}
    for m in mapped:
        source = key.get((names.get(m["sourceFramework"]), m["sourceNotation"]))
        target = key.get((names.get(m["targetFramework"]), m["targetNotation"]))
        relation = (m["relation"] or "").rsplit("#", 1)[-1]
        if relation == "NotRelated":
            continue
        if source is not None and target is not None and relation == "Equal":
            same.add_edge(source, target)
        for own, other, other_fw in ((source, m["targetNotation"], m["targetFramework"]),
                                     (target, m["sourceNotation"], m["sourceFramework"])):
            if own is not None:
                serves[own].add(f"{names.get(other_fw, other_fw)} {other}")
    result = []
    for group in nx.connected_components(same):
        members = sorted(group, key=lambda i: (lines[i]["framework"], natural_key(
            lines[i]["control"])))
        first = lines[members[0]]
        result.append({
            "controls": "; ".join(f"{lines[i]['framework']} {lines[i]['control']}"
                                  for i in members),
            "title": first["title"], "applicable": first["applicable"],
            "status": first["status"], "owner": first["owner"],
            "systems": first["systems"], "evidence": first["evidence"],
            "alsoServes": "; ".join(sorted(set().union(*(serves[i] for i in members)))),
        })
    return sorted(result, key=lambda r: natural_key(r["controls"]))


def evidence_reuse(store: GraphStore) -> list[dict[str, str]]:
    """Evidence items that serve requirements of more than one framework."""
    served: dict[str, dict] = {}
    for r in QueryCatalog().get("evidence-reuse").run(store).records():
        item = served.setdefault(r["evidence"] or "", {"evidence": r["title"], "date": r["date"],
                                                       "frameworks": set(), "serves": set()})
        item["frameworks"].add(r["controlFramework"])
        item["serves"].add(f"{r['controlFramework']} {r['control']}")
        if r["servedFramework"]:
            item["frameworks"].add(r["servedFramework"])
            item["serves"].add(f"{r['servedFramework']} {r['served']}")
    rows = [{"evidence": i["evidence"] or "", "date": i["date"] or "",
             "frameworks": str(len(i["frameworks"])),
             "serves": "; ".join(sorted(i["serves"]))}
            for i in served.values() if len(i["frameworks"]) > 1]
    return sorted(rows, key=lambda r: (-int(r["frameworks"]), r["evidence"]))


def clause_conformity(store: GraphStore) -> dict[tuple[str, str], str]:
    """The organization's status per (standard, clause number), from its clause lines."""
    return {(r["framework"] or "", r["clause"] or ""): r["status"] or ""
            for r in QueryCatalog().get("clause-conformity").run(store).records()}


def audit_checklist(store: GraphStore) -> list[dict[str, str]]:
    """One line per backbone clause: which standards require it, what to look for, and the
    organization's declared conformity in each standard ("no line" where it declares none)."""
    declared = clause_conformity(store)
    running = {standard for standard, _ in declared}

    def editions(standard: str) -> set[str]:
        return {s for s in STANDARDS if s.split(":")[0] == standard.split(":")[0]}

    rows = []
    for clause in backbone(store):
        if "." not in clause.number:
            continue  # the clause headings; their subclauses carry the requirements
        names = dict.fromkeys(s.split(":")[0] for s in clause.required_by)  # one per standard
        status = []
        for standard in clause.required_by:
            if standard not in running:
                continue  # a standard the organization declares no clause lines for
            number = clause.pims_clause if standard == STANDARDS[3] else clause.number
            found = declared.get((standard, number)) or _parts_status(declared, standard, number)
            label = standard if len(running & editions(standard)) > 1 else standard.split(":")[0]
            status.append(f"{label}: {found or 'no line'}")
        focus = ("the same evidence can serve every standard listed" if clause.relation == "Equal"
                 else clause.adds or "check each standard's own requirement")
        rows.append({"clause": clause.number, "title": clause.title,
                     "standards": "; ".join(clause.required_by),
                     "check": f"Show how {clause.title.lower()} is met for "
                              f"{' and '.join(names)}; "
                              f"{focus}",
                     "conformity": "; ".join(status)})
    return rows


def _parts_status(declared: dict[tuple[str, str], str], standard: str, number: str) -> str:
    """A clause declared through its subclauses: the least advanced of their statuses."""
    order = ("not started", "planned", "in progress", "implemented")
    parts = [s for (fw, n), s in declared.items() if fw == standard and n.startswith(number + ".")]
    return min(parts, key=lambda s: order.index(s) if s in order else -1) if parts else ""


VIEWS = {"backbone": lambda s: [c.as_row() for c in backbone(s)],
         "soa": integrated_soa, "evidence": evidence_reuse, "checklist": audit_checklist}
