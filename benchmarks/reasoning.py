"""Benchmark: OWL reasoning (owlready2 + HermiT, and Pellet) on the review graph and on larger
graphs from benchmarks/generate.py (review graph + SYNTHETIC jurisdictions and trials), with the
build's other steps on the review graph side by side. Prints a Markdown table.

    python benchmarks/reasoning.py --sizes 20000 50000 100000 [--out benchmarks/reasoning.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rdflib import Graph  # noqa: E402

from evkg.build import assemble  # noqa: E402
from evkg.project import Project  # noqa: E402
from timing import median_time  # noqa: E402
from evkg.reasoning import _reasoner_input, reason  # noqa: E402
from evkg.validation import load_shapes, validate_graph  # noqa: E402
from generate import generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[20_000, 50_000, 100_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    project = Project(ROOT)
    t_asm, (graph, *_) = median_time(lambda: assemble(project), args.runs)
    t_shacl, _ = median_time(lambda: validate_graph(Graph() + graph, load_shapes(project)), args.runs)
    rows = []
    for name, g in [("review graph", graph)] + [
            (f"about {n:,}", Graph().parse(data="\n".join(generate(ROOT / "dist" / "evkg.nt", n)), format="nt"))
            for n in args.sizes]:
        reasoner_triples = len(_reasoner_input(g, "hermit"))
        th, rh = median_time(lambda: reason(g, "hermit"), args.runs if name == "review graph" else 1)
        tp, rp = median_time(lambda: reason(g, "pellet"), args.runs if name == "review graph" else 1)
        rows.append(f"| {name} | {len(g):,} | {reasoner_triples:,} | {th:.2f} | {tp:.2f} | "
                    f"{'yes' if rh.consistent else 'NO'} / {len(rh.inferred):,} |")
        print(rows[-1], file=sys.stderr, flush=True)
    out = ["# OWL reasoning cost", "",
           f"Review graph, the other build steps (medians of {args.runs}): assemble {t_asm:.2f} s, "
           f"SHACL validation {t_shacl:.2f} s (it runs beside the reasoner in `evkg build`).", "",
           "| graph | triples | given to the reasoner | HermiT (s) | Pellet (s) | consistent / inferred (HermiT) |",
           "|---|---:|---:|---:|---:|---:|", *rows, "",
           "Times include the JVM start and owlready2's load; the reasoner gets the logical part of the graph "
           "(no annotations, no provenance layer)."]
    text = "\n".join(out)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
