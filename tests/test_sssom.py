"""SSSOM crosswalks: parsed row by row, bad input rejected with file, line and column, inverses
derived."""

from __future__ import annotations

import pytest

from aimsgraph import GraphStore, InputError, Source
from aimsgraph.sssom import read_sssom

PROVENANCE = """# creator_id: https://w3id.org/aimsgraph/maintainers
# mapping_provider: https://w3id.org/aimsgraph/
# see_also:
#   - https://example.org/source
# mapping_set_version: "1"
# publication_date: 2026-12-04
# license: https://creativecommons.org/licenses/by/4.0/
"""
HEADER = """# mapping_set_id: https://example.org/mappings/test
# subject_source_version: "2023"
# object_source_version: "2024/1689"
# curie_map:
#   aims: https://w3id.org/aimsgraph/ontology#
#   aimsgraph: https://w3id.org/aimsgraph/
#   iso42001: https://w3id.org/aimsgraph/std/iso-iec-42001/2023/
#   aiact: https://w3id.org/aimsgraph/eli/reg/2024/1689/
#   semapv: https://w3id.org/semapv/vocab/
#   skos: http://www.w3.org/2004/02/skos/core#
""" + PROVENANCE
COLUMNS = ("subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tset_relation\t"
           "mapping_justification\tconfidence\tauthor_id\tmapping_date\tcomment\n")
ROW_LINE = HEADER.count("\n") + 2  # the first row, after the header and the column names
ROW = ("iso42001:clause/6.1.2\tskos:broadMatch\t\taiact:art_9/par_2\taims:SubsetOf\t"
       "semapv:ManualMappingCuration\t0.8\taimsgraph:maintainers\t2026-11-27\tA rationale.\n")


def sssom(write, rows: str = ROW, header: str = HEADER, columns: str = COLUMNS):
    return write("test.sssom.tsv", header + columns + rows)


def test_a_row_becomes_a_mapping_with_a_derived_inverse(write) -> None:
    store = GraphStore()
    store.load([Source(sssom(write), "https://example.org/g")])
    rows = list(store.query("""
        SELECT ?s ?t ?r ?derived WHERE { ?m a aims:Mapping ; aims:source ?s ; aims:target ?t ;
          aims:relation ?r . OPTIONAL { ?m aims:derivedFrom ?derived } }""").records())
    assert len(rows) == 2
    authored = next(r for r in rows if r["derived"] is None)
    inverse = next(r for r in rows if r["derived"] is not None)
    assert authored["r"].endswith("#SubsetOf") and inverse["r"].endswith("#SupersetOf")
    assert (inverse["s"], inverse["t"]) == (authored["t"], authored["s"])
    ask = ("ASK { <https://w3id.org/aimsgraph/std/iso-iec-42001/2023/clause/6.1.2> "
           "skos:broadMatch <https://w3id.org/aimsgraph/eli/reg/2024/1689/art_9/par_2> . "
           "<https://w3id.org/aimsgraph/eli/reg/2024/1689/art_9/par_2> skos:narrowMatch "
           "<https://w3id.org/aimsgraph/std/iso-iec-42001/2023/clause/6.1.2> }")
    assert store.query(ask).boolean


def test_relation_is_derived_from_skos_when_there_is_no_set_relation(write) -> None:
    columns = COLUMNS.replace("set_relation\t", "")
    row = (ROW.replace("aims:SubsetOf\t", "")
           .replace("skos:broadMatch\t\t", "skos:relatedMatch\tNot\t"))
    mapping_set = read_sssom(sssom(write, row, columns=columns))
    assert mapping_set.rows[0].relation == "NotRelated"


R = ROW_LINE
@pytest.mark.parametrize(("mutate", "line", "field", "message"), [
    (lambda r: r.replace("iso42001:clause", "nope:clause"), R, "subject_id", "no prefix declared"),
    (lambda r: r.replace("\t0.8\t", "\t1.5\t"), R, "confidence", "outside 0-1"),
    (lambda r: r.replace("\t0.8\t", "\thigh\t"), R, "confidence", "not a number"),
    (lambda r: r.replace("aims:SubsetOf", "aims:Similar"), R, "set_relation", "is not one of"),
    (lambda r: r.replace("skos:broadMatch", "skos:exactMatch"), R, "predicate_id", "contradicts"),
    (lambda r: r.replace("2026-11-27", "27/11/2026"), R, "mapping_date", "not a date"),
    (lambda r: r.replace("semapv:ManualMappingCuration", "aims:Guess"), R,
     "mapping_justification", "SEMAPV"),
    (lambda r: r + r, R + 1, "object_id", "mapped twice"),
    (lambda r: r.replace("\tA rationale.", ""), R, None, "cells"),
])
def test_bad_rows_name_file_line_and_column(write, mutate, line, field, message) -> None:
    path = sssom(write, mutate(ROW))
    store = GraphStore()
    with pytest.raises(InputError) as caught:
        store.load([Source(path, "https://example.org/g")])
    err = caught.value
    assert err.file == str(path)
    assert err.line == line
    assert err.field == field
    assert message in str(err)
    assert len(store) == 0  # nothing of it was loaded


def test_missing_column_and_bad_header(write) -> None:
    with pytest.raises(InputError, match=r"missing column.*object_id"):
        read_sssom(sssom(write, columns=COLUMNS.replace("object_id\t", "")))
    with pytest.raises(InputError, match="header is not valid YAML") as caught:
        read_sssom(sssom(write, header=HEADER + "# curie_map: [unclosed\n"))
    assert caught.value.line is not None


@pytest.mark.parametrize("slot", ["creator_id", "mapping_provider", "see_also",
                                  "mapping_set_version", "publication_date", "license"])
def test_a_mapping_set_without_provenance_names_file_and_field(write, slot) -> None:
    header = "".join(line for line in HEADER.splitlines(keepends=True)
                     if not line.startswith(f"# {slot}:")
                     and not (slot == "see_also" and line.startswith("#   - https://example")))
    store = GraphStore()
    with pytest.raises(InputError) as caught:
        store.load([Source(sssom(write, header=header), "https://example.org/g")])
    assert caught.value.field == slot and "provenance missing" in str(caught.value)
    assert caught.value.file.endswith("test.sssom.tsv") and len(store) == 0


def test_provenance_is_in_the_graph(write) -> None:
    store = GraphStore()
    store.load([Source(sssom(write), "https://example.org/g")])
    row = next(store.query("""
        SELECT ?creator ?provider ?doc ?version ?issued ?licence ?default WHERE {
          ?set a aims:MappingSet ; dcterms:creator ?creator ; dcterms:publisher ?provider ;
               dcterms:source ?doc ; aims:version ?version ; dcterms:issued ?issued ;
               dcterms:license ?licence ; aims:selectedByDefault ?default }""").records())
    assert row == {"creator": "https://w3id.org/aimsgraph/maintainers",
                   "provider": "https://w3id.org/aimsgraph/", "doc": "https://example.org/source",
                   "version": "1", "issued": "2026-12-04",
                   "licence": "https://creativecommons.org/licenses/by/4.0/", "default": "true"}


def test_an_unspecified_relation_is_kept_as_printed(write) -> None:
    row = ROW.replace("skos:broadMatch", "skos:mappingRelation").replace("aims:SubsetOf",
                                                                         "aims:Unspecified")
    mapping_set = read_sssom(sssom(write, row))
    assert mapping_set.rows[0].relation == "Unspecified"
