"""The command line as a person reads it (cli/display.py, cli/help.py): tables that fit 100
columns, human role labels, natural order of article numbers, a description and an example in
every subcommand's --help, and a progress bar only where a terminal watches."""

from __future__ import annotations

import argparse
import io
import json
import os
import pty
import re
import shlex
import subprocess

import pytest

from aimsgraph.cli import build_parser
from aimsgraph.cli.display import PIPE_WIDTH, natural, role_label, table
from aimsgraph.cli.help import HELP
from aimsgraph.coverage import ROLES

from .conftest import ROOT
from .test_cli import COMMAND, run

EXAMPLE = ROOT / "examples" / "acme-lending"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_help_has_a_description_and_an_example_that_parses(name) -> None:
    parser = subcommands()[name]
    text = parser.format_help()
    assert parser.description, f"{name}: no description"
    assert " ".join(parser.description.split()[:6]) in " ".join(text.split())
    assert "example" in (parser.epilog or ""), f"{name}: no example in --help"
    examples = [re.sub(r"^examples?:\s*", "", line.strip())
                for line in parser.epilog.splitlines()]
    examples = [e for e in examples if e]
    assert examples and all(e.startswith(f"aimsgraph {name}") for e in examples)
    for example in examples:
        args = build_parser().parse_args(shlex.split(example)[1:])  # exits on a bad example
        assert args.command == name


def test_help_is_shown_by_the_real_command() -> None:
    done = run("soa", "--help")
    assert done.returncode == 0
    assert "every control of" in done.stdout and "examples:\n  aimsgraph soa" in done.stdout


def test_tables_fit_100_columns_wrap_long_text_and_mark_what_they_cut() -> None:
    long = "Use the system in accordance with the instructions for use " * 3
    text = table(["provision", "role", "obligation"],
                 [("Article 26(1)", "deployer", long), ("x" * 60, "provider", "short")],
                 total=PIPE_WIDTH)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= PIPE_WIDTH
    assert lines[1].startswith("---")  # a rule under the header
    assert "instructions for use" in text and len(lines) > 4  # the long cell wrapped, kept whole
    assert "…" in text and "x" * 60 not in text  # the long short-column cell cut, with a marker


def test_classify_reads_as_a_person_would_write_it() -> None:
    done = run("classify", "--data", str(EXAMPLE), "--as-of", "2026-11-27")
    assert done.returncode == 0, done.stderr
    body = done.stdout.splitlines()[2:]  # under the law and mapping-set lines
    assert max(len(line) for line in body) <= PIPE_WIDTH, max(body, key=len)
    assert "AIDeployer" not in done.stdout and "AIProvider" not in done.stdout
    assert "  deployer  " in done.stdout and "  provider  " in done.stdout
    cv = done.stdout.split("CV screening and ranking:", 1)[1].split("\n\n", 1)[0]
    assert cv.index("Article 4 ") < cv.index("Article 26(1) ") < cv.index("Article 26(2) ") \
        < cv.index("Article 26(11) ")  # natural order, not 26(1), 26(11), 26(12), 26(2)
    assert "\x1b[" not in done.stdout + done.stderr  # no colour or cursor codes into a pipe


def test_natural_order_and_role_labels() -> None:
    assert natural(["Article 73", "Article 9", "Article 10(2)", "Article 10"]) == [
        "Article 9", "Article 10", "Article 10(2)", "Article 73"]
    assert role_label(ROLES["deployer"]) == "deployer"
    assert role_label(ROLES["authorised-representative"]) == "authorised representative"
    assert role_label("https://example.org/roles#DataSteward") == "data steward"


def test_progress_bar_only_on_a_terminal_and_never_in_the_output() -> None:
    master, slave = pty.openpty()
    try:
        done = subprocess.run([*COMMAND, "classify", "--data", str(EXAMPLE), "--format", "json"],
                              stdout=subprocess.PIPE, stderr=slave, timeout=300,
                              env={**os.environ, "COLUMNS": "100"})
    finally:
        os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert done.returncode == 0
    assert len(json.loads(done.stdout)["systems"]) == 6  # stdout is clean JSON
    assert b"loading" in shown  # the bar, on the terminal
    piped = run("classify", "--data", str(EXAMPLE), "--format", "json")
    assert "loading" not in piped.stderr and "\x1b" not in piped.stderr


def test_every_entry_of_the_help_table_is_a_subcommand() -> None:
    assert set(HELP) <= set(subcommands())


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_a_long_step_shows_a_spinner_only_on_a_terminal(tty) -> None:
    from aimsgraph.cli.display import step

    stream = _Terminal(tty)
    with step("validating", stream):
        pass
    assert ("validating" in stream.getvalue()) is tty
