"""Where the shipped data lives: the repository root in a checkout, or inside an installed wheel."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def data_root() -> Path:
    """The folder holding ontology/, frameworks/, queries/ ...

    AIMSGRAPH_HOME wins when set; a wheel carries the folders in ``aimsgraph/_data``; an editable
    install or a checkout finds them at the repository root.
    """
    override = os.environ.get("AIMSGRAPH_HOME")
    if override:
        return Path(override).resolve()
    packaged = Path(__file__).parent / "_data"
    if (packaged / "ontology").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def data_path(*parts: str) -> Path:
    return data_root().joinpath(*parts)
