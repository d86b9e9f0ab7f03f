"""Which Host a request may name, and the address links are built from (an ASGI middleware).

Answers carry absolute links (``href`` in REST resources, the endpoint in the SPARQL service
description). They are built from the configured base URL when there is one; otherwise from the
request's Host header, which must then name this server: one of the allowed hosts (default: the
loopback names and the address the server is bound to), with a numeric port. Any other Host is
answered 400 and never echoed, so a forged Host (DNS rebinding, poisoned caches, links mailed on)
cannot steer a link.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import UsageError

_PORT = re.compile(r"\d{1,5}")


def host_name(host: str) -> tuple[str, str] | None:
    """(name, port) of a Host header value (port "" when absent), or None when malformed."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        name, _, rest = host[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else rest
    else:
        name, _, port = host.partition(":")
    if not name or (port and not (_PORT.fullmatch(port) and int(port) <= 65535)):
        return None
    return name, port


def base_parts(base_url: str) -> tuple[str, str, str]:
    """(scheme, host[:port], path) of a base URL; UsageError if it is not http(s)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment or host_name(parts.netloc) is None:
        raise UsageError(f"--base-url takes an http(s) address such as "
                         f"https://aims.example.org/graph, got {base_url!r}")
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


class HostGuard:
    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...],
                 base_url: str | None = None) -> None:
        self.app = app
        self.base = base_parts(base_url) if base_url else None
        names = {h.strip().lower().strip("[]") for h in allowed_hosts if h.strip()}
        if self.base:
            names.add(host_name(self.base[1])[0])  # type: ignore[index]
        self.allowed = frozenset(names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for n, v in scope.get("headers", [])
                      if n == b"host"), "")
        parsed = host_name(given)
        if "*" not in self.allowed and (parsed is None or parsed[0] not in self.allowed):
            await self.refuse(send)
            return
        if self.base:
            scheme, netloc, path = self.base
            headers = [(n, v) for n, v in scope.get("headers", []) if n != b"host"]
            scope = {**scope, "scheme": scheme,
                     "headers": [(b"host", netloc.encode("latin-1")), *headers]}
            if path:
                scope["root_path"] = path
        await self.app(scope, receive, send)

    async def refuse(self, send: Send) -> None:
        body = json.dumps({
            "type": "https://w3id.org/aimsgraph/problems/host-not-allowed",
            "title": "host not allowed", "status": 400,
            "detail": "the Host header does not name this server; use one of: "
                      f"{', '.join(sorted(self.allowed))} (the server's allowed hosts: start it "
                      "with --allowed-host NAME or --base-url URL to add one)"}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
