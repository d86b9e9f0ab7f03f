"""The web view: server-rendered HTML pages for people, over the same library calls as the REST
routes. ``/`` is the overview, every other page lives under ``/ui/`` and its assets under
``/ui/static/``; no page is part of the OpenAPI contract."""

from .mount import install

__all__ = ["install"]
