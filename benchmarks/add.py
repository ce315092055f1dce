"""Benchmark: `evkg add` of a 10-triple submission, incremental (increment.py) side by side with the
full-rebuild method it replaces, on the review graph grown with SYNTHETIC data (benchmarks/generate.py)
to about 10k, 100k and 1M triples. Each run adds to a fresh copy of the built project. Prints a Markdown table.

    python benchmarks/add.py --sizes 10000 100000 1000000 [--runs 3] [--rebuild-up-to 1000000] [--out benchmarks/add.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evkg.build import build  # noqa: E402
from evkg.project import Project  # noqa: E402
from generate import synthetic_project  # noqa: E402
from timing import machine_load, publish  # noqa: E402

# Ten triples about synthetic jurisdiction 0: two positions (cosmetic use, a standard), SYNTHETIC data.
SUBMISSION = """@prefix evkg: <https://w3id.org/evkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix s: <https://w3id.org/evkg/resource/synthetic/> .
@prefix r: <https://w3id.org/evkg/resource/> .
s:position\\/bench-a a evkg:StandardPosition ; rdfs:label "Synthetic benchmark position a (synthetic)"@en ;
    evkg:jurisdiction s:jurisdiction\\/0 ; evkg:standard r:standard\\/gmp ; prov:wasDerivedFrom r:source\\/sec-1 .
s:position\\/bench-b a evkg:CosmeticUsePosition ; rdfs:label "Synthetic benchmark position b (synthetic)"@en ;
    evkg:jurisdiction s:jurisdiction\\/0 ; evkg:cosmeticStatus r:concept\\/cosmetic-permitted ; prov:wasDerivedFrom r:source\\/sec-1 .
"""


def timed_add(built: Path, work: Path, submission: Path, rebuild: bool) -> tuple[float, float, str]:
    """Wall-clock and CPU (user + sys) seconds of `evkg add` (a new process, as a user runs it) on a fresh
    copy of `built`, and its last line. CPU time is less sensitive to other work on a shared machine."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(built, work)
    cmd = [sys.executable, "-m", "evkg.cli", "--root", str(work), "add", str(submission)]
    env = dict(os.environ)
    if rebuild:  # the method before issue 18: the same judgement, then a full rebuild
        cmd = [sys.executable, "-c", "import sys; from pathlib import Path; from evkg.project import Project; "
               "from evkg.adding import add_facts; r = add_facts(Project(Path(sys.argv[1])), Path(sys.argv[2]), "
               "progress=lambda m: None, rebuild=True); print(r.how)", str(work), str(submission)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if r.returncode != 0:
        raise SystemExit(f"add failed: {r.stderr.strip()[-500:]}")
    return seconds, cpu, r.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3, help="runs per size below 1M (1 at 1M and above)")
    ap.add_argument("--rebuild-up-to", type=int, default=1_000_000, help="also time the full-rebuild method up to this size")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    load = machine_load()
    rows = []
    with tempfile.TemporaryDirectory(prefix="evkg-bench-add-") as tmp:
        submission = Path(tmp) / "bench-ten-triples.ttl"
        submission.write_text(SUBMISSION, encoding="utf-8")
        for n in args.sizes:
            built = synthetic_project(Path(tmp) / f"p{n}", ROOT, n)
            result = build(Project(built), progress=lambda m: None)
            runs = 1 if n >= 1_000_000 else args.runs
            inc = [timed_add(built, Path(tmp) / "work", submission, False) for _ in range(runs)]
            how = inc[-1][2].split("; ", 1)[-1]
            new, new_cpu = statistics.median(s for s, _, _ in inc), statistics.median(c for _, c, _ in inc)
            old = old_cpu = None
            if n <= args.rebuild_up_to:
                full = [timed_add(built, Path(tmp) / "work", submission, True) for _ in range(runs)]
                old, old_cpu = statistics.median(s for s, _, _ in full), statistics.median(c for _, c, _ in full)
            shutil.rmtree(built)
            ratio = f"{old / new:.1f}x" if old else "not run"
            rebuilt = f"{old:.2f} ({old_cpu:.2f})" if old else "not run"
            rows.append(f"| about {n:,} | {result.triples:,} | {new:.2f} ({new_cpu:.2f}) | {rebuilt} | {ratio} | {how} |")
            print(rows[-1], file=sys.stderr, flush=True)
    out = ["# `evkg add` of a 10-triple submission", "",
           f"Measured with `python benchmarks/add.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs}` "
           f"on this machine ({os.cpu_count()} cores; `uptime` at the start: {load}).",
           f"Seconds of wall-clock time of the whole command (a new process: imports, lock, judgement, dist/ replaced), "
           "and in brackets its CPU time (user + sys, less sensitive to the other work on this shared machine), "
           f"medians of {args.runs} runs (1 at 1M triples), each on a fresh copy of the built project. Graphs are the "
           "review's sources plus SYNTHETIC jurisdictions and trials from `benchmarks/generate.py`; the submission is "
           "two synthetic positions (10 triples) on one synthetic jurisdiction.", "",
           "| graph | triples | add (incremental) | add (full rebuild, as before) | ratio | what `evkg add` said |",
           "|---|---:|---:|---:|---:|---|", *rows, "",
           "Incremental: the last build is the starting point (dist/evkg.nt loaded into a pyoxigraph memory store), the "
           "shortcut rules run again on the whole store, SHACL runs on the submission's nodes, the rules reasoner on "
           "the modules of the jurisdictions it touches (the ontology's axioms compiled once), dist/evkg.nt, .ttl and "
           ".jsonld are the last build's files with the new triples appended (dumped from the store when a triple "
           "is withdrawn), and the on-disk store is a copy of the built one changed in place. Full rebuild: the same judgement, then `evkg build` with the file "
           "in data/added/ (parse, rules, SHACL and reasoner on the whole graph, every artefact written)."]
    publish(out, args.out)


if __name__ == "__main__":
    main()
