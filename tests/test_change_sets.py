"""The shipped change sets: identity, dates, status evidence; what the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aimsgraph.paths import data_path

CHANGE_SETS = sorted(data_path("changes").glob("*.yaml"))


@pytest.mark.parametrize("path", CHANGE_SETS, ids=lambda p: p.stem)
def test_id_is_the_file_name_and_date_is_set(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["id"] == path.stem
    assert data.get("date"), f"{path.name}: date is empty"
