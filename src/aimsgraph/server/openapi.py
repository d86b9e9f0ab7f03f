"""The service's OpenAPI document, as committed in api/openapi.json (a test keeps them equal)."""

from __future__ import annotations

import json

from ..store import GraphStore
from .app import create_app


def openapi_json() -> str:
    """The document, without loading any data (the routes do not depend on it)."""
    app = create_app(store=GraphStore())
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
