"""The sample organization: its deliberate gaps are exactly what validation finds, the fixed twin
conforms, and each AI system is classified as a reader of the AI Act would."""

from __future__ import annotations

from datetime import date

import pytest

from aimsgraph import open_store
from aimsgraph.classification import classify
from aimsgraph.reports import gap_report, implemented_controls, soa_rows
from aimsgraph.validation import validate

from .conftest import ROOT

AS_OF = date(2026, 11, 27)
ORG = ROOT / "examples" / "acme-lending"
FIXED = ROOT / "examples" / "acme-lending-fixed"



def gaps_table(path):
    """The table under "What `aimsgraph validate` reports" in GAPS.md: (severity, where, finding)
    with the gap it belongs to."""
    text = path.read_text(encoding="utf-8")
    section = text.split("## What `aimsgraph validate` reports", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("G"):
            gap, severity, where, finding = cells
            rows.append((severity.capitalize(), where.strip("`"), finding, gap))
    return rows


@pytest.fixture(scope="module")
def acme():
    return open_store([ORG])


@pytest.fixture(scope="module")
def acme_findings(acme):
    return validate(acme, as_of=AS_OF)


def test_validation_finds_exactly_the_gaps_listed_in_gaps_md(acme_findings) -> None:
    listed = gaps_table(ORG / "GAPS.md")
    assert len(listed) == 13 and {gap for *_, gap in listed} == {f"G{i}" for i in range(1, 13)}
    found = sorted((f.severity, f.location, f.message) for f in acme_findings)
    assert found == sorted(row[:3] for row in listed)  # no finding unlisted, no gap unfound


def test_findings_are_grouped_by_system_and_clause(acme_findings) -> None:
    by_key = {(f.location, f.system, f.clause) for f in acme_findings
              if f.severity == "Violation"}
    assert ("ai_systems.csv:3", "CV screening and ranking", "AI Act Articles 9-15, 27") in by_key
    assert ("risks.csv:19", "Transaction fraud detection", "ISO/IEC 42001 6.1.2, 6.1.3") in by_key


def test_the_fixed_organization_has_no_finding_at_all() -> None:
    findings = validate(open_store([FIXED]), as_of=AS_OF)
    assert [f"{f.severity} {f}" for f in findings] == []


@pytest.fixture(scope="module")
def classes(acme):
    return {c.system.iri.rsplit("/", 1)[-1]: c for c in classify(acme, AS_OF)}


def obligations(c, role: str) -> set[str]:
    return {o.notation for o in c.obligations if o.applies and o.role.endswith(role)}


def test_credit_scoring_is_high_risk_under_annex_iii_5b(classes) -> None:
    c = classes["credit-scoring"]
    assert c.classes == ["high-risk"]
    assert str(c.reasons[0]).startswith("Article 6(2), Annex III(5)(b)")
    assert {"Article 9(1)", "Article 17(1)", "Article 43(2)", "Article 49(1)"} <= obligations(
        c, "AIProvider")
    # Article 27(1): deployers of Annex III 5(b) systems assess fundamental rights
    assert {"Article 26(1)", "Article 27(1)"} <= obligations(c, "AIDeployer")


def test_cv_screening_is_high_risk_under_annex_iii_4a_and_binds_the_deployer(classes) -> None:
    c = classes["cv-screening"]
    assert c.classes == ["high-risk"]
    assert "Annex III(4)(a)" in str(c.reasons[0])
    assert {"Article 26(2)", "Article 26(7)"} <= obligations(c, "AIDeployer")
    assert "Article 27(1)" not in obligations(c, "AIDeployer")  # private deployer, not 5(b)/(c)
    assert obligations(c, "AIProvider") == set()


def test_chatbot_has_article_50_duties_only(classes) -> None:
    c = classes["customer-chatbot"]
    assert c.classes == ["transparency"]
    assert {"Article 50(1)", "Article 50(2)"} <= obligations(c, "AIProvider")
    assert "Article 9(1)" not in obligations(c, "AIProvider")


@pytest.mark.parametrize("system", ["fraud-detection", "code-assistant", "doc-summarizer"])
def test_minimal_risk_systems(classes, system) -> None:
    c = classes[system]
    assert c.classes == ["minimal"]
    assert all(o.notation in ("Article 4",) or not o.applies
               for o in c.obligations), [o.notation for o in c.obligations if o.applies]


def test_soa_covers_all_38_controls_but_the_missing_one(acme) -> None:
    rows = soa_rows(acme)
    controls = {r["control"] for r in rows if r["framework"] == "ISO/IEC 42001:2023"}
    assert len(controls) == 37 and "A.10.4" not in controls
    assert any(r["framework"] == "ISO/IEC 27001:2022" for r in rows)


def test_gap_report_ranks_controls(acme, acme_findings) -> None:
    report = gap_report(acme, acme_findings)
    assert "CV screening and ranking" in report.by_system
    closes = [c.closes for c in report.cheapest]
    assert closes == sorted(closes, reverse=True)
    assert not {c.iri for c in report.cheapest} & set(implemented_controls(acme))
    assert {g.notation for g in report.by_framework} >= {"Regulation (EU) 2024/1689"}


def test_gap_candidates_close_real_gaps_for_the_organization(acme, acme_findings) -> None:
    """Ranked by what they close under the path rule for the organization's roles and systems:
    no standard it may not run (NIST AI RMF, ISO/IEC 27701 processor controls), no link below
    the rule. The old ranking put A.10.4 forward for 27701 B.8.2.1 and 27001 clause 4.2."""
    report = gap_report(acme, acme_findings, as_of=AS_OF)
    assert report.cheapest, "the sample leaves controls to recommend"
    for c in report.cheapest:
        assert c.closes == c.obligations + c.provisions > 0
        assert all(e.startswith("Regulation (EU)") or " for " in e for e in c.examples), c
    assert "A.10.4" not in {c.control.rsplit(" ", 1)[-1] for c in report.cheapest}
    assert "confidence >= 0.6" in report.settings and "provider" in report.settings


def test_a_control_that_would_reach_an_unreached_obligation_ranks_first(tmp_path) -> None:
    import shutil

    folder = tmp_path / "acme-lending"
    shutil.copytree(ROOT / "examples" / "acme-lending", folder)
    controls = folder / "controls.csv"
    lines = controls.read_text(encoding="utf-8").splitlines(keepends=True)
    # the logging control (A.6.2.8) is no longer implemented: Article 12(1) goes unreached
    lines = [line.replace(",implemented,", ",planned,") if ",iso42001:A.6.2.8," in line
             else line for line in lines]
    controls.write_text("".join(lines), encoding="utf-8")
    store = open_store([folder])
    report = gap_report(store, validate(store, as_of=AS_OF), as_of=AS_OF)
    top = report.cheapest[0]
    assert top.control == "ISO/IEC 42001:2023 A.6.2.8"
    assert top.obligations >= 1
    assert any(e.startswith("Article 12(1) for Credit scoring model") for e in top.examples)
