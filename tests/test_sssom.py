"""SSSOM crosswalks: parsed row by row, bad input rejected with file, line and column, inverses
derived."""

from __future__ import annotations

import pytest

from aimsgraph import GraphStore, InputError, Source
from aimsgraph.sssom import read_sssom

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
"""
COLUMNS = ("subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tset_relation\t"
           "mapping_justification\tconfidence\tauthor_id\tmapping_date\tcomment\n")
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


@pytest.mark.parametrize(("mutate", "line", "field", "message"), [
    (lambda r: r.replace("iso42001:clause", "nope:clause"), 12, "subject_id", "no prefix declared"),
    (lambda r: r.replace("\t0.8\t", "\t1.5\t"), 12, "confidence", "outside 0-1"),
    (lambda r: r.replace("\t0.8\t", "\thigh\t"), 12, "confidence", "not a number"),
    (lambda r: r.replace("aims:SubsetOf", "aims:Similar"), 12, "set_relation", "is not one of"),
    (lambda r: r.replace("skos:broadMatch", "skos:exactMatch"), 12, "predicate_id", "contradicts"),
    (lambda r: r.replace("2026-11-27", "27/11/2026"), 12, "mapping_date", "not a date"),
    (lambda r: r.replace("semapv:ManualMappingCuration", "aims:Guess"), 12,
     "mapping_justification", "SEMAPV"),
    (lambda r: r + r, 13, "object_id", "mapped twice"),
    (lambda r: r.replace("\tA rationale.", ""), 12, None, "cells"),
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
