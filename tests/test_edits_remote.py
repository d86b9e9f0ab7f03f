"""Edits and the CSV export on a remote SPARQL store (a real `oxigraph serve` on loopback):
the same checks, one SPARQL Update, and the export reads the edit back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aimsgraph import GraphStore, open_store
from aimsgraph.edits import Edit, apply_edit, get_record, plan_edit
from aimsgraph.errors import EditRejected
from aimsgraph.orgtables import export_organization

from .conftest import ROOT
from .test_stores import oxigraph_server

SAMPLE = ROOT / "examples" / "acme-lending"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield open_store([SAMPLE], store=url)


def test_an_edit_on_a_remote_store(remote: GraphStore, tmp_path: Path) -> None:
    record = get_record(remote, "risks", "cs-bias")
    with pytest.raises(EditRejected) as refused:
        plan_edit(remote, Edit("risks", "cs-bias", "change", {"owner": "nobody"}),
                  if_match=record.etag)
    assert refused.value.errors[0]["field"] == "owner"
    change = plan_edit(remote, Edit("risks", "cs-bias", "change", {"status": "closed"}),
                       if_match=record.etag)
    apply_edit(remote, change, actor="test", message="closed in review", address=None)
    assert get_record(remote, "risks", "cs-bias").row["status"] == "closed"
    # another process reading the same store sees it, and exports it
    other = open_store([SAMPLE], store=remote.location)
    export_organization(other, tmp_path / "out")
    assert "closed" in next(line for line in (tmp_path / "out" / "risks.csv").read_text()
                            .splitlines() if line.startswith("cs-bias,"))
