"""The edit forms in a real headless Chromium against a real `aimsgraph serve` (skipped without
Chromium, as tests/test_browser.py): an editor changes an SoA line and adds a risk by filling in
the forms; the strict Content-Security-Policy lets them work (no inline script), and no console
error or request off the server occurs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import ROOT, free_port, running_server
from .test_browser import ARGS, CHROMIUM, REASON, Watch, shoot
from .test_cli import COMMAND

pytestmark = pytest.mark.skipif(bool(REASON), reason=REASON or "browser available")
LINE = "iso42001-a-7-5"


@pytest.fixture(scope="module")
def users(tmp_path_factory):  # type: ignore[no-untyped-def]
    from aimsgraph.users import UserFile

    file = UserFile(tmp_path_factory.mktemp("users") / "users.json")
    return file, file.add("erin", "editor")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, users) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([*COMMAND, "serve", "--port", str(port), "--users", str(users[0].path),
                         "--data", str(ROOT / "examples" / "acme-lending")],
                        f"{url}/ui/static/aimsgraph.css",
                        tmp_path_factory.mktemp("server") / "serve.log"):
        yield url


@pytest.fixture
def page(tmp_path, users):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # an editor's token on every request (the sign-in page and its session: test_auth.py)
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1366, "height": 900},
            extra_http_headers={"Authorization": f"Bearer {users[1]}"})
        yield Watch().attach(context.new_page())
        context.close()


def test_an_editor_changes_an_soa_line_and_adds_a_risk_with_the_forms(page, base_url) -> None:
    page.goto(base_url + "/ui/soa")
    row = page.locator(f"#line-{LINE}")
    row.locator("summary", has_text="Edit").click()
    form = row.locator("form").first
    form.get_by_label("Owner").select_option("jonas-weber")
    form.get_by_label("Why (kept in the trail)").fill("handover")
    with page.expect_navigation():
        form.get_by_role("button", name="Save").click()
    assert page.url.endswith(f"/ui/soa#line-{LINE}")
    assert "Jonas Weber" in page.locator(f"#line-{LINE}").inner_text()

    # a mistake is refused with the field named, and nothing changes
    row = page.locator(f"#line-{LINE}")
    row.locator("summary", has_text="Edit").click()
    row.locator("form").first.get_by_label("Status").select_option("implemented")
    with page.expect_navigation():
        row.locator("form").first.get_by_role("button", name="Save").click()
    assert "refused" in page.locator("h1").inner_text()
    assert "no evidence supports it" in page.locator("main").inner_text()
    shoot(page, "edit-refused")

    page.goto(base_url + "/ui/systems/credit-scoring")
    page.locator("summary", has_text="Add a risk").click()
    add = page.locator("form[action$='/ui/edit/risks']")
    add.get_by_label("Id", exact=True).fill("cs-browser")
    add.get_by_label("Title", exact=True).fill("Risk added in the browser")
    add.get_by_label("Treatment").select_option("accept")
    add.get_by_label("Owner").select_option("mara-lindqvist")
    with page.expect_navigation():
        add.get_by_role("button", name="Add the risk").click()
    assert page.url.endswith("/ui/systems/credit-scoring")
    assert "Risk added in the browser" in page.locator("#risks").inner_text()
    shoot(page, "system-edit-forms")

    # the trail now holds changes: the SoA page draws its implemented share over time
    page.goto(base_url + "/ui/soa")
    chart = page.locator("svg.trend")
    assert chart.is_visible()
    assert "Implemented share" in (chart.locator("desc").text_content() or "")
    section = page.locator("section.soa-progress")
    section.locator("summary", has_text="Table view").click()
    assert "as loaded" in section.locator("table").inner_text()
    chart.scroll_into_view_if_needed()
    shoot(page, "soa-over-time")
    page.watch.check(allow_console=r"status of 422")  # the refusal page, on purpose
