"""One query layer, two back ends: every canned query gives the same answers (evkg.compare) on the embedded store
and through SPARQLWrapper on a real Oxigraph server started here on 127.0.0.1."""

import base64
import http.server
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from evkg.catalogue import load_catalogue
from evkg.cli import main
from evkg.compare import compare_results, concat_separators
from evkg.errors import EvkgError
from evkg.querying import run_query
from evkg.remote import remote_query
from evkg.serve import Endpoint, free_port
from query_cases import CASES

@pytest.fixture(scope="module")
def endpoint(project):
    with Endpoint(project, port=0, limit_s=3) as ep:
        yield ep


@pytest.mark.parametrize("name", sorted(load_catalogue(__import__("evkg.project").project.Project.locate(
    Path(__file__).resolve().parents[1])).keys()))
def test_every_canned_query_same_rows_embedded_and_http(project, store, endpoint, name):
    if load_catalogue(project)[name].federated:
        pytest.skip("federated: compared both ways against a local stand-in in test_links.py")
    params = CASES[name][0]
    local = run_query(project, name, params, store)
    remote = run_query(project, name, params, endpoint=endpoint.query_url)
    assert local.columns == remote.columns
    query = load_catalogue(project)[name]
    diff = compare_results(local, remote, query.text, concat=concat_separators(query.text, query.concat))
    assert diff.same, str(diff)
    assert local.rows, f"{name} returns rows on the review graph"


def test_update_is_refused(endpoint):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(endpoint.url + "/update", data=b"update=DROP%20ALL", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 403
    assert remote_query(endpoint.query_url, "ASK { ?s ?p ?o }").boolean is True


def test_runaway_query_does_not_hold_the_endpoint(endpoint):
    t = time.monotonic()
    with pytest.raises(EvkgError, match="HTTP 503"):
        remote_query(endpoint.query_url, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1", timeout=60)
    assert time.monotonic() - t < 3 + 5  # the 3 s limit plus a restart
    assert remote_query(endpoint.query_url, "ASK { ?s ?p ?o }").boolean is True


def test_query_ui_at_root(endpoint):
    import urllib.request
    with urllib.request.urlopen(endpoint.url + "/", timeout=10) as r:
        assert r.status == 200 and "text/html" in r.headers["Content-Type"]


def test_unreachable_endpoint_is_one_clear_line(project, capsys):
    port = free_port()
    code = main(["--root", str(project.root), "query", "trial-counts", "--endpoint", f"http://127.0.0.1:{port}/query"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "did not answer" in err[0] and str(port) in err[0]


@pytest.mark.parametrize("argv", [["query", "trial-counts", "--endpoint", "notaurl"], ["load", "--endpoint", "notaurl"]])
def test_malformed_endpoint_is_one_clear_line(project, capsys, argv):
    assert main(["--root", str(project.root), *argv]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["evkg: error: endpoint 'notaurl' is not an http(s) URL"]


def test_http_error_and_html_page(endpoint):
    with pytest.raises(EvkgError, match="HTTP 404"):
        remote_query(endpoint.url + "/no-such-service", "ASK {}")
    with pytest.raises(EvkgError, match="did not return SPARQL JSON results"):
        remote_query(endpoint.url + "/", "ASK {}")


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A fake endpoint that records headers and answers with canned bodies."""
    seen = []
    body = b'{"head": {}, "boolean": true}'
    ctype = "application/sparql-results+json"

    def do_GET(self):
        type(self).seen.append(dict(self.headers))
        self.send_response(200)
        self.send_header("Content-Type", self.ctype)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET

    def log_message(self, *a):
        pass


@pytest.fixture
def fake():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _Recorder.seen.clear()
    yield f"http://127.0.0.1:{srv.server_address[1]}/sparql"
    srv.shutdown()
    srv.server_close()


def test_basic_auth_comes_from_the_environment(fake, monkeypatch):
    monkeypatch.setenv("EVKG_ENDPOINT_USER", "reviewer")
    monkeypatch.setenv("EVKG_ENDPOINT_PASSWORD", "s3cret")
    assert remote_query(fake, "ASK { ?s ?p ?o }").boolean is True
    auth = _Recorder.seen[-1].get("Authorization")
    assert auth == "Basic " + base64.b64encode(b"reviewer:s3cret").decode()


def test_asks_for_sparql_json_precisely(fake):
    remote_query(fake, "ASK { ?s ?p ?o }")
    assert _Recorder.seen[-1].get("Accept") == "application/sparql-results+json"


@pytest.mark.parametrize("ctype, body", [
    ("application/json", b'[{"?s": "http://example.org/a"}]'),  # a store's own JSON (Comunica's, asked broadly)
    ("text/csv", b"s\r\nhttp://example.org/a\r\n"),
    ("application/sparql-results+xml", b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"/>'),
])
def test_an_answer_in_another_format_is_one_clear_line(project, fake, monkeypatch, capsys, ctype, body):
    monkeypatch.setattr(_Recorder, "body", body)
    monkeypatch.setattr(_Recorder, "ctype", ctype)
    assert main(["--root", str(project.root), "sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--endpoint", fake]) != 0
    assert capsys.readouterr().err.strip().splitlines() == [
        f"evkg: error: endpoint {fake} did not return SPARQL JSON results "
        f"(got {ctype}; asked for application/sparql-results+json)"]


def test_truncated_json_is_an_error(fake, monkeypatch):
    monkeypatch.setattr(_Recorder, "body", b'{"head": {"vars": ["s"]}, "results": {"bindings": [')
    with pytest.raises(EvkgError, match="did not return SPARQL JSON"):
        remote_query(fake, "SELECT ?s WHERE { ?s ?p ?o }")


def test_long_queries_go_by_post(fake):
    long_query = "ASK { ?s ?p ?o }" + " " * 4000
    remote_query(fake, long_query)
    assert _Recorder.seen[-1].get("Content-Type", "").startswith("application/x-www-form-urlencoded")


def test_port_in_use_is_a_clear_error(project, endpoint):
    with pytest.raises(EvkgError, match=f"port {endpoint.port} on 127.0.0.1 is already in use"):
        Endpoint(project, port=endpoint.port)


def test_serve_command_starts_answers_and_stops_on_ctrl_c(project):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "evkg.cli", "--root", str(project.root), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}/query" in line
        assert remote_query(f"http://127.0.0.1:{port}/query", "ASK { ?s ?p ?o }").boolean is True
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "stopped" in out


def test_query_path_imports_neither_pyshacl_nor_owlready2(project):
    code = ("import sys; from evkg.cli import main; "
            f"main(['--root', {str(project.root)!r}, 'query', 'trial-counts', '--format', 'csv']); "
            "print(sorted(m for m in ('pyshacl', 'owlready2', 'SPARQLWrapper') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
