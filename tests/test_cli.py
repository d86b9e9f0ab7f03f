"""The real `aimsgraph` command, end to end through a subprocess."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

SCRIPT = Path(sys.executable).with_name("aimsgraph")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "aimsgraph"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=300)


def test_stats_shows_every_framework_and_count() -> None:
    done = run("stats", "--format", "json")
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    counts = {(p["notation"], p["kind"]): p["count"] for p in stats["provisions"]}
    assert counts[("ISO/IEC 42001:2023", "Control")] == 38
    assert counts[("ISO/IEC 27001:2022", "Control")] == 93
    assert counts[("ISO/IEC 27001:2013", "Control")] == 114
    assert counts[("Regulation (EU) 2024/1689", "Article")] == 113
    assert counts[("Regulation (EU) 2024/1689", "Annex")] == 13
    assert counts[("Regulation (EU) 2016/679", "Article")] == 99
    assert counts[("NIST AI RMF 1.0", "Subcategory")] == 72
    assert counts[("OECD/LEGAL/0449 (2024)", "Principle")] == 10
    assert stats["triples"] == sum(g["triples"] for g in stats["graphs"]) > 10_000


def test_stats_table_is_readable() -> None:
    done = run("stats")
    assert done.returncode == 0
    assert "ISO/IEC 42001:2023" in done.stdout and "triples" in done.stdout


def test_check_passes_on_the_shipped_catalogs() -> None:
    done = run("check")
    assert done.returncode == 0, done.stdout
    assert "0 failed" in done.stdout


def test_check_reports_findings_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix aims: <https://w3id.org/aimsgraph/ontology#> .\n"
                   "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                   "<https://example.org/p> a aims:Control ; skos:notation \"A.6.2.4\" ;\n"
                   "  skos:prefLabel \"duplicate\"@en ;\n"
                   "  aims:inFramework <https://w3id.org/aimsgraph/std/iso-iec-42001/2023> .\n")
    done = run("check", "--data", str(bad))
    assert done.returncode == 1
    assert "FAIL duplicate-notation-violation" in done.stdout
    assert "https://example.org/p" in done.stdout


def test_malformed_user_file_is_exit_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n")
    done = run("stats", "--data", str(bad))
    assert done.returncode == 2
    assert f"{bad}:3" in done.stderr
    assert "Traceback" not in done.stderr


def test_query_named_with_parameter_as_csv() -> None:
    done = run("query", "provision", "--param", "notation=A.6.2.4", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows[0]["title"] == "AI system verification and validation"


def test_query_file_as_json(tmp_path: Path) -> None:
    rq = tmp_path / "count.rq"
    rq.write_text("PREFIX aims: <https://w3id.org/aimsgraph/ontology#>\n"
                  "SELECT (COUNT(?o) AS ?n) WHERE { ?o a aims:Obligation }\n")
    done = run("query", str(rq), "--format", "json")
    assert done.returncode == 0, done.stderr
    n = int(json.loads(done.stdout)["results"]["bindings"][0]["n"]["value"])
    assert n > 100


def test_query_list_names_every_query_and_its_parameters() -> None:
    done = run("query", "--list")
    assert done.returncode == 0
    assert "provision-counts" in done.stdout
    assert "--param notation=<string> (required)" in done.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("query", "nope"), "unknown query 'nope'; valid: "),
    (("query", "provision"), "needs parameter 'notation'"),
    (("query", "provision-counts", "--format", "yaml"), "unknown format 'yaml'; valid: "),
    (("export", "--format", "yaml"), "unknown format 'yaml'; valid: "),
    (("query", "provision", "-p", "notation"), "--param takes NAME=VALUE"),
])
def test_usage_errors_exit_2_and_list_valid_choices(args, message) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("trig", "trig"),
                                                    ("nquads", "nquads"), ("jsonld", "json-ld")])
def test_export_writes_the_whole_graph(tmp_path: Path, fmt: str, rdflib_format: str) -> None:
    out = tmp_path / f"graph.{fmt}"
    done = run("export", "--format", fmt, "--output", str(out))
    assert done.returncode == 0, done.stderr
    parsed = rdflib.Dataset().parse(out, format=rdflib_format)
    assert len(list(parsed.quads())) > 10_000
    if fmt in ("trig", "nquads"):
        graphs = {str(g.identifier) for g in parsed.graphs()}
        assert "https://w3id.org/aimsgraph/graph/frameworks/gdpr-2016-679" in graphs


def test_export_to_stdout() -> None:
    done = subprocess.run([*COMMAND, "export", "--format", "nquads"], capture_output=True,
                          timeout=300)
    assert done.returncode == 0
    assert done.stdout.count(b"\n") > 10_000


def test_coverage_answers_with_paths() -> None:
    done = run("coverage", "--have", "iso42001,iso27001", "--want", "aiact", "--format", "json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    rows = body["items"]
    assert "iso42001-aiact.sssom.tsv" in {m["file"] for m in body["mappingSets"]}
    covered = [r for r in rows if r["coverage"] != "none"]
    assert covered and all(r["path"] for r in covered)
    assert {r["coverage"] for r in rows} <= {"full", "partial", "none"}
    assert body["settings"] == {"maxHops": 2, "minConfidence": "0.6", "partialOnlyLast": True,
                                  "roles": "any party that can comply"}
    assert all(r["counted"] for r in rows) and "Article 3" not in {r["notation"] for r in rows}
    table = run("coverage", "--have", "iso42001,iso27001", "--want", "aiact").stdout
    assert "settings: paths of at most 2 mapping(s), each with confidence >= 0.6" in table
    assert "provisions carrying a requirement for any party that can comply:" in table
    bad = run("coverage", "--have", "iso42001", "--want", "aiact", "--min-confidence", "2")
    assert bad.returncode == 2 and "--min-confidence" in bad.stderr


def test_import_mappings_rejects_a_bad_crosswalk(tmp_path: Path) -> None:
    from .test_sssom import COLUMNS, HEADER, ROW, ROW_LINE

    bad = tmp_path / "mine.sssom.tsv"
    bad.write_text(HEADER + COLUMNS + ROW.replace("par_2", "par_99"))
    done = run("import-mappings", str(bad))
    assert done.returncode == 2
    assert f"mine.sssom.tsv:{ROW_LINE} [object_id] - the target is not a provision" in done.stderr
    good = tmp_path / "good.sssom.tsv"
    good.write_text(HEADER + COLUMNS + ROW)
    out = tmp_path / "good.ttl"
    done = run("import-mappings", str(good), "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 mappings valid (1 SubsetOf)" in done.stdout
    assert len(rdflib.Graph().parse(out)) > 10


def test_export_crosswalks_as_sssom_and_oscal(tmp_path: Path) -> None:
    done = run("export", "--format", "sssom")
    assert done.returncode == 0 and done.stdout.startswith("# mapping_set_id:")
    done = run("export", "--format", "oscal-mapping")
    assert json.loads(done.stdout)["mapping-collection"]["metadata"]["oscal-version"] == "1.2.1"


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "acme-lending"


def test_validate_exit_codes_and_outputs(tmp_path: Path) -> None:
    findings, report = tmp_path / "f.json", tmp_path / "report.ttl"
    done = run("validate", "--data", str(EXAMPLE), "--as-of", "2026-11-27",
               "--json", str(findings), "--report", str(report))
    assert done.returncode == 1, done.stderr
    assert "By AI system:" in done.stdout and "By clause:" in done.stdout
    assert "10 violations" in done.stdout
    written = json.loads(findings.read_text())
    assert written["law"]["asOf"] == "2026-11-27"
    assert len([f for f in written["findings"] if f["severity"] == "Violation"]) == 10
    shacl = rdflib.Graph().parse(report)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in shacl
    fixed = run("validate", "--data", str(EXAMPLE.with_name("acme-lending-fixed")),
                "--as-of", "2026-11-27")
    assert fixed.returncode == 0, fixed.stdout


def test_soa_in_three_formats(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    xlsx = tmp_path / "soa.xlsx"
    done = run("soa", "--data", str(EXAMPLE), "--format", "xlsx", "-o", str(xlsx),
               "--as-of", "2026-11-27")
    assert done.returncode == 0, done.stderr
    assert re.search(r"\(\d+ undecided, \d+ with stale or missing evidence\)", done.stderr)
    sheet = load_workbook(xlsx).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = cells.index(["framework", "control", "title", "applicable", "justification",
                          "status", "owner", "systems", "evidence", "newestEvidence",
                          "evidenceCheck", "risks"])
    assert dict((r[0], r[1]) for r in cells[:header] if r[0])["Organization"] == "Acme Lending"
    lines = cells[header + 1:]
    assert len(lines) >= 77  # the 77 lines of controls.csv, and undecided controls
    md = run("soa", "--data", str(EXAMPLE), "--format", "md")
    assert md.stdout.startswith("# Statement of Applicability") and "| A.6.2.4 |" in md.stdout
    text = run("soa", "--data", str(EXAMPLE)).stdout
    rows = list(csv.DictReader(io.StringIO(text.partition("\n\n")[2])))
    assert {r["applicable"] for r in rows} == {"yes", "no", "undecided"}


def test_classify_and_gaps() -> None:
    done = run("classify", "--data", str(EXAMPLE), "--format", "json", "--as-of", "2026-11-27")
    systems = {c["name"]: c for c in json.loads(done.stdout)["systems"]}
    assert systems["Credit scoring model"]["classes"] == ["high-risk"]
    gaps = run("gaps", "--data", str(EXAMPLE), "--format", "json", "--as-of", "2026-11-27")
    report = json.loads(gaps.stdout)
    assert isinstance(report["cheapestControls"], list)
    assert "CV screening and ranking" in report["bySystem"]


@pytest.mark.parametrize(("args", "what"), [
    (["validate"], "validation"),
    (["gaps"], "the gap report"),
    (["soa"], "the Statement of Applicability"),
    (["coverage", "--have", "implemented", "--want", "aiact"],
     "coverage by implemented controls"),
])
def test_no_organization_is_an_error_not_an_all_clear(args, what) -> None:
    done = run(*args)
    assert done.returncode == 2, done.stdout
    assert f"no organization loaded: {what}" in done.stderr
    assert "0 violations" not in done.stdout


def test_import_reports_every_bad_row(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "org"
    shutil.copytree(EXAMPLE, folder)
    risks = (folder / "risks.csv").read_text().replace(",credit-scoring,", ",no-such-system,", 1)
    (folder / "risks.csv").write_text(risks)
    done = run("import", str(folder))
    assert done.returncode == 2
    assert "risks.csv:2 [system]: 'no-such-system' is not an id in ai_systems.csv" in done.stderr
    assert run("import", str(EXAMPLE)).returncode == 0


def test_impact_opens_with_a_summary_and_groups_by_owner(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    sample = ["--data", str(root / "examples" / "acme-lending")]
    done = run("impact", str(root / "changes" / "iso27001-2013-to-2022.yaml"), *sample)
    assert done.returncode == 0, done.stderr
    assert "impacted: nothing (no change applies to the organization's data)" in done.stdout
    done = run("impact", str(root / "changes" / "eu-ai-act-digital-omnibus-2025.yaml"), *sample,
               "--json", str(tmp_path / "i.json"), "--csv", str(tmp_path / "i.csv"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("impacted: "))
    assert lines[0].startswith("Law assumed on ") or "changes" in lines[0]
    assert lines[at + 1].startswith("owners to notify: ")
    document = json.loads((tmp_path / "i.json").read_text(encoding="utf-8"))
    owners = [g["owner"] for g in document["owners"]]
    for owner in owners:  # one section per owner, in the order of the summary
        assert (owner or "No owner") in done.stdout
    assert len(owners) == len(set(owners))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "i.csv").read_text(encoding="utf-8"))))
    assert len(rows) == document["summary"]["items"] == len({r["item"] for r in rows})
