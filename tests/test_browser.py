"""The web view in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no
browser is ever downloaded) against a real `aimsgraph serve` on loopback.

Every page is opened, the main paths are followed as a person would, and a test fails on any
JavaScript console error, uncaught page error or request to a host other than the server. A
full-page screenshot of each page is written to build/screenshots/.

Without /usr/bin/chromium the tests skip, unless AIMSGRAPH_REQUIRE_BROWSER=1 (CI) makes that a
failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import ROOT, free_port, running_server
from .test_cli import COMMAND

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _unavailable() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return ""


REASON = _unavailable()
if REASON and os.environ.get("AIMSGRAPH_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"AIMSGRAPH_REQUIRE_BROWSER=1 but {REASON}")
pytestmark = pytest.mark.skipif(bool(REASON), reason=REASON or "browser available")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([*COMMAND, "serve", "--port", str(port), "--data",
                         str(ROOT / "examples" / "acme-lending")],
                        f"{url}/ui/static/aimsgraph.css",
                        tmp_path_factory.mktemp("server") / "serve.log"):
        yield url


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=ARGS, viewport={"width": 1366, "height": 768},
            accept_downloads=True)
        yield context
        context.close()


class Watch:
    """What went wrong in the page: console errors, page errors, requests leaving loopback."""

    def __init__(self) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []

    def attach(self, tab):  # type: ignore[no-untyped-def]
        """Watch ``tab`` (a Playwright page): its requests kept on loopback, its console
        errors and page errors noted; the tab, with this watch as ``tab.watch``."""
        tab.route("**/*", self.keep_local)
        tab.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: self.errors.append(str(e)))
        tab.watch = self
        return tab

    def keep_local(self, route, request) -> None:  # type: ignore[no-untyped-def]
        """A page route handler: loopback (and data/blob/about) loads, anything else is
        refused and noted."""
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about") or url.hostname in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort()

    def check(self, allow_console: str | None = None) -> None:
        console = [m for m in self.console if not (allow_console and
                                                   re.search(allow_console, m))]
        assert not console, f"console errors: {console}"
        assert not self.errors, f"page errors: {self.errors}"
        assert not self.outside, f"requests to other hosts: {self.outside}"


@pytest.fixture
def page(browser_context):  # type: ignore[no-untyped-def]
    tab = Watch().attach(browser_context.new_page())
    yield tab
    tab.close()


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


PAGES = [
    ("overview", "/", "Compliance overview"),
    ("heatmap", "/ui/heatmap", "Coverage heatmap"),
    ("search", "/ui/provisions?q=impact%20assessment", "Crosswalk explorer"),
    ("provision-A.6.2.4", "/ui/provisions/iso42001/A.6.2.4", "A.6.2.4"),
    ("provision-article-9", "/ui/provisions/aiact/Article%209", "Article 9"),
    ("coverage-aiact", "/ui/coverage/aiact?level=none", "EU AI Act: coverage"),
    ("systems", "/ui/systems", "AI systems"),
    ("system-credit-scoring", "/ui/systems/credit-scoring", "Credit scoring model"),
    ("validation", "/ui/validation", "Validation findings"),
    ("impact", "/ui/impact?changeset=eu-ai-act-digital-omnibus-2025", "Impact of"),
    ("sparql", "/ui/sparql?example=ai-systems&query=", "SPARQL query"),
    ("soa", "/ui/soa", "Statement of Applicability"),
    ("plan", "/ui/plan", "Action plan"),
]


@pytest.mark.parametrize(("name", "path", "heading"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_renders_without_errors(page, base_url, name, path, heading) -> None:
    response = page.goto(base_url + path)
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert heading in page.locator("h1").inner_text()
    assert page.locator("nav[aria-label=Main] a[aria-current=page]").count() <= 1
    shoot(page, name)
    page.watch.check()


def test_overview_heatmap_cell_provision_mapped_provision(page, base_url) -> None:
    page.goto(base_url + "/")
    lack = page.locator("section[aria-labelledby=lack]")
    assert "Credit scoring model" in lack.inner_text()
    page.get_by_role("link", name="Heatmap", exact=True).click()
    assert "Coverage heatmap" in page.locator("h1").inner_text()
    cell = page.get_by_role("link", name=re.compile(r"^A\.6\.2\.4 to EU AI Act: \d+ mapped"))
    cell.click()
    assert page.url.endswith("/ui/provisions/iso42001/A.6.2.4#fw-aiact")
    group = page.locator("#fw-aiact")
    assert group.is_visible()
    first = group.locator("tbody tr td:first-child a").first
    target = first.inner_text()
    assert target.startswith("Article")
    first.click()
    assert f"Regulation (EU) 2024/1689 {target}" in page.locator("h1").inner_text()
    back = page.locator("#fw-iso42001")
    assert "A.6.2.4" in back.inner_text()
    assert "derived inverse" in back.inner_text()
    assert page.locator("svg.neighbourhood title").first.text_content().startswith(
        "Crosswalk neighbourhood of")
    page.watch.check()


def test_system_to_gap(page, base_url) -> None:
    page.goto(base_url + "/ui/systems")
    page.get_by_role("link", name="CV screening and ranking").click()
    assert page.locator("h1").inner_text() == "CV screening and ranking"
    assert "the high-risk AI system has no human-oversight measure" in page.locator(
        "#findings").inner_text()
    page.goto(base_url + "/ui/systems/credit-scoring")
    gap = page.locator("#obligations tr.gap").first
    notation = gap.locator("td a").first.inner_text()
    gap.locator("td a").first.click()
    assert notation in page.locator("h1").inner_text()
    page.watch.check()


def test_action_plan_filters_timeline_and_downloads(page, base_url) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="Action plan", exact=True).click()
    assert page.locator("h1").inner_text() == "Action plan"
    assert page.locator("table.plan strong.overdue").count() > 0
    page.locator("select[name=system]").select_option("credit-scoring")
    page.locator("select[name=owner]").select_option("henrik-olsen")
    page.get_by_role("button", name="Show").click()
    assert "system=credit-scoring" in page.url and "owner=henrik-olsen" in page.url
    rows = page.locator("table.plan tbody tr")
    assert rows.count() > 0
    assert all("Henrik Olsen" in t for t in rows.all_inner_texts())
    chart = page.locator("svg.timeline")
    assert chart.count() == 1 and chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert chart.locator("desc").text_content().startswith("Deadline timeline of Credit")
    assert chart.locator("line.tl-today").count() == 1
    assert chart.locator("g.tl-obligation, g.tl-overdue").count() > 0
    page.locator("details.timeline-table summary").click()
    assert "Article 113" in page.locator("details.timeline-table table").inner_text()
    shoot(page, "plan-credit-scoring")
    with page.expect_download() as download:
        page.get_by_role("link", name="iCalendar (.ics)").click()
    path = download.value.path()
    assert Path(path).read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    page.goto(base_url + "/ui/systems/credit-scoring#deadlines")
    assert page.locator("#deadlines svg.timeline").is_visible()
    shoot(page, "system-credit-scoring-timeline")
    page.watch.check()


def test_impact_run_of_a_shipped_change_set(page, base_url) -> None:
    page.goto(base_url + "/ui/impact")
    page.get_by_label("Change set").select_option("eu-ai-act-digital-omnibus-2025")
    page.get_by_role("button", name="Show impact").click()
    assert "Impact of" in page.locator("h1").inner_text()
    items = page.locator("table.impacts tbody tr")
    assert items.count() > 10
    text = " ".join(page.locator("table.impacts").all_inner_texts())
    assert "CV screening and ranking" in text and "SoA line for" in text
    assert "Sofia Marchetti" in page.locator("section[aria-labelledby=h-owners]").inner_text()
    shoot(page, "impact-omnibus")
    page.watch.check()


def test_sparql_named_query_to_table_and_download(page, base_url) -> None:
    page.goto(base_url + "/ui/sparql")
    with page.expect_navigation():
        page.get_by_label("Named query (example)").select_option("ai-systems")  # JS submits
    assert "SELECT ?system ?name" in page.get_by_label("Query", exact=True).input_value()
    page.get_by_role("button", name="Run query").click()
    results = page.locator("table.results")
    assert "Credit scoring model" in results.inner_text()
    assert page.locator("#h-results").inner_text() == "6 rows"
    links = {a.inner_text(): a.get_attribute("href")
             for a in page.locator(".downloads a").all()}
    assert set(links) == {"JSON", "XML", "CSV", "TSV"}
    csv = page.request.get(base_url + links["CSV"])
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text().splitlines()[0].startswith("system,name,")
    shoot(page, "sparql-results")
    page.watch.check()


def test_bad_sparql_shows_the_error_on_the_page(page, base_url) -> None:
    response = page.goto(base_url + "/ui/sparql?query=SELECT%20WHERE%20%7B")
    assert response.status == 400
    assert "syntax error" in page.get_by_role("alert").inner_text()
    page.watch.check(allow_console=r"status of 400")


def test_tables_sort_and_filter(page, base_url) -> None:
    page.goto(base_url + "/ui/systems")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 6
    page.get_by_label("Filter rows").fill("credit")
    assert page.locator("table.data tbody tr:visible").count() == 1
    assert page.get_by_role("status").inner_text() == "1 of 6 rows"
    page.get_by_label("Filter rows").fill("")
    assert page.locator("table.data tbody tr:visible").count() == 6
    heading = page.locator("table.data thead th").first
    heading.get_by_role("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    assert rows.first.locator("td").first.inner_text() == "Credit scoring model"
    heading.get_by_role("button").click()
    assert heading.get_attribute("aria-sort") == "descending"
    assert rows.first.locator("td").first.inner_text() == "Transaction fraud detection"
    violations = page.locator("table.data thead th", has_text="Violations")
    violations.get_by_role("button").click()  # numeric sort, ascending
    counts = [int(r.locator("td").nth(10).inner_text()) for r in rows.all()]  # Violations
    assert counts == sorted(counts)
    page.watch.check()


def test_unknown_system_is_a_404_page(page, base_url) -> None:
    response = page.goto(base_url + "/ui/systems/no-such-system")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert "no-such-system" in page.locator("main").inner_text()
    page.watch.check(allow_console=r"status of 404")


def test_soa_prints_without_navigation(page, base_url) -> None:
    page.goto(base_url + "/ui/soa")
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator(".downloads").is_visible()
    assert page.locator("table.soa").first.is_visible()
    shoot(page, "soa-print")
    page.watch.check()
