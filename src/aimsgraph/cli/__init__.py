"""The ``aimsgraph`` command: parses arguments, calls the library, maps results to exit codes.

Exit codes: 0 success; 1 findings (``check``, ``validate``); 2 usage or input error. One module per
command group; each registers its subcommands with a handler.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .. import __version__
from ..errors import EXIT_OK, AimsgraphError, OutputError
from . import catalog, changes, organization, plan, serve, users


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aimsgraph",
        description="Knowledge-graph compliance mapping for AI management systems.",
        epilog="Exit codes: 0 success, 1 findings (check), 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"aimsgraph {__version__}")
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", metavar="PATH", type=Path, action="append", default=[],
                      help="an RDF file or folder of your own to load beside the shipped "
                           "catalogs (repeatable)")
    data.add_argument("--store", metavar="DIR|URL", default=os.environ.get("AIMSGRAPH_STORE"),
                      help="where the graph lives: a folder (Oxigraph on disk, kept between runs; "
                           "only changed sources are loaded again) or the URL of a SPARQL 1.1 "
                           "store (credentials from AIMSGRAPH_STORE_TOKEN or AIMSGRAPH_STORE_USER"
                           "/_PASSWORD); default: in memory (also AIMSGRAPH_STORE)")
    data.add_argument("--mapping-sets", metavar="SET[,SET]", action="append",
                      default=[os.environ["AIMSGRAPH_MAPPING_SETS"]]
                      if os.environ.get("AIMSGRAPH_MAPPING_SETS") else [],
                      help="the shipped mapping sets that count (file names in mappings/ "
                           "without .sssom.tsv, or set ids; repeatable); default: every set "
                           "selected by default, which leaves out published crosswalks kept "
                           "for comparison (also AIMSGRAPH_MAPPING_SETS)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    org = argparse.ArgumentParser(add_help=False)
    org.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                     help="the date to evaluate obligations and evidence age on (default today)")
    org.add_argument("--as-amended-by", metavar="CHANGESET", action="append", default=[],
                     help="rely on this amendment change set (an id in changes/, or a YAML "
                          "file) beside those in force on the date (repeatable)")
    org.add_argument("--as-enacted", action="store_true",
                     help="the law as enacted: apply no amendment change set, not even those "
                          "in force")

    for group in (catalog, organization, plan, changes, serve, users):
        group.register(sub, data, org)
    return parser


#: write errors that mean the output cannot be written, wherever it goes (a full disk, a quota)
FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
        sys.stdout.flush()  # a full disk behind stdout shows here, while we can still say so
        return code
    except AimsgraphError as err:
        print(f"aimsgraph: error: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK
    except OSError as err:
        if err.errno not in FULL:
            raise
        _drop_stdout()
        print(f"aimsgraph: error: cannot write the output: {err.strerror}", file=sys.stderr)
        return OutputError.exit_code


def _drop_stdout() -> None:
    """Send what is still buffered for stdout nowhere, so exiting does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


__all__ = ["build_parser", "main"]
