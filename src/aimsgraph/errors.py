"""The exceptions aimsgraph raises, and the one place each maps to an exit code.

    AimsgraphError                 base of everything below
    ├── InputError                 a file or value the user gave is wrong (exit 2)
    │   ├── RDFSyntaxError         malformed RDF: carries file, line and column
    │   └── EditRejected           an edit of the organization's data fails the importer's
    │                              checks or the coverage shapes; carries the findings (422)
    ├── UsageError                 an unknown name or option (exit 2)
    │   ├── NoOrganizationError    an answer about an organization, and none is loaded
    │   ├── UnknownQueryError      no named query by that name; lists the valid ones
    │   ├── UnknownRecordError     no record of that kind and id to edit (404)
    │   ├── RecordExistsError      a record to create has an id already taken (409)
    │   ├── StaleRecordError       an edit names a version of a record that is not current (412)
    │   └── UnknownFormatError     no output format by that name; lists the valid ones
    ├── QueryError                 a SPARQL query failed to parse or run (exit 2)
    │   └── QueryRefusedError      the guard refused it before the engine saw it: SERVICE/LOAD
    │                              not allowed (HTTP 403), nesting or size past the limits (400)
    ├── StoreError                 the store cannot be opened or reached (exit 2)
    │   └── StoreTimeoutError      a remote store did not answer in time
    └── OutputError                an output file or stream cannot be written (exit 2)

Findings (a QC check that returns rows) are not errors: commands report them and exit 1.
The HTTP service maps the same tree to status codes in its own single table.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class AimsgraphError(Exception):
    """Base class of every error aimsgraph raises on purpose."""

    exit_code = EXIT_ERROR


class InputError(AimsgraphError):
    """A file, row or value supplied by the user is wrong; says where and what."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.reason}" if where else self.reason


class RDFSyntaxError(InputError):
    """An RDF file does not parse. Nothing from the load it was part of was kept."""


class EditRejected(InputError):
    """An edit of the organization's data was refused; nothing changed. ``errors`` lists each
    problem as ``{"field", "message", "severity"}``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("edit refused, nothing changed: " + "; ".join(
            f"{e['field']}: {e['message']}" for e in errors))


class UsageError(AimsgraphError):
    """The caller named something that does not exist or combined options wrongly."""


class NoOrganizationError(UsageError):
    """An answer about an organization's data was asked for, and no organization is loaded:
    answering "0 violations" or "nothing implemented" would be false assurance."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"no organization loaded: {action} needs an organization's data "
                         "(a folder with organization.csv, given with --data DIR)")


class UnknownNameError(UsageError):
    """A name is not among the valid ones; the message lists them."""

    kind = "name"

    def __init__(self, name: str, valid: list[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown {self.kind} {name!r}; valid: {', '.join(self.valid)}")


class UnknownQueryError(UnknownNameError):
    kind = "query"


class UnknownFormatError(UnknownNameError):
    kind = "format"


class UnknownRecordError(UsageError):
    """No record of the kind and id an edit names."""


class RecordExistsError(UsageError):
    """A record to create has an id that is already taken."""


class StaleRecordError(UsageError):
    """The edit was made against a version of the record that is no longer current."""

    def __init__(self, message: str, current: str) -> None:
        self.current = current  #: the record's current version (its ETag)
        super().__init__(message)


class QueryError(AimsgraphError):
    """A SPARQL query does not parse or fails while running."""


class QueryRefusedError(QueryError):
    """Client SPARQL the guard (:mod:`aimsgraph.sparqlguard`) refused before the engine parsed
    it. ``reason`` says why: ``remote`` (SERVICE or LOAD of an address not allowed),
    ``too-deep`` (nesting past the limit) or ``too-large`` (tokens or operators past it)."""

    def __init__(self, message: str, *, reason: str, file: str | Path | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.reason, self.detail = reason, message
        self.file = str(file) if file is not None else None
        self.line, self.column = line, column
        where = self.file or ""
        if line is not None:
            where = f"{where}:{line}:{column}" if where else f"line {line}, column {column}"
        super().__init__(f"{where}: {message}" if where else message)


class StoreError(AimsgraphError):
    """The store cannot be opened (a folder in use) or a remote store failed or is unreachable."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        self.location = location  #: the store's address, when it is a remote store
        super().__init__(message)


class StoreTimeoutError(StoreError):
    """A remote store did not answer within the time allowed (it is hung or overloaded)."""


class OutputError(AimsgraphError):
    """An output cannot be written: a missing folder, no permission, a full disk. Nothing
    partial is left behind."""
