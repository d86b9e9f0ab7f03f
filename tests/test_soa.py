"""The audit-ready Statement of Applicability (soa.py): the header block, every control of each
standard (undecided ones listed), stale and missing evidence flagged, the same in CSV, XLSX and
Markdown, the XLSX print setup, and the importer's SoA version and approver columns."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aimsgraph import open_store
from aimsgraph.organization import DataErrors
from aimsgraph.soa import COLUMNS, statement, statement_csv, statement_markdown, statement_xlsx

from .conftest import ROOT
from .test_organization import org

AS_OF = date(2026, 11, 27)
ISO42001 = "ISO/IEC 42001:2023"


@pytest.fixture(scope="module")
def document(org_store):  # type: ignore[no-untyped-def]
    return statement(org_store, AS_OF, produced=date(2026, 12, 1))


def organization_wide(document, control: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return next(r for r in document.lines
                if r["framework"] == ISO42001 and r["control"] == control and not r["systems"])


def test_header_names_organization_scope_version_approver_dates_and_editions(document) -> None:
    fields = dict(document.header.fields()[:6])
    assert fields["Organization"] == "Acme Lending"
    assert fields["Scope"].startswith("Development, provision and use of the AI systems")
    assert fields["Version"] == "3.0" and fields["Approved by"] == "Mara Lindqvist"
    assert fields["Date"] == "2026-12-01"
    assert fields["As of"].startswith("2026-11-27") and "2025-11-27" in fields["As of"]
    standards = [v for k, v in document.header.fields() if k == "Standard"]
    assert standards == ["ISO/IEC 42001:2023, issued 2023-12-18",
                         "ISO/IEC 27001:2022, issued 2022-10-25"]


def test_every_annex_a_control_is_listed_and_a_10_4_is_undecided(document) -> None:
    ours = [r for r in document.lines if r["framework"] == ISO42001]
    assert len({r["control"] for r in ours}) == 38
    assert organization_wide(document, "A.10.4")["applicable"] == "undecided"
    assert organization_wide(document, "A.10.4")["title"]  # the short title, from the catalog
    assert sum(r["applicable"] == "undecided" for r in ours) == 1
    iso27001 = {r["control"] for r in document.lines if r["framework"] == "ISO/IEC 27001:2022"}
    assert len(iso27001) == 93  # the SoA also exists for 27001: every control of its Annex A
    controls = [r["control"] for r in ours]
    assert controls.index("A.2.2") < controls.index("A.9.2") < controls.index("A.10.2")


def test_stale_and_missing_evidence_is_flagged_per_line(document) -> None:
    stale = organization_wide(document, "A.2.4")  # newest evidence 2025-06-30
    assert (stale["newestEvidence"], stale["evidenceCheck"]) == ("2025-06-30", "stale")
    assert organization_wide(document, "A.6.2.3")["evidenceCheck"] == "missing"
    assert organization_wide(document, "A.6.2.6")["evidenceCheck"] == "current"
    assert organization_wide(document, "A.8.3")["evidenceCheck"] == "none yet"  # planned
    assert organization_wide(document, "A.4.4")["evidenceCheck"] == ""  # excluded
    later = statement(open_store([ROOT / "examples" / "acme-lending"]), date(2026, 3, 1))
    assert organization_wide(later, "A.2.4")["evidenceCheck"] == "current"  # 8 months old


def test_csv_has_the_header_block_then_every_line(document) -> None:
    head, _, table = statement_csv(document).partition("\n\n")
    fields = dict(csv.reader(io.StringIO(head)))
    assert fields["Organization"] == "Acme Lending" and fields["Version"] == "3.0"
    rows = list(csv.DictReader(io.StringIO(table)))
    assert list(rows[0]) == COLUMNS and len(rows) == len(document.lines)
    assert {r["applicable"] for r in rows if r["control"] == "A.10.4"} == {"undecided"}


def test_xlsx_parses_back_with_header_lines_and_a4_landscape_print(document,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "soa.xlsx"
    with path.open("wb") as out:
        statement_xlsx(document, out)
    sheet = load_workbook(path).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = cells.index(COLUMNS)
    fields = {r[0]: r[1] for r in cells[:header] if r[0]}
    assert fields["Organization"] == "Acme Lending" and fields["Approved by"] == "Mara Lindqvist"
    lines = [dict(zip(COLUMNS, r, strict=True)) for r in cells[header + 1:]]
    assert len(lines) == len(document.lines)
    a_10_4 = next(r for r in lines if r["control"] == "A.10.4")
    assert a_10_4["applicable"] == "undecided"
    assert next(r for r in lines if r["control"] == "A.2.4" and not r["systems"])[
        "evidenceCheck"] == "stale"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9  # A4
    assert "Acme Lending" in sheet.oddHeader.left.text
    assert "2026-11-27" in sheet.oddFooter.left.text
    assert sheet.print_title_rows == f"${header + 1}:${header + 1}"
    assert sheet.freeze_panes == f"A{header + 2}"


def test_markdown_has_the_header_and_a_section_per_standard(document) -> None:
    text = statement_markdown(document)
    assert text.startswith("# Statement of Applicability: Acme Lending\n")
    assert "- **Approved by:** Mara Lindqvist" in text and "- **As of:** 2026-11-27" in text
    assert "## ISO/IEC 42001:2023" in text and "## ISO/IEC 27001:2022" in text
    assert "| A.10.4 |" in text and "1 undecided" in text
    assert "evidence stale on 1, missing on 1" in text


def test_the_27701_add_on_lists_all_its_controls() -> None:
    store = open_store([ROOT / "examples" / "acme-lending-fixed",
                        ROOT / "examples" / "acme-lending-27701"])
    document = statement(store, AS_OF)
    pims = [r for r in document.lines if r["framework"] == "ISO/IEC 27701:2019"]
    assert len({r["control"] for r in pims}) == 49
    assert not [r for r in pims if r["applicable"] == "undecided"]
    assert next(e.notation for e in document.header.editions) == ISO42001
    fixed = [r for r in document.lines if r["framework"] == ISO42001]
    assert not [r for r in fixed if r["applicable"] == "undecided"]


def test_a_header_cell_that_would_run_is_neutralized(tmp_path: Path) -> None:
    folder = org(tmp_path, **{"organization.csv": "id,name,scope,soa_version,soa_approver\n"
                                                  'demo,Demo Ltd,All AI systems,"=1+2",ann\n'})
    document = statement(open_store([folder]), AS_OF)
    assert dict(document.header.fields())["Version"] == "=1+2"
    assert "Version,'=1+2" in statement_csv(document)
    out = io.BytesIO()
    statement_xlsx(document, out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    cell = next(row[1] for row in sheet.iter_rows() if row[0].value == "Version")
    assert cell.data_type == "s" and cell.value == "=1+2" and cell.quotePrefix


def test_unknown_approver_is_an_import_error_naming_file_row_and_column(tmp_path: Path) -> None:
    folder = org(tmp_path, **{"organization.csv": "id,name,scope,soa_version,soa_approver\n"
                                                  "demo,Demo Ltd,All AI systems,1.0,nobody\n"})
    with pytest.raises(DataErrors) as err:
        open_store([folder])
    assert "organization.csv:2 [soa_approver]: 'nobody' is not an id in people.csv" in str(
        err.value)


def test_without_version_or_approver_the_header_says_so(tmp_path: Path) -> None:
    document = statement(open_store([org(tmp_path)]), AS_OF)
    fields = dict(document.header.fields())
    assert fields["Version"].startswith("not recorded") and "soa_approver" in fields[
        "Approved by"]
    assert len({r["control"] for r in document.lines}) == 38  # one line given, 37 undecided


def test_markdown_cells_show_html_as_text(tmp_path: Path) -> None:
    folder = org(tmp_path, **{"controls.csv": (
        "id,control,applicable,justification,status,owner,systems,measure\n"
        'c1,iso42001:A.6.2.8,yes,"<img src=x onerror=alert(1)> | a & b",implemented,ann,,\n')})
    text = statement_markdown(statement(open_store([folder]), AS_OF))
    assert "&lt;img src=x onerror=alert(1)> \\| a &amp; b" in text and "<img" not in text


def test_cli_soa_rejects_a_negative_evidence_age(tmp_path: Path) -> None:
    from aimsgraph.cli import main

    out = tmp_path / "soa.csv"
    assert main(["soa", "--data", str(ROOT / "examples" / "acme-lending"),
                 "--evidence-months", "-1", "-o", str(out)]) == 2
    assert not out.exists()
