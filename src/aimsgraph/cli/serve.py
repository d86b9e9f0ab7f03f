"""The serve command: the HTTP service on uvicorn."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import EXIT_OK
from ..isolation import ISOLATION_MODES, default_workers
from ..paths import data_path
from .common import store_for


def seconds(text: str) -> float:
    """A number of seconds above 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value


def at_least(low: int):  # type: ignore[no-untyped-def]
    """A whole number of at least ``low`` (argparse type)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


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
    serve.add_argument("--query-timeout", type=seconds, default=30.0,
                       help="seconds a SPARQL query or update may run before it is stopped and "
                            "the client gets a 503 (default 30)")
    serve.add_argument("--max-rows", type=at_least(1), default=100_000, help="(default 100000)")
    serve.add_argument("--workers", type=at_least(1), default=default_workers(),
                       help="worker processes that evaluate SPARQL at once (default "
                            f"{default_workers()}: this machine's cores, 2 to 4)")
    serve.add_argument("--query-memory", type=at_least(0), default=1024, metavar="MB",
                       help="resident memory a SPARQL worker may reach before its query is "
                            "stopped with a 503 (default 1024; 0: no cap)")
    serve.add_argument("--queue-wait", type=seconds, default=30.0,
                       help="seconds a query waits for a free worker before a 503 (default 30)")
    serve.add_argument("--route-timeout", type=seconds, default=60.0,
                       help="seconds any other resource or page may take before a 504 "
                            "(default 60)")
    serve.add_argument("--isolation", choices=ISOLATION_MODES, default="process",
                       help="process: SPARQL in worker processes, stopped at the limits "
                            "(default); thread: in the service's threads, abandoned but not "
                            "stopped at the timeout (the old way, for comparison)")
    serve.add_argument("--allow-service", action="append", default=[], metavar="IRI",
                       help="an endpoint SERVICE/LOAD may reach (repeatable; default none)")
    serve.add_argument("--no-example", action="store_true",
                       help="without --data, serve only the catalogs (default: the sample "
                            "organization too)")
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
                              isolation=args.isolation, workers=args.workers,
                              query_memory=args.query_memory, queue_wait=args.queue_wait,
                              route_timeout=args.route_timeout)
    store = store_for(args)  # load (and fail on bad data) before listening
    print(f"aimsgraph: {len(store)} quads loaded; serving http://{args.host}:{args.port}/ "
          f"(web view at /, SPARQL at /sparql, API at /openapi.json)", file=sys.stderr)
    uvicorn.run(create_app(settings, store), host=args.host, port=args.port, log_level="info")
    return EXIT_OK
