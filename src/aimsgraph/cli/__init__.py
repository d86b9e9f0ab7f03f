"""The ``aimsgraph`` command: parses arguments, calls the library, maps results to exit codes.

Exit codes: 0 success; 1 findings (``check``, ``validate``); 2 usage or input error. One module per
command group; each registers its subcommands with a handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .. import __version__
from ..errors import EXIT_OK, AimsgraphError
from . import catalog, changes, organization, serve


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

    for group in (catalog, organization, changes, serve):
        group.register(sub, data, org)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except AimsgraphError as err:
        print(f"aimsgraph: error: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


__all__ = ["build_parser", "main"]
