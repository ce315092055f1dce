"""`evkg load` never destroys data: it writes only its own named graphs, refuses to replace them
unless --replace, and reports the triples per graph as the store counts them - on Oxigraph, on
Virtuoso (Graph Store endpoint with Digest authentication) and on Jena TDB2."""

from __future__ import annotations

import pytest

from engines import ASSERTED_GRAPH, STARTERS, EngineUnavailable, graph_text, put_triple
from evkg.cli import main
from evkg.reasoning import INFERRED_GRAPH
from evkg.remote import graph_size, query_url_for, remote_query

THEIRS = "http://example.org/their-graph"
THEIR_TRIPLE = '<http://example.org/their-thing> <http://example.org/says> "kept" .\n'
MARKER = '<http://example.org/evkg-load-test-marker> <http://example.org/says> "added after the first load" .\n'


def lines(path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.fixture(params=sorted(STARTERS))
def fresh_engine(request, tmp_path, monkeypatch):
    try:
        engine = STARTERS[request.param](tmp_path)
    except EngineUnavailable as e:
        pytest.skip(str(e))
    for k, v in engine.env.items():
        monkeypatch.setenv(k, v)
    with engine:
        yield engine


BLANK_NODES = "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { %s { ?b ?p ?o FILTER(isBlank(?b)) } }"


def test_load_keeps_other_data_refuses_a_second_load_and_replaces_only_its_graphs(project, store, fresh_engine,
                                                                                   capsys, monkeypatch):
    engine, root = fresh_engine, str(project.root)
    monkeypatch.setattr("evkg.remote.CHUNK", 1000)  # nine requests: blank nodes must stay one node each
    has_default = engine.name != "virtuoso"  # Virtuoso's Graph Store endpoint has no default graph
    if has_default:
        put_triple(engine, None, THEIR_TRIPLE)
    put_triple(engine, THEIRS, THEIR_TRIPLE)
    asserted, inferred = lines(project.dist / "evkg.nt"), lines(project.dist / "evkg-inferred.nt")

    assert main(["--root", root, "load", "--endpoint", engine.store_url]) == 0
    out = capsys.readouterr().out
    assert f"counted by {engine.query_url}" in out
    assert f"{ASSERTED_GRAPH}" in out and f" {asserted}  (dist/evkg.nt)" in out
    assert f"{INFERRED_GRAPH}" in out and f" {inferred}  (dist/evkg-inferred.nt)" in out
    assert graph_size(engine.query_url, ASSERTED_GRAPH) == asserted and asserted > 8000
    assert graph_size(engine.query_url, str(INFERRED_GRAPH)) == inferred > 0
    blank = store.query(BLANK_NODES % "").rows[0][0]
    assert int(blank) > 50
    assert remote_query(engine.query_url, BLANK_NODES % f"GRAPH <{ASSERTED_GRAPH}>").rows[0][0].value == int(blank)
    assert "their-thing" in graph_text(engine, THEIRS)
    if has_default:
        assert "their-thing" in graph_text(engine, None)

    put_triple(engine, ASSERTED_GRAPH, MARKER)
    assert main(["--root", root, "load", "--endpoint", engine.store_url]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"evkg: error: {engine.query_url} already holds <{ASSERTED_GRAPH}> ({asserted + 1} triples), "
                   f"<{INFERRED_GRAPH}> ({inferred} triples); nothing was loaded "
                   "(--replace replaces these graphs, and only them)"]
    assert graph_size(engine.query_url, ASSERTED_GRAPH) == asserted + 1
    assert "evkg-load-test-marker" in graph_text(engine, ASSERTED_GRAPH)

    assert main(["--root", root, "load", "--endpoint", engine.store_url, "--replace"]) == 0
    capsys.readouterr()
    assert graph_size(engine.query_url, ASSERTED_GRAPH) == asserted
    assert "evkg-load-test-marker" not in graph_text(engine, ASSERTED_GRAPH)
    assert "their-thing" in graph_text(engine, THEIRS)
    if has_default:
        assert "their-thing" in graph_text(engine, None)


def test_virtuoso_takes_credentials_by_digest_and_refuses_wrong_ones(project, tmp_path, monkeypatch, capsys):
    try:
        engine = STARTERS["virtuoso"](tmp_path)
    except EngineUnavailable as e:
        pytest.skip(str(e))
    with engine:
        for k, v in engine.env.items():
            monkeypatch.setenv(k, v)
        auth_url = engine.query_url + "-auth"  # Virtuoso's /sparql-auth: Digest only
        assert remote_query(auth_url, "SELECT (1 AS ?one) WHERE { }").rows[0][0].value == 1
        monkeypatch.setenv("EVKG_ENDPOINT_PASSWORD", "not-the-password")
        assert main(["--root", str(project.root), "load", "--endpoint", engine.store_url]) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "answered HTTP 401" in err[0] and "EVKG_ENDPOINT_PASSWORD" in err[0]
        assert graph_size(engine.query_url, ASSERTED_GRAPH) == 0


@pytest.mark.parametrize("store, query", [
    ("http://127.0.0.1:7878/store", "http://127.0.0.1:7878/query"),
    ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql"),
    ("http://h:3030/ds/data", "http://h:3030/ds/sparql"),
    ("http://h:7200/repositories/evkg/rdf-graphs/service", "http://h:7200/repositories/evkg"),
])
def test_query_url_is_derived_for_known_stores(store, query):
    assert query_url_for(store) == query


def test_unknown_store_layout_asks_for_the_query_endpoint(project, capsys):
    assert main(["--root", str(project.root), "load", "--endpoint", "http://127.0.0.1:9/gsp"]) != 0
    assert capsys.readouterr().err.strip().splitlines() == [
        "evkg: error: cannot tell the query URL of graph store http://127.0.0.1:9/gsp; give it with --query-endpoint"]
