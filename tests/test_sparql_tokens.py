"""The one SPARQL lexer: comments, strings and IRIs never pass for syntax."""

from __future__ import annotations

from netkg.sparql_tokens import undeclared_prefixes, without_comments


def test_comments_go_and_hashes_in_iris_and_strings_stay() -> None:
    query = "SELECT ?s # uses ?_x\n{ ?s <http://e/#a> \"# not a comment\", '#' } # end"
    assert without_comments(query) == "SELECT ?s \n{ ?s <http://e/#a> \"# not a comment\", '#' } "


def test_lines_keep_their_numbers() -> None:
    query = "# one\n# two\nSELECT * { ?s ?p ?o }"
    assert without_comments(query).splitlines()[2] == "SELECT * { ?s ?p ?o }"


def test_undeclared_prefixes_are_those_used_in_names_only() -> None:
    query = """PREFIX ex: <http://e/>
    SELECT * { ?s ex:p zz:o ; <http://e/yy:z> "aa:b" . _:b ex:q ?o } # cc:d"""
    assert undeclared_prefixes(query) == ["zz"]
    assert undeclared_prefixes("prefix : <http://e/> ASK { :a :b :c }") == []
    assert undeclared_prefixes("ASK { :a ?p ?o }") == [""]
