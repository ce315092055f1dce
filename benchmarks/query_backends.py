"""Benchmark: every canned query on rdflib's in-memory store vs the embedded store (pyoxigraph) vs
the HTTP endpoint (`evkg serve`, through SPARQLWrapper), at about 10k, 100k and 1M triples, side by
side in one run; plus load times and the cold start of `evkg query`. Writes a Markdown report.

    python benchmarks/query_backends.py --sizes 10000 100000 1000000 --out benchmarks/results.md
    python benchmarks/query_backends.py --smoke      # the review graph, one run each: does it still run?

Each query runs with every parameter set the tests use (tests/query_cases.py: the queries' own
'#+ example:' lines), so a new query or parameter is measured without touching this file.

Graphs come from benchmarks/generate.py (the review graph plus SYNTHETIC jurisdictions and trials).
rdflib gets a per-query time cap (a query still running then is reported as "> cap").
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from generate import generate  # noqa: E402
from query_cases import all_cases, case_id  # noqa: E402

from evkg.binding import with_values  # noqa: E402
from evkg.catalogue import bind, load_catalogue  # noqa: E402
from evkg.errors import EvkgError  # noqa: E402
from evkg.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH  # noqa: E402
from evkg.project import Project  # noqa: E402


HTTP_LIMIT_S = 30  # the endpoint's time limit per query


class Cap(Exception):
    pass


def _alarm(signum, frame):
    raise Cap()


def timed(fn, runs: int, cap: float | None = None) -> float | None:
    """Median seconds of `runs` calls (fewer when one call takes over a second); None if a call
    exceeded `cap` seconds."""
    times = []
    for i in range(runs):
        if times and sum(times) > 3.0:
            break
        if cap:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, cap)
        t = time.perf_counter()
        try:
            fn()
        except Cap:
            return None
        finally:
            if cap:
                signal.setitimer(signal.ITIMER_REAL, 0)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ms(x: float | None, cap: float | None = None) -> str:
    return f"> {cap * 1000:.0f}" if x is None else f"{x * 1000:.2f}"


def bench_size(target: int, cases: list, runs: int, rdflib_cap: float, rdflib_up_to: int, tmp: Path) -> tuple[list[str], dict]:
    import pyoxigraph as ox
    import rdflib

    from evkg.querying import names_for
    from evkg.remote import remote_query
    from evkg.serve import Endpoint
    from evkg.store import EmbeddedStore, open_read_only

    nt = tmp / f"graph-{target}.nt"
    with open(nt, "w", encoding="utf-8") as f:
        for line in generate(ROOT / "dist" / "evkg.nt", target):
            f.write(line + "\n")
    # embedded store on disk, laid out as `evkg build` writes it: the asserted facts (here with the
    # synthetic ones) and the review's inferred triples, each in its named graph
    proj = tmp / f"project-{target}"
    (proj / "dist").mkdir(parents=True)
    (proj / "ontology").mkdir()
    (proj / "ontology" / "evkg.ttl").write_text("")
    os.symlink(ROOT / "queries", proj / "queries")
    inferred = ROOT / "dist" / "evkg-inferred.nt"
    t = time.perf_counter()
    store = ox.Store(str(proj / "dist" / "store"))
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(ASSERTED_GRAPH)))
    store.flush()
    ox_load = time.perf_counter() - t
    store.bulk_load(path=str(inferred), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(INFERRED_GRAPH)))
    store.flush()
    triples = len(store)
    del store
    project = Project(proj)
    store, names = open_read_only(proj / "dist" / "store"), names_for(EmbeddedStore(project))
    g, rdf_load = None, None
    if target <= rdflib_up_to:
        t = time.perf_counter()
        g = rdflib.Dataset()
        g.graph(rdflib.URIRef(str(ASSERTED_GRAPH))).parse(nt, format="nt")
        rdf_load = time.perf_counter() - t
        g.graph(rdflib.URIRef(str(INFERRED_GRAPH))).parse(inferred, format="nt")
    catalogue = load_catalogue(project)
    rows, stats = [], {"embedded": [], "http": [], "rdflib": [], "ratio": []}
    with Endpoint(project, port=0, limit_s=HTTP_LIMIT_S) as ep:
        for name, params in cases:
            q, label = catalogue[name], case_id(name, params)
            print(f"  {label}", file=sys.stderr, flush=True)
            text = with_values(q.text, bind(q, params, names))
            emb = timed(lambda: list(store.query(text)), runs)
            try:
                http = timed(lambda: remote_query(ep.query_url, text, timeout=2 * HTTP_LIMIT_S), max(3, runs // 2))
            except EvkgError:  # the endpoint stopped it at its time limit
                http = None
            stats["http"].append(http)
            if g is None:
                rows.append(f"| {label} | not run | {ms(emb)} | {ms(http, HTTP_LIMIT_S)} | |")
                stats["embedded"].append(emb)
                continue
            try:
                rdf = timed(lambda: list(g.query(text)), 3, rdflib_cap)
            except Exception as e:  # rdflib rejects some valid SPARQL (e.g. GROUP_CONCAT over unbound values)
                rows.append(f"| {label} | fails ({type(e).__name__}) | {ms(emb)} | {ms(http, HTTP_LIMIT_S)} | |")
                stats["embedded"].append(emb)
                continue
            ratio = "" if rdf is None else f"{rdf / emb:.0f}x"
            rows.append(f"| {label} | {ms(rdf, rdflib_cap)} | {ms(emb)} | {ms(http, HTTP_LIMIT_S)} | {ratio or '> ' + f'{rdflib_cap / emb:.0f}x'} |")
            stats["embedded"].append(emb)
            stats["rdflib"].append(rdf if rdf is not None else rdflib_cap)
            stats["ratio"].append((rdf if rdf is not None else rdflib_cap) / emb)
    del g, store
    head = [f"### About {target:,} triples ({triples:,} distinct)\n",
            (f"Load: rdflib `Graph.parse` {rdf_load:.2f} s; pyoxigraph `Store.bulk_load` (on disk) {ox_load:.2f} s "
             f"({rdf_load / ox_load:.1f}x faster).\n" if rdf_load else
             f"Load: pyoxigraph `Store.bulk_load` (on disk) {ox_load:.2f} s (rdflib not run at this size).\n"),
            "| query | rdflib memory (ms) | embedded pyoxigraph (ms) | HTTP endpoint (ms) | rdflib / embedded |",
            "|---|---:|---:|---:|---:|"]
    med = lambda xs: statistics.median(xs) if xs else None
    stats["http"] = [h if h is not None else HTTP_LIMIT_S for h in stats["http"]]
    ratio = f"{med(stats['ratio']):.0f}x" if stats["ratio"] else ""
    tail = [f"| **median of all cases** | {ms(med(stats['rdflib'])) if stats['rdflib'] else 'not run'} | "
            f"{ms(med(stats['embedded']))} | {ms(med(stats['http']))} | {ratio} |", ""]
    stats["max_embedded"] = max(stats["embedded"])
    stats["over"] = [r.split(" | ")[0][2:] for r, e in zip(rows, stats["embedded"]) if e > (0.1 if target <= 200_000 else 1.0)]
    stats["triples"] = triples
    return head + rows + tail, stats


def cold_start(runs: int) -> float:
    exe = Path(sys.executable).with_name("evkg")
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "evkg.cli"]),
           "--root", str(ROOT), "query", "trial-counts", "--format", "csv"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--rdflib-cap", type=float, default=5.0, help="seconds before an rdflib query is given up")
    ap.add_argument("--rdflib-up-to", type=int, default=200_000, help="rdflib only up to this size (27 s to parse 1M)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--smoke", action="store_true", help="the review graph only, one run each, rdflib capped at 0.02 s")
    args = ap.parse_args()
    if args.smoke:
        args.sizes, args.runs, args.rdflib_cap = [0], 1, 0.02
    if not (ROOT / "dist" / "evkg.nt").is_file():
        sys.exit("run 'evkg build' first")
    # federated queries need Wikidata, which this machine cannot reach; they are tested against a stand-in
    catalogue = load_catalogue(Project(ROOT))
    cases = [(n, p) for n, p in all_cases() if not catalogue[n].federated]
    out = ["# Query back ends: rdflib vs embedded pyoxigraph vs HTTP endpoint", "",
           f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; medians of {args.runs} runs "
           f"(HTTP: {max(3, args.runs // 2)}, stopped at {HTTP_LIMIT_S} s; rdflib: 3, capped at {args.rdflib_cap:g} s, "
           f"up to {args.rdflib_up_to:,} triples). `uptime` at the start: {os.getloadavg()[0]:.1f} (load average). "
           f"{len(cases)} cases: each canned query with each parameter set the tests use (tests/query_cases.py); "
           "the review graph plus synthetic data (benchmarks/generate.py) in the asserted graph, the review's "
           "inferred triples in the inferred graph.", ""]
    summary = []
    with tempfile.TemporaryDirectory(prefix="evkg-bench-") as tmp:
        for size in args.sizes:
            print(f"benchmarking {size:,} triples ...", file=sys.stderr, flush=True)
            lines, stats = bench_size(size, cases, args.runs, args.rdflib_cap, args.rdflib_up_to, Path(tmp))
            out += lines
            summary.append((size, stats))
            shutil.rmtree(Path(tmp) / f"project-{size}", ignore_errors=True)
    cs = cold_start(1 if args.smoke else 7)
    out += ["### Summary", "",
            "| size | median embedded (ms) | slowest embedded (ms) | median HTTP (ms) | median rdflib / embedded |",
            "|---|---:|---:|---:|---:|"]
    for size, s in summary:
        ratio = f"{statistics.median(s['ratio']):.0f}x" if s["ratio"] else "not run"
        out.append(f"| {s['triples']:,} | {statistics.median(s['embedded']) * 1000:.2f} | {s['max_embedded'] * 1000:.1f} | "
                   f"{statistics.median(s['http']) * 1000:.2f} | {ratio} |")
    out += ["", "Cases over the target on the embedded store (100 ms up to 200k triples, 1 s above): " + "; ".join(
        f"{s['triples']:,}: {', '.join(s['over']) or 'none'}" for _, s in summary) + "."]
    out += ["", f"Cold start of `evkg query trial-counts` on the review graph (new process, median of {1 if args.smoke else 7}): {cs:.2f} s.", ""]
    text = "\n".join(out)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
