"""How the command line shows things to a person: tables that fit the terminal, human labels,
natural order, progress bars. Built on ``rich``; nothing here changes machine-readable output
(JSON, CSV, RDF), and nothing is coloured or animated unless a terminal is watching.

Tables are as wide as the terminal, or 100 columns when the output is not a terminal (a file,
a pipe): a long text column wraps, a short one is truncated with ``…``.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from io import StringIO
from typing import TextIO, TypeVar

from rich.box import Box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ..coverage import ROLES, natural_key
from ..results import QueryResult, compact
from ..store import Source

#: the width of a table written where no terminal says its own
PIPE_WIDTH = 100
T = TypeVar("T")
_ROLE_NAMES = {iri: name.replace("-", " ") for name, iri in ROLES.items()}
#: no borders; a rule of "-" under the header, a space between columns (plain ASCII)
RULE_UNDER_HEADER = Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)


def width(stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    if stream.isatty():
        return Console(file=stream).width
    return PIPE_WIDTH


def table(header: Sequence[str], rows: Iterable[Sequence[str]], *,
          wrap: Sequence[str] | dict[str, int] = (), total: int | None = None,
          indent: int = 0) -> str:
    """A plain-text table no wider than the terminal (``total`` columns if given): columns
    named in ``wrap`` (default: the last) wrap their text, sharing the room left by the others
    in the ratios ``wrap`` gives (equally for a list); the others are cut with ``…``."""
    ratios = dict(wrap) if isinstance(wrap, dict) else dict.fromkeys(wrap or header[-1:], 1)
    wrapped = set(ratios)
    grid = Table(box=RULE_UNDER_HEADER, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0),
                 header_style="", show_lines=False)
    for name in header:
        if name in wrapped:
            grid.add_column(name, overflow="fold", ratio=ratios[name], min_width=12)
        else:
            grid.add_column(name, overflow="ellipsis", no_wrap=True, max_width=40)
    rows = list(rows)
    for row in rows:
        grid.add_row(*(str(c) for c in row))
    out = StringIO()
    console = Console(file=out, width=(total or width()) - indent, color_system=None,
                      force_terminal=False, highlight=False, emoji=False, markup=False,
                      soft_wrap=False)
    console.print(grid)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    pad = " " * indent
    return "".join(f"{pad}{line}\n" for line in lines)


def role_label(iri: str) -> str:
    """``deployer`` for DPV's AIDeployer: the name the command line takes (``--role``)."""
    if iri in _ROLE_NAMES:
        return _ROLE_NAMES[iri]
    name = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def natural(items: Iterable[T], key: Callable[[T], str] = str) -> list[T]:
    """``items`` in natural order of ``key``: Article 9 before Article 73, 26(2) before 26(11)."""
    return sorted(items, key=lambda item: natural_key(key(item)))


class LoadBar:
    """A progress bar on standard error while sources load, only on a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._progress: Progress | None = None
        self._task = None

    def __call__(self, index: int, total: int, source: Source) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            self._progress = _progress(self.stream)
            self._progress.start()
            self._task = self._progress.add_task("loading", total=total)
        assert self._task is not None
        self._progress.update(self._task, completed=index,
                              description=f"loading {source.path.name}")
        if index >= total:
            self._progress.stop()
            self._progress = None


@contextmanager
def step(description: str, stream: TextIO | None = None) -> Iterator[None]:
    """A spinner with the time spent, on standard error, while ``description`` runs (only on a
    terminal; piped output and JSON stay clean)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield
        return
    progress = _progress(stream, spinner=True)
    progress.add_task(description, total=None)
    with progress:
        yield


def _progress(stream: TextIO, spinner: bool = False) -> Progress:
    console = Console(file=stream, stderr=stream is sys.stderr)
    columns = [SpinnerColumn()] if spinner else [BarColumn(bar_width=30), MofNCompleteColumn()]
    return Progress(*columns, TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=console, transient=True)


def result_table(result: QueryResult, indent: int = 0) -> str:
    """A SELECT or ASK result as a table that fits the terminal, with a row count."""
    if result.kind == "boolean":
        return " " * indent + f"{'yes' if result.boolean else 'no'}\n"
    body = [[compact(term) for term in row] for row in result.rows]
    count = f"({len(body)} row{'s' if len(body) != 1 else ''})\n"
    if not result.variables:
        return " " * indent + count
    long = [v for i, v in enumerate(result.variables) if max(
        [len(v), *(len(row[i]) for row in body)]) > 24]  # the others never need to wrap
    return table(result.variables, body, wrap=long or result.variables[-1:], indent=indent) \
        + " " * indent + count


def paragraph(text: str, indent: int = 0, hang: int = 2) -> str:
    """``text`` wrapped to the terminal (or 100 columns), later lines indented ``hang`` more."""
    return textwrap.fill(text, width=width(), initial_indent=" " * indent,
                         subsequent_indent=" " * (indent + hang), break_long_words=False,
                         break_on_hyphens=False)
