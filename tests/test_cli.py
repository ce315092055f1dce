"""The CLI: query output formats and one-line errors."""

import json

import pytest

from evkg.cli import main

from conftest import ROOT

Q = ("PREFIX evkg: <https://w3id.org/evkg/ontology#> SELECT ?n WHERE { "
     "<https://w3id.org/evkg/resource/position/CN-trials-tab2> evkg:trialCount ?n }")


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("fmt, expected", [
    ("csv", "n\r\n119\r\n"),
    ("tsv", '?n\n"119"^^<http://www.w3.org/2001/XMLSchema#integer>\n'),
])
def test_sparql_formats(project, capsys, fmt, expected):
    code, out, _ = run(capsys, "--root", str(project.root), "sparql", Q, "--format", fmt)
    assert code == 0 and out == expected


def test_sparql_json_is_sparql_results(project, capsys):
    code, out, _ = run(capsys, "--root", str(project.root), "sparql", Q, "--format", "json")
    data = json.loads(out)
    assert data["head"]["vars"] == ["n"]
    assert data["results"]["bindings"][0]["n"]["value"] == "119"


def test_sparql_file_and_table(project, capsys):
    code, out, _ = run(capsys, "--root", str(project.root), "sparql", str(ROOT / "queries" / "atmp-jurisdictions.rq"))
    assert code == 0
    assert "Switzerland" in out and "United Kingdom" in out and "European Union" in out


@pytest.mark.parametrize("argv, message", [
    (["sparql", "SELECT WHERE {"], "SPARQL syntax error"),
    (["sparql", "missing-file.rq"], "cannot read query file"),
])
def test_errors_are_one_line(project, capsys, argv, message):
    code, out, err = run(capsys, "--root", str(project.root), *argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_query_before_build(tmp_path, capsys):
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "evkg.ttl").write_text("")
    code, _, err = run(capsys, "--root", str(tmp_path), "sparql", "ASK {}")
    assert code != 0 and "run 'evkg build' first" in err


def test_no_project(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVKG_ROOT", raising=False)
    code, _, err = run(capsys, "--root", str(tmp_path), "tables")
    assert code != 0 and "no evkg project found" in err


def test_query_pages_a_long_answer(project, capsys):
    """--limit/--offset show one page of the answer, in its order, and say how many rows the whole has."""
    import evkg

    kg = evkg.open(project.root)
    whole = kg.query("source-locations").result
    page = kg.query("source-locations", limit=10, offset=20).result
    assert (page.total, page.offset) == (len(whole.rows), 20) and len(whole.rows) > 30
    assert page.rows == whole.rows[20:30]
    last = kg.query("source-locations", limit=10, offset=len(whole.rows) - 3).result
    assert len(last.rows) == 3 and last.total == len(whole.rows)
    note = f"rows 21-30 of {len(whole.rows)}; the next page: --offset 30"
    code, out, _ = run(capsys, "--root", str(project.root), "query", "source-locations", "--limit", "10", "--offset", "20")
    assert code == 0 and note in out
    code, out, err = run(capsys, "--root", str(project.root), "query", "source-locations", "--limit", "10",
                         "--offset", "20", "--format", "csv")
    assert code == 0 and err.strip() == note and len(out.strip().splitlines()) == 11  # the header and 10 rows
    code, out, _ = run(capsys, "--root", str(project.root), "query", "source-locations", "--format", "csv")
    assert code == 0 and "of " + str(len(whole.rows)) not in out  # no paging unless asked


@pytest.mark.parametrize("value", ["-1", "ten"])
def test_query_page_needs_a_whole_number(project, capsys, value):
    with pytest.raises(SystemExit) as e:
        main(["--root", str(project.root), "query", "source-locations", "--limit", value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"evkg query: error: argument --limit: '{value}' is not a whole number of rows (0 or more)"
