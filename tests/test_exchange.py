"""Exports other tools accept: SSSOM (sssom-py's own validator) and OSCAL 1.2 (trestle models)."""

from __future__ import annotations

import json
from pathlib import Path

from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate as sssom_validate
from trestle.oscal.mapping import Model

from aimsgraph.exchange import to_oscal_mapping, to_sssom
from aimsgraph.queries import QueryCatalog
from aimsgraph.sssom import read_sssom


def test_sssom_export_validates_and_round_trips(store, tmp_path: Path) -> None:
    path = tmp_path / "all.sssom.tsv"
    path.write_text(to_sssom(store), encoding="utf-8")
    msdf = parse_sssom_table(path)
    authored = list(QueryCatalog().get("mappings").run(store).records())
    assert len(msdf.df) == len(authored)
    reports = sssom_validate(msdf, [SchemaValidationType.JsonSchema,
                                    SchemaValidationType.PrefixMapCompleteness],
                             fail_on_error=False)
    assert all(not r.results for r in reports.values()), reports
    again = read_sssom(path)  # our own reader takes the export back, relations intact
    assert len(again.rows) == len(authored)
    relations = sorted(r.relation for r in again.rows)
    assert relations == sorted((m["relation"] or "").rsplit("#", 1)[-1] for m in authored)


def test_oscal_mapping_export_validates_with_trestle(store) -> None:
    data = json.loads(json.dumps(to_oscal_mapping(store)))
    model = Model(**data)
    collection = model.mapping_collection
    assert collection.metadata.oscal_version.root.root == "1.2.1"
    mappings = collection.mappings if isinstance(collection.mappings, list) else [
        collection.mappings]
    total = sum(len(m.maps) for m in mappings)
    assert total == len(list(QueryCatalog().get("mappings").run(store).records()))
    relationships = {mp.relationship for m in mappings for mp in m.maps}
    assert relationships <= {"equivalent-to", "subset-of", "superset-of", "intersects-with",
                             "no-relationship"}
