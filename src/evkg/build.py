"""The build: parse the sources, describe provenance, derive shortcuts, reason, write dist/."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import Graph

from .errors import BuildFailure
from .loading import load_sources
from .namespaces import EVKG, PREFIXES, PROV, RDF, RDFS
from .project import Project
from .provenance import describe_locations, unsourced
from .rules import apply_rules

ARTEFACTS = {"evkg.ttl": "turtle", "evkg.nt": "nt", "evkg.jsonld": "json-ld"}
STORE_DIR = "store"
REPORT = "build-report.json"


@dataclass
class BuildResult:
    graph: Graph
    files: int
    triples: int
    source_locations: int
    derived: dict[str, int]
    entities_per_class: dict[str, int]
    positions_per_jurisdiction: dict[str, int]
    facts_per_part: dict[str, int]
    consistent: bool | None
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "graph"}


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def assemble(project: Project, progress: Callable[[str], None] = lambda m: None) -> tuple[Graph, int, int, dict]:
    """Parse and merge all sources, describe their source locations, apply the derivation rules."""
    files = project.source_files()
    progress(f"parsing {len(files)} source files")
    graph = load_sources(files, project.root)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    progress("describing source locations")
    locations = describe_locations(graph)
    missing = unsourced(graph)
    if missing:
        shown = ", ".join(str(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise BuildFailure(f"{len(missing)} resource(s) without prov:wasDerivedFrom: {shown}")
    progress("deriving shortcut triples")
    derived = apply_rules(graph, project.rules)
    return graph, len(files), locations, derived


def statistics(graph: Graph) -> tuple[dict, dict, dict]:
    """Entities per evkg class, positions per jurisdiction, and sourced resources per review part."""
    per_class = Counter(str(t)[len(EVKG):] for t in graph.objects(None, RDF.type) if str(t).startswith(str(EVKG)))
    per_jur = Counter()
    for row in graph.query("""SELECT ?label (COUNT(DISTINCT ?p) AS ?n) WHERE {
            ?p a/rdfs:subClassOf* evkg:RegulatoryPosition ; evkg:jurisdiction ?j . ?j rdfs:label ?label }
            GROUP BY ?label""", initNs={"evkg": EVKG, "rdfs": RDFS}):
        per_jur[str(row.label)] = int(row.n)
    per_part = Counter()
    for row in graph.query("""SELECT ?part (COUNT(DISTINCT ?s) AS ?n) WHERE {
            ?s prov:wasDerivedFrom ?loc . ?loc evkg:documentPart ?p . BIND(STRAFTER(STR(?p), "/part/") AS ?part) }
            GROUP BY ?part""", initNs={"evkg": EVKG, "prov": PROV}):
        per_part[str(row.part)] = int(row.n)
    return dict(sorted(per_class.items())), dict(sorted(per_jur.items())), dict(sorted(per_part.items()))


def write_dist(graph: Graph, dist: Path, report: dict) -> None:
    """Write every artefact into a fresh folder, then swap it in place of dist/."""
    import pyoxigraph

    staging = dist.with_name(dist.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, fmt in ARTEFACTS.items():
        graph.serialize(destination=staging / name, format=fmt, encoding="utf-8")
    store = pyoxigraph.Store(str(staging / STORE_DIR))
    store.bulk_load(path=str(staging / "evkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    (staging / REPORT).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    old = dist.with_name(dist.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dist.exists():
        dist.rename(old)
    staging.rename(dist)
    shutil.rmtree(old, ignore_errors=True)


def build(project: Project, reason: bool = True, reasoner: str = "hermit", write: bool = True,
          progress: Callable[[str], None] = _stderr) -> BuildResult:
    """Build the graph from `project`'s sources; write dist/ unless `write` is False."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    graph, nfiles, nloc, derived = assemble(project, progress)
    seconds["assemble"] = round(time.perf_counter() - t0, 3)
    consistent = None
    if reason:
        from .reasoning import check_consistency

        progress(f"checking OWL consistency with {reasoner}")
        t1 = time.perf_counter()
        report = check_consistency(graph, reasoner)
        seconds["reason"] = round(time.perf_counter() - t1, 3)
        if not report.consistent:
            raise BuildFailure(f"{reasoner}: {report.detail}; run 'evkg reason' for the explanation")
        consistent = True
    per_class, per_jur, per_part = statistics(graph)
    result = BuildResult(graph, nfiles, len(graph), nloc, derived, per_class, per_jur, per_part, consistent, seconds)
    if write:
        progress(f"writing {project.dist.relative_to(project.root)}/")
        t2 = time.perf_counter()
        write_dist(graph, project.dist, result.summary())
        seconds["write"] = round(time.perf_counter() - t2, 3)
    return result
