"""The guard on client SPARQL: what a query or update may ask before the engine parses it.

Every query and update a client sends (the ``/sparql`` endpoint, the web view's SPARQL page,
``aimsgraph query FILE``) passes :func:`guard` first. It reads the text as SPARQL tokens
(:mod:`.sparqltext`), never as a pattern over raw text, and refuses with
:class:`~aimsgraph.errors.QueryRefusedError`:

- ``remote``: ``SERVICE`` (federation) or ``LOAD`` (update) of an address the allow-list does not
  name exactly. The target is resolved as the engine resolves it: prefixed names expanded with the
  query's ``PREFIX`` declarations (and the store's default prefixes), relative IRIs against
  ``BASE``. A variable target (``SERVICE ?x``) is always refused; ``SILENT`` changes nothing.
- ``too-deep``: ``{``, ``(`` and ``[`` nested more than :data:`MAX_DEPTH` deep. The engine's
  parser recurses once per level and dies of a stack overflow (SIGSEGV, the whole process) at
  about 830 levels (``FILTER EXISTS { ... }`` nested), 2,200 (``{``) or 4,700 (``(``).
- ``too-large``: more than :data:`MAX_OPERATORS` operators (``||`` ``&&`` ``!`` comparisons,
  arithmetic, signs, path ``/`` ``|`` ``^``, ``UNION`` ``MINUS`` ``OPTIONAL`` ``FILTER``
  ``BIND``), or more than :data:`MAX_TOKENS` tokens, or :data:`MAX_CHARS` characters. A flat
  chain also becomes a deep tree in the engine: it dies at about 6,500 ``UNION`` branches or
  ``+`` terms, 9,300 ``||`` or ``FILTER``\\ s.

Where the text could be read two ways, the guard takes the stricter:

- ``\\uXXXX`` escapes: the SPARQL 1.1 spec decodes them in the whole text before parsing (so
  ``\\u0053ERVICE`` is ``SERVICE``); Oxigraph decodes them only inside IRIs and strings. Both
  readings are checked.
- Oxigraph matches a keyword without looking at what follows, so ``SERVICEex:x{...}``,
  ``trueSERVICE<...>{...}`` and ``LOAD<...>`` are SERVICE and LOAD to it: a word or the prefix of
  a prefixed name that contains SERVICE (or, in an update, LOAD) is checked as if the keyword
  stood alone, whenever what follows fits.
- ``?a<?b&&?c>?d`` is an IRI to the grammar's tokens but two comparisons to the engine: an IRI
  right after an operand is counted both ways for depth and size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin

from .errors import QueryRefusedError
from .sparqltext import Token, decode_escapes, has_escapes, line_column, tokens

MAX_DEPTH = 64
MAX_OPERATORS = 2_000
MAX_TOKENS = 20_000
MAX_CHARS = 1_000_000

_OPERATOR_PUNCT = {"||", "&&", "!", "!=", "=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|",
                   "^"}
_OPERATOR_WORDS = {"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND"}
_OPENING, _CLOSING = {"{", "(", "["}, {"}", ")", "]"}
#: tokens after which ``<`` may be a comparison, not the start of an IRI
_OPERAND_KINDS = {"var", "number", "string", "iri", "pname", "bnode", "langtag"}
_OPERAND_WORDS = {"TRUE", "FALSE"}


def guard(text: str, allowlist: Iterable[str] = (), *, update: bool = False,
          prefixes: Mapping[str, str] | None = None, source: str | None = None) -> list[Token]:
    """Refuse ``text`` (a query, or an update with ``update=True``) if it reaches outside or
    is too deep or too large; see the module's documentation. ``prefixes`` are the defaults
    the store adds (a query's own PREFIX overrides them); ``source`` names the file in errors.
    Returns the text's tokens (as written, before any ``\\u`` escape is read)."""
    if len(text) > MAX_CHARS:
        raise QueryRefusedError(f"the text has {len(text)} characters, more than the "
                                f"{MAX_CHARS} allowed", reason="too-large", file=source)
    allowed = frozenset(allowlist)
    readings = [(text, "")]
    if has_escapes(text):
        readings.append((decode_escapes(text), " (reading its \\u escapes as SPARQL 1.1 "
                                               "does, before parsing)"))
    read: list[list[Token]] = []
    for reading, how in readings:
        try:
            read.append(_check(reading, allowed, update, prefixes or {}))
        except _Refusal as refusal:
            line, column = line_column(reading, refusal.offset)
            raise QueryRefusedError(refusal.message + how, reason=refusal.reason, file=source,
                                    line=line, column=column) from None
    return read[0]


class _Refusal(Exception):
    def __init__(self, reason: str, message: str, offset: int) -> None:
        super().__init__(message)
        self.reason, self.message, self.offset = reason, message, offset


def _check(text: str, allowed: frozenset[str], update: bool,
           defaults: Mapping[str, str]) -> list[Token]:
    toks, depths = _measured(text)
    context = _Prologue.of(toks, defaults)
    for index, token in enumerate(toks):
        for keyword, follow in _readings(toks, depths, index, update):
            target = _target(follow)
            if target is None:  # the keyword itself, with no target after it
                raise _Refusal("remote", f"{keyword} is not allowed: it has no target IRI "
                               "this endpoint could check", token.start)
            _judge(keyword, target, context, allowed, token)
    return toks


def _measured(text: str) -> tuple[list[Token], list[int]]:
    """The tokens and the depth each stands at, once their count, nesting and operators are
    within the limits."""
    toks: list[Token] = []
    depths: list[int] = []
    open_: list[str] = []  # the brackets open around the current token
    phantom = deepest = operators = count = 0  # phantom: '(' the engine may see in an IRI
    for token in tokens(text):
        previous = toks[-1] if toks else None
        depths.append(len(open_))
        toks.append(token)
        count += 1
        if token.kind == "iri" and open_ and open_[-1] == "(" and previous is not None \
                and _is_operand(previous):
            # in an expression, '?a<?b&&?c>?d' is two comparisons to the engine: count both ways
            inner = list(tokens(token.text[1:-1]))
            count += len(inner)
            operators += 2 + sum(_is_operator(t) for t in inner)
            peak = net = 0
            for t in inner:
                net += (t.text in _OPENING) - (t.text in _CLOSING)
                peak = max(peak, net)
            deepest = max(deepest, len(open_) + phantom + peak)
            phantom += max(0, net)
        elif token.kind == "punct" and token.text in _OPENING:
            open_.append(token.text)
            deepest = max(deepest, len(open_) + phantom)
        elif token.kind == "punct" and token.text in _CLOSING:
            if open_:
                open_.pop()
        elif _is_operator(token):
            operators += 1
        if deepest > MAX_DEPTH:
            raise _Refusal("too-deep", f"the query nests {{ ( [ more than {MAX_DEPTH} deep; "
                           "flatten it", token.start)
        if operators > MAX_OPERATORS:
            raise _Refusal("too-large", f"the query has more than {MAX_OPERATORS} operators "
                           "(||, &&, comparisons, arithmetic, UNION, FILTER ...); split it",
                           token.start)
        if count > MAX_TOKENS:
            raise _Refusal("too-large", f"the query has more than {MAX_TOKENS} tokens; "
                           "split it", token.start)
    return toks, depths


def _is_operand(token: Token) -> bool:
    return token.kind in _OPERAND_KINDS or token.text in (")", "]") \
        or token.keyword in _OPERAND_WORDS


def _is_operator(token: Token) -> bool:
    if token.kind == "punct":
        return token.text in _OPERATOR_PUNCT
    if token.kind == "number":
        return token.text[0] in "+-"  # '1 -1' is a subtraction to the grammar
    return token.keyword in _OPERATOR_WORDS


# -- SERVICE and LOAD --------------------------------------------------------------------------


def _readings(toks: Sequence[Token], depths: Sequence[int], index: int,  # type: ignore[no-untyped-def]
              update: bool):
    """(keyword, the tokens after it) for each way token ``index`` may be SERVICE or LOAD.

    The exact keyword always counts, whatever follows. A keyword
    glued to other text (``SERVICEex:x``, ``trueSERVICE``) counts when what follows fits:
    SERVICE needs a target and then ``{``; LOAD needs a target and is an update operation."""
    token = toks[index]
    if token.kind == "word":
        name = token.text
    elif token.kind == "pname":
        name = token.text.partition(":")[0]
    else:
        return
    upper = name.upper()
    if "SERVICE" not in upper and "LOAD" not in upper:
        return
    after = list(toks[index + 1:index + 6])
    if upper in ("SERVICE", "LOAD") and token.kind == "word":
        yield upper, _skip_silent(after)
        return
    for keyword in ("SERVICE", "LOAD"):
        if keyword == "LOAD" and not (update and _operation_start(toks, depths, index)):
            continue
        at = upper.find(keyword)
        while at >= 0:
            rest = token.text[at + len(keyword):]
            follow = _skip_silent(list(tokens(rest)) + after)
            target = _target(follow)
            if target is not None and (keyword == "LOAD" or _opens_group(follow)):
                yield keyword, follow
            at = upper.find(keyword, at + 1)


def _skip_silent(follow: list[Token]) -> list[Token]:
    """What follows an optional SILENT (also glued: ``SILENTex:x``, ``SILENT<...>``)."""
    if follow and follow[0].kind in ("word", "pname") and follow[0].text.upper().startswith(
            "SILENT"):
        rest = follow[0].text[len("SILENT"):]
        return list(tokens(rest)) + follow[1:]
    return follow


def _target(follow: list[Token] | None) -> Token | None:
    if follow and follow[0].kind in ("iri", "pname", "var"):
        return follow[0]
    return None


def _opens_group(follow: list[Token]) -> bool:
    return len(follow) > 1 and follow[1].text == "{"


def _operation_start(toks: Sequence[Token], depths: Sequence[int], index: int) -> bool:
    """Token ``index`` may begin an update operation: at depth 0, first, after ';' or after the
    prologue's last IRI."""
    previous = toks[index - 1] if index else None
    return depths[index] == 0 and (previous is None or previous.text == ";"
                                   or previous.kind == "iri")


def _judge(keyword: str, target: Token, context: _Prologue, allowed: frozenset[str],
           at: Token) -> None:
    written = target.text
    if target.kind == "var":
        raise _Refusal("remote", f"{keyword} {written} is not allowed: a variable target could "
                       "name any address", at.start)
    candidates = context.resolve(target)
    if not candidates:
        raise _Refusal("remote", f"{keyword} {written} is not allowed: its address cannot be "
                       "resolved (an undeclared prefix or a relative IRI without BASE)", at.start)
    refused = sorted(candidates - allowed)
    if refused:
        shown = written if refused == [written.strip("<>")] else f"{written} ({refused[0]})"
        raise _Refusal("remote", f"{keyword} {shown} is not allowed: aimsgraph does not "
                       "fetch remote data unless its allow-list (--allow-service) names the "
                       "address",
                       at.start)


@dataclass
class _Prologue:
    """Every BASE and PREFIX the text may declare, each resolved every way it may be: a target
    is allowed only if all its possible addresses are."""

    bases: set[str] = field(default_factory=set)
    namespaces: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, toks: Sequence[Token], defaults: Mapping[str, str]) -> _Prologue:
        prologue = cls()
        for prefix, namespace in defaults.items():
            prologue.namespaces.setdefault(prefix, set()).add(namespace)
        for index, token in enumerate(toks):
            if token.kind not in ("word", "pname") \
                    or not token.text[:6].upper().startswith(("BASE", "PREFIX")):
                continue
            following = toks[index + 1:index + 3]
            if token.keyword == "BASE" and following and following[0].kind == "iri":
                prologue.bases |= prologue.absolute(following[0].iri())
            elif token.keyword == "PREFIX" and len(following) == 2 \
                    and following[0].kind == "pname" and following[1].kind == "iri":
                prologue.declare(following[0].text[:-1], following[1].iri())
            elif token.kind == "pname" and token.text.upper().startswith("PREFIX") \
                    and token.text.endswith(":") and following and following[0].kind == "iri":
                prologue.declare(token.text[len("PREFIX"):-1], following[0].iri())  # glued
        return prologue

    def declare(self, prefix: str, iri: str) -> None:
        self.namespaces.setdefault(prefix, set()).update(self.absolute(iri))

    def absolute(self, iri: str) -> set[str]:
        """``iri`` resolved against every base it may have (none if relative without one)."""
        if _is_absolute(iri):
            return {iri}
        resolved = set()
        for base in self.bases:
            resolved.add(urljoin(base, iri))
            engine = _engine_resolution(base, iri)
            if engine is not None:
                resolved.add(engine)
        return resolved

    def resolve(self, target: Token) -> set[str]:
        if target.kind == "iri":
            return self.absolute(target.iri())
        prefix, local = target.pname()
        return {namespace + local for namespace in self.namespaces.get(prefix, set())}


def _is_absolute(iri: str) -> bool:
    scheme, colon, _ = iri.partition(":")
    return bool(colon and scheme and scheme[0].isascii() and scheme[0].isalpha()
                and all(c.isascii() and (c.isalnum() or c in "+-.") for c in scheme))


def _engine_resolution(base: str, iri: str) -> str | None:
    """How Oxigraph resolves ``iri`` against ``base`` (it may differ from urljoin on odd
    input); None if it refuses."""
    import pyoxigraph as ox

    try:
        triple = next(iter(ox.parse(f"<{iri}> <urn:p> <urn:o> .", format=ox.RdfFormat.TURTLE,
                                    base_iri=base)))
    except (SyntaxError, ValueError, StopIteration):
        return None
    return triple.subject.value
