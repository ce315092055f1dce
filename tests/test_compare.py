"""evkg.compare: answers compared as SPARQL defines equality (typed values, multisets, ORDER BY keys only)."""

from rdflib import BNode, Literal, URIRef

from evkg.compare import compare_results, concat_columns, order_keys
from evkg.store import QueryResult

J = "https://w3id.org/evkg/resource/jurisdiction/"
INTEGER, DECIMAL = (URIRef("http://www.w3.org/2001/XMLSchema#" + t) for t in ("integer", "decimal"))
Q = """SELECT ?jurisdiction ?label (GROUP_CONCAT(DISTINCT ?b; separator="; ") AS ?basis) ?n
WHERE { ?p <x:j> ?jurisdiction } # ORDER BY in a comment is not a key
GROUP BY ?jurisdiction ?label ?n ORDER BY ?jurisdiction DESC(STR(?label))"""


def res(*rows, columns=("jurisdiction", "label", "basis", "n")):
    return QueryResult(list(columns), [list(r) for r in rows])


def row(code, label, basis="", n=1):
    return (URIRef(J + code), Literal(label, lang="en"), Literal(basis), Literal(str(n), datatype=INTEGER))


def test_order_keys_and_concat_columns_come_from_the_query_text():
    assert order_keys(Q) == [["jurisdiction"], ["label"]]
    assert concat_columns(Q) == {"basis": "; "}
    sub = "SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?c LIMIT 3 } } ORDER BY DESC(COUNT(?x)) ?a LIMIT 5"
    assert order_keys(sub) == [["*"], ["a"]]
    assert order_keys("SELECT * WHERE { ?s <http://x/#ORDER BY> ?o }") == []
    assert concat_columns('SELECT (GROUP_CONCAT(STR(?n); SEPARATOR=", ") AS ?refs) (GROUP_CONCAT(?x) AS ?xs) {}') == \
        {"refs": ", ", "xs": " "}


def test_numbers_compare_by_value_and_tags_case_insensitively():
    a = res((URIRef(J + "EU"), Literal("x", lang="en"), Literal(""), Literal("1.0", datatype=DECIMAL)))
    b = res((URIRef(J + "EU"), Literal("x", lang="EN"), Literal(""), Literal("1", datatype=INTEGER)))
    assert compare_results(a, b, Q).same
    c = res((URIRef(J + "EU"), Literal("x", lang="en"), Literal(""), Literal("1.5", datatype=DECIMAL)))
    diff = compare_results(a, c, Q)
    assert not diff.same and "only in the first" in str(diff) and '"1.5"' in str(diff)


def test_a_number_is_not_its_string():
    a = res(row("EU", "x", n=60))
    b = res((URIRef(J + "EU"), Literal("x", lang="en"), Literal(""), Literal("60")))
    assert not compare_results(a, b, Q).same


def test_group_concat_members_compared_as_multisets():
    a = res(row("EU", "x", "Reg 1394/2007; Dir 2001/83/EC"))
    b = res(row("EU", "x", "Dir 2001/83/EC; Reg 1394/2007"))
    assert compare_results(a, b, Q).same
    assert not compare_results(a, b, Q, concat=()).same  # declared: no concatenated column
    assert compare_results(a, b, None, concat={"basis": "; "}).same
    assert not compare_results(a, res(row("EU", "x", "Dir 2001/83/EC")), Q).same


def test_order_matters_only_on_the_order_by_keys():
    a = res(row("EU", "b"), row("EU", "a"), row("JP", "c"), row("JP", "c", n=2))
    tied = res(row("EU", "b"), row("EU", "a"), row("JP", "c", n=2), row("JP", "c"))
    assert compare_results(a, tied, Q).same
    swapped = res(row("EU", "a"), row("EU", "b"), row("JP", "c"), row("JP", "c", n=2))
    diff = compare_results(a, swapped, Q)
    assert not diff.same and "order on the ORDER BY keys (?jurisdiction, ?label) differs from row 1" in str(diff)
    assert compare_results(a, swapped, "SELECT * {}").same  # no ORDER BY: a multiset


def test_columns_by_name_rows_by_count_blank_nodes_by_kind():
    a = res(row("EU", "x"), row("EU", "x"))
    b = QueryResult(["n", "basis", "label", "jurisdiction"], [list(reversed(r)) for r in (row("EU", "x"), row("EU", "x"))])
    assert compare_results(a, b, Q).same
    assert "2 rows vs 1 rows" in str(compare_results(a, res(row("EU", "x")), Q))
    assert "columns differ" in str(compare_results(a, QueryResult(["x"], []), Q))
    assert compare_results(QueryResult(["s"], [[BNode("a")]]), QueryResult(["s"], [[BNode("z")]])).same
    assert not compare_results(QueryResult([], [], True), QueryResult([], [], False)).same
