"""The printed Statement of Applicability and the charts (risk matrix, status heatmap) in a real
headless Chromium, the same way as tests/test_browser.py (its fixtures: a real `aimsgraph serve`,
no console error, no request off loopback, screenshots in build/screenshots/)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from .test_browser import REASON, base_url, browser_context, page, shoot  # noqa: F401

pytestmark = pytest.mark.skipif(bool(REASON), reason=REASON or "browser available")
#: A4 landscape (297 mm) less the print view's 10 mm side margins, in CSS pixels (96 per inch)
A4_LANDSCAPE_WIDTH = round((297 - 20) / 25.4 * 96)


def test_soa_print_view_fits_a4_landscape_with_running_header(page, base_url) -> None:  # noqa: F811
    from pypdf import PdfReader

    page.set_viewport_size({"width": A4_LANDSCAPE_WIDTH, "height": 800})
    page.goto(base_url + "/ui/soa")
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator(".downloads").is_visible()
    running = page.locator("table.soa thead tr.print-running").first
    assert running.is_visible()
    today = date.today().isoformat()
    assert "Acme Lending" in running.inner_text() and f"as of {today}" in running.inner_text()
    for table in page.locator("table.soa").all():  # nothing cut off at the right edge
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth + 1")
    assert page.locator("tr.undecided", has_text="A.10.4").count() == 1
    shoot(page, "soa-print-a4")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) > 2
    for number, sheet in enumerate(pdf.pages, start=1):
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert (round(width), round(height)) == (842, 595), f"page {number} is not A4 landscape"
        text = sheet.extract_text()
        assert "Acme Lending" in text and f"as of {today}" in text, f"page {number}: {text[:200]}"
    page.set_viewport_size({"width": 1366, "height": 768})
    page.watch.check()


def test_risk_matrix_chart_links_to_its_table_view(page, base_url) -> None:  # noqa: F811
    page.goto(base_url + "/ui/risks")
    assert page.locator("h1").inner_text() == "Risk matrix"
    chart = page.locator("svg.risk-matrix")
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert page.locator("#rm-desc").text_content().startswith("27 risks:")
    assert page.locator("figcaption").inner_text().startswith("27 risks:")
    assert chart.locator("a.rm-risk").count() == 27
    rows = page.locator("#risk-table tbody tr")
    assert rows.count() == 27
    chart.locator("a.rm-risk", has_text="cv-bias").click()
    assert page.url.endswith("/ui/risks#risk-cv-bias")
    assert page.locator("#risk-cv-bias").is_visible()
    shoot(page, "risk-matrix")
    page.locator("#risk-cv-bias").get_by_role("link", name="CV screening and ranking").click()
    assert page.url.endswith("/ui/systems/cv-screening#risks")
    page.watch.check()


def test_heatmap_by_status_keeps_its_headings_in_view(page, base_url) -> None:  # noqa: F811
    page.goto(base_url + "/ui/heatmap")
    assert page.locator("td.cell.org-covered").count() > 0
    assert page.locator("td.cell.org-partial").count() > 0
    summary = page.locator("#heatmap-summary").inner_text()
    assert summary.startswith("38 Annex A controls.") and "EU AI Act:" in summary
    covered = page.locator("td.cell.org-covered").first
    colour = covered.evaluate("c => getComputedStyle(c).backgroundColor")
    assert colour == "rgb(31, 111, 63)"  # charts.css: covered
    scroller = page.locator(".heatmap-scroll")
    heading = page.locator("table.heatmap thead th").nth(2)
    scroller.evaluate("s => { s.scrollTop = 600; s.scrollLeft = 300; }")
    assert scroller.evaluate("s => s.scrollTop") == 600
    top = scroller.bounding_box()["y"]
    assert top - 1 <= heading.bounding_box()["y"] <= top + 2  # the column headings stay
    row_heading = page.locator("#row-A\\.9\\.2 th[scope=row]")
    row_heading.scroll_into_view_if_needed()
    assert abs(row_heading.bounding_box()["x"] - scroller.bounding_box()["x"]) < 3  # so do rows
    shoot(page, "heatmap-status")
    page.watch.check()
