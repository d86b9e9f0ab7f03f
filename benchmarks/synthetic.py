"""A seeded synthetic organization graph, in realistic proportions, on top of the shipped catalogs.

Per AI system: 3 risks, 1 impact assessment, an owner; per organization-wide SoA: one line per
ISO/IEC 42001 Annex A and ISO/IEC 27001:2022 Annex A control per business unit, each with 0-3
evidence items. Scaling adds business units and AI systems until the triple target is reached.
Written as N-Triples so every engine parses the same bytes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox

AIMS = "https://w3id.org/aimsgraph/ontology#"
ORG = "https://example.org/org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
STATUSES = ["NotStarted", "Planned", "InProgress", "Implemented"]
RISK_CLASSES = ["HighRiskAISystem-A6-2", "RiskLevelMinimal", "RiskLevelTransparencyRequired"]


def catalog_controls(catalog_files: list[Path]) -> list[str]:
    store = ox.Store()
    for path in catalog_files:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    rows = store.query(f"SELECT ?c WHERE {{ ?c a <{AIMS}Control> ; <{AIMS}inFramework> ?f . "
                       "FILTER(STRENDS(STR(?f), '42001/2023') || STRENDS(STR(?f), '27001/2022')) }")
    return sorted(row["c"].value for row in rows)


def generate(target_triples: int, controls: list[str], seed: int = 42) -> str:
    rng = random.Random(seed)
    lines: list[str] = []

    def iri(local: str) -> str:
        return f"<{ORG}{local}>"

    def add(s: str, p: str, o: str) -> None:
        lines.append(f"{s} <{p}> {o} .")

    def lit(value: str, datatype: str | None = None) -> str:
        text = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{text}"^^<{XSD}{datatype}>' if datatype else f'"{text}"'

    add(iri("acme"), RDF_TYPE, f"<{AIMS}Organization>")
    unit = 0
    while len(lines) < target_triples:
        unit += 1
        people = [iri(f"u{unit}/person/{i}") for i in range(20)]
        for person in people:
            add(person, RDF_TYPE, f"<{AIMS}Person>")
            add(person, f"{AIMS}memberOf", iri("acme"))
        for ci, control in enumerate(controls):
            line = iri(f"u{unit}/soa/{ci}")
            add(line, RDF_TYPE, f"<{AIMS}ControlImplementation>")
            add(line, f"{AIMS}implementsControl", f"<{control}>")
            applicable = rng.random() > 0.1
            add(line, f"{AIMS}applicable", lit(str(applicable).lower(), "boolean"))
            add(line, f"{AIMS}status", f"<{AIMS}{rng.choice(STATUSES)}>")
            add(line, f"{AIMS}owner", rng.choice(people))
            for e in range(rng.randint(0, 3)):
                ev = iri(f"u{unit}/evidence/{ci}/{e}")
                add(ev, RDF_TYPE, f"<{AIMS}Evidence>")
                add(ev, f"{AIMS}supports", line)
                day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
                add(ev, f"{AIMS}evidenceDate", lit(day.isoformat(), "date"))
        for s in range(25):
            system = iri(f"u{unit}/system/{s}")
            add(system, RDF_TYPE, f"<{AIMS}AISystem>")
            add(system, f"{AIMS}operatedBy", iri("acme"))
            add(system, f"{AIMS}owner", rng.choice(people))
            add(system, f"{AIMS}intendedPurpose", lit(f"Purpose {unit}-{s}"))
            add(system, f"{AIMS}riskClass",
                f"<https://w3id.org/dpv/legal/eu/aiact#{rng.choice(RISK_CLASSES)}>")
            add(system, f"{AIMS}processesPersonalData", lit(rng.choice(["true", "false"]),
                                                             "boolean"))
            for r in range(3):
                risk = iri(f"u{unit}/system/{s}/risk/{r}")
                add(risk, RDF_TYPE, f"<{AIMS}Risk>")
                add(risk, f"{AIMS}concernsSystem", system)
                add(risk, f"{AIMS}owner", rng.choice(people))
            ia = iri(f"u{unit}/system/{s}/impact")
            add(ia, RDF_TYPE, f"<{AIMS}ImpactAssessment>")
            add(ia, f"{AIMS}concernsSystem", system)
    return "\n".join(lines[:target_triples]) + "\n"
