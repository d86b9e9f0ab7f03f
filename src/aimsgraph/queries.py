"""Named SPARQL queries: ``queries/*.rq`` files with a comment header, run with typed parameters.

A header is a block of ``# key: value`` lines at the top of the file::

    # title: Provisions of a framework
    # description: Every provision of one framework edition with its kind, number and parent.
    # param: framework | iri | https://w3id.org/aimsgraph/std/iso-iec-42001/2023 | The edition

A ``param`` line is ``name | type | default | description``; an empty default makes the parameter
required. Types: iri, string, integer, decimal, boolean, date. Values are bound as RDF terms of
that type by the engine (never pasted into the query text); an iri may be given as a CURIE with one
of the standard prefixes (``aims:Control``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError, QueryError, UnknownQueryError, UsageError
from .namespaces import PREFIXES, XSD
from .paths import data_path
from .results import QueryResult
from .store import GraphStore

PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date")
_HEADER_LINE = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    description: str

    @property
    def required(self) -> bool:
        return self.default is None

    def bind(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a textual value; InputError names the parameter when it is invalid."""
        try:
            return _to_term(self.type, value.strip())
        except ValueError as err:
            raise InputError(f"{err}", field=f"parameter {self.name}") from err


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path

    def bindings(self, values: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            valid = ", ".join(known) or "none"
            raise UsageError(f"query {self.name!r} has no parameter {unknown[0]!r}; valid: {valid}")
        bound: dict[str, ox.NamedNode | ox.Literal] = {}
        for param in self.parameters:
            raw = values.get(param.name, param.default)
            if raw is None:
                raise UsageError(f"query {self.name!r} needs parameter {param.name!r}: "
                                 f"{param.description}")
            bound[param.name] = param.bind(raw)
        return bound

    def run(self, store: GraphStore, values: Mapping[str, str] | None = None) -> QueryResult:
        bindings = self.bindings(values or {})
        try:
            return store.query(self.text, bindings)
        except QueryError as err:
            raise QueryError(f"{self.path}: {err}") from err


def parse_named_query(path: Path, name: str | None = None) -> NamedQuery:
    """Read a ``.rq`` file and its header; a bad header line is an InputError with its line."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Parameter] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if not match:
            continue
        key, value = match["key"], match["value"].strip()
        if key == "param":
            params.append(_parse_param(value, path, lineno))
        else:
            meta[key] = value
    return NamedQuery(
        name=name or path.stem,
        title=meta.get("title", path.stem),
        description=meta.get("description", ""),
        parameters=tuple(params),
        text=text,
        path=path,
    )


def _parse_param(value: str, path: Path, lineno: int) -> Parameter:
    parts = [p.strip() for p in value.split("|")]
    if len(parts) != 4 or parts[1] not in PARAM_TYPES or not parts[0].isidentifier():
        raise InputError(
            f"param line must be 'name | type | default | description' with type one of "
            f"{', '.join(PARAM_TYPES)}", file=path, line=lineno)
    name, type_, default, description = parts
    return Parameter(name, type_, default or None, description)


def _to_term(type_: str, value: str) -> ox.NamedNode | ox.Literal:
    if type_ == "iri":
        return ox.NamedNode(_expand_iri(value))
    if type_ == "string":
        return ox.Literal(value)
    if type_ == "integer":
        try:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
    if type_ == "decimal":
        try:
            return ox.Literal(str(Decimal(value)), datatype=ox.NamedNode(XSD + "decimal"))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    if type_ == "boolean":
        if value.lower() not in ("true", "false"):
            raise ValueError(f"{value!r} is not true or false")
        return ox.Literal(value.lower(), datatype=ox.NamedNode(XSD + "boolean"))
    if type_ == "date":
        try:
            return ox.Literal(date.fromisoformat(value).isoformat(),
                              datatype=ox.NamedNode(XSD + "date"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    raise ValueError(f"unknown parameter type {type_!r}")


def _expand_iri(value: str) -> str:
    value = value.removeprefix("<").removesuffix(">")
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", value):
        raise ValueError(f"{value!r} is not an absolute IRI or a known CURIE")
    try:
        ox.NamedNode(value)
    except ValueError as err:
        raise ValueError(f"{value!r} is not a valid IRI: {err}") from None
    return value


class QueryCatalog:
    """The named queries of a folder (default: the shipped ``queries/``), by file stem."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder else data_path("queries")
        self._queries = {p.stem: parse_named_query(p) for p in sorted(self.folder.glob("*.rq"))}

    def __iter__(self):
        return iter(self._queries.values())

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQueryError(name, self.names()) from None

    def resolve(self, name_or_path: str) -> NamedQuery:
        """A named query, or a ``.rq`` file given by path."""
        path = Path(name_or_path)
        if path.suffix == ".rq" and path.is_file():
            return parse_named_query(path)
        return self.get(name_or_path)
