"""The serve command: the HTTP service on uvicorn."""

from __future__ import annotations

import argparse
import errno
import math
import os
import socket
import sys
from pathlib import Path

from ..errors import EXIT_OK, UsageError
from ..isolation import ISOLATION_MODES, default_workers
from ..mappingsets import parse_names
from ..paths import data_path
from .common import store_for


def port_number(text: str) -> int:
    port = int(text) if text.strip().isdigit() else -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return port


def positive(kind: type[int] | type[float]):  # type: ignore[no-untyped-def]
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"expected a number above 0, not {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def check_port_free(host: str, port: int) -> None:
    """Fail now, before the (long) load, when the service could not listen on host:port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as err:
        raise UsageError(f"--host {host}: not an address of this machine ({err.strerror})") \
            from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on {host} is in use by another program: stop it "
                                 "or choose another --port") from None
            raise UsageError(f"cannot listen on {host}:{port}: {err.strerror}") from None


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
    serve.add_argument("--port", type=port_number, default=8000, help="1-65535 (default 8000)")
    serve.add_argument("--base-url", metavar="URL",
                       help="the public address links in answers are built from, e.g. behind a "
                            "reverse proxy (default: the request's Host, if allowed)")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="a Host name clients may use besides the loopback names and --host "
                            "(repeatable; '*' for any, behind a proxy that checks it)")
    serve.add_argument("--users", metavar="FILE", default=os.environ.get("AIMSGRAPH_USERS"),
                       help="the users file (aimsgraph users add): who may sign in, with which "
                            "role; without one nobody can write (also AIMSGRAPH_USERS)")
    serve.add_argument("--anonymous-read", action=argparse.BooleanOptionalAction,
                       default=None,
                       help="answer reads without a token (default: on when bound to "
                            "loopback, off otherwise)")
    serve.add_argument("--update-token", default=os.environ.get("AIMSGRAPH_UPDATE_TOKEN"),
                       help=argparse.SUPPRESS)  # gone: refused with what to do instead
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
    serve.add_argument("--preempt-after", type=seconds, default=1.0,
                       help="workers are shared fairly between client addresses: a query of "
                            "a client holding at least two workers more than a client whose "
                            "query waits is stopped with a 503 once it has run this long "
                            "(default 1; the query timeout or more: never)")
    serve.add_argument("--answer-cache", type=at_least(0), default=64, metavar="MB",
                       help="answers to SPARQL queries remembered until the data changes, "
                            "sent again without evaluating (default 64; 0: none)")
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
    serve.add_argument("--as-amended-by", metavar="CHANGESET", action="append", default=[],
                       help="answer with this amendment change set applied beside those in "
                            "force, unless a request chooses (repeatable)")
    serve.add_argument("--evidence-months", type=at_least(1), default=12,
                       help="oldest acceptable evidence, in months, for findings and the action "
                            "plan (default 12)")
    serve.add_argument("--as-enacted", action="store_true",
                       help="answer with the law as enacted unless a request chooses")
    serve.set_defaults(handler=cmd_serve)


#: addresses that listen on every interface, whose name no client sends as its Host
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]"})


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # the library itself never imports the web stack

    from ..server import ServerSettings, create_app
    from ..server.hosts import base_parts
    from ..server.settings import LOOPBACK, UPDATE_TOKEN_GONE

    if args.update_token:
        raise UsageError(UPDATE_TOKEN_GONE)
    if args.users and not Path(args.users).is_file():
        raise UsageError(f"--users {args.users}: no such file; create it with 'aimsgraph users "
                         "add NAME --role ROLE --users FILE'")
    if args.base_url:
        base_parts(args.base_url)  # a usage error now, not after the load
    check_port_free(args.host, args.port)
    if args.host in WILDCARD_HOSTS and not (args.allowed_host or args.base_url):
        print(f"aimsgraph: listening on every interface ({args.host}), but requests are answered "
              "only when their Host header names an allowed host (today: the loopback names); "
              "add --allowed-host NAME for each name clients use, or --base-url URL behind a "
              "reverse proxy", file=sys.stderr)

    if not args.data and not args.no_example:
        args.data = [data_path("examples", "acme-lending")]
        print(f"aimsgraph: no --data given: serving the sample organization {args.data[0]}",
              file=sys.stderr)
    anonymous = args.anonymous_read if args.anonymous_read is not None else \
        args.host in LOOPBACK
    settings = ServerSettings(data=tuple(args.data),
                              users_file=Path(args.users) if args.users else None,
                              anonymous_read=anonymous,
                              query_timeout=args.query_timeout, max_rows=args.max_rows,
                              service_allowlist=tuple(args.allow_service),
                              allowed_hosts=(*LOOPBACK, args.host, *args.allowed_host),
                              base_url=args.base_url,
                              isolation=args.isolation, workers=args.workers,
                              query_memory=args.query_memory, queue_wait=args.queue_wait,
                              preempt_after=args.preempt_after,
                              route_timeout=args.route_timeout,
                              answer_cache=args.answer_cache,
                              as_amended_by=tuple(args.as_amended_by),
                              as_enacted=args.as_enacted, evidence_months=args.evidence_months,
                              mapping_sets=tuple(parse_names(args.mapping_sets) or ()))
    store = store_for(args)  # load (and fail on bad data) before listening
    print(f"aimsgraph: {len(store)} quads loaded; serving http://{args.host}:{args.port}/ "
          f"(web view at /, SPARQL at /sparql, API at /openapi.json)", file=sys.stderr)
    uvicorn.run(create_app(settings, store), host=args.host, port=args.port, log_level="info")
    return EXIT_OK
