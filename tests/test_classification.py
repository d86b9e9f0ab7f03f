"""Classification says what follows: prohibited systems get no compliance list, Article 50 cases
cite their paragraph, and a purpose that contradicts the declared Annex III point is a question."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimsgraph import open_store
from aimsgraph.classification import classify
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.validation import validate

from .conftest import LOCAL, ROOT
from .test_cli import COMMAND

AS_OF = date(2026, 11, 27)
EXTRA = [
    {"id": "mood-nudger", "name": "Mood nudger", "prohibited_practice": "a",
     "intended_purpose": "Nudges app users below their awareness towards taking more credit.",
     "role": "provider;deployer", "annex_iii_point": "5(b)", "profiling": "yes"},
    {"id": "fraud-scorer", "name": "Fraud scorer", "annex_iii_point": "5(b)",
     "intended_purpose": "Scores card payments for signs of fraud and alerts fraud analysts.",
     "role": "provider;deployer", "profiling": "yes"},
    {"id": "mood-reader", "name": "Mood reader", "transparency": "emotion-recognition",
     "intended_purpose": "Reads the emotions of callers in the contact centre.",
     "role": "deployer"},
    {"id": "video-maker", "name": "Video maker", "transparency": "deep-fake",
     "intended_purpose": "Makes advertising videos with a synthetic presenter.",
     "role": "deployer"},
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample organization with four more AI systems."""
    target = tmp_path_factory.mktemp("org") / "acme-lending"
    shutil.copytree(ROOT / "examples" / "acme-lending", target)
    path = target / "ai_systems.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        columns, rows = list(reader.fieldnames or []), list(reader)
    base = {c: "" for c in columns} | {"owner": rows[0]["owner"], "processes_personal_data": "yes",
                                       "lifecycle_stage": "operation-and-monitoring",
                                       "third_party_conformity": "no", "profiling": "no",
                                       "public_service": "no"}
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows([*rows, *(base | extra for extra in EXTRA)])
    return target


@pytest.fixture(scope="module")
def classes(folder: Path) -> dict:
    return {c.system.iri.rsplit("/", 1)[-1]: c for c in classify(open_store([folder]), AS_OF)}


def test_a_prohibited_system_gets_the_prohibition_and_no_compliance_list(classes) -> None:
    c = classes["mood-nudger"]
    assert c.classes == ["prohibited"]
    assert c.verdict == ("must not be placed on the market, put into service or used: "
                         "prohibited from 2 February 2025 (Article 113(a))")
    assert c.obligations == []  # not the high-risk list its Annex III point would give
    assert str(c.reasons[0]).startswith("Article 5(1)(a): ")


def test_validation_flags_a_prohibited_system_in_use(folder: Path) -> None:
    findings = [f for f in validate(open_store([folder]), as_of=AS_OF)
                if "Mood nudger" in (f.system or "")]
    assert [f.severity for f in findings if "prohibited AI practice" in f.message] == [
        "Violation"]
    assert not any("no implemented control reaches" in f.message for f in findings)


def test_article_50_cases_cite_their_paragraph(classes) -> None:
    chatbot = [str(r) for r in classes["customer-chatbot"].reasons]
    assert [r.split(":")[0] for r in chatbot] == ["Article 50(1)", "Article 50(2)"]
    assert "machine-readable" in chatbot[1]
    assert str(classes["mood-reader"].reasons[0]).startswith("Article 50(3): emotion-recognition")
    assert str(classes["video-maker"].reasons[0]).startswith("Article 50(4): deep-fake")


def test_a_purpose_the_declared_annex_iii_point_excludes_is_a_question(classes) -> None:
    c = classes["fraud-scorer"]
    assert len(c.questions) == 1
    question = c.questions[0]
    assert question.startswith("review: the intended purpose mentions 'fraud'")
    assert "detecting financial fraud" in question and "Annex III(5)(b)" in question
    assert c.classes == ["high-risk"]  # kept as declared, with the question beside it
    assert classes["credit-scoring"].questions == []  # a credit-scoring purpose is no question


def test_classify_shows_verdict_and_questions(folder: Path) -> None:
    import subprocess

    out = subprocess.run([*COMMAND, "classify", "--data", str(folder), "--as-of",
                          AS_OF.isoformat()], capture_output=True, text=True, check=True).stdout
    nudger = out.split("Mood nudger:")[1].split("\n\n")[0]
    assert "must not be placed on the market, put into service or used" in nudger
    assert "Article 9(1)" not in nudger and "Article 26" not in nudger
    fraud = out.split("Fraud scorer:")[1].split("\n\n")[0]
    assert "review: the intended purpose mentions 'fraud'" in fraud


def test_the_service_shows_verdict_and_questions(folder: Path) -> None:
    app = create_app(ServerSettings(), open_store([folder]))
    with TestClient(app, base_url=LOCAL) as client:
        body = client.get("/systems/mood-nudger").json()
        assert body["verdict"].startswith("must not be placed on the market")
        assert body["obligations"] == []
        assert client.get("/systems/fraud-scorer").json()["questions"][0].startswith("review:")
        page = client.get("/ui/systems/mood-nudger").text
        assert "must not be placed on the market, put into service or used" in page
        assert 'id="obligations"' not in page
        assert "Questions for you" in client.get("/ui/systems/fraud-scorer").text
