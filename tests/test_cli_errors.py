"""Every failure a user can cause at the command line ends with one clear line and exit 2,
never a traceback, and changes nothing."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aimsgraph.cli import main

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "acme-lending"
COMMAND = [sys.executable, "-m", "aimsgraph"]


def run(*args: str, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=300)


def assert_clear(done: subprocess.CompletedProcess[str], *says: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    for text in says:
        assert text in done.stderr


@pytest.fixture
def org(tmp_path) -> Path:
    folder = tmp_path / "acme-lending"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_an_organization_id_with_a_space(org, capsys) -> None:
    text = (org / "organization.csv").read_text(encoding="utf-8")
    (org / "organization.csv").write_text(text.replace("\nacme-lending,", "\nacme lending,", 1),
                                          encoding="utf-8")
    assert main(["import", str(org)]) == 2
    err = capsys.readouterr().err
    assert "organization.csv:2 [id]: 'acme lending' is not a slug" in err


@pytest.mark.parametrize("target", ["/nonexistent/risks.csv", "risks.csv", "loop-b.csv"])
def test_a_dangling_or_looping_symlinked_table_is_an_error_naming_it(org, capsys,
                                                                     target) -> None:
    (org / "risks.csv").unlink()
    (org / "risks.csv").symlink_to(target)
    if target == "loop-b.csv":
        (org / "loop-b.csv").symlink_to(org / "risks.csv")
    assert main(["import", str(org)]) == 2
    captured = capsys.readouterr()
    assert "valid" not in captured.out
    assert f"{org / 'risks.csv'}: cannot read: a symbolic link to {target}" in captured.err
    assert ("loops" if target != "/nonexistent/risks.csv" else "does not exist") in captured.err


def test_an_output_folder_that_does_not_exist(tmp_path, capsys) -> None:
    out = tmp_path / "missing" / "soa.xlsx"
    assert main(["soa", "--data", str(EXAMPLE), "--format", "xlsx", "-o", str(out)]) == 2
    assert f"the folder {out.parent} does not exist" in capsys.readouterr().err


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, capsys,
                                                          monkeypatch) -> None:
    out = tmp_path / "soa.csv"
    out.write_text("the previous export\n")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int, mode: str) -> None:
            self.file = real_fdopen(fd, mode)

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
            self.file.close()

    monkeypatch.setattr("aimsgraph.cli.common.os.fdopen", Full)
    assert main(["soa", "--data", str(EXAMPLE), "-o", str(out)]) == 2
    assert f"cannot write {out}: No space left on device" in capsys.readouterr().err
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["soa.csv"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["soa"], ["classify"]])
def test_a_full_disk_behind_stdout(command) -> None:
    with open("/dev/full", "w") as full:
        done = run(*command, "--data", str(EXAMPLE), stdout=full)
    assert_clear(done, "cannot write the output: No space left on device")


@pytest.mark.parametrize(("args", "says"), [
    (["--port", "99999"], "argument --port: a port is a number from 1 to 65535, not '99999'"),
    (["--port", "0"], "argument --port"),
    (["--query-timeout", "-1"], "argument --query-timeout: must be a number of seconds above 0"),
    (["--query-timeout", "nan"], "argument --query-timeout"),
    (["--max-rows", "0"], "argument --max-rows"),
    (["--base-url", "javascript:alert(1)"], "--base-url takes an http(s) address"),
])
def test_serve_refuses_bad_numbers_and_addresses(args, says, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        code = main(["serve", "--no-example", *args])
        raise SystemExit(code)
    assert exit_.value.code == 2
    assert says in capsys.readouterr().err


def test_serve_on_a_port_in_use_fails_before_loading() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("serve", "--port", str(port))
    assert_clear(done, f"port {port} on 127.0.0.1 is in use")
    assert "quads loaded" not in done.stderr and "serving the sample" not in done.stderr


@pytest.mark.parametrize(("extra", "warned"), [([], True), (["--allowed-host", "aims.example"],
                                                               False)])
def test_serve_on_every_interface_says_which_hosts_it_answers(extra, warned, capsys,
                                                              monkeypatch) -> None:
    """--host 0.0.0.0 alone answers only loopback Host names: say so at start, with the fix."""
    import uvicorn

    from aimsgraph.cli import serve as serve_cli

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    monkeypatch.setattr(serve_cli, "check_port_free", lambda host, port: None)
    monkeypatch.setattr(serve_cli, "store_for", lambda args: [])
    monkeypatch.setattr("aimsgraph.server.create_app", lambda settings, store: None)
    assert main(["serve", "--no-example", "--host", "0.0.0.0", *extra]) == 0
    assert started and started[0]["host"] == "0.0.0.0"
    err = capsys.readouterr().err
    assert ("add --allowed-host NAME" in err) is warned


def test_a_folder_store_refuses_two_organizations_of_the_same_name(tmp_path, capsys) -> None:
    first, second = tmp_path / "a" / "acme", tmp_path / "b" / "acme"
    shutil.copytree(EXAMPLE, first)
    shutil.copytree(EXAMPLE, second)
    store = tmp_path / "store"
    for where in (["--store", str(store)], []):
        assert main(["validate", *where, "--data", str(first), "--data", str(second)]) == 2
        err = capsys.readouterr().err
        assert "two organization folders are named 'acme'" in err
        assert str(first) in err and str(second) in err
