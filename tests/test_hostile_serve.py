"""`evkg serve` under hostile requests: it stays up, fetches nothing, answers malformed requests with
well-formed HTTP errors, keeps innocent queries alive through restarts, and leaves no process behind.

Every server here listens on 127.0.0.1 and is stopped by the test; every loop is bounded."""

import http.client
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest

from evkg.project import Project
from evkg.serve import Endpoint, GuardSettings, free_port, is_loopback

ASK = "ASK { ?s ?p ?o }"
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"  # memory and time
SPINNER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # time only, in constant memory
TRIALS = ("PREFIX evkg: <https://w3id.org/evkg/ontology#> SELECT ?p ?n WHERE { ?p evkg:trialCount ?n } ORDER BY ?p")


def nested(depth: int) -> str:
    return "SELECT * WHERE { " + "{ " * depth + "?s ?p ?o" + " }" * depth + " }"


def post(url: str, query: str, timeout: float = 60, ctype: str = "application/sparql-query"):
    """(status, body) of a POSTed query; never raises for an HTTP status."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        body = query.encode() if ctype == "application/sparql-query" else urllib.parse.urlencode({"query": query}).encode()
        conn.request("POST", parts.path, body=body, headers={"Content-Type": ctype,
                                                             "Accept": "application/sparql-results+json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def raw(port: int, data: bytes, wait: float = 10.0) -> bytes:
    """Send raw bytes, return everything the server answers before closing (or `wait` seconds)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out


class Listener:
    """A loopback HTTP server that records every request it receives: it must receive none."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append((self.command, self.path))
                body = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "leaked"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    ln = Listener()
    yield ln
    ln.close()


@pytest.fixture(scope="module")
def endpoint(project):
    with Endpoint(project, port=0, limit_s=3, settings=GuardSettings(header_timeout_s=2, body_timeout_s=2)) as ep:
        yield ep


def _children(pid: int) -> list[int]:
    """Every descendant process of `pid` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        found += kids
        todo += kids
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _start_serve(root: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "evkg.cli", "--root", str(root), "serve", "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(5):  # notes first, then the line that says it listens
        line = proc.stdout.readline()
        if f"127.0.0.1:{port}/query" in line:
            return proc, port
    proc.kill()
    raise AssertionError(f"serve did not start: {proc.stderr.read()}")


# --- the endpoint stays up --------------------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_nesting_attack_on_a_running_serve_is_refused_and_it_keeps_answering(project):
    proc, port = _start_serve(project.root)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for depth in (1500, 3000, 12000):
            status, body = post(url, nested(depth))
            assert status == 400 and b"nests" in body and b"deep" in body, body
            assert post(url, ASK)[0] == 200
        # the same 5 KB attack through the form encoding and GET
        status, body = post(url, nested(1500), ctype="application/x-www-form-urlencoded")
        assert status == 400 and b"nests" in body
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/query?" + urllib.parse.urlencode({"query": nested(1500)}))
        assert conn.getresponse().status == 400
        conn.close()
        assert post(url, ASK) == (200, b'{"head":{},"boolean":true}')
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <{url}/x> { ?x ?y ?z } }",
    "select * where { service silent <{url}/x> { ?x ?y ?z } }",
    "PREFIX e: <{url}/> SELECT * WHERE { SERVICE e:x { ?x ?y ?z } }",
    "BASE <{url}/> SELECT * WHERE { SERVICE <x> { ?x ?y ?z } }",
    "SELECT * WHERE { BIND(<{url}/x> AS ?e) SERVICE ?e { ?x ?y ?z } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <{url}/x> { ?s ?y ?z } } }",
    "SELECT * WHERE { ?s <http://a\\u0023b#> ?o . SERVICE <{url}/x> { ?x ?y ?z } }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\# ?o . SERVICE <{url}/x> { ?x ?y ?z } }",
], ids=["iri", "lower-silent", "prefixed", "relative", "variable", "exists", "uchar-iri", "escaped-hash"])
def test_service_is_refused_and_the_listener_receives_nothing(endpoint, listener, query):
    status, body = post(endpoint.query_url, query.replace("{url}", listener.url))
    assert status == 403 and b"SERVICE" in body and b"not allowed" in body, body
    assert listener.hits == []


def test_an_engine_without_network_fetches_nothing_even_if_the_check_were_fooled(project, listener, monkeypatch):
    """Defence in depth: with the text check switched off, the confined engine still cannot reach out."""
    monkeypatch.setattr("evkg.serve.check_query", lambda text, limits: None)
    with Endpoint(project, port=0, limit_s=5) as ep:
        if not ep.engine.isolated:
            pytest.skip(f"no network namespace here: {ep.engine.why_not_isolated}")
        status, body = post(ep.query_url, f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?x ?y ?z }} }}")
        assert status == 502 and b"leaked" not in body and b"refused" in body, body
        assert post(ep.query_url, ASK)[0] == 200
    assert listener.hits == []


def test_allowed_service_is_reached(project, listener):
    with Endpoint(project, port=0, limit_s=10, allow_service=[listener.url + "/x"]) as ep:
        status, body = post(ep.query_url, f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?x ?y ?z }} }}")
        assert status == 200 and b"leaked" in body
        assert post(ep.query_url, f"SELECT * WHERE {{ SERVICE <{listener.url}/y> {{ ?x ?y ?z }} }}")[0] == 403
    assert len(listener.hits) == 1


def test_the_engine_is_reachable_only_through_the_guard(endpoint):
    engine = endpoint.engine
    if not engine.isolated:
        pytest.skip(f"no network namespace here: {engine.why_not_isolated}")
    assert os.readlink(f"/proc/{engine.oxigraph_pid}/ns/net") != os.readlink("/proc/self/ns/net")
    # Oxigraph's socket lives in its own namespace: no socket of this machine's network leads to it
    inode_of = {os.readlink(f"/proc/{engine.oxigraph_pid}/fd/{fd}") for fd in os.listdir(f"/proc/{engine.oxigraph_pid}/fd")}
    ours = Path("/proc/self/net/tcp").read_text() + Path("/proc/self/net/tcp6").read_text()
    listening = [line.split()[9] for line in ours.splitlines()[1:] if line.split()[3] == "0A"]
    assert not any(f"socket:[{inode}]" in inode_of for inode in listening)
    assert post(endpoint.query_url, ASK)[0] == 200


def test_update_and_writes_are_refused_before_the_engine(endpoint):
    for method, path, body, ctype in [
        ("POST", "/update", b"update=DROP%20ALL", "application/x-www-form-urlencoded"),
        ("POST", "/query", b"update=DROP%20ALL", "application/x-www-form-urlencoded"),
        ("POST", "/query", b"DROP ALL", "application/sparql-update"),
        ("PUT", "/store?default", b"<a:a> <a:b> <a:c> .", "application/n-triples"),
        ("DELETE", "/store?default", b"", "text/plain"),
    ]:
        conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=10)
        conn.request(method, path, body=body, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        assert resp.status == 403, (method, path, resp.status)
        resp.read()
        conn.close()
    assert post(endpoint.query_url, ASK)[0] == 200


# --- malformed and slow requests --------------------------------------------------------------------

def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    head, _, body = answer.partition(b"\r\n\r\n")
    length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    assert length and length[0] == len(body[:length[0]]), "a well-formed answer states its length"
    return int(answer.split()[1])


@pytest.mark.parametrize("request_bytes, expected", [
    (b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nContent-Type: application/sparql-query\r\n\r\nASK{}", 400),
    (b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nContent-Type: application/sparql-query\r\n\r\nASK{}", 400),
    (b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nASK{}", 400),
    (b"POST /query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nASK{}\r\n0\r\n\r\n", 411),
    (b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\nContent-Type: application/sparql-query\r\n\r\n", 413),
    (b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Type: text/csv\r\n\r\nASK{}", 415),
    (b"GET /query?query=ASK%7B%7D&query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /query?query=%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /query HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"BREW /query HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
])
def test_malformed_requests_get_a_well_formed_http_error(endpoint, request_bytes, expected):
    assert _status(raw(endpoint.port, request_bytes)) == expected
    assert post(endpoint.query_url, ASK)[0] == 200


def test_a_partial_body_times_out_with_408(endpoint):
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=30) as s:
        s.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nContent-Type: application/sparql-query\r\n\r\nASK")
        t = time.monotonic()
        answer = b""
        while time.monotonic() - t < 15 and not answer.endswith(b"\n\n") and not answer.endswith(b"s\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert time.monotonic() - t < 15
    assert _status(answer) == 408


def _closed_within(s: socket.socket, seconds: float, drip: bytes = b"") -> bool:
    """Whether the server closes `s` within `seconds` while we send `drip` every half second."""
    import select
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if drip:
                s.sendall(drip)
            if select.select([s], [], [], 0.5)[0] and s.recv(4096) == b"":
                return True
        except OSError:
            return True
    return False


def test_slow_headers_and_idle_connections_are_closed(endpoint):
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=30) as s:
        s.sendall(b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n")
        assert _closed_within(s, 15, drip=b"X-Slow: 1\r\n")  # a header line every half second: cut at 2 s
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=30) as s:
        assert _closed_within(s, 15)  # says nothing at all


def test_cors_for_browser_clients(endpoint):
    conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=10)
    conn.request("OPTIONS", "/query", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "content-type"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 204 and resp.getheader("Access-Control-Allow-Origin") == "*"
    assert "POST" in resp.getheader("Access-Control-Allow-Methods")
    assert "content-type" in resp.getheader("Access-Control-Allow-Headers").lower()
    conn.request("GET", "/query?" + urllib.parse.urlencode({"query": ASK}), headers={"Origin": "https://example.org"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Access-Control-Allow-Origin") == "*"
    resp.read()
    conn.request("POST", "/update", body=b"update=DROP%20ALL", headers={"Origin": "https://example.org",
                                                                       "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    assert resp.status == 403 and resp.getheader("Access-Control-Allow-Origin") is None
    resp.read()
    conn.close()


# --- restarts, retries, cancellation -----------------------------------------------------------------

def test_load_with_a_runaway_and_a_crash_fails_no_innocent_query(project):
    """20 clients x 50 queries; one client keeps sending runaway queries (two that exhaust the memory
    limit, two that exhaust the time limit), and the engine is killed once mid-way: every innocent
    query still gets its answer."""
    with Endpoint(project, port=0, limit_s=3) as ep:
        innocent, runaway, errors = Counter(), Counter(), []
        expected = post(ep.query_url, TRIALS)[1]

        def client(n):
            conn = None
            for i in range(50):
                q = TRIALS if (n + i) % 2 else ASK
                try:
                    status, body = post(ep.query_url, q, timeout=120)
                except OSError as e:
                    status, body = type(e).__name__, b""
                innocent[status] += 1
                if status != 200 or (q == TRIALS and body != expected):
                    errors.append((status, body[:200]))

        def bad():
            for query in (RUNAWAY, SPINNER, RUNAWAY, SPINNER):
                runaway[post(ep.query_url, query, timeout=120)[0]] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(20)] + [threading.Thread(target=bad)]
        for t in threads:
            t.start()
        time.sleep(2)
        os.kill(ep.engine.oxigraph_pid, signal.SIGKILL)  # a crash in the middle of the load
        for t in threads:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in threads)
        assert errors == [] and innocent == Counter({200: 1000}), (innocent, errors[:3])
        assert sum(runaway.values()) == 4 and set(runaway) <= {502, 503}, runaway  # stopped, with a reason
        # each runaway stopped the engine (the memory ones by the memory limit, or by the 3 s limit first on a
        # busy machine: test_memory_limit_stops_the_query_not_the_endpoint checks that limit alone); the kill
        # is a crash, and may fall on one of those stops
        restarts = ep.backend.restarts
        assert restarts["timeout"] + restarts["crash"] >= 4 and restarts["crash"] >= 1, restarts


def test_memory_limit_stops_the_query_not_the_endpoint(project):
    with Endpoint(project, port=0, limit_s=30, settings=GuardSettings(memory_mb=1000)) as ep:
        t = time.monotonic()
        status, body = post(ep.query_url, RUNAWAY)
        assert status == 503 and b"memory limit" in body, body
        assert time.monotonic() - t < 30  # stopped by the memory limit, not by the time limit
        assert post(ep.query_url, ASK)[0] == 200


def test_a_client_that_hangs_up_cancels_its_query(project):
    with Endpoint(project, port=0, limit_s=60) as ep:
        first = ep.engine.oxigraph_pid
        with socket.create_connection(("127.0.0.1", ep.port), timeout=10) as s:
            body = SPINNER.encode()
            s.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
            time.sleep(2)
        for _ in range(100):  # well before the 60 s limit
            if ep.backend.restarts["cancelled"]:
                break
            time.sleep(0.1)
        assert ep.backend.restarts["cancelled"] == 1
        for _ in range(100):
            if _gone(first):
                break
            time.sleep(0.1)
        assert _gone(first)
        assert post(ep.query_url, ASK)[0] == 200


def test_serve_switches_to_the_store_an_add_installs(project, tmp_path):
    from evkg.adding import add_facts

    root = tmp_path / "copy"
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns(".evkg", "site"))
    copy = Project(root)
    brazil = "ASK { <https://w3id.org/evkg/resource/jurisdiction/BR> ?p ?o }"
    with Endpoint(copy, port=0, limit_s=10, settings=GuardSettings(watch_interval_s=0.2)) as ep:
        assert post(ep.query_url, brazil)[1] == b'{"head":{},"boolean":false}'
        statuses, stop = Counter(), threading.Event()

        def reader():
            for _ in range(100000):
                if stop.is_set():
                    return
                statuses[post(ep.query_url, TRIALS, timeout=60)[0]] += 1

        readers = [threading.Thread(target=reader) for _ in range(3)]
        for t in readers:
            t.start()
        add_facts(copy, Path(__file__).parent / "shapes" / "accept-example-jurisdiction.ttl", reason=False,
                  progress=lambda m: None)
        seen = False
        for _ in range(100):
            if post(ep.query_url, brazil)[1] == b'{"head":{},"boolean":true}':
                seen = True
                break
            time.sleep(0.2)
        stop.set()
        for t in readers:
            t.join(timeout=60)
        assert seen, "serve answers from the new store"
        assert ep.backend.restarts["new store"] >= 1
        assert set(statuses) == {200}, statuses


# --- shutdown ------------------------------------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_no_process_is_left_behind(project, sig):
    proc, port = _start_serve(project.root)
    assert post(f"http://127.0.0.1:{port}/query", ASK)[0] == 200
    family = _children(proc.pid)
    assert len(family) >= 2, "the engine helper and Oxigraph"
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    if sig != signal.SIGKILL:
        assert proc.returncode == 0 and "stopped" in out
    for _ in range(100):
        if all(_gone(p) for p in family):
            break
        time.sleep(0.1)
    assert all(_gone(p) for p in family), "no orphaned engine"


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("192.168.1.10")


def test_a_non_loopback_address_is_warned_about(project, monkeypatch, capsys):
    """serve() warns before listening where others can reach it (a fake endpoint: tests bind loopback only)."""
    import evkg.serve as serve_module

    class Fake:
        def __init__(self, project, host, port, limit_s, settings, allow_service):
            self.query_url, self.url, self.engine = f"http://{host}:{port}/query", f"http://{host}:{port}", None

        def start(self):
            return self

        def stop(self):
            pass

    monkeypatch.setattr(serve_module, "Endpoint", Fake)
    for host, warned in (("0.0.0.0", True), ("127.0.0.1", False)):
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()  # Ctrl-C, half a second in
        serve_module.serve(project, host, 7878, 10)
        out = capsys.readouterr().out
        assert ("warning: listening on 0.0.0.0" in out) is warned and "stopped" in out
