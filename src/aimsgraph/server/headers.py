"""Security headers on every response (an ASGI middleware).

    Content-Security-Policy   HTML pages: scripts, styles, images and forms from this server
                              only, no inline script or style, no plugins, never framed.
                              Anything else (JSON, RDF, CSV, ...): nothing may load at all.
                              The generated API docs (/docs, /redoc) load Swagger UI / ReDoc
                              from their CDN with an inline bootstrap script, so they get a
                              policy that allows exactly that.
    X-Content-Type-Options    nosniff
    X-Frame-Options           DENY (with frame-ancestors 'none' for browsers that know CSP)
    Referrer-Policy           same-origin: a link out of the web view sends no address
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
               "https://fonts.googleapis.com; font-src https://fonts.gstatic.com; "
               "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
               "worker-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
COMMON = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"same-origin"))


def policy_for(path: str, content_type: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_POLICY
    return PAGE_POLICY if content_type.startswith("text/html") else DATA_POLICY


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next((v.decode("latin-1") for n, v in headers
                                     if n.lower() == b"content-type"), "")
                wanted = (*COMMON, (b"content-security-policy",
                                    policy_for(path, content_type.lower()).encode()))
                headers += [(name, value) for name, value in wanted if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
