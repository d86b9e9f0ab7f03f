"""A time limit for every route that runs library code in the service's own process (REST
resources, web pages): past ``route_timeout`` the client gets a 504 problem detail instead of a
wait without end. Client SPARQL has its own limits (:mod:`.execution`) and is left alone here.

Library calls run in threads that cannot be stopped; the answer is given up, not the work: the
work finishes in the background and what it sends is dropped.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import BASE, MEDIA_TYPE

#: paths whose SPARQL runs under the query limits (worker processes, query timeout) instead
OWN_LIMITS = ("/sparql", "/ui/sparql", "/queries/")


class RouteTimeout:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(OWN_LIMITS):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = {"started": False, "given_up": False}

        async def guarded(message: Message) -> None:
            if state["given_up"]:
                return
            state["started"] = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if done or state["started"]:
            await task
            return
        state["given_up"] = True
        task.add_done_callback(_consume)
        body = json.dumps({"type": BASE + "route-timeout", "title": "the page took too long",
                           "status": 504, "instance": scope["path"],
                           "detail": f"this resource took longer than {self.seconds:g} s to "
                                     "compute; try again later"}).encode()
        await send({"type": "http.response.start", "status": 504,
                    "headers": [(b"content-type", MEDIA_TYPE.encode()),
                                (b"content-length", str(len(body)).encode()),
                                (b"retry-after", b"30")]})
        await send({"type": "http.response.body", "body": body})


def _consume(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so that asyncio does not log it as never retrieved
