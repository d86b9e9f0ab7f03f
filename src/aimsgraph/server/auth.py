"""Who is asking: a bearer token (API clients) or a signed session cookie (the web view), else
anonymous; and what each role may do.

    role       may
    anonymous  read, when the service allows it (``anonymous_read``; on by default on loopback)
    viewer     read everything but the history
    editor     read; edit the organization's data
    admin      read, the history too; SPARQL Update, loading sources, users
    auditor    read everything, the history too; change nothing

A wrong or revoked token is a 401 problem detail (never echoed back); a valid one without the
role a route needs is a 403. Tokens and their hashes are never logged nor sent back.

The web view signs in with a token (``/ui/sign-in``): the session cookie (signed with
itsdangerous by Starlette's SessionMiddleware, ``SameSite=Strict``) names the token's public id,
never the token, so revoking the token ends the session. A request authenticated by the cookie
that is not GET/HEAD must carry the session's CSRF token (form field ``csrf`` or header
``X-CSRF-Token``), else 403.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..users import UserFile
from .problems import ProblemError

ROLES = ("anonymous", "viewer", "editor", "admin", "auditor")
READERS = ("viewer", "editor", "admin", "auditor")
#: who may read the audit trail (through /history and SPARQL)
HISTORY_READERS = ("admin", "auditor")
EDITORS = ("editor", "admin")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
BEARER = {"WWW-Authenticate": 'Bearer realm="aimsgraph"'}


@dataclass(frozen=True)
class Principal:
    name: str  #: user id, or "anonymous"
    role: str  #: "anonymous" | "viewer" | "editor" | "admin" | "auditor"

    @property
    def reads_history(self) -> bool:
        return self.role in HISTORY_READERS


ANONYMOUS = Principal("anonymous", "anonymous")


def users_of(request: Request) -> UserFile | None:
    return getattr(request.app.state, "users", None)


def session_of(request: Request) -> dict | None:
    return request.scope.get("session")


async def current_principal(request: Request) -> Principal:
    """The principal of ``request``: its bearer token's user, its web session's, or anonymous.
    A wrong or revoked token (or a session form without its CSRF token) is refused."""
    users = users_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        user = users.authenticate(token.strip()) if users is not None and \
            scheme.lower() == "bearer" else None
        if user is None:
            raise ProblemError(401, "unauthorized", "wrong or revoked token",
                               "the token sent in the Authorization header is not a valid "
                               "token of this service (wrong, revoked, or not 'Bearer TOKEN'); "
                               "ask an admin for one (aimsgraph users add)", headers=BEARER)
        return Principal(user.name, user.role)
    session = session_of(request)
    if session and session.get("token_id") and users is not None:
        user = users.by_token_id(str(session["token_id"]))
        if user is None:  # revoked since it signed in
            session.clear()
            return ANONYMOUS
        if request.method not in SAFE_METHODS:
            await check_csrf(request, session)
        return Principal(user.name, user.role)
    return ANONYMOUS


async def check_csrf(request: Request, session: dict) -> None:
    expected = str(session.get(CSRF_FIELD, ""))
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get(CSRF_FIELD) or [""])[0]
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ProblemError(403, "csrf-failed", "form not accepted",
                           "the form did not carry this session's CSRF token: reload the page "
                           "and send it again")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, for a hidden ``csrf`` field in each form (made on first use)."""
    session = session_of(request)
    if session is None:
        return ""
    if not session.get(CSRF_FIELD):
        session[CSRF_FIELD] = secrets.token_urlsafe(24)
    return str(session[CSRF_FIELD])


PrincipalDep = Annotated[Principal, Depends(current_principal)]
#: declares the scheme in the OpenAPI document; current_principal reads the header itself
_bearer = HTTPBearer(auto_error=False, scheme_name="bearer", bearerFormat="aimsgraph token",
                     description="a user's API token (aimsgraph users add NAME --role ROLE); "
                                 "reads need none while anonymous read is on")
BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that passes the principal on when its role is one of ``roles``, else 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def dependency(principal: PrincipalDep, _: BearerDoc = None) -> Principal:
        if principal.role not in roles:
            hint = ("send a user's token (Authorization: Bearer TOKEN); a user with that role "
                    f"is made with 'aimsgraph users add NAME --role {roles[0]}', and the service "
                    "must be started with that users file (--users FILE)") \
                if principal.role == "anonymous" else f"{principal.name} is {principal.role}"
            raise ProblemError(403, "forbidden", "role not allowed",
                               f"this needs the role {' or '.join(roles)}; {hint}",
                               headers=BEARER if principal.role == "anonymous" else None)
        return principal

    return dependency


async def read_access(request: Request, principal: PrincipalDep, _: BearerDoc) -> Principal:
    """Every resource and page: a signed-in reader, or anyone when anonymous read is on.
    (``async``: FastAPI would run a plain function in a thread, 0.1 ms a request.)"""
    if principal.role == "anonymous" and not request.app.state.settings.anonymous_read:
        raise SignInRequired()
    request.state.principal = principal  # for the pages' header
    return principal


class SignInRequired(ProblemError):
    """Anonymous read is off and nobody signed in: 401 for API clients, the sign-in page for
    people (see web.mount)."""

    def __init__(self) -> None:
        super().__init__(401, "unauthorized", "sign-in required",
                         "this service does not answer anonymous requests: send a token as "
                         "'Authorization: Bearer TOKEN' (or sign in at /ui/sign-in)",
                         headers=BEARER)


ReaderDep = Annotated[Principal, Depends(read_access)]
