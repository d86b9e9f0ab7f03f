"""The public API: what __init__ exports, and the library's independence from the server."""

from __future__ import annotations

import subprocess
import sys

import aimsgraph


def test_all_exports_exist() -> None:
    for name in aimsgraph.__all__:
        assert hasattr(aimsgraph, name), name
    assert sorted(aimsgraph.__all__) == sorted(set(aimsgraph.__all__))


def test_library_never_imports_the_web_stack() -> None:
    code = ("import sys, aimsgraph, aimsgraph.cli; "
            "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_error_tree_maps_to_exit_codes() -> None:
    assert aimsgraph.RDFSyntaxError("x").exit_code == 2
    assert issubclass(aimsgraph.RDFSyntaxError, aimsgraph.InputError)
    assert issubclass(aimsgraph.UnknownQueryError, aimsgraph.UsageError)
    assert issubclass(aimsgraph.QueryError, aimsgraph.AimsgraphError)
    assert issubclass(aimsgraph.QueryRefusedError, aimsgraph.QueryError)
    assert aimsgraph.QueryRefusedError("x", reason="remote").exit_code == 2
