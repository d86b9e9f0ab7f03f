"""SPARQL text as tokens: the SPARQL 1.1 grammar's terminals, read the way the grammar reads them.

Each token knows its kind and where it starts; whitespace and comments are skipped (a ``#`` is a
comment only where a token could start, never inside an IRI or a string). Text that fits no
terminal (an unterminated string or IRI) becomes single-character ``other`` tokens, so reading
never fails and never skips what follows: the engine reports the syntax error.

    >>> [t.text for t in tokens("SELECT ?s WHERE { ?s <http://ex.org/a#b> 'it''s' }")]
    ['SELECT', '?s', 'WHERE', '{', '?s', '<http://ex.org/a#b>', "'it'", "'s'", '}']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
         "\U00010000-\U000effff")
_U = _BASE + "_"
_EXTRA = "\u00b7\u0300-\u036f\u203f-\u2040"
_CHARS = _U + r"\-0-9" + _EXTRA
_PLX = rf"%{_HEX}{{2}}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_ECHAR = r"""\\[tbnrf\\"']"""

#: the terminals, in the order they are tried (the first that matches wins, so longer forms
#: come first: a long string before a short one, a prefixed name before a keyword)
TERMINALS: tuple[tuple[str, str], ...] = (
    ("space", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("iri", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"),
    ("string", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"),
    ("string", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'),
    ("string", rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"),
    ("string", rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"'),
    ("var", rf"[?$][{_U}0-9][{_U}0-9{_EXTRA}]*"),
    ("bnode", rf"_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+"
               r"|[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)"),
    ("pname", rf"(?:{_PREFIX})?:(?:{_LOCAL})?"),
    ("word", r"[A-Za-z][A-Za-z0-9_]*"),
    ("punct", r"\^\^|\|\||&&|!=|<=|>=|[{}()\[\];,.=<>!+\-*/|^?]"),
)
_MASTER = re.compile("|".join(f"(?P<{kind}{i}>{pattern})"
                              for i, (kind, pattern) in enumerate(TERMINALS)))
_KIND = {f"{kind}{i}": kind for i, (kind, _) in enumerate(TERMINALS)}
_SKIPPED = {"space", "comment"}
_UCHARS = re.compile(_UCHAR)
_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Token:
    kind: str  # iri pname bnode var string number langtag word punct other
    text: str
    start: int  # offset in the text read

    @property
    def keyword(self) -> str:
        """The text in upper case for a word (keywords are case-insensitive), else ''."""
        return self.text.upper() if self.kind == "word" else ""

    def iri(self) -> str:
        """An IRI token's IRI, with its ``\\u`` escapes decoded."""
        return decode_escapes(self.text[1:-1])

    def pname(self) -> tuple[str, str]:
        """A prefixed name's prefix and local part, the local part's ``\\`` escapes removed
        (``%xx`` stays as written, as the grammar says)."""
        prefix, _, local = self.text.partition(":")
        return prefix, _LOCAL_ESCAPE.sub(r"\1", local)


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text``, whitespace and comments left out."""
    pos, end = 0, len(text)
    while pos < end:
        match = _MASTER.match(text, pos)
        if match is None:
            yield Token("other", text[pos], pos)
            pos += 1
            continue
        kind = _KIND[match.lastgroup or ""]
        if kind not in _SKIPPED:
            yield Token(kind, match.group(), pos)
        pos = match.end()


def has_escapes(text: str) -> bool:
    return _UCHARS.search(text) is not None


def decode_escapes(text: str) -> str:
    """``\\uXXXX`` and ``\\UXXXXXXXX`` replaced by the characters they name (one pass, as the
    SPARQL 1.1 spec applies to a whole query before parsing); an escape naming no character
    (a surrogate, past U+10FFFF) is kept as written."""
    def char(match: re.Match[str]) -> str:
        code = int(match.group()[2:], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group()
        return chr(code)

    return _UCHARS.sub(char, text)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
