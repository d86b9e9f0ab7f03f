from __future__ import annotations

from pathlib import Path

import pytest

from aimsgraph import GraphStore, open_store
from aimsgraph.paths import data_root

ROOT = data_root()


@pytest.fixture(scope="session")
def store() -> GraphStore:
    """The shipped graph, loaded once (tests must not change it)."""
    return open_store()


@pytest.fixture(scope="session")
def org_store() -> GraphStore:
    """The shipped graph with the sample organization (tests must not change it)."""
    return open_store([ROOT / "examples" / "acme-lending"])


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def select(store: GraphStore, sparql: str, **bindings) -> list[dict[str, str | None]]:
    from aimsgraph.queries import _to_term

    terms = {k: _to_term("iri" if v.startswith("http") else "string", v)
             for k, v in bindings.items()}
    return list(store.query(sparql, terms).records())
