"""OWL 2 consistency of the ontology, with owlready2 and its HermiT reasoner.

HermiT runs on Java; :func:`java_available` tells whether it can run here. HermiT accepts only the
OWL 2 datatype map, which lacks xsd:date: that is why the ontology gives date properties the range
rdfs:Literal, and why catalog and organization data (full of xsd:date) are checked by SHACL and the
QC queries rather than by the reasoner.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rdflib


@dataclass(frozen=True)
class ConsistencyReport:
    consistent: bool
    classes: int
    unsatisfiable: tuple[str, ...]
    detail: str = ""


def java_available() -> bool:
    return shutil.which("java") is not None


def check_consistency(files: Iterable[Path]) -> ConsistencyReport:
    """Load the given Turtle files into a fresh owlready2 world and run HermiT on them.

    Reports whether the whole is consistent and which named classes are unsatisfiable (a class
    that can have no member is almost always a modelling error even when the whole is consistent).
    """
    import owlready2  # slow to import; only this job needs it

    merged = rdflib.Graph()
    for path in files:
        merged.parse(path, format="turtle")
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "merged.nt"
        merged.serialize(nt, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as err:
            return ConsistencyReport(False, 0, (), str(err))
        classes = list(world.classes())
        unsat = tuple(sorted(c.iri for c in world.inconsistent_classes()))
        return ConsistencyReport(not unsat, len(classes), unsat)
