"""Conditional GET and HEAD (ASGI middlewares).

    ETag / If-None-Match   every GET of a resource or page except client SPARQL (whose answer
                           may depend on NOW() or RAND()): a weak ETag, and 304 Not Modified
                           when the client already holds it.
                           Embedded store: the tag is derived, before anything is computed,
                           from what the answer depends on: the store's generation (every write
                           moves it on), a token of this process (a restart may load other
                           data), today's date (the law as it stands), the address with its
                           query, the Accept header, the caller's credentials and the users
                           file's revision (a token revoked since meets the sign-in check,
                           not a 304); a 304 costs one hash.
                           Remote store (others may write to it): the tag is the hash of the
                           answer itself, computed after it is rendered.
                           A resource that sets its own ETag (an editable record: its version,
                           which If-Match must name) keeps it.
    HEAD                   answered wherever GET is: the GET's status and headers, no body.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: paths answered without an ETag: client SPARQL (it may use NOW(), RAND(), ...) and the
#: generated docs
UNCACHED = ("/sparql", "/ui/sparql", "/docs", "/redoc")
#: one per process: a restart with other data must not match a tag handed out before
PROCESS_TOKEN = secrets.token_hex(8)


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for n, v in scope.get("headers", []) if n == name), "")


def matches(if_none_match: str, tag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): ``*`` or any listed tag equal to ``tag``."""
    opaque = tag.removeprefix("W/")
    given = [t.strip() for t in if_none_match.split(",")]
    return "*" in given or any(t.removeprefix("W/") == opaque for t in given)


def derived_tag(scope: Scope, generation: int, users: str = "") -> str:
    """The tag of an answer on the embedded store, from what the answer depends on (the
    caller's credentials included, and ``users``, the users file's revision: a token revoked
    since the tag was handed out must meet the sign-in check again, not a 304)."""
    key = "\n".join((PROCESS_TOKEN, str(generation), date.today().isoformat(), users,
                     scope.get("root_path", ""), scope["path"],
                     scope.get("query_string", b"").decode("latin-1"),
                     _header(scope, b"host"), scope.get("scheme", ""),
                     _header(scope, b"accept"),
                     # who asks: answers differ by role (the history on a record's page), and a
                     # 304 must never stand in for the sign-in check of another caller
                     _header(scope, b"authorization"),
                     json.dumps(scope.get("session") or {}, sort_keys=True, default=str)))
    return 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def content_tag(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(tag: str, headers: list[tuple[bytes, bytes]] | None = None) -> list[Message]:
    kept = [(n, v) for n, v in headers or [] if n.lower() in (b"vary", b"cache-control")]
    return [{"type": "http.response.start", "status": 304,
             "headers": [(b"etag", tag.encode()), *kept]},
            {"type": "http.response.body", "body": b""}]


def own_tag(message: Message) -> str | None:
    """The ETag the route set itself (a record's version), if any."""
    return next((v.decode("latin-1") for n, v in message.get("headers", [])
                 if n.lower() == b"etag"), None)


def _with_tag(message: Message, tag: str) -> Message:
    tag = own_tag(message) or tag
    headers = [(n, v) for n, v in message.get("headers", [])
               if n.lower() not in (b"etag", b"cache-control")]
    headers += [(b"etag", tag.encode()), (b"cache-control", b"no-cache")]
    return {**message, "headers": headers}


class ConditionalGet:
    """ETag on every 200 answer to a GET, 304 when ``If-None-Match`` holds it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" \
                or scope["path"].startswith(UNCACHED):
            await self.app(scope, receive, send)
            return
        store = getattr(scope["app"].state, "store", None) if "app" in scope else None
        if store is None or store.remote:
            await self._by_content(scope, receive, send)
            return
        users = getattr(scope["app"].state, "users", None)
        tag = derived_tag(scope, store.generation, users.revision() if users else "")
        if matches(_header(scope, b"if-none-match"), tag):
            for message in not_modified(tag):
                await send(message)
            return

        async def tagged(message: Message) -> None:
            # an update that landed while the answer was computed: which state the answer
            # shows is unknown, so it gets no tag (the next GET gets one)
            if message["type"] == "http.response.start" and message["status"] == 200 \
                    and store.generation == generation:
                message = _with_tag(message, tag)
            await send(message)

        generation = store.generation
        await self.app(scope, receive, tagged)

    async def _by_content(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    await send(message)
                    return
                start = message
                return
            if start is None:  # not a 200: pass it through
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = own_tag(start) or content_tag(body)
            if matches(_header(scope, b"if-none-match"), tag):
                for reply in not_modified(tag, start.get("headers")):
                    await send(reply)
                return
            await send(_with_tag(start, tag))
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, held)


class HeadAsGet:
    """HEAD wherever GET exists: run the GET, send its status and headers, drop the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
