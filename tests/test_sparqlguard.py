"""The SPARQL tokenizer (sparqltext) and the guard on client SPARQL (sparqlguard)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimsgraph.engines import _bind_parameters, _where_group
from aimsgraph.errors import EXIT_ERROR, QueryError, QueryRefusedError
from aimsgraph.namespaces import PREFIXES
from aimsgraph.sparqlguard import MAX_DEPTH, MAX_OPERATORS, MAX_TOKENS, guard
from aimsgraph.sparqltext import decode_escapes, tokens

from .conftest import ROOT

ALLOWED = "http://allowed.example/sparql"


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokens(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("<http://e.org/a#b> <http://e.org/it's>",
     [("iri", "<http://e.org/a#b>"), ("iri", "<http://e.org/it's>")]),
    ("ex:a\\#b ex:%41 :x ex:", [("pname", "ex:a\\#b"), ("pname", "ex:%41"), ("pname", ":x"),
                               ("pname", "ex:")]),
    ("_:b1 ?service $load @en-GB", [("bnode", "_:b1"), ("var", "?service"), ("var", "$load"),
                                    ("langtag", "@en-GB")]),
    ("'a\\'b' \"c\\\"d\" '''e''f''' \"\"\"g\n\"h\"\"\"",
     [("string", "'a\\'b'"), ("string", '"c\\"d"'), ("string", "'''e''f'''"),
      ("string", '"""g\n"h"""')]),
    ("1 -2 +3.5 4e10 .5", [("number", "1"), ("number", "-2"), ("number", "+3.5"),
                           ("number", "4e10"), ("number", ".5")]),
    ("SELECT # SERVICE <x> {\n?s", [("word", "SELECT"), ("var", "?s")]),
    ("^^ || && != <= >= {", [("punct", "^^"), ("punct", "||"), ("punct", "&&"), ("punct", "!="),
                             ("punct", "<="), ("punct", ">="), ("punct", "{")]),
    ("'unterminated", [("other", "'"), ("word", "unterminated")]),
    ("<unterminated", [("punct", "<"), ("word", "unterminated")]),
])
def test_tokens_follow_the_grammar_terminals(text, expected) -> None:
    assert kinds(text) == expected


def test_token_values() -> None:
    iri, pname = list(tokens("<http://e.org/\\u0073x> ex:a\\-b%41"))
    assert iri.iri() == "http://e.org/sx"
    assert pname.pname() == ("ex", "a-b%41")
    assert decode_escapes("\\u0053ERVICE \\U0001F600 \\uD800") == "SERVICE \U0001F600 \\uD800"


def test_reading_never_fails_on_any_byte() -> None:
    text = "".join(chr(c) for c in range(0, 0x3000, 7)) + "\"'<#\\u12"
    assert "".join(t.text for t in tokens(text))  # no exception, every char read or skipped
    guard(text)  # nothing hostile in it: passes, the engine reports the syntax error


@pytest.mark.parametrize("query", [
    f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICE SILENT <{ALLOWED}> {{ ?s ?p ?o }} }}",
    "PREFIX a: <http://allowed.example/> SELECT * WHERE { SERVICE a:sparql { ?s ?p ?o } }",
    "BASE <http://allowed.example/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "BASE <http://allowed.example/x/y> SELECT * WHERE { SERVICE <../sparql> { ?s ?p ?o } }",
    "BASE <http://allowed.example/x/> PREFIX a: <../> SELECT * WHERE { SERVICE a:sparql {} }",
])
def test_allow_listed_targets_pass_after_resolution(query) -> None:
    guard(query, [ALLOWED])


@pytest.mark.parametrize(("query", "shown"), [
    ("BASE <http://allowed.example/x/> SELECT * WHERE { SERVICE <sparql> { } }",
     "http://allowed.example/x/sparql"),
    ("PREFIX a: <http://allowed.example/> SELECT * WHERE { SERVICE a:sparql\\/x { } }",
     "http://allowed.example/sparql/x"),
    ("PREFIX a: <http://allowed.example/> PREFIXa:<http://evil.example/> "
     "SELECT * WHERE { SERVICE a:sparql { } }", "http://evil.example/sparql"),
    ("SELECT * WHERE { SERVICE <sparql> { } }", "cannot be resolved"),
    ("SELECT * WHERE { SERVICE nope:sparql { } }", "cannot be resolved"),
    (f"SELECT * WHERE {{ SERVICE ?x {{ }} VALUES ?x {{ <{ALLOWED}> }} }}", "variable"),
    ("SELECT * WHERE { SERVICE }", "no target"),
    (f"SELECT * WHERE {{ SERVICE <{ALLOWED}/> {{ }} }}", ALLOWED + "/"),
])
def test_targets_not_exactly_allowed_are_refused(query, shown) -> None:
    with pytest.raises(QueryRefusedError) as refused:
        guard(query, [ALLOWED])
    assert refused.value.reason == "remote" and shown in str(refused.value)


def test_the_store_default_prefixes_count_and_a_query_prefix_does_too() -> None:
    query = "SELECT * WHERE { SERVICE aims:x { } }"
    with pytest.raises(QueryRefusedError, match="cannot be resolved"):
        guard(query, [PREFIXES["aims"] + "x"])
    guard(query, [PREFIXES["aims"] + "x"], prefixes=PREFIXES)
    # redeclared in the query: both the default and the query's reading must be allowed
    redeclared = f"PREFIX aims: <{ALLOWED}#> " + query
    with pytest.raises(QueryRefusedError):
        guard(redeclared, [ALLOWED + "#x"], prefixes=PREFIXES)


def test_escaped_keyword_is_refused_in_the_spec_reading() -> None:
    with pytest.raises(QueryRefusedError, match=r"reading its \\u escapes"):
        guard("SELECT * WHERE { \\u0053ERVICE <http://x.example/> { } }")


def test_load_only_in_update_positions_of_glued_forms() -> None:
    update = "PREFIX loader: <http://e.example/> INSERT DATA { loader:a loader:b loader:c }"
    guard(update, update=True)
    for hostile in ("LOAD <http://x.example/>", "PREFIX l: <http://x.example/> LOADl:a",
                    "CLEAR ALL ;LOADSILENT<http://x.example/> INTO GRAPH <http://g.example/>"):
        with pytest.raises(QueryRefusedError, match="LOAD"):
            guard(hostile, update=True)


def test_depth_limit_and_the_message_names_line_and_column() -> None:
    guard("SELECT * WHERE " + "{" * MAX_DEPTH + "}" * MAX_DEPTH)
    text = "SELECT * WHERE\n" + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1)
    with pytest.raises(QueryRefusedError) as refused:
        guard(text, source="deep.rq")
    error = refused.value
    assert error.reason == "too-deep" and error.exit_code == EXIT_ERROR
    assert isinstance(error, QueryError)
    assert str(error).startswith(f"deep.rq:2:{MAX_DEPTH + 1}: ")


def test_mixed_brackets_count_together() -> None:
    half = MAX_DEPTH // 2 + 1
    text = "SELECT * WHERE " + "{ " * half + "FILTER(" + "(" * half + "1" + ")" * half + ")" \
        + " }" * half
    with pytest.raises(QueryRefusedError, match="deep"):
        guard(text)


def test_operator_and_token_limits() -> None:
    # FILTER counts, and the n-1 ||: exactly at the limit
    guard("SELECT ?o WHERE { FILTER(" + " || ".join(["?o"] * MAX_OPERATORS) + ") }")
    with pytest.raises(QueryRefusedError, match="operators"):
        guard("SELECT * WHERE { FILTER(" + " || ".join(["?o"] * (MAX_OPERATORS + 2)) + ") }")
    with pytest.raises(QueryRefusedError, match="tokens"):
        guard("SELECT * WHERE { VALUES ?x { " + "1 " * MAX_TOKENS + "} }")


def test_an_iri_in_an_expression_is_also_counted_as_comparisons() -> None:
    # to the grammar '<(((...)))>' is one IRI; to the engine '?a < (((...))) > ?c'
    text = "SELECT * WHERE { FILTER(?a<" + "(" * 100 + "1" + ")" * 100 + ">?c) }"
    with pytest.raises(QueryRefusedError, match="deep"):
        guard(text)
    # outside an expression such IRIs are not double counted: a long VALUES list is fine
    guard("SELECT * WHERE { VALUES ?x { "
          + " ".join(f"<http://e.example/a/b/c/{i}>" for i in range(3000)) + " } }")


def test_shipped_queries_pass_the_guard() -> None:
    files = sorted((ROOT / "queries").rglob("*.rq"))
    assert files
    for path in files:
        guard(path.read_text(encoding="utf-8"), prefixes=PREFIXES, source=path)


def test_where_group_reads_tokens_not_text() -> None:
    """The remote store's parameter binding finds WHERE's brace: not one in a string, IRI or
    comment, nor a variable called ?where."""
    query = ("SELECT ?where # WHERE {\nWHERE { ?where <http://e.example/{x}> \"WHERE {\" }")
    at = _where_group(query)
    assert query[at - 1] == "{" and query[:at].endswith("\nWHERE {")
    bound = _bind_parameters("SELECT ?x WHERE { ?x ?p 'it''s' }", {"?x": "<http://e/x>"})
    assert bound.startswith("SELECT ?x WHERE { VALUES (?x) { (<http://e/x>) }")
    with pytest.raises(QueryError, match="no WHERE"):
        _where_group("ASK # {\n'{'")


def test_corpus_files_are_all_judged_by_the_guard() -> None:
    corpus = Path(__file__).parent / "sparql_corpus"
    for path in sorted((corpus / "hostile").iterdir()):
        text = path.read_text().replace("LISTENER_PORT", "9")
        with pytest.raises(QueryRefusedError) as refused:
            guard(text, [ALLOWED], update=path.suffix == ".ru", prefixes=PREFIXES)
        assert refused.value.reason == "remote", path.name
    for path in sorted((corpus / "harmless").iterdir()):
        guard(path.read_text(), update=path.suffix == ".ru", prefixes=PREFIXES)
