"""The README's examples are run as written: a documented command that fails is a failing test."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from aimsgraph.cli import build_parser

from .conftest import ROOT
from .test_cli import COMMAND
from .test_sssom import COLUMNS, HEADER, ROW

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = [line for block in re.findall(r"```sh\n(.*?)```", README, re.S)
            for line in block.splitlines() if line.startswith("aimsgraph ")]


def test_readme_names_the_two_commands_and_every_subcommand() -> None:
    assert "make serve" in README and "make test" in README and "make run" in README
    subcommands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in subcommands:
        assert f"aimsgraph {name}" in README, f"README has no example of 'aimsgraph {name}'"


@pytest.mark.parametrize("line", EXAMPLES)
def test_readme_example_runs(tmp_path: Path, line: str) -> None:
    org = tmp_path / "my-org"
    org.mkdir()
    (org / "systems.ttl").write_text("<https://example.org/s> a "
                                     "<https://w3id.org/aimsgraph/ontology#AISystem> .\n")
    (org / "my-crosswalk.sssom.tsv").write_text(HEADER + COLUMNS + ROW)
    for folder in ("examples", "changes"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    args = shlex.split(line, comments=True)[1:]
    done = subprocess.run([*COMMAND, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    expected = 1 if "# exit 1" in line else 0
    assert done.returncode == expected, done.stderr
    assert done.stdout or done.stderr
