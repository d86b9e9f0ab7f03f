"""The users and history commands: tokens for the service, and the audit trail's check."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from ..users import ROLES, UserFile, default_path


def users_path(args: argparse.Namespace) -> Path:
    given = getattr(args, "users", None) or os.environ.get("AIMSGRAPH_USERS")
    return Path(given) if given else default_path(getattr(args, "store", None))


def register(sub: argparse._SubParsersAction, data: argparse.ArgumentParser,
             org: argparse.ArgumentParser) -> None:
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--users", metavar="FILE",
                       help="the users file (default: AIMSGRAPH_USERS, else STORE-users.json "
                            "beside a folder --store, else ./aimsgraph-users.json)")
    where.add_argument("--store", metavar="DIR|URL", default=os.environ.get("AIMSGRAPH_STORE"),
                       help=argparse.SUPPRESS)
    users = sub.add_parser("users", help="users of the service and their API tokens")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[where],
                             help="create a user and print its token (shown once)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="viewer: read; editor: edit the organization's data; admin: SPARQL "
                          "Update, loading, users; auditor: read everything and the history")
    add.set_defaults(handler=cmd_add)
    listing = actions.add_parser("list", parents=[where], help="the users (never their tokens)")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(handler=cmd_list)
    revoke = actions.add_parser("revoke", parents=[where],
                                help="revoke a user's token (at once, also in running services)")
    revoke.add_argument("name")
    revoke.set_defaults(handler=cmd_revoke)

    hist = sub.add_parser("history", help="the audit trail in a persistent store")
    hist_actions = hist.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = hist_actions.add_parser("verify", parents=[data],
                                     help="check the hash chain: exit 0 intact, 1 tampered")
    verify.set_defaults(handler=cmd_verify)


def cmd_add(args: argparse.Namespace) -> int:
    path = users_path(args)
    token = UserFile(path).add(args.name, args.role)
    print(f"aimsgraph: user {args.name} ({args.role}) added to {path}; the token, shown only "
          "now:", file=sys.stderr)
    print(token)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    path = users_path(args)
    if not path.exists():
        raise UsageError(f"no users file at {path}: create one with 'aimsgraph users add'")
    users = UserFile(path).users()
    rows = [{"name": u.name, "role": u.role, "created": u.created, "revoked": u.revoked}
            for u in users]
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        state = f"revoked {row['revoked']}" if row["revoked"] else "active"
        print(f"{row['name']}\t{row['role']}\tcreated {row['created']}\t{state}")
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    user = UserFile(users_path(args)).revoke(args.name)
    print(f"aimsgraph: revoked the token of {user.name} ({user.role}) at {user.revoked}",
          file=sys.stderr)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from .. import history
    from ..store import GraphStore

    if not args.store:
        print("aimsgraph: error: the history lives in a persistent store: give --store DIR|URL",
              file=sys.stderr)
        return EXIT_ERROR
    store = GraphStore.open(args.store)
    problems = history.verify(store)
    count = len(history.entries(store))
    for problem in problems:
        print(problem)
    print(f"aimsgraph: {count} entries; "
          f"{'the chain is intact' if not problems else f'{len(problems)} problems'}",
          file=sys.stderr)
    return EXIT_FINDINGS if problems else EXIT_OK
