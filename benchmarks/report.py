"""Where `evkg report` spends its time, on the built review graph (run `evkg build` first), and how heavy
its pages are.

Baseline: running the canned queries the site is made from, nothing else. Each stage of the report
is timed in the same process and printed as a ratio to that baseline; the biggest pages, the search
index and the whole site are weighed. With --before, the whole report of an earlier evkg (its src/
directory) and of this one are timed side by side, alternately, each in a process of its own, on the
same graph. Results go to report.md.

    git archive main src | tar -x -C /tmp/before       # for instance
    python benchmarks/report.py [--runs 5] [--before /tmp/before/src]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402

from evkg.api import KnowledgeGraph  # noqa: E402
from evkg.project import Project  # noqa: E402
from evkg.site import collect, downloads, generate_site, render_pages  # noqa: E402
from evkg.site.chart import figure_2_svg  # noqa: E402
from evkg.site.ontodoc import ontology_html  # noqa: E402
from evkg.store import EmbeddedStore  # noqa: E402

# one process: a warm-up report, then `runs` timed ones; prints the times and the number of pages
_CHILD = """import json, sys, tempfile, time
from pathlib import Path
from evkg.project import Project
from evkg.site import generate_site
project = Project.locate(Path(sys.argv[1]))
with tempfile.TemporaryDirectory() as tmp:
    generate_site(project, Path(tmp) / "warm-up")
    times = []
    for n in range(int(sys.argv[2])):
        t = time.perf_counter()
        result = generate_site(project, Path(tmp) / f"site-{n}")
        times.append(time.perf_counter() - t)
print(json.dumps({"times": times, "pages": len(result.pages)}))
"""


def side_by_side(before_src: Path, root: Path, runs: int) -> dict[str, dict]:
    """Median time of the whole report (written to disk) by the earlier evkg and by this one, in two rounds."""
    here = Path(__file__).resolve().parents[1] / "src"
    got: dict[str, dict] = {"before": {"times": []}, "now": {"times": []}}
    for _ in range(2):
        for name, src in (("before", before_src), ("now", here)):
            env = {**os.environ, "PYTHONPATH": str(src)}
            out = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(max(1, runs // 2))], env=env,
                                 check=True, capture_output=True, text=True).stdout
            res = json.loads(out.strip().splitlines()[-1])
            got[name]["times"] += res["times"]
            got[name]["pages"] = res["pages"]
    for v in got.values():
        v["median"] = statistics.median(v["times"])
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", type=Path, help="src/ directory of an earlier evkg to time side by side")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "report.md")
    args = ap.parse_args()
    runs = args.runs
    project = Project.locate(Path(__file__).resolve().parents[1])
    store = EmbeddedStore(project)
    _, queries = render_pages(project, store)  # warm-up; also tells which queries the site uses
    queries = [q for q in queries if q not in ("table-1", "table-2", "advise")]  # run outside the collector
    c = collect.Collector(project, store)
    kg = KnowledgeGraph(project, store)

    def baseline():
        fresh = collect.Collector(project, store)  # a collector answers a repeated query from memory
        for name in queries:
            params = {"jurisdiction": "JP"} if name in ("statements-by-jurisdiction", "external-links") else {}
            fresh.rows(name, **params)

    t_base, _ = median_time(baseline, runs)
    codes = [j.code for j in collect.jurisdictions(c)]
    stages = {
        "canned queries, once each (baseline)": t_base,
        "gather: all query runs + grouping": median_time(lambda: collect.jurisdictions(collect.Collector(project, store)), runs)[0],
        "downloads: CSV + XLSX of every table": median_time(lambda: downloads.files(downloads.downloads(kg, codes), "2025-01-01T00:00:00Z"), runs)[0],
        "Figure 2 chart (matplotlib SVG)": median_time(lambda: figure_2_svg(collect.trial_counts(c)), runs)[0],
        "ontology docs (pyLODE)": median_time(lambda: ontology_html(project.root / "ontology" / "evkg.ttl", "../index.html"), runs)[0],
        "all pages in memory (render_pages)": median_time(lambda: render_pages(project, store), runs)[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        stages["evkg report, written to disk"] = median_time(lambda: generate_site(project, out), runs)[0]
        sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*") if p.is_file()}
    pages = [p for p in sizes if p.endswith(".html")]
    lines = ["# `evkg report` on the review graph", "",
             f"Median of {runs} runs in one process; ratio = stage time / baseline (the {len(queries)} canned queries",
             "the site's pages use, run once each; the report runs the per-jurisdiction ones once per jurisdiction,",
             "and the downloads run the CLI's own exports again).", "",
             "| stage | median | ratio to baseline |", "|---|---:|---:|"]
    lines += [f"| {k} | {v * 1000:.0f} ms | {v / t_base:.1f}x |" for k, v in stages.items()]
    lines += ["", "The ontology's page is made by pyLODE in a child process while the rest is gathered and rendered,",
              "so the report takes less than the sum of its stages on two cores."]
    if args.before:
        both = side_by_side(args.before, project.root, runs)
        b, n = both["before"], both["now"]
        lines += ["", "## Side by side with an earlier evkg", "",
                  f"The whole report written to disk, median of {len(n['times'])} runs each, alternating, same graph:", "",
                  "| evkg | pages | median | ratio |", "|---|---:|---:|---:|",
                  f"| earlier (`{args.before}`) | {b['pages']} | {b['median'] * 1000:.0f} ms | 1.00x |",
                  f"| this one | {n['pages']} | {n['median'] * 1000:.0f} ms | {n['median'] / b['median']:.2f}x |"]
    lines += ["", "## Page weights", "", "| file | bytes |", "|---|---:|"]
    biggest = sorted(pages, key=lambda p: -sizes[p])[:6]
    for name in biggest + ["static/search-index.js", "static/minisearch.js", "static/site.css", "static/site.js",
                           "static/search.js", "figure-2.svg"]:
        lines.append(f"| `{name}` | {sizes[name]:,} |")
    lines += [f"| the search page with its scripts (search.html + minisearch.js + search-index.js + search.js) | "
              f"{sum(sizes[n] for n in ('search.html', 'static/minisearch.js', 'static/search-index.js', 'static/search.js')):,} |",
              f"| downloads/ ({sum(p.startswith('downloads/') for p in sizes)} files) | "
              f"{sum(v for p, v in sizes.items() if p.startswith('downloads/')):,} |",
              f"| the whole site ({len(sizes)} files) | {sum(sizes.values()):,} |"]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
