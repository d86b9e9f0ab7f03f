"""Catalog quality control: every ``queries/qc/*-violation.rq`` must return no rows.

Each check is a named query whose rows are findings (``?focus`` and ``?detail`` by convention).
A check is data, like the Ontology Development Kit's violation queries: add a file to add a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .paths import data_path
from .queries import NamedQuery, QueryCatalog
from .results import QueryResult
from .store import GraphStore


@dataclass(frozen=True)
class CheckResult:
    check: NamedQuery
    result: QueryResult

    @property
    def passed(self) -> bool:
        return len(self.result) == 0


def qc_checks(folder: str | Path | None = None) -> list[NamedQuery]:
    folder = Path(folder) if folder else data_path("queries", "qc")
    return [q for q in QueryCatalog(folder) if q.name.endswith("-violation")]


def run_checks(store: GraphStore, folder: str | Path | None = None) -> list[CheckResult]:
    return [CheckResult(check, check.run(store)) for check in qc_checks(folder)]
