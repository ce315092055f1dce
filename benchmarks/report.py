"""Where `evkg report` spends its time, on the built review graph (run `evkg build` first).

Baseline: running the canned queries the site is made from, nothing else. Each stage of the report
is timed in the same process and printed as a ratio to that baseline; results go to report.md.

    python benchmarks/report.py [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402

from evkg.project import Project  # noqa: E402
from evkg.site import collect, generate_site, render_pages  # noqa: E402
from evkg.site.chart import figure_2_svg  # noqa: E402
from evkg.site.ontodoc import ontology_html  # noqa: E402
from evkg.store import EmbeddedStore  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    project = Project.locate(Path(__file__).resolve().parents[1])
    store = EmbeddedStore(project)
    _, queries = render_pages(project, store)  # warm-up; also tells which queries the site uses
    c = collect.Collector(project, store)

    def baseline():
        for name in queries:
            params = {"jurisdiction": "JP"} if name in ("statements-by-jurisdiction",) else {}
            c.rows(name, **params)

    per_jurisdiction = 10  # the jurisdiction queries run once per jurisdiction in the report
    t_base, _ = median_time(baseline, runs)
    stages = {
        "canned queries, once each (baseline)": t_base,
        "gather: all query runs + grouping": median_time(lambda: collect.jurisdictions(collect.Collector(project, store)), runs)[0],
        "Figure 2 chart (matplotlib SVG)": median_time(lambda: figure_2_svg(collect.trial_counts(c)), runs)[0],
        "ontology docs (pyLODE)": median_time(lambda: ontology_html(project.root / "ontology" / "evkg.ttl", "../index.html"), runs)[0],
        "all pages in memory (render_pages)": median_time(lambda: render_pages(project, store), runs)[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        stages["evkg report, written to disk"] = median_time(lambda: generate_site(project, Path(tmp) / "site"), runs)[0]
    lines = ["# `evkg report` on the review graph", "",
             f"Median of {runs} runs in one process; ratio = stage time / baseline (the {len(queries)} canned queries",
             f"the site uses, run once each; the report runs the per-jurisdiction ones {per_jurisdiction} times).", "",
             "| stage | median | ratio to baseline |", "|---|---:|---:|"]
    lines += [f"| {k} | {v * 1000:.0f} ms | {v / t_base:.1f}x |" for k, v in stages.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    (Path(__file__).resolve().parent / "report.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
