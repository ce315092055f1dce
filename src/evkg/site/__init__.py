"""`evkg report`: a static HTML site of the landscape, generated from the built graph.

The pages are rendered with Jinja2 from the rows of the canned queries (collect.py); Figure 2 is
redrawn with matplotlib (chart.py) and the ontology documented by pyLODE (ontodoc.py). The site loads
nothing from the network and opens from the file system."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import EvkgError
from ..project import Project
from ..store import EmbeddedStore
from ..tables import table_1, table_2
from . import collect
from .chart import figure_2_svg
from .ontodoc import ontology_html

MARKER = ".evkg-report"
NAV = [("index.html", "Overview"), ("comparison.html", "Comparison"), ("tables.html", "Tables 1–2"),
       ("equivalences.html", "Equivalences"), ("trials.html", "Trials"), ("contradictions.html", "Contradictions"),
       ("sources.html", "Sources"), ("ontology/index.html", "Ontology")]


@dataclass
class SiteResult:
    out: Path
    pages: list[str]
    queries: list[str]


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("evkg.site", "templates"), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)


def _check_target(out: Path) -> None:
    """Refuse to replace a directory that is not an earlier report (it would be deleted)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise EvkgError(f"{out} exists and is not a report made by 'evkg report'; choose another --out "
                        "or remove it yourself")


def _stats(project: Project) -> dict:
    path = project.dist / "build-report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise EvkgError(f"cannot read {path}: {e}; run 'evkg build' first") from None
    return {"triples": report["triples"], "source_locations": report["source_locations"],
            "inferred": report.get("inferred_triples")}


def render_pages(project: Project, store: EmbeddedStore | None = None) -> tuple[dict[str, str], list[str]]:
    """Every file of the site (path -> text: HTML, CSS, SVG), and the canned queries they came from."""
    c = collect.Collector(project, store)
    js = collect.jurisdictions(c)
    if not js:
        raise EvkgError("the graph has no jurisdiction to report on")
    codes = {j.label: j.code for j in js}
    review_rows = c.rows("about-review")
    if not review_rows:
        raise EvkgError("the graph does not describe its source review (query about-review returned nothing)")
    trials = collect.trial_counts(c)
    references = collect.references(c)
    grids = [("Product classes", "classes", collect.equivalence_grid(c, "classification-matrix", js)),
             ("Trial-authorization routes", "trial-routes", collect.equivalence_grid(c, "trial-authorization-matrix", js))]
    collect.attach_counterparts(js, [g for _, _, g in grids])
    pages = {
        "index.html": ("index.html", {"jurisdictions": js, "examples": examples_list(project, c.store)}),
        "comparison.html": ("comparison.html", {"jurisdictions": js, "aspects": collect.aspects(js)}),
        "tables.html": ("tables.html", {"tables": [(table_1(project, c.store), "tab-1"), (table_2(project, c.store), "tab-2")],
                                        "anchor_label": {"tab-1": "Table 1", "tab-2": "Table 2"}}),
        "equivalences.html": ("equivalences.html", {"grids": grids}),
        "trials.html": ("trials.html", {"trials": trials, "codes": codes}),
        "contradictions.html": ("contradictions.html", {"contradictions": collect.contradictions(c), "codes": codes}),
        "sources.html": ("sources.html", {"parts": collect.sources(c)}),
    }
    c.queries_used += ["table-1", "table-2"]
    common = {"nav": NAV, "review": review_rows[0], "stats": _stats(project), "references": references}
    env = _environment()
    files: dict[str, str] = {}
    for j in js:
        files[j.page] = env.get_template("jurisdiction.html").render(
            common, j=j, jurisdictions=js, codes=codes, root="../", page=j.page, queries=c.queries_used)
    for path, (template, context) in pages.items():
        files[path] = env.get_template(template).render(common, **context, root="", page=path, queries=c.queries_used)
    for name, snap in worked_examples(project, c.store).items():
        files[f"examples/{name}.html"] = env.get_template("example.html").render(
            common, snap=snap, example=name, root="../", page=f"examples/{name}.html", queries=c.queries_used,
            **snapshot_context(snap))
    c.queries_used += ["advise"]
    files["figure-2.svg"] = figure_2_svg(trials)
    files["static/site.css"] = (Path(__file__).parent / "static" / "site.css").read_text(encoding="utf-8")
    files["ontology/index.html"] = ontology_html(project.root / "ontology" / "evkg.ttl", "../index.html")
    return files, c.queries_used


def worked_examples(project: Project, store: EmbeddedStore) -> dict:
    """The advisor's snapshot of each worked example profile (src/evkg/advisor/examples/), by name."""
    from ..advisor import advise
    from ..advisor.options import EXAMPLES, examples
    from ..advisor.profile import read_profile
    from ..api import KnowledgeGraph

    kg = KnowledgeGraph(project, store)
    return {name: advise(kg, read_profile(EXAMPLES / f"{name}.yaml", kg.names)) for name in examples()}


def examples_list(project: Project, store: EmbeddedStore) -> list[tuple[str, str]]:
    from ..advisor.options import EXAMPLES, examples
    from ..advisor.profile import read_profile
    from ..querying import names_for

    return [(n, read_profile(EXAMPLES / f"{n}.yaml", names_for(store)).name) for n in examples()]


def snapshot_context(snap) -> dict:
    from ..advisor import report

    return {"aspects": report.ASPECTS, "not_stated": report.NOT_STATED, "details": report._detail_lines,
            "sorted_items": report._sorted, "show_verdicts": report._show_verdicts,
            "currency": report.CURRENCY.format(**snap.review)}


def generate_site(project: Project, out: Path | None = None) -> SiteResult:
    """Write the site to `out` (default dist/site), replacing an earlier report there only once the
    new one is complete: on any error the directory is left as it was."""
    out = Path(out) if out else project.dist / "site"
    _check_target(out)
    files, queries = render_pages(project)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    except OSError as e:
        raise EvkgError(f"cannot write the report next to {out}: {e.strerror or e}") from None
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (tmp / MARKER).write_text("made by evkg report; the whole directory is replaced on the next run\n")
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError):
            raise EvkgError(f"cannot write the report to {out}: {e.strerror or e}") from None
        raise
    old = None
    try:
        if out.exists():
            old = out.parent / f".{out.name}.old"
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        tmp.rename(out)
    except OSError as e:
        if old is not None and old.exists() and not out.exists():
            old.rename(out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise EvkgError(f"cannot move the new report into {out}: {e}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    pages = sorted(p for p in files if p.endswith(".html"))
    return SiteResult(out, pages, queries)
