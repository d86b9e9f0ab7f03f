"""Looking at SPARQL text without parsing it: where strings and comments are, so that a keyword
inside them is not taken for one."""

from __future__ import annotations

#: string literals (all four quotings) and comments; IRIs are left to the caller
STRINGS_AND_COMMENTS = (r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:\\.|[^"\\\n])*"'
                        r"|'(?:\\.|[^'\\\n])*'|#[^\n]*")
