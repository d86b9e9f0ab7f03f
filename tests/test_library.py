"""The documented Python library: the examples in the public API's docstrings and the worked
example in docs/library.md run here, so neither can drift from what the library does."""

from __future__ import annotations

import doctest
from datetime import date
from pathlib import Path

import pytest

import aimsgraph
from aimsgraph import api, catalog

from .conftest import ROOT

ACME = str(ROOT / "examples" / "acme-lending")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
PUBLIC = ("open_store", "classify", "validate", "coverage", "impact", "gaps", "export")


def run_doctests(module, globs: dict) -> doctest.TestResults:  # type: ignore[no-untyped-def]
    return doctest.testmod(module, extraglobs=globs, optionflags=FLAGS, verbose=False,
                           report=True)


def test_the_public_api_is_exported_and_documented() -> None:
    for name in PUBLIC:
        function = getattr(aimsgraph, name)
        assert name in aimsgraph.__all__ and callable(function), name
        assert ">>> " in (function.__doc__ or ""), f"{name} has no example"


def test_the_open_store_example_runs() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(catalog.open_store, "open_store", globs={
            "open_store": aimsgraph.open_store, "ACME": ACME}):
        runner.run(test)
    assert runner.summarize(verbose=False).attempted >= 2
    assert runner.failures == 0


def test_the_api_examples_run(org_store) -> None:
    result = run_doctests(api, {"store": org_store, "AS_OF": date(2026, 12, 1)})
    assert result.attempted >= 15 and result.failed == 0, result


@pytest.mark.parametrize("kind", [str, Path])
def test_paths_may_be_str_or_path(tmp_path, org_store, kind) -> None:
    store = aimsgraph.open_store([kind(ACME)])
    assert any(s.kind == "organization" for s in store.sources)
    out = tmp_path / "crosswalks.sssom.tsv"
    assert aimsgraph.export(org_store, "sssom", kind(out)) is None
    assert out.read_bytes().startswith(b"# ")
    change = ROOT / "changes" / "eu-ai-act-digital-omnibus-2025.yaml"
    report = aimsgraph.impact(org_store, kind(change), as_of=date(2026, 12, 1))
    assert report.change_set.id == "eu-ai-act-digital-omnibus-2025"


@pytest.mark.parametrize("kind", [str, Path])
def test_every_public_path_parameter_takes_str_or_path(kind) -> None:
    assert [s.kind for s in aimsgraph.data_sources([kind(ACME)])] == []  # CSV only: no RDF
    ttl = ROOT / "frameworks" / "oecd-ai-principles-2024.ttl"
    assert [s.path for s in aimsgraph.data_sources([kind(ttl)])] == [ttl]
    catalog = aimsgraph.QueryCatalog(kind(ROOT / "queries"))
    assert catalog.get("provision").name == "provision"
    checks = aimsgraph.run_checks(aimsgraph.GraphStore(), kind(ROOT / "queries" / "qc"))
    assert checks and all(c.passed for c in checks)  # an empty graph breaks no rule


def test_bad_input_is_a_clear_error(tmp_path, org_store) -> None:
    with pytest.raises(aimsgraph.UsageError, match="neither a shipped change set"):
        aimsgraph.impact(org_store, "no-such-change")
    with pytest.raises(aimsgraph.AimsgraphError, match="does not exist"):
        aimsgraph.export(org_store, "turtle", tmp_path / "missing" / "graph.ttl")
    with pytest.raises(aimsgraph.UsageError, match="unknown role"):
        aimsgraph.coverage(org_store, "iso42001", "aiact", roles="regulator")


def test_the_library_page_runs(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # the page loads examples/acme-lending as a user in the repo would
    page = ROOT / "docs" / "library.md"
    result = doctest.testfile(str(page), module_relative=False, optionflags=FLAGS,
                              globs={"ACME": ACME}, report=True)
    assert result.attempted >= 10 and result.failed == 0, result
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/library.md" in readme


def test_the_readme_library_example_runs(monkeypatch, capsys) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the library", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert "ai_systems.csv:2 - " in capsys.readouterr().out
    assert namespace["report"].by_system
