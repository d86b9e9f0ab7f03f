"""SHACL validation of the loaded graph with pySHACL, the reference implementation.

Every ``ontology/shapes/*.ttl`` file is a shapes graph. A finding names the file and row a node
was authored at (``aims:authoredIn`` / ``aims:authoredAtRow``, set when SSSOM rows are loaded),
so a user reads "iso42001-aiact.sssom.tsv:42 - the target is not a provision ...".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from .catalog import open_store
from .namespaces import AIMS
from .paths import data_path
from .sssom import MappingSet, read_sssom
from .store import GraphStore

_AIMS = rdflib.Namespace(AIMS)
#: the SSSOM column behind each mapping property, to point a user at the cell to fix
COLUMN = {_AIMS.source: "subject_id", _AIMS.target: "object_id", _AIMS.relation: "set_relation",
          _AIMS.rationale: "comment", _AIMS.confidence: "confidence"}


@dataclass(frozen=True, order=True)
class Finding:
    severity: str  # Violation | Warning | Info
    location: str  # "file:row" where known, else the focus node IRI
    message: str
    focus: str
    shape: str

    def __str__(self) -> str:
        return f"{self.location} - {self.message}"


def shape_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or data_path("ontology", "shapes")).glob("*.ttl"))


def validate(store: GraphStore, shapes: Iterable[Path] | None = None) -> list[Finding]:
    """Validate the store's graphs (shapes graphs excluded) against the shapes; sorted findings."""
    shapes_graph = rdflib.Graph()
    for path in shapes if shapes is not None else shape_files():
        shapes_graph.parse(path, format="turtle")
    data = store.to_rdflib([s.graph for s in store.sources if s.kind != "shapes"])
    _, report, _ = shacl_validate(data, shacl_graph=shapes_graph, inference="none",
                                  advanced=True, allow_warnings=True)
    findings: set[Finding] = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if (focus, _AIMS.derivedFrom, None) in data:
            continue  # a derived inverse mirrors its authored mapping, which is reported
        value = report.value(result, SH.value)
        severity = report.value(result, SH.resultSeverity)
        message = report.value(result, SH.resultMessage)
        shape = report.value(result, SH.sourceShape)
        subject = value if _locate(data, value) else focus
        location = _locate(data, subject) or str(subject)
        column = COLUMN.get(report.value(result, SH.resultPath))
        findings.add(Finding(
            severity=str(severity).rsplit("#", 1)[-1],
            location=f"{location} [{column}]" if column else location,
            message=str(message) if message is not None else "constraint not met",
            focus=str(focus),
            shape=str(shape),
        ))
    return sorted(findings)


def _locate(data: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    """``file:row`` of the authored node behind ``node`` (a derived inverse points to it)."""
    if node is None:
        return None
    authored = data.value(node, _AIMS.derivedFrom) or node
    file = data.value(authored, _AIMS.authoredIn)
    row = data.value(authored, _AIMS.authoredAtRow)
    if file is None:
        return None
    return f"{file}:{row}" if row is not None else str(file)


def validate_mapping_file(path: Path) -> tuple[MappingSet, list[Finding]]:
    """Check a user's SSSOM crosswalk against the shipped catalogs without keeping it anywhere.

    Structural problems raise InputError (file, line, column); integrity findings that concern
    this file (unknown provisions, contradictions with shipped crosswalks, wrong editions) are
    returned.
    """
    mapping_set = read_sssom(path)
    store = open_store([path])
    findings = [f for f in validate(store) if f.location.split(":")[0] == path.name]
    return mapping_set, findings
