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


def _check_target(out: Path, legacy_marker_ok: bool = False) -> None:
    """Refuse to replace a directory that is not an earlier report (it would be deleted).

    An earlier report is recognized by its content, not by a marker anyone could plant: its MARKER
    lists every file with its SHA-256, and the directory must hold exactly those files, unchanged.
    (`legacy_marker_ok`: under dist/, which evkg owns, the plain marker of earlier versions will do.)"""
    if not out.exists() and not out.is_symlink():
        return
    refuse = f"{out} exists and is not a report made by 'evkg report'"
    if out.is_symlink() or not out.is_dir():
        raise EvkgError(f"{refuse} (it is not a folder); choose another --out or remove it yourself")
    if not any(out.iterdir()):
        return
    if legacy_marker_ok and (out / MARKER).is_file() and not (out / MARKER).read_text(errors="replace").startswith("{"):
        return
    try:
        listed = json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        listed = None
    found = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_symlink() or not (p.is_file() or p.is_dir()):
            raise EvkgError(f"{refuse} ({rel} is not a plain file); choose another --out or remove it yourself")
        if p.is_file() and rel != MARKER:
            found[rel] = _sha256(p)
    if not isinstance(listed, dict) or found != listed:
        extra = sorted(set(found) - set(listed)) if isinstance(listed, dict) else sorted(found)
        changed = [r for r in found if isinstance(listed, dict) and r in listed and listed[r] != found[r]]
        example = (extra or changed or ["its list of files"])[0]
        raise EvkgError(f"{refuse} (it holds {'changed ' if changed and not extra else ''}{example}, which the "
                        "report did not write); choose another --out or remove it yourself")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(files: dict[str, str]) -> str:
    import hashlib

    listed = {rel: hashlib.sha256(text.encode("utf-8")).hexdigest() for rel, text in files.items()}
    return json.dumps({"made_by": "evkg report; the whole directory is replaced on the next run, "
                                  "if every file is as listed here", "files": listed}, indent=1, sort_keys=True)


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


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
        "index.html": ("index.html", {"jurisdictions": js}),
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
    files["figure-2.svg"] = figure_2_svg(trials)
    files["static/site.css"] = (Path(__file__).parent / "static" / "site.css").read_text(encoding="utf-8")
    files["ontology/index.html"] = ontology_html(project.root / "ontology" / "evkg.ttl", "../index.html")
    return files, c.queries_used


def generate_site(project: Project, out: Path | None = None) -> SiteResult:
    """Write the site to `out` (default dist/site), replacing an earlier report there only once the
    new one is complete: on any error the directory is left as it was."""
    default = project.dist / "site"
    out = Path(out) if out else default
    _check_target(out, legacy_marker_ok=out.resolve() == default.resolve())
    files, queries = render_pages(project)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a report is for reading
    except OSError as e:
        raise EvkgError(f"cannot write the report next to {out}: {e.strerror or e}") from None
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (tmp / MARKER).write_text(_manifest(files), encoding="utf-8")
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
