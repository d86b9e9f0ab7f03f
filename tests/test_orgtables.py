"""The organization's graph back as CSV (orgtables, ``aimsgraph export-org``): import(export(x))
gives the same graph for every sample, row numbers included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from aimsgraph import open_store
from aimsgraph.organization import is_organization_folder, organization_quads
from aimsgraph.orgtables import References, organization_graphs, read_tables, table_text

from .conftest import ROOT

SAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if is_organization_folder(p))


def triples(folder: Path, graph: str, refs: References) -> set:
    return {(q.subject, q.predicate, q.object) for q in organization_quads(folder, graph,
                                                                          refs.index)}


def test_there_are_samples() -> None:
    assert {p.name for p in SAMPLES} >= {"acme-lending", "acme-lending-fixed",
                                         "acme-lending-27701"}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_export_then_import_gives_the_same_graph(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / sample.name
    run = subprocess.run([sys.executable, "-m", "aimsgraph", "export-org", str(out),
                          "--data", str(sample)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    store = open_store([sample])
    graph = organization_graphs(store)[0]
    refs = References(store)
    original = triples(sample, graph, refs)
    exported = triples(out, graph, refs)  # same graph name: compare the statements
    assert original == exported
    assert len(original) > 500
    # and the exported folder, loaded in its own right, holds the same statements
    again = open_store([out])
    held = {(s, p, o) for s, p, o, _ in again.query(
        "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"g": ox.NamedNode(organization_graphs(again)[0])}).rows}
    assert held == original


def test_rows_keep_their_lines_and_gaps_become_blank_lines() -> None:
    rows = [(2, {"id": "a", "title": "A", "supports": "x", "date": "2026-01-01"}),
            (5, {"id": "b", "title": "multi\nline", "supports": "x", "date": "2026-01-01"})]
    text = table_text("evidence.csv", rows)
    lines = text.splitlines()
    assert lines[1].startswith("a,A") and lines[2] == ""
    assert lines[4].startswith('line",x,2026-01-01,')


def test_lists_keep_the_format_order(org_store) -> None:
    tables = read_tables(org_store, organization_graphs(org_store)[0])
    systems = {row["id"]: row for _, row in tables["ai_systems.csv"]}
    assert systems["credit-scoring"]["role"] == "provider;deployer"
    assert systems["credit-scoring"]["annex_iii_point"] == "5(b)"


def test_export_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "aimsgraph", "export-org", *args],
                              capture_output=True, text=True, check=False)

    none = run(str(tmp_path / "x"))
    assert none.returncode == 2 and "no organization loaded" in none.stderr
    both = run(str(tmp_path / "y"), "--data", str(ROOT / "examples" / "acme-lending-fixed"),
               "--data", str(ROOT / "examples" / "acme-lending-27701"))
    assert both.returncode == 2 and "--organization" in both.stderr
    one = run(str(tmp_path / "z"), "--data", str(ROOT / "examples" / "acme-lending-fixed"),
              "--data", str(ROOT / "examples" / "acme-lending-27701"),
              "--organization", "acme-lending-27701")
    assert one.returncode == 0, one.stderr
    assert sorted(p.name for p in (tmp_path / "z").iterdir()) == [
        "controls.csv", "evidence.csv", "organization.csv", "people.csv"]
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "risks.csv").write_text("id,title\n")
    stale = run(str(tmp_path / "w"), "--data", str(ROOT / "examples" / "acme-lending-27701"))
    assert stale.returncode == 2 and "risks.csv" in stale.stderr
