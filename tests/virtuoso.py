"""A throwaway OpenLink Virtuoso (Debian's ``virtuoso-opensource``) on loopback, for the store
tests and the benchmarks: a private ``virtuoso.ini`` and database in a fresh folder, both ports on
127.0.0.1, the ``dba`` password changed before anything is loaded, result caps raised.

Without ``virtuoso-t`` the tests skip, unless AIMSGRAPH_REQUIRE_VIRTUOSO=1 (CI) makes that a
failure.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .conftest import free_port, running_server

BINARY = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")


def unavailable() -> str:
    if not Path(BINARY).exists() or not Path(ISQL).exists():
        return ("Virtuoso is not installed (apt-get install --no-install-recommends "
                "virtuoso-opensource)")
    return ""


def require() -> str:
    """Why the Virtuoso tests cannot run here ("" when they can); an error under CI."""
    reason = unavailable()
    if reason and os.environ.get("AIMSGRAPH_REQUIRE_VIRTUOSO") == "1":
        raise RuntimeError(f"AIMSGRAPH_REQUIRE_VIRTUOSO=1 but {reason}")
    return reason


INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
MaxClientConnections = 20
ServerThreads = 20
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxSortedTopRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {max_seconds}
"""


@dataclass
class Virtuoso:
    folder: Path
    http_port: int
    sql_port: int
    password: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def env(self) -> dict[str, str]:
        """The environment that points aimsgraph at this server's authenticated endpoints."""
        return {"AIMSGRAPH_STORE_USER": "dba", "AIMSGRAPH_STORE_PASSWORD": self.password,
                "AIMSGRAPH_STORE_UPDATE_URL": self.base + "/sparql-auth",
                "AIMSGRAPH_STORE_GSP_URL": self.base + "/sparql-graph-crud-auth"}

    @property
    def url(self) -> str:
        return self.base + "/sparql-auth"

    def isql(self, statement: str, password: str | None = None) -> str:
        result = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", password or self.password,
             f"exec={statement}"], capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or "*** Error" in result.stdout:
            raise RuntimeError(f"isql {statement!r}: {result.stdout}{result.stderr}")
        return result.stdout


@contextmanager
def running_virtuoso(folder: Path, *, max_seconds: int = 120, buffers: int = 20000,
                     ports: tuple[int, int] | None = None,
                     max_rows: int = 10_000_000) -> Iterator[Virtuoso]:
    """Virtuoso on two free loopback ports (or the ``ports`` (HTTP, SQL) given) with its
    database in ``folder`` (kept, so that the same folder starts the same database again)."""
    folder.mkdir(parents=True, exist_ok=True)
    fresh = not (folder / "virtuoso.db").exists()
    secret = folder / "dba-password"
    if fresh:
        secret.write_text("pw" + secrets.token_hex(10))  # an identifier to isql
    http_port, sql_port = ports or (free_port(), free_port())
    server = Virtuoso(folder, http_port, sql_port, secret.read_text())
    (folder / "virtuoso.ini").write_text(INI.format(
        dir=folder, sql_port=server.sql_port, http_port=server.http_port, vsp=VSP,
        max_seconds=max_seconds, max_rows=max_rows, buffers=buffers, dirty=buffers * 3 // 4))
    command = [BINARY, "-c", str(folder / "virtuoso.ini"), "+foreground", "+wait"]
    with running_server(command, server.base + "/sparql?query=ASK%7B%7D",
                        folder / "stdout.log") as process:
        if fresh:  # the default password is public: change it before the server holds data
            server.isql(f"set password dba {server.password};", password="dba")
            server.isql("select 1;")  # the new password works
        server.process = process  # type: ignore[attr-defined]
        yield server
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            server.isql("checkpoint;")  # a clean stop leaves no transaction log to roll forward
