"""The sample organization: its deliberate gaps are exactly what validation finds, the fixed twin
conforms, and each AI system is classified as a reader of the AI Act would."""

from __future__ import annotations

from datetime import date

import pytest

from aimsgraph import open_store
from aimsgraph.classification import classify
from aimsgraph.reports import gap_report, soa_rows
from aimsgraph.validation import validate

from .conftest import ROOT

AS_OF = date(2026, 11, 27)
ORG = ROOT / "examples" / "acme-lending"
FIXED = ROOT / "examples" / "acme-lending-fixed"

# examples/acme-lending/GAPS.md, as (location, what the finding says)
DELIBERATE_GAPS = {
    ("iso42001:annex-a/A.10.4", "A.10.4 has no applicability decision"),        # G1
    ("controls.csv:9", "A.4.4 is excluded from the Statement of Applicability without a "
                       "justification"),                                         # G2
    ("controls.csv:31", "A.8.3 applies but has no owner"),                       # G3
    ("controls.csv:19", "A.6.2.3 is marked implemented but no evidence supports it"),  # G4
    ("controls.csv:4", "its newest evidence (2025-06-30) is older than 2025-11-27"),   # G5
    ("ai_systems.csv:6", "the AI system has no life-cycle stage"),               # G6
    ("ai_systems.csv:3", "has no human-oversight measure (AI Act Article 14)"),  # G7
    ("ai_systems.csv:2", "fundamental rights impact assessment (AI Act Article 27)"),  # G8
    ("risks.csv:13", "the risk is to be mitigated but names no control"),         # G9
    ("risks.csv:19", "the risk has no owner"),                                    # G10
}


@pytest.fixture(scope="module")
def acme():
    return open_store([ORG])


@pytest.fixture(scope="module")
def acme_findings(acme):
    return validate(acme, as_of=AS_OF)


def test_validation_finds_exactly_the_deliberate_gaps(acme_findings) -> None:
    violations = [f for f in acme_findings if f.severity == "Violation"]
    assert len(violations) == len(DELIBERATE_GAPS)
    for location, text in DELIBERATE_GAPS:
        assert any(f.location == location and text in f.message for f in violations), \
            (location, text, [str(v) for v in violations])


def test_findings_are_grouped_by_system_and_clause(acme_findings) -> None:
    by_key = {(f.location, f.system, f.clause) for f in acme_findings
              if f.severity == "Violation"}
    assert ("ai_systems.csv:3", "CV screening and ranking", "AI Act Articles 9-15, 27") in by_key
    assert ("risks.csv:19", "Transaction fraud detection", "ISO/IEC 42001 6.1.2, 6.1.3") in by_key


def test_the_fixed_organization_conforms() -> None:
    findings = validate(open_store([FIXED]), as_of=AS_OF)
    assert [str(f) for f in findings if f.severity == "Violation"] == []


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
    assert report.cheapest and report.cheapest[0].closes >= report.cheapest[-1].closes
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
