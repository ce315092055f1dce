"""Benchmark: what the hardened guard of `evkg serve` costs, and what a confined embedded query costs.

Side by side on the built graph (run `evkg build` first), each the same workload:
- Oxigraph's own server, queried directly (no guard: the floor);
- the guard as it was before the hardening (src/evkg/serve.py at --baseline-ref, loaded from git);
- the hardened guard (evkg.serve.Endpoint: query checks, confined engine, retries).
Clients open a new connection per query (as SPARQLWrapper does) or keep one alive. Queries: a tiny
ASK, a small ordered SELECT, and the largest canned query (comparison-matrix, 3.6 KB of text, which
the guard tokenizes). Then the embedded store: a query in-process vs in a confined child (what
`evkg sparql`/`evkg query` do to honour --timeout). Prints queries/s and ratios; --out writes Markdown.

    python benchmarks/serve_guard.py [--queries 400] [--clients 1 8] [--out benchmarks/serve_guard.md]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evkg.project import Project  # noqa: E402
from evkg.serve import Endpoint, free_port, oxigraph_binary  # noqa: E402
from evkg.store import EmbeddedStore  # noqa: E402
from timing import median_time  # noqa: E402

QUERIES = {
    "ASK": "ASK { ?s ?p ?o }",
    "ordered SELECT": ("PREFIX evkg: <https://w3id.org/evkg/ontology#> "
                       "SELECT ?p ?n WHERE { ?p evkg:trialCount ?n } ORDER BY ?p"),
    "comparison-matrix (3.6 KB)": (ROOT / "queries" / "comparison-matrix.rq").read_text(encoding="utf-8"),
}


def old_guard(ref: str):
    """The Endpoint class of serve.py at `ref`, or None if git cannot show it."""
    try:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:src/evkg/serve.py"], capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "evkg_serve_baseline.py"
    path.write_text(text.replace("from .errors", "from evkg.errors").replace("from .project", "from evkg.project"))
    spec = importlib.util.spec_from_file_location("evkg_serve_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Endpoint


class Direct:
    """Oxigraph's server alone, on a loopback port."""

    def __init__(self, project: Project):
        self.port = free_port()
        self.proc = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(project.dist / "store"),
                                      "--bind", f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def throughput(port: int, query: str, total: int, clients: int, keep_alive: bool) -> float:
    """Queries per second for `total` POSTed queries spread over `clients` threads."""
    body = query.encode()
    headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
    failures = []

    def client(n: int):
        conn = None
        for _ in range(n):
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/query", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                failures.append(resp.status)
            if not keep_alive:
                conn.close()
                conn = None

    threads = [threading.Thread(target=client, args=(total // clients,)) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    assert not failures, failures
    return (total // clients) * clients / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--baseline-ref", default="16d0a5d", help="git revision of the guard before the hardening")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    project = Project.locate(ROOT)
    setups = [("Oxigraph directly (floor)", lambda: Direct(project), lambda s: s.port, lambda s: s.stop())]
    baseline = old_guard(args.baseline_ref)
    if baseline is not None:
        setups.append((f"guard before hardening ({args.baseline_ref})", lambda: baseline(project, port=0, limit_s=10).start(),
                       lambda s: s.port, lambda s: s.stop()))
    setups.append(("hardened guard", lambda: Endpoint(project, port=0, limit_s=10).start(), lambda s: s.port,
                   lambda s: s.stop()))
    rows = []  # (query, clients, keep-alive, [q/s per setup])
    results: dict[tuple, list[float]] = {}
    for name, start, port_of, stop in setups:
        server = start()
        try:
            for qname, query in QUERIES.items():
                for clients in args.clients:
                    for keep in (False, True):
                        throughput(port_of(server), query, 40, clients, keep)  # warm up
                        qps = throughput(port_of(server), query, args.queries, clients, keep)
                        results.setdefault((qname, clients, keep), []).append(qps)
                        print(f"{name:<40} {qname:<28} clients={clients} keep-alive={keep!s:<5} {qps:8.0f} q/s",
                              flush=True)
        finally:
            stop(server)
    names = [s[0] for s in setups]
    lines = ["# The guard of `evkg serve`: queries per second, and what a confined embedded query costs", "",
             f"{args.queries} POSTed queries per cell on the review graph, {', '.join(map(str, args.clients))} client "
             "thread(s), a new connection per query or one kept alive. Ratios are against Oxigraph queried directly.",
             "Run: `python benchmarks/serve_guard.py --out benchmarks/serve_guard.md` (2-core machine shared with other "
             "work: cells vary by a third between runs; compare the columns of one row, not runs).", "",
             "| query | clients | keep-alive | " + " | ".join(names) + " |",
             "|---|---:|---|" + "---:|" * len(names)]
    for (qname, clients, keep), values in results.items():
        cells = [f"{v:.0f}" + ("" if i == 0 else f" ({v / values[0]:.2f})") for i, v in enumerate(values)]
        lines.append(f"| {qname} | {clients} | {'yes' if keep else 'no'} | " + " | ".join(cells) + " |")
    rows = lines

    embedded = ["", "## The embedded store", "",
                "`evkg sparql` and `evkg query` run a query with --timeout (default 30 s) in a forked child with no "
                "network and a memory cap, so that it can be stopped; the Python API runs it in-process unless given "
                "a timeout. Each run opens the store, as every command does. Median of 30 runs:", "",
                "| query | in-process (ms) | confined child (ms) | added (ms) |", "|---|---:|---:|---:|"]
    for qname, query in QUERIES.items():
        inproc, _ = median_time(lambda: EmbeddedStore(project).query(query), 30)
        child, _ = median_time(lambda: EmbeddedStore(project).query(query, timeout=30), 30)
        embedded.append(f"| {qname} | {inproc * 1000:.1f} | {child * 1000:.1f} | {(child - inproc) * 1000:.1f} |")
        print(f"embedded {qname:<28} in-process {inproc * 1000:.1f} ms, confined child {child * 1000:.1f} ms", flush=True)
    text = "\n".join(rows + embedded) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
