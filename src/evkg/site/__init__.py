"""`evkg report`: a static HTML site of the landscape, generated from the built graph.

The pages are rendered with Jinja2 from the rows of the canned queries (collect.py); Figure 2 is
redrawn with matplotlib (chart.py), the ontology documented by pyLODE (ontodoc.py), every table offered
as CSV and XLSX by the CLI's own exports (downloads.py), and the search runs in the browser with the
vendored MiniSearch over documents written as a script (search.py). The site loads nothing from the
network and opens from the file system."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..errors import EvkgError
from ..namespaces import PREFIXES
from ..project import Project
from ..store import EmbeddedStore
from ..tables import table_1, table_2
from . import collect, downloads, search
from .chart import figure_2_svg
from .ontodoc import OntologyPage

MARKER = ".evkg-report"
NAV = [("index.html", "Overview"), ("comparison.html", "Comparison"), ("tables.html", "Tables 1–2"),
       ("equivalences.html", "Equivalences"), ("trials.html", "Trials"), ("contradictions.html", "Contradictions"),
       ("briefing/index.html", "Briefings"), ("sources.html", "Sources"), ("glossary.html", "Glossary"),
       ("about.html", "About")]
# pages a reader may search for by name (url, title, what it holds)
PAGES = [("comparison.html", "Comparison matrix", "jurisdictions side by side aspect by aspect compare"),
         ("tables.html", "Tables 1 and 2 of the review", "regenerated table 1 table 2"),
         ("equivalences.html", "Equivalences across jurisdictions", "counterparts mappings confidence"),
         ("trials.html", "Trials: Figure 2", "ICTRP trial counts shares figure 2"),
         ("contradictions.html", "Contradictions in the review", "the review contradicts itself"),
         ("briefing/index.html", "Briefing pack", "one page per jurisdiction print"),
         ("sources.html", "Sources and references", "reference list sections tables figures"),
         ("glossary.html", "Glossary", "what the words mean"),
         ("about.html", "About this site", "canned queries ontology version build")]
STATIC = ("site.css", "site.js", "search.js")


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


def _manifest(files: dict[str, str | bytes]) -> str:
    import hashlib

    listed = {rel: hashlib.sha256(text if isinstance(text, bytes) else text.encode("utf-8")).hexdigest()
              for rel, text in files.items()}
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


def _build_report(project: Project) -> tuple[dict, str]:
    """The build's report and the time the graph was built (UTC, from the report's file)."""
    path = project.dist / "build-report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        built = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except (OSError, ValueError) as e:
        raise EvkgError(f"cannot read {path}: {e}; run 'evkg build' first") from None
    return report, built.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ontology_version(store: EmbeddedStore) -> str:
    rows = store.query("""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?v WHERE { <https://w3id.org/evkg/ontology> owl:versionInfo ?v }""").rows
    return str(rows[0][0]) if rows else "unknown"


def _flagged_shares(report: dict, js: list[collect.Jurisdiction]) -> dict[str, str]:
    """Jurisdiction label -> what the build's shapes say is wrong with its stated Figure 2 share."""
    out = {}
    for f in report.get("shacl_findings", []):
        if f.get("shape") != "shp:ShareMatchesCount":
            continue
        prefix, _, local = f["focus"].partition(":")
        iri = str(PREFIXES[prefix]) + local if prefix in PREFIXES else f["focus"]
        for j in js:
            if iri in j.subjects:
                out[j.label] = f["message"]
    return out


def _review_date(review: dict) -> str:
    try:
        day = datetime.strptime(review.get("issued") or "", "%Y-%m-%d")
        return f"{day.day} {day:%B %Y}"
    except ValueError:
        return review.get("issued") or "an undated edition"


def _anchor(table) -> str:
    """'Table 2' -> 'tab-2': the table's place on the sources page, and its id on the tables page."""
    return table.source.lower().replace("table ", "tab-")


def table_view(table, index: collect.ConflictIndex, names) -> list[list[list[tuple[str, list]]]]:
    """A table of Tables 1-2 as rows of cells, each cell a list of (text, contradictions) items; an item
    is marked when it is one side of a contradiction stated in that table."""
    where = _anchor(table)
    rows = []
    for key, row in zip(table.keys, table.rows):
        label = names.label(key) or key
        cells = []
        for cell in row:
            if hasattr(cell, "entities"):
                cells.append([(text, index.in_table(label, e, where)) for text, e in zip(cell.items, cell.entities)])
            else:
                cells.append([(str(cell), index.in_table(label, str(cell), where) if isinstance(cell, int) else [])])
        rows.append(cells)
    return rows


def render_pages(project: Project, store: EmbeddedStore | None = None) -> tuple[dict[str, str | bytes], list[str]]:
    """Every file of the site (path -> text or bytes), and the canned queries they came from."""
    ontology = OntologyPage(project.root / "ontology" / "evkg.ttl", "../index.html")
    try:
        files, queries, banner = _render(project, store)
        files["ontology/index.html"] = ontology.page(banner)
    finally:
        ontology.stop()
    return files, queries


def _render(project: Project, store: EmbeddedStore | None) -> tuple[dict[str, str | bytes], list[str], str]:
    from ..api import KnowledgeGraph
    from ..glossary import glossary, values

    c = collect.Collector(project, store)
    js = collect.jurisdictions(c)
    if not js:
        raise EvkgError("the graph has no jurisdiction to report on")
    codes = {j.label: j.code for j in js}
    review_rows = c.rows("about-review")
    if not review_rows:
        raise EvkgError("the graph does not describe its source review (query about-review returned nothing)")
    report, built = _build_report(project)
    conflicts = collect.contradictions(c)
    index = collect.ConflictIndex(c, conflicts)
    index.mark(js)
    collect.attach_notes(c, js)
    trials = collect.trial_counts(c)
    parts = collect.sources(c)
    references = collect.references(c, parts)
    grids = [("Product classes", "classes", collect.equivalences(c, "classification-matrix", js)),
             ("Trial-authorization routes", "trial-routes", collect.equivalences(c, "trial-authorization-matrix", js))]
    collect.attach_counterparts(js, [g for _, _, g in grids])
    kg = KnowledgeGraph(project, c.store)
    gloss = glossary(kg.names)
    relations = values(kg.names, "relation")
    examples = examples_list(project, c.store)
    tables = [table_1(project, c.store), table_2(project, c.store)]
    flagged = _flagged_shares(report, js)
    for r in trials:
        r["conflicts"] = index.of_trials(r["jurisdiction"], r["count"])
        r["flag"] = flagged.get(r["jurisdiction"], "")
    dl = downloads.downloads(kg, [j.code for j in js], tables)
    by_name = {d.name: d for d in dl}
    other_docs = sorted({s.label for j in js for s in j.other_documents})
    review = review_rows[0]
    stamp = {"version": __version__, "ontology": _ontology_version(c.store), "built": built,
             "triples": report["triples"], "inferred": report.get("inferred_triples"),
             "source_locations": report["source_locations"], "jurisdictions": len(js),
             "contradictions": len(conflicts), "references": len(references)}
    common = {"nav": NAV, "review": review, "review_date": _review_date(review), "stamp": stamp,
              "other_docs": other_docs, "downloads": by_name, "codes": codes, "conflicts": conflicts}
    queries = c.queries_used + ["table-1", "table-2", "advise"]  # Tables 1-2 and the worked examples run their own
    pages = {
        "index.html": ("index.html", {"jurisdictions": js, "examples": examples}),
        "comparison.html": ("comparison.html", {"jurisdictions": js, "aspects": collect.aspects(js)}),
        "tables.html": ("tables.html", {"tables": [(t, table_view(t, index, c.names), _anchor(t)) for t in tables]}),
        "equivalences.html": ("equivalences.html", {"grids": grids, "relations": relations.rows,
                                                    "confidence": next((m for t, m in gloss.rows if t == "confidence"), "")}),
        "trials.html": ("trials.html", {"trials": trials}),
        "contradictions.html": ("contradictions.html", {}),
        "sources.html": ("sources.html", {"parts": parts, "references": references}),
        "glossary.html": ("glossary.html", {"terms": gloss.rows, "slug": search.slug}),
        "about.html": ("about.html", {"queries": queries, "minisearch": search.MINISEARCH_VERSION}),
        "search.html": ("search.html", {}),
        "briefing/index.html": ("briefings.html", {"jurisdictions": js}),
    }
    env = _environment()
    files: dict[str, str | bytes] = {}
    for j in js:
        files[j.page] = env.get_template("jurisdiction.html").render(
            common, j=j, jurisdictions=js, root="../", page=j.page)
        files[j.briefing] = env.get_template("briefing.html").render(common, j=j, root="../", page=j.briefing)
    for name, snap in worked_examples(project, c.store).items():
        files[f"examples/{name}.html"] = env.get_template("example.html").render(
            common, snap=snap, example=name, root="../", page=f"examples/{name}.html", **snapshot_context(snap))
    for path, (template, context) in pages.items():
        files[path] = env.get_template(template).render(common, **context, root="../" * path.count("/"), page=path)
    files["figure-2.svg"] = figure_2_svg(trials, {r["region"] for r in trials if r["flag"]})
    static = Path(__file__).parent / "static"
    for name in STATIC:
        files[f"static/{name}"] = (static / name).read_text(encoding="utf-8")
    files.update(search.vendor_files())
    files["static/search-index.js"] = search.index_js(search.documents(
        js, conflicts, parts, references, gloss.rows, examples, PAGES, c.names))
    files.update(downloads.files(dl, built))
    return files, queries, env.get_template("_banner.html").render(common, root="../")


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
            "currency": report.CURRENCY.format(**snap.review), "glance": report.glance(snap),
            "legend": report.LEGEND, "addressed": report.addressed, "elsewhere": report.elsewhere,
            "elsewhere_title": report.ELSEWHERE_TITLE, "nothing_here": report.NOTHING_HERE}


def generate_site(project: Project, out: Path | None = None, store=None) -> SiteResult:
    """Write the site to `out` (default dist/site), replacing an earlier report there only once the
    new one is complete: on any error the directory is left as it was. The answers come from `store`
    (any back end, e.g. an endpoint loaded by `evkg load`), by default the embedded store; the build
    stamp and the ontology page always describe the local build."""
    default = project.dist / "site"
    out = Path(out) if out else default
    _check_target(out, legacy_marker_ok=out.resolve() == default.resolve())
    files, queries = render_pages(project, store)
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
            path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
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
