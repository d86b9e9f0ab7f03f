"""What the command groups share: loading the store, writing output safely."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..catalog import open_store
from ..errors import OutputError, UsageError
from ..law import LawChoice, LawView, law_view
from ..mappingsets import parse_names
from ..progress import LoadProgress
from ..reports import rows_csv, rows_markdown
from ..store import GraphStore


def store_for(args: argparse.Namespace) -> GraphStore:
    return open_store(args.data, progress=LoadProgress(), store=getattr(args, "store", None),
                      mapping_sets=parse_names(getattr(args, "mapping_sets", None)))


def law_for(args: argparse.Namespace, store: GraphStore) -> LawView:
    """The view of the law the command answers under (``--as-of``, ``--as-amended-by``,
    ``--as-enacted``)."""
    return law_view(store, getattr(args, "as_of", None),
                    LawChoice(list(getattr(args, "as_amended_by", []) or []),
                              bool(getattr(args, "as_enacted", False))))


def split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--param takes NAME=VALUE, got {text!r}")
    return name.strip(), value


def write_output(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic_write(output, lambda out: out.write(data))


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file and rename, so a failure never leaves half a file."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; name a file")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".aimsgraph-")
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {err.strerror or err}; nothing was "
                          "written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_folder(path: Path) -> None:
    """Check that ``path`` can be a folder of output files (created if missing)."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"cannot write to {path}: it is a file; name a folder")
    parent = path.parent if str(path.parent) else Path(".")
    if not path.exists() and not parent.is_dir():
        raise OutputError(f"cannot write to {path}: the folder {parent} does not exist")
    try:
        path.mkdir(exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot write to {path}: {err.strerror or err}") from None
    if not os.access(path, os.W_OK):
        raise OutputError(f"cannot write to {path}: no permission to write in it")


def write_folder(path: Path, files: dict[str, bytes]) -> None:
    """Write each file into the folder ``path``, each atomically."""
    prepare_folder(path)
    for name, data in files.items():
        atomic_write(path / name, lambda out, data=data: out.write(data))


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def table_text(rows: list[dict[str, str]], fmt: str, title: str) -> str:
    columns = list(rows[0]) if rows else []
    return rows_csv(rows, columns) if fmt == "csv" else rows_markdown(rows, columns, title)
