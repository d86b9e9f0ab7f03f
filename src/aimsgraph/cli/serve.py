"""The serve command: the HTTP service on uvicorn."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import EXIT_OK
from ..mappingsets import parse_names
from ..paths import data_path
from .common import store_for


def register(sub: argparse._SubParsersAction, data: argparse.ArgumentParser,
             org: argparse.ArgumentParser) -> None:
    serve = sub.add_parser("serve", parents=[data],
                           help="run the HTTP service (REST + SPARQL 1.1 Protocol) on uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                                                            "loopback)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--update-token", default=os.environ.get("AIMSGRAPH_UPDATE_TOKEN"),
                       help="allow SPARQL Update with 'Authorization: Bearer TOKEN' (default: "
                            "read-only; also AIMSGRAPH_UPDATE_TOKEN)")
    serve.add_argument("--query-timeout", type=float, default=30.0, help="seconds (default 30)")
    serve.add_argument("--max-rows", type=int, default=100_000, help="(default 100000)")
    serve.add_argument("--allow-service", action="append", default=[], metavar="IRI",
                       help="an endpoint SERVICE/LOAD may reach (repeatable; default none)")
    serve.add_argument("--no-example", action="store_true",
                       help="without --data, serve only the catalogs (default: the sample "
                            "organization too)")
    serve.add_argument("--as-amended-by", metavar="CHANGESET", action="append", default=[],
                       help="answer with this amendment change set applied beside those in "
                            "force, unless a request chooses (repeatable)")
    serve.add_argument("--as-enacted", action="store_true",
                       help="answer with the law as enacted unless a request chooses")
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # the library itself never imports the web stack

    from ..server import ServerSettings, create_app

    if not args.data and not args.no_example:
        args.data = [data_path("examples", "acme-lending")]
        print(f"aimsgraph: no --data given: serving the sample organization {args.data[0]}",
              file=sys.stderr)
    settings = ServerSettings(data=tuple(args.data), update_token=args.update_token,
                              query_timeout=args.query_timeout, max_rows=args.max_rows,
                              service_allowlist=tuple(args.allow_service),
                              as_amended_by=tuple(args.as_amended_by),
                              as_enacted=args.as_enacted,
                              mapping_sets=tuple(parse_names(args.mapping_sets) or ()))
    store = store_for(args)  # load (and fail on bad data) before listening
    print(f"aimsgraph: {len(store)} quads loaded; serving http://{args.host}:{args.port}/ "
          f"(web view at /, SPARQL at /sparql, API at /openapi.json)", file=sys.stderr)
    uvicorn.run(create_app(settings, store), host=args.host, port=args.port, log_level="info")
    return EXIT_OK
