"""The HTTP service: a FastAPI application over the aimsgraph library (which never imports it)."""

from .app import create_app
from .settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
