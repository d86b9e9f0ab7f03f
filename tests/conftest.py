from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from aimsgraph import GraphStore, open_store
from aimsgraph.paths import data_root

ROOT = data_root()


def admin_users(role: str = "admin", name: str = "admin") -> tuple[Path, str]:
    """A users file in a new temporary folder holding one user; (its path, the token)."""
    import tempfile

    from aimsgraph.users import UserFile

    users = UserFile(Path(tempfile.mkdtemp(prefix="aimsgraph-users-")) / "users.json")
    return users.path, users.add(name, role)
#: the address test clients use: the service answers only the Host names it is configured for
#: (loopback by default), not the test client's default "testserver"
LOCAL = "http://localhost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(command: Sequence[str], probe: str,
                   log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends, once ``probe`` answers; the block gets the
    process. Its output goes to ``log``, a file: a pipe nobody reads fills up and blocks the
    server."""
    with log.open("wb") as out:
        server = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(probe, timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"the server stopped:\n{log.read_text()}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer within 60 s:\n"
                                       f"{log.read_text()}") from None
                time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a server stuck in a busy thread
            server.kill()
            server.wait(timeout=30)


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
