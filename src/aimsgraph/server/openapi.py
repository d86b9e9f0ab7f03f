"""The service's OpenAPI document, as committed in api/openapi.json (a test keeps them equal).

FastAPI writes the document from the routes and their models; :func:`install` adds what it
cannot say by itself: problem details are ``application/problem+json``, and the users'
bearer tokens are one security scheme."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from ..store import GraphStore
from .problems import MEDIA_TYPE

SECURITY_SCHEMES = {"bearer": {
    "type": "http", "scheme": "bearer", "bearerFormat": "aimsgraph token",
    "description": "A user's API token (`aimsgraph users add NAME --role ROLE`). Roles: viewer "
                   "(read), editor (edit the organization's data), auditor (read, with the "
                   "audit trail), admin (SPARQL Update, users). Reading without a token is "
                   "allowed when the service allows anonymous reads (by default on loopback)."}}


def contract(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with problem details under their media type and the security
    scheme."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = FastAPI.openapi(app)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                del responses["422"]  # FastAPI's guess for text-only parameters: never sent
            for status, response in responses.items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            # reading may be anonymous (when the service allows it); the history and the
            # writes (other than SPARQL Update, which also reads) need a token
            reads = method == "get" or (path, method) == ("/sparql", "post")
            if reads and not path.startswith("/history") \
                    and operation.get("security") == [{"bearer": []}]:
                operation["security"] = [{}, {"bearer": []}]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    document["components"]["securitySchemes"] = {
        **document["components"].get("securitySchemes", {}), **SECURITY_SCHEMES}
    app.openapi_schema = document
    return document


def install(app: FastAPI) -> None:
    app.openapi = lambda: contract(app)  # type: ignore[method-assign]


def openapi_json() -> str:
    """The document, without loading any data (the routes do not depend on it)."""
    from .app import create_app

    app = create_app(store=GraphStore())
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
