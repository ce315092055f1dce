"""Benchmark: the whole `evkg build` by stage, on the review graph and on larger projects made by
benchmarks/generate.py (the review's sources plus SYNTHETIC jurisdictions and trials), side by side
with the stages as the build ran them before issue 18 (rdflib parsing, rules and serialisation,
pySHACL, HermiT) where those finish in reasonable time. Prints a Markdown table.

    python benchmarks/build.py --sizes 100000 1000000 [--old-up-to 100000] [--out benchmarks/build.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rdflib import Graph  # noqa: E402

from evkg.build import build  # noqa: E402
from evkg.loading import load_sources  # noqa: E402
from evkg.project import Project  # noqa: E402
from evkg.provenance import describe_locations, unsourced  # noqa: E402
from evkg.reasoning import reason  # noqa: E402
from evkg.validation import load_shapes, validate_graph  # noqa: E402
from generate import synthetic_project  # noqa: E402
from timing import machine_load, publish  # noqa: E402

NEW_STAGES = ["parse", "provenance", "rules", "reason", "validate", "write", "statistics"]


def new_build(project: Project, runs: int) -> tuple[dict, float, int]:
    """Median seconds per stage and of the whole build (wall clock, dist/ replaced), and the triples."""
    per_stage: dict[str, list[float]] = {s: [] for s in NEW_STAGES}
    totals, triples = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        result = build(project, progress=lambda m: None)
        totals.append(time.perf_counter() - t)
        triples = result.triples
        for s in NEW_STAGES:
            per_stage[s].append(result.seconds.get(s, 0.0))
    return {s: statistics.median(v) for s, v in per_stage.items()}, statistics.median(totals), triples


def old_build(project: Project, reason_too: bool, shacl_too: bool) -> dict:
    """The stages as the build ran them before: rdflib parse, rdflib provenance and rules, pySHACL on the
    whole graph, HermiT, rdflib serialisation. One run; a stage left out is None."""
    out = {}
    t = time.perf_counter()
    graph = load_sources(project.source_files(), project.root)
    out["parse"] = time.perf_counter() - t
    t = time.perf_counter()
    describe_locations(graph)
    unsourced(graph)
    out["provenance"] = time.perf_counter() - t
    t = time.perf_counter()
    for rule in sorted(project.rules.glob("*.rq")):
        for triple in list(graph.query(rule.read_text(encoding="utf-8"))):
            graph.add(triple)
    out["rules"] = time.perf_counter() - t
    out["reason"] = None
    if reason_too:
        t = time.perf_counter()
        reason(graph, "hermit")
        out["reason"] = time.perf_counter() - t
    out["validate"] = None
    if shacl_too:
        t = time.perf_counter()
        validate_graph(Graph() + graph, load_shapes(project))
        out["validate"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        for name, fmt in (("evkg.ttl", "turtle"), ("evkg.nt", "nt"), ("evkg.jsonld", "json-ld")):
            graph.serialize(destination=Path(tmp) / name, format=fmt, encoding="utf-8")
        out["write"] = time.perf_counter() - t
    return out


def cell(new: float, old: float | None, timed: bool) -> str:
    if not timed:
        return f"{new:.2f}"
    if old is None:
        return f"{new:.2f} / not run"
    return f"{new:.2f} / {old:.2f}" + (f" ({old / new:.0f}x)" if new > 0.01 and old / new >= 2 else "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3, help="runs per size below 1M (1 at 1M and above)")
    ap.add_argument("--old-up-to", type=int, default=100_000, help="also time the old stages up to this size")
    ap.add_argument("--old-shacl-up-to", type=int, default=10_000,
                    help="pySHACL up to this size (it ran over 12 minutes at 100k without finishing)")
    ap.add_argument("--old-reason-up-to", type=int, default=25_000, help="HermiT up to this size")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    load = machine_load()
    rows = []
    with tempfile.TemporaryDirectory(prefix="evkg-bench-build-") as tmp:
        review = Path(tmp) / "review"  # a copy: never build into the checkout's own dist/
        for sub in ("ontology", "data", "mappings", "queries", "shapes"):
            shutil.copytree(ROOT / sub, review / sub)
        projects = [("review graph", 0, Project(review))]
        for n in args.sizes:
            d = Path(tmp) / f"p{n}"
            d.mkdir()
            projects.append((f"about {n:,}", n, Project(synthetic_project(d, ROOT, n))))
        for name, n, project in projects:
            runs = 1 if n >= 1_000_000 else args.runs
            stages, total, triples = new_build(project, runs)
            old = old_build(project, n <= args.old_reason_up_to, n <= args.old_shacl_up_to) if n <= args.old_up_to else {}
            old_total = sum(old.values()) if old and None not in old.values() else None
            rows.append(f"| {name} | {triples:,} | " + " | ".join(cell(stages[s], old.get(s), s in old) for s in NEW_STAGES)
                        + f" | {cell(total, old_total, bool(old))} |")
            print(rows[-1], file=sys.stderr, flush=True)
    out = ["# `evkg build` by stage", "",
           f"Measured with `python benchmarks/build.py --sizes {' '.join(map(str, args.sizes))} "
           f"--old-up-to {args.old_up_to} --old-shacl-up-to {args.old_shacl_up_to}` on this machine ({os.cpu_count()} cores; `uptime` at the start: {load}).",
           f"Seconds, medians of {args.runs} builds (1 at 1M triples); `new / old (ratio)` where the stage as it ran "
           "before issue 18 was timed too (one run). Graphs beyond the review are its sources plus SYNTHETIC data "
           "from `benchmarks/generate.py`.", "",
           "| graph | triples | " + " | ".join(NEW_STAGES) + " | whole build |",
           "|---|---:|" + "---:|" * (len(NEW_STAGES) + 1), *rows, "",
           "Stages: parse = sources into the store (before: rdflib); provenance = source locations described and "
           "checked; rules = shortcut triples (before: rdflib SPARQL); reason = the rules reasoner (before: HermiT, "
           "which ran beside SHACL, so the old sum overstates the old wall-clock time on the review graph by about "
           "the smaller of the two); validate = SHACL (before: pySHACL on the whole graph, which ran over 12 minutes "
           "at 100k without finishing; now pyshacl-turbo for the core constraints and one pyoxigraph query per "
           "SHACL-SPARQL constraint); write = evkg.ttl/.nt/.jsonld, the ontology as RDF/XML, the on-disk store, the inferred graph "
           "(before: rdflib serialisation of the three files only); statistics = the build report (not timed before). "
           "The whole build is wall-clock time, dist/ replaced; `old` there is the sum of the old stages, where all ran."]
    publish(out, args.out)


if __name__ == "__main__":
    main()
