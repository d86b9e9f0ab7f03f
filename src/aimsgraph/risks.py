"""The organization's risk register and its likelihood x severity matrix.

    matrix = risk_matrix(risk_register(store))
    matrix.cell("high", "high")  # the risks rated high on both

Likelihood and severity take the levels the importer accepts (risks.csv: low, medium, high); a
risk missing either is kept aside as unrated, never placed in a cell it was not given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .organization import LEVELS
from .queries import QueryCatalog
from .store import GraphStore


@dataclass(frozen=True)
class Risk:
    iri: str
    id: str  # the id in risks.csv
    title: str
    system: str  # IRI, "" when organization-wide
    system_name: str
    likelihood: str
    severity: str
    treatment: str
    owner: str
    controls: str
    location: str  # risks.csv:12

    @property
    def rated(self) -> bool:
        return self.likelihood in LEVELS and self.severity in LEVELS

    @property
    def score(self) -> int:
        """1 (low x low) to 9 (high x high); 0 when unrated."""
        if not self.rated:
            return 0
        return (LEVELS.index(self.likelihood) + 1) * (LEVELS.index(self.severity) + 1)


@dataclass
class RiskMatrix:
    levels: tuple[str, ...]
    cells: dict[tuple[str, str], list[Risk]] = field(default_factory=dict)
    unrated: list[Risk] = field(default_factory=list)

    def cell(self, likelihood: str, severity: str) -> list[Risk]:
        return self.cells.get((likelihood, severity), [])

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.cells.values()) + len(self.unrated)

    def summary(self) -> str:
        """The matrix in one sentence, for a text alternative."""
        if not self.total:
            return "No risks are registered."
        parts = [f"{len(risks)} rated {likelihood} likelihood and {severity} severity"
                 for (likelihood, severity), risks in sorted(
                     self.cells.items(), key=lambda kv: (-_rank(kv[0]), kv[0])) if risks]
        text = f"{self.total} risks: " + "; ".join(parts)
        if self.unrated:
            text += f"; {len(self.unrated)} without a likelihood or severity"
        return text + "."


def _rank(key: tuple[str, str]) -> int:
    return (LEVELS.index(key[0]) + 1) * (LEVELS.index(key[1]) + 1)


def risk_register(store: GraphStore) -> list[Risk]:
    out = []
    for r in QueryCatalog().get("risk-register").run(store).records():
        iri = r["risk"] or ""
        location = f"{r['file']}:{r['row']}" if r.get("file") and r.get("row") else ""
        out.append(Risk(iri, iri.rsplit("/", 1)[-1], r["title"] or "", r["system"] or "",
                        r["systemName"] or "", r["likelihood"] or "", r["severity"] or "",
                        r["treatment"] or "", r["owner"] or "", r["controls"] or "", location))
    return out


def risk_matrix(risks: list[Risk]) -> RiskMatrix:
    """Each rated risk in its (likelihood, severity) cell, highest score first within a cell."""
    matrix = RiskMatrix(LEVELS, {(lk, sv): [] for lk in LEVELS for sv in LEVELS})
    for risk in risks:
        if risk.rated:
            matrix.cells[(risk.likelihood, risk.severity)].append(risk)
        else:
            matrix.unrated.append(risk)
    for cell in matrix.cells.values():
        cell.sort(key=lambda r: (r.system_name, r.id))
    return matrix
