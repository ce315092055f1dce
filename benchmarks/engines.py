"""Benchmark: the full canned-query suite (every case of tests/query_cases.py but the federated ones)
on Virtuoso Open Source beside the embedded store (pyoxigraph), at the review graph and at about 1M
triples, in one run; plus the time `evkg load`'s Graph Store upload takes. Writes a Markdown report.

    python benchmarks/engines.py --sizes 0 1000000 --out benchmarks/engines.md     # 0: the review graph

The larger graph is the review graph plus SYNTHETIC jurisdictions and trials from benchmarks/generate.py
(IRIs under resource/synthetic/, labels saying "synthetic"). Virtuoso runs as the tests start it
(tests/engines.py), with more buffers for the large graph. A case that fails on Virtuoso is counted and
its time stays in the totals and it is listed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from engines import start_virtuoso  # noqa: E402
from generate import generate  # noqa: E402
from query_cases import all_cases, case_id  # noqa: E402

from evkg.catalogue import load_catalogue  # noqa: E402
from evkg.errors import EvkgError  # noqa: E402
from evkg.project import Project  # noqa: E402
from evkg.querying import run_query  # noqa: E402
from evkg.reasoning import INFERRED_GRAPH  # noqa: E402
from evkg.remote import ASSERTED_GRAPH, load_graph_store  # noqa: E402
from evkg.store import EmbeddedStore  # noqa: E402


def project_with(nt: Path, work: Path) -> Project:
    """A project folder holding the canned queries and an embedded store built from `nt` and the
    review's inferred triples, each in its named graph, as `evkg build` lays them out."""
    import pyoxigraph as ox

    shutil.copytree(ROOT / "queries", work / "queries")
    (work / "dist").mkdir(parents=True)
    store = ox.Store(str(work / "dist" / "store"))
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(ASSERTED_GRAPH))
    store.bulk_load(path=str(ROOT / "dist" / "evkg-inferred.nt"), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(str(INFERRED_GRAPH)))
    store.flush()
    del store
    return Project(work)


def suite(project: Project, cases, endpoint: str | None, store, runs: int):
    """Median seconds of the whole suite over `runs` runs, per-case medians, and the cases that failed."""
    per_case: dict[str, list[float]] = {}
    failed: dict[str, str] = {}
    totals = []
    for _ in range(runs):
        total = 0.0
        for name, params in cases:
            t = time.perf_counter()
            try:
                run_query(project, name, params, store, endpoint=endpoint, timeout=300)
            except EvkgError as e:
                failed[case_id(name, params)] = str(e)
            dt = time.perf_counter() - t
            total += dt
            per_case.setdefault(case_id(name, params), []).append(dt)
        totals.append(total)
    return statistics.median(totals), {k: statistics.median(v) for k, v in per_case.items()}, failed


def bench(size: int, work: Path, runs: int) -> dict:
    nt = ROOT / "dist" / "evkg.nt"
    if size:
        nt = work / f"graph-{size}.nt"
        with nt.open("w", encoding="utf-8") as f:
            for line in generate(ROOT / "dist" / "evkg.nt", size):
                f.write(line + "\n")
    triples = sum(1 for _ in nt.open("rb"))
    project = project_with(nt, work / "project")
    store = EmbeddedStore(project)
    catalogue = load_catalogue(project)
    cases = [(n, p) for n, p in all_cases() if not catalogue[n].federated]
    with start_virtuoso(work / "virtuoso", buffers=170000 if size else 10000) as virtuoso:
        t = time.perf_counter()
        os.environ.update(virtuoso.env)
        load_graph_store(virtuoso.store_url, {ASSERTED_GRAPH: nt, str(INFERRED_GRAPH): ROOT / "dist" / "evkg-inferred.nt"},
                         virtuoso.query_url, timeout=3600)
        load = time.perf_counter() - t
        suite(project, cases, virtuoso.query_url, None, 1)  # warm-up
        v_total, v_cases, v_failed = suite(project, cases, virtuoso.query_url, None, runs)
        version = virtuoso.version
    suite(project, cases, None, store, 1)
    e_total, e_cases, _ = suite(project, cases, None, store, runs)
    return {"size": size, "triples": triples, "load": load, "cases": len(cases), "embedded": e_total,
            "virtuoso": v_total, "failed": v_failed, "slowest": sorted(v_cases.items(), key=lambda kv: -kv[1])[:5],
            "e_cases": e_cases, "version": version}


def report(results: list[dict], runs: int) -> str:
    lines = ["# The canned-query suite on Virtuoso beside the embedded store", "",
             f"`python benchmarks/engines.py` on {platform.machine()}, {platform.python_version()}, "
             f"Virtuoso Open Source {results[0]['version']} (Debian), pyoxigraph embedded store; median of {runs} "
             "runs after one warm-up run. The larger graph is the review graph plus SYNTHETIC data "
             "(benchmarks/generate.py). Through `--endpoint` each query pays an HTTP round trip and JSON parsing.", "",
             "| graph | triples | `evkg load` into Virtuoso (s) | cases | suite, embedded (s) | suite, Virtuoso (s) | Virtuoso / embedded | cases failing on Virtuoso |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        label = "review" if not r["size"] else f"review + synthetic, ~{r['size']:,}"
        lines.append(f"| {label} | {r['triples']:,} | {r['load']:.1f} | {r['cases']} | {r['embedded']:.2f} | "
                     f"{r['virtuoso']:.2f} | {r['virtuoso'] / r['embedded']:.1f}x | {len(r['failed'])} |")
    for r in results:
        label = "review graph" if not r["size"] else f"~{r['size']:,} triples"
        lines += ["", f"Slowest cases on Virtuoso, {label} (seconds, Virtuoso / embedded):", ""]
        lines += [f"- {k}: {v:.3f} / {r['e_cases'][k]:.3f}" for k, v in r["slowest"]]
        if r["failed"]:
            lines += ["", f"Failing on Virtuoso, {label} (see tests/test_engines.py for the causes):", ""]
            lines += [f"- {k}: {v}" for k, v in sorted(r["failed"].items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 1000000], help="0 is the review graph itself")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "engines.md"))
    args = ap.parse_args()
    if not (ROOT / "dist" / "evkg.nt").is_file():
        sys.exit("run 'evkg build' first")
    results = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench(size, Path(tmp), args.runs))
            r = results[-1]
            print(f"{r['triples']:>9} triples: load {r['load']:.1f} s, suite embedded {r['embedded']:.2f} s, "
                  f"Virtuoso {r['virtuoso']:.2f} s, {len(r['failed'])} failing", flush=True)
    Path(args.out).write_text(report(results, args.runs), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
