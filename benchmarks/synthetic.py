"""A seeded synthetic organization, in realistic proportions, written in aimsgraph's CSV format.

The organization is generated as the folder of CSV files a compliance lead fills in
(examples/README.md) and imported by aimsgraph's own importer, so the graph has exactly the shape
a user's data has (labels, authoredIn/authoredAtRow, per-system measures, evidence dates).
Proportions follow the sample organization (examples/acme-lending), scaled up:

- one Statement of Applicability for the organization: every ISO/IEC 42001 Annex A control and
  every ISO/IEC 27001:2022 Annex A control, most applicable, most implemented, 1-2 dated evidence
  items per implemented line;
- per AI system (the unit that grows): an owner among ~1 person per 3 systems, 3-5 risks (most
  to be mitigated by 1-3 controls), an AI system impact assessment, a DPIA when it processes
  personal data, a FRIA for high-risk deployments that need one, 3-7 per-system control lines
  (the four AI Act measures for high-risk systems) each with evidence;
- about a quarter of the systems high-risk (Annex III use cases), a fifth with an Article 50
  transparency case; gaps at a few per cent (no owner, stale evidence, untreated risk, ...).

``defects=True`` adds at least one record of every kind of gap that the coverage shapes
(ontology/shapes/aims-coverage.ttl) check, for the engine-equivalence test.

    folder = write_organization(tmp / "org", systems=200)           # CSV folder
    write_ntriples(folder, tmp / "org.nt", store_with_catalogs)     # the imported triples
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aimsgraph.store import GraphStore

#: the day the synthetic data is "as of": evidence dates are spread over the 20 months before it
AS_OF = date(2026, 11, 27)
STAGES = ["design-and-development", "verification-and-validation", "deployment",
          "operation-and-monitoring", "operation-and-monitoring", "operation-and-monitoring",
          "continuous-validation", "re-evaluation"]
STATUSES = ["implemented"] * 6 + ["in-progress"] * 2 + ["planned", "not-started"]
ANNEX_III = ["1(a)", "3(a)", "3(b)", "4(a)", "4(b)", "5(a)", "5(b)", "5(c)", "6(a)", "8(a)"]
MEASURES = {"human-oversight": "A.9.3", "logging": "A.6.2.8",
            "technical-documentation": "A.6.2.7", "accuracy-robustness": "A.6.2.4"}
PER_SYSTEM = ["A.5.2", "A.5.4", "A.6.2.2", "A.6.2.5", "A.6.2.6", "A.7.4", "A.7.5", "A.8.2"]
RISKS = ["Indirect discrimination through proxy features", "Model drift in production",
         "Explanations users cannot act on", "Training data of poor quality",
         "Prompt injection", "Personal data leaks in outputs", "Over-reliance by operators",
         "Vendor model changes without notice", "Adversarial inputs", "Unlogged decisions"]
HEADERS = {
    "organization.csv": ["id", "name", "scope"],
    "people.csv": ["id", "name", "email", "roles"],
    "ai_systems.csv": ["id", "name", "intended_purpose", "owner", "role", "lifecycle_stage",
                       "processes_personal_data", "prohibited_practice", "annex_i_legislation",
                       "third_party_conformity", "annex_iii_point", "art6_3_exception",
                       "profiling", "transparency", "gpai_model", "public_service"],
    "controls.csv": ["id", "control", "applicable", "justification", "status", "owner",
                     "systems", "measure"],
    "risks.csv": ["id", "title", "system", "likelihood", "severity", "treatment", "controls",
                  "owner"],
    "impact_assessments.csv": ["id", "system", "kind", "date", "status", "owner"],
    "evidence.csv": ["id", "title", "supports", "date", "location"],
}


def catalog_controls(store: GraphStore) -> dict[str, list[str]]:
    """Annex A control numbers of ISO/IEC 42001 and ISO/IEC 27001:2022 in the loaded catalogs."""
    found: dict[str, list[str]] = {"iso42001": [], "iso27001": []}
    rows = store.query("""
        SELECT ?f ?n WHERE { ?c a aims:Control ; aims:inFramework ?f ; skos:notation ?n .
          FILTER(?f IN (<https://w3id.org/aimsgraph/std/iso-iec-42001/2023>,
                        <https://w3id.org/aimsgraph/std/iso-iec-27001/2022>)) }""").records()
    for r in rows:
        found["iso42001" if (r["f"] or "").endswith("42001/2023") else "iso27001"].append(
            r["n"] or "")
    return {k: sorted(v, key=_number_key) for k, v in found.items()}


def _number_key(notation: str) -> list[int | str]:
    return [int(p) if p.isdigit() else p for p in notation.replace("A.", "").split(".")]


def write_organization(folder: Path, systems: int, controls: dict[str, list[str]], *,
                       seed: int = 42, defects: bool = False) -> Path:
    """Write the CSV folder of an organization with ``systems`` AI systems; returns the folder."""
    rng = random.Random(seed)
    rows: dict[str, list[list[str]]] = {name: [] for name in HEADERS}
    rows["organization.csv"].append(["synth", "Synthetic Holdings",
                                     "All AI systems of the group, at every site"])
    people = [f"p{i}" for i in range(max(5, systems // 3 + 5))]
    for i, p in enumerate(people):
        roles = ["AI governance lead", "CISO", "DPO", "Model risk lead"][i] if i < 4 else ""
        rows["people.csv"].append([p, f"Person {i}", f"{p}@synth.example", roles])

    def evidence(line: str, status: str, stale: bool = False) -> None:
        if status != "implemented":
            return
        for e in range(rng.choice([1, 1, 2])):
            days = rng.randint(400, 600) if stale else rng.randint(0, 330)
            if not stale and rng.random() < 0.03:  # a few lines whose evidence went stale
                days = rng.randint(370, 600)
            rows["evidence.csv"].append([f"{line}-e{e}", f"Record {e} for {line}", line,
                                         (AS_OF - timedelta(days=days)).isoformat(),
                                         f"DMS:{line}-{e}"])

    # organization-wide SoA
    for framework, numbers in controls.items():
        for n in numbers:
            line = f"{framework}-{n}".replace(".", "-").lower()
            applicable = framework == "iso42001" or rng.random() > 0.15
            status = rng.choice(STATUSES) if applicable else ""
            owner = rng.choice(people[:4]) if rng.random() > 0.02 else ""
            justification = ("Needed to meet the AI policy" if applicable
                             else "Out of scope: no such activity")
            rows["controls.csv"].append([line, f"{framework}:{n}", "yes" if applicable else "no",
                                         justification, status, owner if applicable else "",
                                         "", ""])
            evidence(line, status)

    for s in range(systems):
        sid = f"sys{s}"
        high_risk = rng.random() < 0.25
        deployer = rng.random() < 0.6
        roles = ["provider"] if not deployer else rng.choice([["deployer"],
                                                              ["provider", "deployer"]])
        personal = rng.random() < 0.7
        point = rng.choice(ANNEX_III) if high_risk else ""
        transparency = "interacts-with-persons" if rng.random() < 0.2 else ""
        public = "yes" if deployer and high_risk and rng.random() < 0.3 else "no"
        owner = rng.choice(people) if rng.random() > 0.02 else ""
        rows["ai_systems.csv"].append([
            sid, f"AI system {s}", f"Supports business process {s % 97} with predictions",
            owner, ";".join(roles), rng.choice(STAGES), "yes" if personal else "no", "", "",
            "no", point, "", "yes" if high_risk and rng.random() < 0.5 else "no",
            transparency, "", public])
        for r in range(rng.randint(3, 5)):
            treatment = rng.choice(["mitigate"] * 6 + ["accept", "avoid", "transfer", ""])
            treated = ";".join(f"iso42001:{c}" for c in rng.sample(PER_SYSTEM, rng.randint(1, 3)))
            rows["risks.csv"].append([
                f"{sid}-r{r}", rng.choice(RISKS), sid, rng.choice(["low", "medium", "high"]),
                rng.choice(["low", "medium", "high"]), treatment,
                treated if treatment == "mitigate" and rng.random() > 0.03 else "",
                rng.choice(people) if rng.random() > 0.02 else ""])
        kinds = ["ai-system-impact"] if rng.random() > 0.05 else []
        if personal:
            kinds.append("dpia")
        if deployer and high_risk and (public == "yes" or point in ("5(b)", "5(c)")):
            kinds.append("fria")
        for kind in kinds:
            rows["impact_assessments.csv"].append([
                f"{sid}-{kind}", sid, kind,
                (AS_OF - timedelta(days=rng.randint(10, 500))).isoformat(), "completed",
                rng.choice(people)])
        lines = [(c, "") for c in rng.sample(PER_SYSTEM, rng.randint(3, 5))]
        if high_risk:
            lines += [(c, m) for m, c in MEASURES.items() if rng.random() > 0.03]
        for k, (control, measure) in enumerate(lines):
            line = f"{sid}-c{k}"
            status = rng.choice(STATUSES)
            rows["controls.csv"].append([line, f"iso42001:{control}", "yes", "",
                                         status, rng.choice(people), sid, measure])
            evidence(line, status)

    if defects:
        _inject_defects(rows, controls, people)
    folder.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows[name])
    return folder


def _inject_defects(rows: dict[str, list[list[str]]], controls: dict[str, list[str]],
                    people: list[str]) -> None:
    """One record (at least) of every gap the coverage shapes look for, named by its id."""
    soa = rows["controls.csv"]
    # SoA completeness: one ISO/IEC 42001 control with no organization-wide line at all
    missing = f"iso42001:{controls['iso42001'][-1]}"
    dropped = {r[0] for r in soa if r[1] == missing and not r[6]}
    soa[:] = [r for r in soa if r[0] not in dropped]
    rows["evidence.csv"][:] = [r for r in rows["evidence.csv"] if r[2] not in dropped]
    # SoA lines: excluded without justification; applicable without owner; without status;
    # implemented without evidence; implemented with only stale evidence
    first, second = controls["iso27001"][0], controls["iso27001"][1]
    soa.append(["d-excluded", f"iso27001:{first}", "no", "", "", "", "", ""])
    soa.append(["d-no-owner", f"iso27001:{second}", "yes", "x", "planned", "", "", ""])
    soa.append(["d-no-status", f"iso27001:{second}", "yes", "x", "", people[0], "", ""])
    soa.append(["d-no-evidence", f"iso27001:{second}", "yes", "x", "implemented", people[0],
                "", ""])
    soa.append(["d-stale", f"iso27001:{second}", "yes", "x", "implemented", people[0], "", ""])
    rows["evidence.csv"].append(["d-stale-e", "Old record", "d-stale",
                                 (AS_OF - timedelta(days=800)).isoformat(), ""])
    # AI systems: no owner / purpose / stage / role; a GPAI-only system gets no risk class
    base = ["", "", "", people[0], "provider", "deployment", "no", "", "", "no", "", "", "no",
            "", "", "no"]
    for sid, column, value in (("d-no-owner", 3, ""), ("d-no-purpose", 2, ""),
                               ("d-no-stage", 5, ""), ("d-no-role", 4, ""),
                               ("d-no-class", 14, "provider")):
        row = list(base)
        row[0], row[1], row[2] = sid, f"Defect {sid}", "Purpose"
        row[column] = value
        rows["ai_systems.csv"].append(row)
    # a high-risk deployment in public service with nothing: no risk, no impact assessment,
    # no FRIA, none of the four measures
    row = list(base)
    row[0:3] = ["d-high-risk", "Defect high-risk", "Ranks applicants"]
    row[4], row[10], row[15] = "deployer", "4(a)", "yes"
    rows["ai_systems.csv"].append(row)
    # a prohibited practice (Article 5(1)(c), social scoring) still in use
    row = list(base)
    row[0:3] = ["d-prohibited", "Defect prohibited", "Scores citizens' social behaviour"]
    row[7] = "c"
    rows["ai_systems.csv"].append(row)
    # risks: no owner; no treatment; to be mitigated without a control
    rows["risks.csv"] += [
        ["d-risk-no-owner", "Unowned", "d-no-owner", "low", "low", "accept", "", ""],
        ["d-risk-untreated", "Untreated", "d-no-owner", "low", "low", "", "", people[0]],
        ["d-risk-no-control", "Unmitigated", "d-no-owner", "low", "low", "mitigate", "",
         people[0]]]


def write_ntriples(folder: Path, out: Path, store: GraphStore) -> int:
    """Import the CSV folder against the catalogs in ``store``; write its triples as N-Triples.

    N-Triples so that every engine parses the same bytes; returns the triple count.
    """
    from aimsgraph.organization import ProvisionIndex, organization_quads
    from aimsgraph.queries import QueryCatalog

    index = ProvisionIndex(list(QueryCatalog().get("provision-index").run(store).records()))
    quads = organization_quads(folder, "urn:x-bench:org", index)
    with out.open("w", encoding="utf-8") as f:
        for q in quads:
            f.write(f"{q.subject} {q.predicate} {q.object} .\n")
    return len(quads)


def systems_for(triples: int) -> int:
    """AI systems for about ``triples`` organization triples (measured: ~1,500 for the SoA and
    the people, ~138 per AI system with its risks, assessments, measures and evidence)."""
    return max(5, round((triples - 1_500) / 138))
