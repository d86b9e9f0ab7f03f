"""The public Python API: load an organization, then ask what the CLI and the service ask.

Each function takes the store :func:`open_store` returns and keyword options; paths may be
``str`` or :class:`pathlib.Path`; dates are :class:`datetime.date` (default: today). The
examples run as tests (``tests/test_library.py``), with ``store`` holding the sample
organization as loaded in :func:`aimsgraph.open_store`'s example, and ``AS_OF`` a fixed date.

    >>> from aimsgraph import classify, coverage, export, gaps, impact, validate

The view of the law: ``as_amended_by`` names change sets to rely on beyond those in force
(shipped ids such as ``"eu-ai-act-digital-omnibus-2025"`` or YAML paths), ``as_enacted=True``
applies none; the answers say which they assumed (``law.assumptions()`` in the service).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from .changes import ChangeSet, load_change_set, what_if
from .classification import Classification
from .classification import classify as _classify
from .coverage import CoverageRow, PathRule, resolve_roles
from .coverage import coverage as _coverage
from .errors import UnknownFormatError, UsageError
from .exchange import MAPPING_FORMATS, export_mappings
from .formats import RDF_FORMATS, rdf_format
from .impact import ImpactReport, impact_report
from .law import LawChoice, LawView, change_set_files, law_view
from .reports import GapReport, gap_report
from .store import GraphStore
from .validation import Finding
from .validation import validate as _validate

#: the formats :func:`export` writes: RDF serializations of the whole graph, and the crosswalks
EXPORT_FORMATS = tuple(f.name for f in RDF_FORMATS) + MAPPING_FORMATS


def view_of_the_law(store: GraphStore, *, as_of: date | None = None,
                    as_amended_by: Iterable[str | Path] = (),
                    as_enacted: bool = False) -> LawView:
    """The law as it stands on ``as_of``, or as amended by / as enacted.

    >>> view_of_the_law(store, as_of=AS_OF).as_of
    datetime.date(2026, 12, 1)
    """
    choice = LawChoice([str(c) for c in as_amended_by], as_enacted)
    return law_view(store, as_of, choice)


def classify(store: GraphStore, *, as_of: date | None = None,
             as_amended_by: Iterable[str | Path] = (),
             as_enacted: bool = False) -> list[Classification]:
    """Every AI system with its EU AI Act class, the reasons, and its obligations.

    >>> systems = {c.system.name: c for c in classify(store, as_of=AS_OF)}
    >>> systems["Credit scoring model"].classes
    ['high-risk']
    >>> print(systems["Credit scoring model"].reasons[0])
    Article 6(2), Annex III(5)(b): Annex III(5)(b) use case
    """
    law = view_of_the_law(store, as_of=as_of, as_amended_by=as_amended_by,
                          as_enacted=as_enacted)
    return _classify(store, law.as_of, law=law)


def validate(store: GraphStore, *, as_of: date | None = None,
             as_amended_by: Iterable[str | Path] = (),
             as_enacted: bool = False) -> list[Finding]:
    """The SHACL findings (violations first), each naming the file and row to fix.

    >>> findings = validate(store, as_of=AS_OF)
    >>> sum(f.severity == "Violation" for f in findings)
    10
    >>> print(findings[0])
    ai_systems.csv:2 - as its deployer the organization must carry out a fundamental ...
    """
    law = view_of_the_law(store, as_of=as_of, as_amended_by=as_amended_by,
                          as_enacted=as_enacted)
    return _validate(store, as_of=law.as_of, law=law)


def coverage(store: GraphStore, have: str | Sequence[str], want: str, *,
             max_hops: int = 2, min_confidence: Decimal | float | str = Decimal("0.6"),
             roles: str | Sequence[str] | None = None) -> list[CoverageRow]:
    """How the provisions of ``want`` are covered by the frameworks you ``have``, through the
    crosswalks, with the path behind each answer (README, "Coverage: what counts").

    ``have`` and ``roles`` take one name or several (``"iso42001"`` or ``["iso42001",
    "iso27001"]``; ``"deployer"``); ``roles`` counts only provisions requiring something of
    them.

    >>> rows = coverage(store, "iso42001", "aiact", roles="deployer")
    >>> article_4 = next(r for r in rows if r.target.notation == "Article 4")
    >>> article_4.level, str(article_4.confidence)
    ('partial', '0.75')
    """
    have = [have] if isinstance(have, str) else list(have)
    role_list = [roles] if isinstance(roles, str) else roles
    rule = PathRule(max_hops, Decimal(str(min_confidence)))
    return _coverage(store, have, want, rule=rule,
                     roles=resolve_roles(role_list) if role_list else None)


def impact(store: GraphStore, change: str | Path, *, as_of: date | None = None,
           as_amended_by: Iterable[str | Path] = (),
           as_enacted: bool = False) -> ImpactReport:
    """What a change reaches in the organization: each item once, with all its reasons, and
    the owners to notify. ``change`` is a shipped change set id (``aimsgraph changes``), the
    path of a change set YAML file, or one provision: ``"FRAMEWORK:NUMBER"``.

    >>> report = impact(store, "eu-ai-act-digital-omnibus-2025", as_of=AS_OF)
    >>> report.summary()["items"] > 0, report.organization
    (True, True)
    >>> impact(store, "aiact:Article 10(2)", as_of=AS_OF).change_set.id
    'what-if'
    """
    law = view_of_the_law(store, as_of=as_of, as_amended_by=as_amended_by,
                          as_enacted=as_enacted)
    return impact_report(store, _change_set(store, change), law.as_of, law)


def _change_set(store: GraphStore, change: str | Path) -> ChangeSet:
    shipped = change_set_files()
    if isinstance(change, str) and change in shipped:
        return load_change_set(shipped[change], store)
    path = Path(change)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise UsageError(f"{path}: no such change set file")
        return load_change_set(path, store)
    if isinstance(change, str) and ":" in change:
        return what_if(store, change)
    raise UsageError(f"{change!r} is neither a shipped change set ({', '.join(shipped)}), a "
                     "change set file (.yaml) nor a provision (FRAMEWORK:NUMBER)")


def gaps(store: GraphStore, *, top: int = 10, as_of: date | None = None,
         as_amended_by: Iterable[str | Path] = (), as_enacted: bool = False) -> GapReport:
    """What the organization lacks: findings per AI system, uncovered provisions per framework,
    and the controls that would close the most gaps (``aimsgraph gaps``).

    >>> report = gaps(store, as_of=AS_OF, top=3)
    >>> sorted(report.by_system)[:2]
    ['CV screening and ranking', 'Credit scoring model']
    >>> len(report.cheapest) <= 3
    True
    """
    law = view_of_the_law(store, as_of=as_of, as_amended_by=as_amended_by,
                          as_enacted=as_enacted)
    return gap_report(store, _validate(store, as_of=law.as_of, law=law), top=top,
                      as_of=law.as_of, law=law)


def export(store: GraphStore, fmt: str = "turtle", output: str | Path | None = None
           ) -> bytes | None:
    """The graph in an RDF format (``turtle``, ``trig``, ``nquads``, ``ntriples``,
    ``jsonld``, ``rdfxml``) or the crosswalks (``sssom``, ``oscal-mapping``): the bytes, or
    written to ``output`` (all or nothing: through a temporary file) and ``None``.

    >>> sssom = export(store, "sssom")
    >>> sssom.decode().splitlines()[-1].count("\\t") >= 10
    True
    >>> export(store, "xlsx")
    Traceback (most recent call last):
    ...
    aimsgraph.errors.UnknownFormatError: unknown format 'xlsx'; ...
    """
    if fmt in MAPPING_FORMATS:
        data = export_mappings(store, fmt)
        write = (lambda out: out.write(data))  # noqa: E731
    else:
        try:
            rdf = rdf_format(fmt)
        except UnknownFormatError:
            raise UnknownFormatError(fmt, list(EXPORT_FORMATS)) from None
        data = None
        write = (lambda out: store.dump(out, rdf))  # noqa: E731
    if output is None:
        if data is not None:
            return data
        buffer = io.BytesIO()
        write(buffer)
        return buffer.getvalue()
    from .cli.common import atomic_write  # the one all-or-nothing writer (OutputError)

    atomic_write(Path(output), write)
    return None


# ``plan(store, ...)``: the remediation plan is being written on another branch; it belongs
# here, beside ``gaps``, with the same keyword options (as_of, as_amended_by, as_enacted).

__all__ = [
    "EXPORT_FORMATS",
    "classify",
    "coverage",
    "export",
    "gaps",
    "impact",
    "validate",
    "view_of_the_law",
]
