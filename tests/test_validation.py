"""SHACL integrity of mappings: each rule finds what it is for, reported as file:row."""

from __future__ import annotations

from aimsgraph import GraphStore, Source, shipped_sources
from aimsgraph.validation import validate, validate_mapping_file

from .test_sssom import COLUMNS, HEADER, ROW, ROW_LINE

CATALOGS = [s for s in shipped_sources() if s.kind in ("ontology", "framework")]


def load(*sources: Source) -> GraphStore:
    store = GraphStore()
    store.load([*CATALOGS, *sources])
    return store


def test_clean_mapping_has_no_findings(write) -> None:
    path = write("ok.sssom.tsv", HEADER + COLUMNS + ROW)
    assert validate(load(Source(path, "https://example.org/g"))) == []


def test_unknown_provision_is_reported_at_its_row_and_column(write) -> None:
    path = write("bad.sssom.tsv", HEADER + COLUMNS + ROW.replace("par_2", "par_99"))
    findings = validate(load(Source(path, "https://example.org/g")))
    assert [str(f) for f in findings] == [
        f"bad.sssom.tsv:{ROW_LINE} [object_id] - the target is not a provision of the loaded "
        "catalogs (unknown IRI or a typo in the CURIE)"]


def test_contradicting_relations_across_files(write) -> None:
    a = write("a.sssom.tsv", HEADER + COLUMNS + ROW)
    other = HEADER.replace("mappings/test", "mappings/other")
    not_related = (ROW.replace("skos:broadMatch\t\t", "skos:relatedMatch\tNot\t")
                   .replace("aims:SubsetOf", "aims:NotRelated"))
    b = write("b.sssom.tsv", other + COLUMNS + not_related)
    findings = validate(load(Source(a, "https://example.org/a"),
                             Source(b, "https://example.org/b")))
    messages = {f.location: f.message for f in findings}
    assert f"a.sssom.tsv:{ROW_LINE}" in messages and f"b.sssom.tsv:{ROW_LINE}" in messages
    assert f"NotRelated in b.sssom.tsv:{ROW_LINE}" in messages[f"a.sssom.tsv:{ROW_LINE}"]


def test_edition_mismatch(write) -> None:
    path = write("old.sssom.tsv", HEADER.replace('"2023"', '"2022"') + COLUMNS + ROW)
    findings = validate(load(Source(path, "https://example.org/g")))
    assert len(findings) == 1
    assert "edition 2022 but the loaded catalog is edition 2023" in findings[0].message


def test_mapping_written_in_turtle_is_checked_too(write) -> None:
    ttl = write("m.ttl", """@prefix aims: <https://w3id.org/aimsgraph/ontology#> .
        <https://example.org/m> a aims:Mapping ;
          aims:source <https://w3id.org/aimsgraph/std/iso-iec-42001/2023/clause/6.1.2> ;
          aims:target <https://w3id.org/aimsgraph/eli/reg/2024/1689/art_9> ;
          aims:relation aims:Similar ; aims:confidence 1.5 .""")
    messages = {f.message for f in validate(load(Source(ttl, "https://example.org/g")))}
    assert any("relation must be one of" in m for m in messages)
    assert any("confidence must be one number from 0 to 1" in m for m in messages)
    assert any("no rationale" in m for m in messages)


def test_validate_mapping_file_checks_against_shipped_catalogs(write) -> None:
    path = write("mine.sssom.tsv", HEADER + COLUMNS + ROW.replace("par_2", "par_99"))
    mapping_set, findings = validate_mapping_file(path)
    assert len(mapping_set.rows) == 1
    assert [f.location for f in findings] == [f"mine.sssom.tsv:{ROW_LINE} [object_id]"]


def test_a_shapes_file_that_does_not_parse_is_a_clear_error(write) -> None:
    import pytest

    from aimsgraph import InputError

    bad = write("bad-shapes.ttl", "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:x .\n")
    with pytest.raises(InputError, match="shapes file does not parse") as caught:
        validate(load(), shapes=[bad])
    assert caught.value.file == str(bad)
