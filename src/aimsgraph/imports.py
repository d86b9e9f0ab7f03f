"""Import a framework aimsgraph does not ship: an OSCAL catalog or a CISO Assistant framework
library, read as numbers, titles and structure (see :mod:`.oscal`, :mod:`.cisoassistant`) and
written as a Turtle catalog in the form of ``frameworks/``, so that it loads with ``--data`` and
crosswalks to it check with ``import-mappings --catalog``."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .cisoassistant import read_library
from .errors import InputError
from .oscal import read_catalog
from .outline import Outline

CATALOG_SUFFIXES = (".json", ".yaml", ".yml")


def read_framework(path: Path, slug: str | None = None) -> Outline:
    """An OSCAL catalog (JSON or YAML) or a CISO Assistant framework library (YAML)."""
    if path.suffix.lower() not in CATALOG_SUFFIXES:
        raise InputError("expected an OSCAL catalog (.json, .yaml) or a CISO Assistant library "
                         "(.yaml)", file=path)
    if slug is not None and not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", slug):
        raise InputError(f"--id takes lower-case letters, digits, '.' and '-', not {slug!r}")
    if path.suffix.lower() == ".json":
        return read_catalog(path, slug)
    try:
        head = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return read_library(path, slug)  # it reports the fault with its line
    if isinstance(head, dict) and "catalog" in head:
        return read_catalog(path, slug)
    if isinstance(head, dict) and ("objects" in head or "urn" in head):
        return read_library(path, slug)
    keys = ", ".join(sorted(map(str, head))) if isinstance(head, dict) else type(head).__name__
    raise InputError(f"unknown structure (top level: {keys}); expected an OSCAL catalog (a "
                     "'catalog' object) or a CISO Assistant framework library ('urn' and "
                     "'objects.framework')", file=path, field="(top level)")


def describe(outline: Outline) -> dict:
    """What a user needs to map the imported framework: its IRI and the CURIE prefix."""
    return {"framework": outline.iri, "notation": outline.notation, "title": outline.title,
            "provisions": len(outline.nodes), "top-level": len(outline.roots()),
            "curie_prefix": {outline.stem: outline.iri + "/"}}


__all__ = ["describe", "read_framework"]
