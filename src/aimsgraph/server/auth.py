"""Stand-in for users and roles (branch ``auth`` replaces this file at merge)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request

from .problems import ProblemError


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # "anonymous" | "viewer" | "editor" | "admin" | "auditor"


def current_principal(request: Request) -> Principal:
    given = request.headers.get("authorization", "")
    if not given:
        return Principal("anonymous", "anonymous")
    token = request.app.state.settings.update_token
    if token and given.lower().startswith("bearer ") and hmac.compare_digest(
            given[7:].strip().encode(), token.encode()):
        return Principal("admin", "admin")
    raise ProblemError(401, "unauthorized", "unknown token", "the token is not valid here",
                       headers={"WWW-Authenticate": 'Bearer realm="aimsgraph"'})


def require_role(*roles: str) -> Callable[..., Principal]:
    def dependency(principal: Principal = Depends(current_principal)) -> Principal:  # noqa: B008
        if principal.role not in roles:
            raise ProblemError(403, "forbidden", "not allowed",
                               f"this needs the role {' or '.join(roles)}; you are "
                               f"{principal.role}")
        return principal

    return dependency
