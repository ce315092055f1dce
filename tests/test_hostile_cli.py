"""No traceback, ever, for a user's mistake or the machine's state: one line naming what and where, with
the documented exit code (2), control characters escaped, credentials never shown; and the embedded
store's queries bounded (time limit, nesting, SERVICE)."""

import errno
import os
import shutil
import subprocess
import sys
import time

import pytest

from evkg.cli import main

from test_hostile_serve import RUNAWAY, SPINNER, Listener, nested


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def evkg(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evkg.cli", *args], capture_output=True, timeout=timeout)


@pytest.mark.parametrize("argv", [
    ["sparql", "ASK {}", "--timeout", "nan"], ["sparql", "ASK {}", "--timeout", "0"],
    ["sparql", "ASK {}", "--timeout", "-1"], ["query", "trial-counts", "--timeout", "inf"],
    ["serve", "--timeout", "0"], ["serve", "--port", "70000"], ["serve", "--port", "0"],
    ["serve", "--port", "http"], ["serve", "--max-memory", "-5"],
])
def test_bad_option_values_are_usage_errors(project, argv):
    r = evkg("--root", str(project.root), *argv)
    assert r.returncode == 2 and b"Traceback" not in r.stderr and b"error: argument" in r.stderr


def test_a_missing_output_folder_is_one_line(project, tmp_path, capsys):
    code, _, err = run(capsys, "--root", str(project.root), "mappings", "--out", str(tmp_path / "no" / "x.tsv"))
    assert code == 2 and "No such file or directory" in one_line(err) and "no/x.tsv" in err


@pytest.mark.parametrize("where, error", [
    ("evkg.mappings.sssom_tsv", OSError(errno.ENOSPC, "No space left on device")),
    ("evkg.mappings.sssom_tsv", OSError(errno.EROFS, "Read-only file system", "/project/dist")),
    ("evkg.mappings.sssom_tsv", UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")),
    ("evkg.mappings.sssom_tsv", MemoryError()),
])
def test_the_machines_state_is_one_line(project, capsys, monkeypatch, where, error):
    def fail(*a, **k):
        raise error

    monkeypatch.setattr(where, fail)
    code, _, err = run(capsys, "--root", str(project.root), "mappings")
    line = one_line(err)
    assert code == 2 and line.startswith("evkg: error:"), line


def test_an_unexpected_error_is_still_one_line(project, capsys, monkeypatch):
    monkeypatch.setattr("evkg.mappings.sssom_tsv", lambda *a, **k: {}["missing"])
    code, _, err = run(capsys, "--root", str(project.root), "mappings")
    assert code == 70 and "internal error: KeyError" in one_line(err) and "please report" in err


def test_invalid_utf8_in_an_argument_or_a_query_file(project, tmp_path):
    r = subprocess.run([sys.executable, "-m", "evkg.cli", "--root", str(project.root), "query",
                        "classification-by-jurisdiction", "--param", b"jurisdiction=\xff\xfe"], capture_output=True,
                       timeout=120)
    assert r.returncode == 2 and b"not valid UTF-8" in r.stderr and b"Traceback" not in r.stderr
    bad = tmp_path / "bad.rq"
    bad.write_bytes(b'SELECT * WHERE { ?s ?p "\xff" }')
    r = evkg("--root", str(project.root), "sparql", str(bad))
    assert r.returncode == 2 and b"bad.rq: the query file is not UTF-8" in r.stderr


def test_a_huge_or_hostile_query_name_is_one_short_line(project, capsys):
    code, _, err = run(capsys, "--root", str(project.root), "query", "a" * 5000)
    line = one_line(err)
    assert code == 2 and len(line) < 1200
    code, _, err = run(capsys, "--root", str(project.root), "query", "x\x1b[2J\x1b[31m")
    assert code == 2 and "\x1b" not in err and "\\x1b" in err


def test_a_damaged_store_is_one_line(project, tmp_path, capsys):
    root = tmp_path / "project"
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns(".evkg", "site"))
    for f in (root / "dist" / "store").iterdir():
        if f.is_file():
            f.write_bytes(os.urandom(100))
    code, _, err = run(capsys, "--root", str(root), "sparql", "ASK { ?s ?p ?o }")
    assert code == 2 and "cannot open the store" in one_line(err) and "evkg build" in err


def test_a_fifo_as_a_query_file_does_not_hang(project, tmp_path):
    os.mkfifo(tmp_path / "q.rq")
    r = evkg("--root", str(project.root), "sparql", str(tmp_path / "q.rq"), timeout=60)
    assert r.returncode == 2 and b"not a regular file" in r.stderr


# --- the embedded store: bounded and fetching nothing --------------------------------------------------

def test_the_timeout_stops_an_embedded_query(project, capsys):
    t = time.monotonic()
    code, _, err = run(capsys, "--root", str(project.root), "sparql", SPINNER, "--timeout", "2")
    assert code == 2 and "ran longer than the 2 s limit" in one_line(err)
    assert time.monotonic() - t < 30


def test_the_memory_limit_stops_an_embedded_query(project):
    """The sort of a large cartesian product grows past the 2 GB cap of the query's child process:
    one line, whatever the engine says as it aborts."""
    r = evkg("--root", str(project.root), "sparql", RUNAWAY, "--timeout", "60")
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1, r.stderr
    assert b"memory limit" in r.stderr


def test_deep_nesting_is_refused_before_parsing(project, tmp_path):
    query = tmp_path / "nested.rq"
    query.write_text(nested(3000))  # 12 KB: pyoxigraph's parser ran out of stack on it (exit 139)
    r = evkg("--root", str(project.root), "sparql", str(query))
    assert r.returncode == 2 and b"nests" in r.stderr


def test_embedded_service_calls_are_refused_unless_allowed(project, capsys):
    listener = Listener()
    try:
        query = f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?x ?y ?z }} }}"
        code, _, err = run(capsys, "--root", str(project.root), "sparql", query)
        assert code == 2 and "not allowed" in one_line(err)
        assert listener.hits == []
        code, out, _ = run(capsys, "--root", str(project.root), "sparql", query, "--allow-service", listener.url + "/x")
        assert code == 0 and "leaked" in out and len(listener.hits) == 1
    finally:
        listener.close()


def _namespaces_available() -> bool:
    from evkg.confine import isolate_network

    pid = os.fork()
    if pid == 0:
        os._exit(0 if isolate_network() is None else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def test_a_confined_embedded_query_fetches_nothing_even_if_the_check_were_fooled(project, monkeypatch):
    from evkg.errors import EvkgError
    from evkg.store import EmbeddedStore

    if not _namespaces_available():
        pytest.skip("no network namespace here: the text check is the only barrier")
    monkeypatch.setattr("evkg.store.check_query", lambda text, limits: None)
    listener = Listener()
    try:
        with pytest.raises(EvkgError, match="query failed"):
            EmbeddedStore(project).query(f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?x ?y ?z }} }}", timeout=20)
    finally:
        listener.close()
    assert listener.hits == []


# --- credentials ------------------------------------------------------------------------------------

def test_credentials_never_appear_in_messages(project, capsys):
    from evkg.serve import free_port

    port = free_port()
    code, _, err = run(capsys, "--root", str(project.root), "sparql", "ASK {}", "--endpoint",
                       f"http://reviewer:s3cret@127.0.0.1:{port}/query")
    assert code == 2 and "s3cret" not in err and "reviewer" not in err and f"127.0.0.1:{port}" in err
    code, _, err = run(capsys, "--root", str(project.root), "sparql", "ASK {}", "--endpoint", "ftp://u:s3cret@x/")
    assert code == 2 and "s3cret" not in err


def test_credentials_over_plain_http_are_warned_about(capsys, monkeypatch):
    from evkg.remote import warn_if_plain_http

    warn_if_plain_http("http://sparql.example.org/query", ("me", "pw"))
    assert "over plain http" in capsys.readouterr().err
    for url, creds in (("https://sparql.example.org/query", ("me", "pw")), ("http://127.0.0.1:7878/query", ("me", "pw")),
                       ("http://sparql.example.org/query", None)):
        warn_if_plain_http(url, creds)
        assert capsys.readouterr().err == ""
