"""The web view in-process: every page over the sample organization, with the values a person
looks for, 404 pages, inline errors, downloads, and a small HTML checker (one h1, labelled form
controls, titled pictures, balanced tags, unique ids)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from aimsgraph import FRAMEWORKS, GraphStore
from aimsgraph.coverage import coverage, organization_roles
from aimsgraph.reports import implemented_controls, soa_csv, soa_rows
from aimsgraph.server import ServerSettings, create_app

from .conftest import LOCAL, admin_users

USERS, TOKEN = admin_users()
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
PAGES = [
    "/", "/ui/heatmap", "/ui/provisions", "/ui/provisions?q=impact+assessment",
    "/ui/provisions?q=A.6.2&framework=iso42001", "/ui/provisions/iso42001/A.6.2.4",
    "/ui/provisions/aiact/Article%209", "/ui/provisions/nist-ai-rmf/GOVERN%201.1",
    "/ui/provision?iri=https://w3id.org/aimsgraph/eli/reg/2016/679/art_35",
    "/ui/coverage/aiact", "/ui/coverage/gdpr?level=none", "/ui/systems",
    "/ui/systems/credit-scoring", "/ui/systems/code-assistant", "/ui/validation", "/ui/impact",
    "/ui/impact?changeset=eu-ai-act-digital-omnibus-2025",
    "/ui/impact?changeset=iso27001-2013-to-2022&show=all",
    "/ui/impact?provision=aiact:Article%2010(2)", "/ui/sparql", "/ui/sparql?example=provision",
    "/ui/sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+aims%3AAISystem+%7D", "/ui/soa",
]


@pytest.fixture(scope="module")
def client(org_store) -> TestClient:
    return TestClient(create_app(ServerSettings(max_rows=5000), org_store), base_url=LOCAL)


class Checker(HTMLParser):
    """Collects what the accessibility basics need, and unbalanced tags."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.h1 = 0
        self.ids: list[str] = []
        self.labels: set[str] = set()
        self.controls: list[tuple[str, dict]] = []
        self.svgs: list[list[str]] = []  # child tags of each svg, in order
        self.html_lang = ""
        self.main = 0
        self.skip_link = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang", "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag == "a" and a.get("href") == "#main":
            self.skip_link = True
        elif tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.controls.append((tag, a))
        elif tag == "img" and "alt" not in a:
            self.problems.append("img without alt")
        if self.stack and self.stack[-1] == "svg" and tag != "svg":
            self.svgs[-1].append(tag)
        if tag == "svg":
            self.svgs.append(["aria-hidden"] if a.get("aria-hidden") == "true" else [])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:  # <circle/> in SVG
        if self.stack and self.stack[-1] == "svg":
            self.svgs[-1].append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def check_html(text: str) -> Checker:
    checker = Checker()
    checker.feed(text)
    checker.close()
    assert not checker.problems, checker.problems[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    assert checker.html_lang == "en"
    assert checker.h1 == 1, f"{checker.h1} h1 elements"
    assert checker.main == 1 and checker.skip_link
    duplicates = {i for i in checker.ids if checker.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for tag, attrs in checker.controls:
        assert attrs.get("id") in checker.labels or attrs.get("aria-label"), \
            f"<{tag}> without a label: {attrs}"
    for children in checker.svgs:
        assert children[:1] in (["title"], ["aria-hidden"]), f"svg without a title: {children}"
    return checker


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed (for 'does a person see X' assertions)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


@pytest.mark.parametrize(("snippet", "problem"), [
    ('<input id="q">', "label"), ("<svg><circle/></svg>", "title"), ("<p><b>x</p>", "closes"),
    ('<span id="a"></span><span id="a"></span>', "duplicate ids"),
])
def test_the_checker_catches_what_it_checks(snippet, problem) -> None:
    page = ('<!doctype html><html lang="en"><body><a href="#main">skip</a><main id="main">'
            f"<h1>t</h1>{snippet}</main></body></html>")
    with pytest.raises(AssertionError, match=problem):
        check_html(page)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_accessible_html(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    check_html(response.text)


def test_pages_are_not_in_the_openapi_contract(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not [p for p in paths if p.startswith("/ui")]


def test_assets_ship_with_the_package(client) -> None:
    css = client.get("/ui/static/aimsgraph.css")
    assert css.status_code == 200 and "@media print" in css.text
    js = client.get("/ui/static/aimsgraph.js")
    assert js.status_code == 200 and "aria-sort" in js.text
    page = client.get("/").text
    assert not re.search(r"""(?:src|href)=["']https?://(?!w3id\.org)""", page), \
        "a page loads something from another host"


def test_overview_answers_what_we_lack_for_the_ai_act_and_for_which_system(client) -> None:
    page = client.get("/").text
    lack = text_of(page.split('id="lack"', 1)[1].split("</section>", 1)[0])
    assert "Credit scoring model" in lack and "CV screening and ranking" in lack
    # GAPS.md G11: clause 10.2 is only planned; Article 9(1) is reached through clause 6.1.1
    assert "Article 20(1) Take corrective action on non-conformity" in lack
    assert "Article 9(1)" not in lack
    assert 'href="/ui/systems/credit-scoring"' in page
    assert 'href="/ui/provisions/aiact/Article%2020%281%29"' in page
    text = text_of(page)
    assert "✕ 10 violations" in text  # the sample's ten deliberate gaps
    assert "as its deployer the organization must carry out a fundamental rights impact" in text
    for framework in ("EU AI Act", "GDPR", "ISO/IEC 27001:2022", "NIST AI RMF"):
        assert f'">{framework}</a>' in page
    assert "Artificial Intelligence Act (Regulation (EU) 2024/1689)" in text


def test_overview_coverage_is_what_coverage_have_implemented_computes(client, org_store) -> None:
    rows = [r for r in coverage(org_store, [], "aiact",
                                have_provisions=implemented_controls(org_store),
                                roles=organization_roles(org_store)) if r.counted]
    counts = Counter(r.level for r in rows)
    page = client.get("/").text
    row = page.split('href="/ui/coverage/aiact"', 1)[1].split("</tr>", 1)[0]
    numbers = [int(n) for n in re.findall(r">(\d+)<", row)]
    assert numbers[:4] == [len(rows), counts["full"], counts["partial"], counts["none"]]
    detail = text_of(client.get("/ui/coverage/aiact").text)
    assert (f"{len(rows)} provisions of Regulation (EU) 2024/1689 carry a requirement for the "
            "organization's roles") in detail
    assert (f"{counts['full']} full, {counts['partial']} partial, {counts['none']} none"
            in detail)
    assert "at most 2 mapping(s), each with confidence &gt;= 0.6" in detail
    assert "Chapter III" not in detail and "Annex III(5)(b)" not in detail  # not counted


def test_heatmap_marks_relations_and_status_and_links_to_the_mappings(client) -> None:
    page = client.get("/ui/heatmap").text
    row = page.split('id="row-A.6.2.4"', 1)[1].split("</tr>", 1)[0]
    assert "implemented" in row
    cell = re.search(r'<td class="cell tier-1"[^>]*><a href="[^"]+#fw-aiact" aria-label="[^"]+">'
                     r'<span class="rel">∩</span> 5<', row)
    assert cell is not None, "A.6.2.4 x EU AI Act: intersects-with, 5 provisions"
    anchors = re.findall(r'href="(/ui/provisions/iso42001/A\.6\.2\.4#fw-[a-z0-9-]+)"', row)
    assert "/ui/provisions/iso42001/A.6.2.4#fw-aiact" in anchors
    label = re.search(r'aria-label="(A\.6\.2\.4 to EU AI Act[^"]+)"', row)[1]
    assert label == ("A.6.2.4 to EU AI Act: 5 mapped provisions, strongest IntersectsWith; "
                     "control implemented")
    assert "A.10.4" in page and "no SoA decision" in page  # G1: no decision on A.10.4
    assert 'id="row-A.4.4"' in page and "excluded" in page.split('id="row-A.4.4"')[1][:600]
    assert "tier-3" in page  # an Equal mapping somewhere (A.7.6 and A.9.4 to the AI Act)
    for legend in ("Equal", "Subset of / superset of", "Intersects with", "no SoA decision"):
        assert legend in page


def test_provision_page_groups_every_mapping_by_framework(client) -> None:
    page = client.get("/ui/provisions/iso42001/A.6.2.4").text
    expected = {m["notation"] for m in client.get(
        "/frameworks/iso-iec-42001-2023/provisions/A.6.2.4").json()["mappings"]
        if m["framework"] == "Regulation (EU) 2024/1689"}
    assert "Article 9(6)" in expected
    group = page.split('id="fw-aiact"', 1)[1].split("</section>", 1)[0]
    shown = set(re.findall(r'<a href="/ui/provisions/aiact/[^"]+">([^<]+)</a>', group))
    assert shown == expected
    assert "IntersectsWith" in group and "0.75" in group
    assert "iso42001-aiact.sssom.tsv:" in group  # where each mapping was authored
    nist = page.split('id="fw-nist-ai-rmf"', 1)[1].split("</section>", 1)[0]
    assert "derived inverse" in nist and "inverse of nistairmf-iso42001.sssom.tsv:" in nist
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Crosswalk neighbourhood of ISO/IEC 42001:2023 A.6.2.4" in svg
    assert 'href="/ui/provisions/aiact/Article%209%286%29"' in svg
    assert svg.count("<circle") >= len(expected) + 1


def test_mapped_provision_links_back_as_a_derived_inverse(client) -> None:
    page = client.get("/ui/provisions/aiact/Article%209%286%29").text
    back = page.split('id="fw-iso42001"', 1)[1].split("</section>", 1)[0]
    assert "A.6.2.4" in back and "derived inverse" in back


def test_search_by_number_and_by_title(client) -> None:
    by_number = client.get("/ui/provisions", params={"q": "A.6.2.4"}).text
    first = re.search(r'<tbody>\s*<tr><td>([^<]+)</td><td><a href="([^"]+)">([^<]+)</a>',
                      by_number)
    assert first.groups() == ("ISO/IEC 42001:2023", "/ui/provisions/iso42001/A.6.2.4",
                              "A.6.2.4")
    by_title = text_of(client.get("/ui/provisions", params={"q": "impact assessment"}).text)
    assert "A.5.2" in by_title and "Article 27" in by_title and "Article 35" in by_title
    only_gdpr = text_of(client.get("/ui/provisions", params={"q": "impact assessment",
                                                             "framework": "gdpr"}).text)
    assert "Article 35" in only_gdpr and "A.5.2" not in only_gdpr


def test_systems_inventory(client) -> None:
    page = client.get("/ui/systems").text
    rows = re.findall(r"<tr>\s*<td><a href=\"/ui/systems/([a-z-]+)\">([^<]+)</a></td>\s*"
                      r"<td>([^<]+)</td>\s*<td>([^<]+)</td>", page)
    found = {key: (name, classes, roles) for key, name, classes, roles in rows}
    assert found["credit-scoring"] == ("Credit scoring model", "high-risk", "deployer, provider")
    assert found["cv-screening"][1:] == ("high-risk", "deployer")
    assert found["customer-chatbot"][1] == "transparency (Art. 50)"
    assert found["fraud-detection"][1] == "minimal risk"  # Annex III 5(b) excludes fraud detection
    assert len(found) == 6


def test_system_page_shows_risks_controls_evidence_obligations_and_findings(client) -> None:
    text = text_of(client.get("/ui/systems/credit-scoring").text)
    assert "Article 6(2), Annex III(5)(b)" in text
    assert "as its deployer the organization must carry out a fundamental rights impact" in text
    assert "Model performance drifts as interest rates" in text  # a risk
    assert "Pieter de Vries" in text
    assert "A.6.2.4 AI system verification and validation" in text  # a scoped control
    assert "Credit-scoring v4 validation report" in text  # its evidence
    assert "data protection impact assessment 2026-08-12" in text
    assert "Article 20(1) Take corrective action on non-conformity provider 2026-08-02 in force " \
        "✕ no" in text
    assert "Article 9(1) Establish a risk management system provider 2026-08-02 in force ✓" \
        in text
    code = text_of(client.get("/ui/systems/code-assistant").text)
    assert "the AI system has no life-cycle stage" in code and "not recorded" in code


def test_validation_page_lists_every_finding_with_where_to_go(client) -> None:
    page = client.get("/ui/validation").text
    assert page.count("✕ Violation") == 10
    assert "controls.csv:19" in page and 'href="/ui/soa#line-iso42001-a-6-2-3"' in page
    assert 'href="/ui/provisions/iso42001/A.10.4"' in page
    soa = client.get("/ui/soa").text
    assert 'id="line-iso42001-a-6-2-3"' in soa  # the anchor the finding links to


def test_impact_of_a_change_set_and_of_one_provision(client) -> None:
    page = client.get("/ui/impact", params={"changeset": "iso27001-2013-to-2022"}).text
    text = text_of(page)
    assert "Impact of “ISO/IEC 27001:2013 to ISO/IEC 27001:2022 (Annex A controls)”" in text
    assert "0 impacted items" in text  # the sample's SoA is on the 2022 edition
    assert "No change of this set applies to the organization's data" in text
    page = client.get("/ui/impact", params={"changeset": "eu-ai-act-digital-omnibus-2025"}).text
    text = text_of(page)
    assert "Owners to notify" in text and "Henrik Olsen" in text
    # the ISMS owner is listed for the awareness clause he owns (42001 7.3 ~ AI literacy), no
    # ISO/IEC 27001 line of his is reached
    assert "Jonas Weber" in text and "SoA line for ISO/IEC 42001:2023 7.3" in text
    assert "SoA line for ISO/IEC 27001" not in text
    assert 'href="/ui/systems/credit-scoring"' in page
    assert "Regulation (EU) 2024/1689 Article 4 → 2 obligations → Credit scoring model" in text
    assert text.count("Credit scoring model (") == 0  # the system is listed once, not per path
    what_if = text_of(client.get("/ui/impact", params={"provision": "aiact:Article 10(2)"}).text)
    assert "What if aiact:Article 10(2) changed" in what_if
    assert "Credit scoring model" in what_if and "Henrik Olsen" in what_if
    assert "CV screening and ranking" not in what_if  # deployed only: 10(2) binds providers


def test_impact_errors_are_shown_on_the_page(client) -> None:
    bad = client.get("/ui/impact", params={"provision": "aiact:Article 999"})
    assert bad.status_code == 400
    check_html(bad.text)
    assert "no provision &#39;Article 999&#39; in aiact" in bad.text
    unknown = client.get("/ui/impact", params={"changeset": "nope"})
    assert unknown.status_code == 404 and "No change set" in unknown.text


def test_sparql_page_runs_a_named_query_with_parameters(client) -> None:
    editor = client.get("/ui/sparql", params={"example": "search-provisions"}).text
    assert 'id="param-text"' in editor and "# title: Search provisions by title" in editor
    names = re.findall(r'<option value="([a-z0-9-]+)"', editor.split('id="example"', 1)[1]
                       .split("</select>", 1)[0])
    assert "ai-systems" in names and "search-provisions" in names and len(names) >= 20
    from aimsgraph import QueryCatalog

    text = QueryCatalog().get("search-provisions").text
    run = client.get("/ui/sparql", params={"example": "search-provisions", "query": text,
                                           "param-text": "human oversight"})
    assert run.status_code == 200
    body = text_of(run.text)
    assert "Human oversight" in body or "human oversight" in body
    assert 'href="/ui/provisions/aiact/Article%2014"' in run.text
    downloads = dict(re.findall(r'<a href="([^"]+)" download>([A-Z]+)</a>', run.text))
    assert sorted(downloads.values()) == ["CSV", "JSON", "TSV", "XML"]
    csv_link = next(h for h, n in downloads.items() if n == "CSV").replace("&amp;", "&")
    rows = list(csv.reader(io.StringIO(client.get(csv_link).text)))
    assert rows[0] == ["text", "frameworkNotation", "notation", "title", "provision"]
    assert len(rows) > 2 and all(r[0] == "human oversight" for r in rows[1:])


def test_sparql_construct_offers_graph_downloads(client) -> None:
    query = "CONSTRUCT WHERE { ?f a aims:Framework }"
    page = client.get("/ui/sparql", params={"query": query}).text
    assert f"{len(set(FRAMEWORKS.values()))} triples" in page  # one per framework edition
    downloads = re.findall(r'<a href="[^"]+" download>([A-Z]+)</a>', page)
    assert set(downloads) >= {"TURTLE", "NTRIPLES", "JSONLD", "RDFXML"}
    turtle = client.get("/ui/sparql/download", params={"query": query, "format": "turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "attachment" in turtle.headers["content-disposition"]
    wrong = client.get("/ui/sparql/download", params={"query": query, "format": "csv"})
    assert wrong.status_code == 406


@pytest.mark.parametrize(("query", "status", "message"), [
    ("SELECT WHERE {", 400, "SPARQL syntax error"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 403,
     "SERVICE &lt;http://example.org/sparql&gt; is not allowed"),
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", 400, "more than 5000 rows"),
])
def test_bad_sparql_shows_an_error_message_not_a_500(client, query, status, message) -> None:
    response = client.get("/ui/sparql", params={"query": query})
    assert response.status_code == status
    check_html(response.text)
    assert 'role="alert"' in response.text and message in response.text
    assert query.split("{")[0].strip() in response.text  # the query stays in the editor


def test_soa_page_and_downloads(client, org_store) -> None:
    page = client.get("/ui/soa").text
    text = text_of(page)
    assert "ISO/IEC 42001:2023" in text and "ISO/IEC 27001:2022" in text
    assert "Models are validated independently before release" in text
    assert "@media print" in client.get("/ui/static/aimsgraph.css").text
    rows = soa_rows(org_store)
    as_csv = client.get("/ui/soa/download.csv")
    assert as_csv.text == soa_csv(rows)
    assert "attachment" in as_csv.headers["content-disposition"]
    xlsx = client.get("/ui/soa/download.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(rows) + 1
    assert client.get("/ui/soa/download.md").text.startswith("# Statement of Applicability")
    assert client.get("/ui/soa/download.pdf").status_code == 404


@pytest.mark.parametrize(("path", "says"), [
    ("/ui/systems/no-such-system", "No AI system &#39;no-such-system&#39;"),
    ("/ui/provisions/aiact/Article%20999", "has no provision numbered &#39;Article 999&#39;"),
    ("/ui/provisions/nope/A.1", "No framework &#39;nope&#39;"),
    ("/ui/provision?iri=urn:x:nothing", "No provision"),
    ("/ui/coverage/nope", "No framework"),
    ("/ui/no-such-page", "No page at /ui/no-such-page"),
])
def test_unknown_things_get_an_html_404_page(client, path, says) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    check_html(response.text)
    assert says in response.text


def test_rest_errors_stay_problem_details(client) -> None:
    response = client.get("/no-such-resource")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_pages_follow_updates_of_the_store() -> None:
    """Cached page data is keyed on the store generation: an update shows up at once."""
    app = create_app(ServerSettings(users_file=USERS), GraphStore())
    client = TestClient(app, base_url=LOCAL)
    assert "No AI systems are loaded" in client.get("/ui/systems").text
    done = client.post("/sparql", content="""PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        INSERT DATA { <urn:x:bot> a aims:AISystem ; rdfs:label "Helpdesk bot" }""",
                       headers={"Content-Type": "application/sparql-update",
                                "Authorization": f"Bearer {TOKEN}"})
    assert done.status_code == 204
    assert "Helpdesk bot" in client.get("/ui/systems").text


def test_every_address_the_readme_names_answers(client) -> None:
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Web view", 1)[1].split("\n## ", 1)[0]
    addresses = [a for a in re.findall(r"`(/[^`\s]*)`", section)
                 if a == "/" or a.startswith("/ui/")]
    assert "/" in addresses and "/ui/heatmap" in addresses and len(addresses) >= 12
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        assert response.headers["content-type"].startswith("text/html"), address
