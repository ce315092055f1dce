"""The build: parse the sources, describe provenance, derive shortcuts, reason, write dist/."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import Graph

from .errors import BuildFailure
from .loading import load_sources
from .namespaces import EVKG, PREFIXES, PROV, RDF, RDFS
from .project import Project
from .provenance import describe_locations, unsourced
from .rules import apply_rules
from .transaction import Transaction, crash_point, locked
from .validation import load_shapes, validate_graph

ARTEFACTS = {"evkg.ttl": "turtle", "evkg.nt": "nt", "evkg.jsonld": "json-ld"}
INFERRED_ARTEFACTS = {"evkg-inferred.ttl": "turtle", "evkg-inferred.nt": "nt"}
STORE_DIR = "store"
REPORT = "build-report.json"


@dataclass
class BuildResult:
    graph: Graph
    inferred: Graph
    files: int
    triples: int
    source_locations: int
    derived: dict[str, int]
    entities_per_class: dict[str, int]
    positions_per_jurisdiction: dict[str, int]
    facts_per_part: dict[str, int]
    consistent: bool | None
    shacl_findings: list[dict]
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k not in ("graph", "inferred")}
        out["inferred_triples"] = len(self.inferred)
        out["inferred_memberships"] = inferred_memberships(self.inferred)
        return out


def inferred_memberships(inferred: Graph) -> dict[str, list[str]]:
    """Members of each defined evkg class, as the reasoner inferred them."""
    out: dict[str, list[str]] = {}
    for s, c in inferred.subject_objects(RDF.type):
        if str(c).startswith(str(EVKG)):
            out.setdefault(str(c)[len(EVKG):], []).append(str(s).rsplit("/", 1)[-1])
    return {k: sorted(v) for k, v in sorted(out.items())}


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def assemble(project: Project, progress: Callable[[str], None] = lambda m: None,
             extra_files: list[Path] = ()) -> tuple[Graph, int, int, dict]:
    """Parse and merge all sources (and `extra_files`), describe their source locations, apply the rules."""
    files = project.source_files() + list(extra_files)
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
            ?s prov:wasDerivedFrom ?loc . ?loc evkg:documentPart ?p . BIND(REPLACE(STR(?p), "^.*/", "") AS ?part) }
            GROUP BY ?part""", initNs={"evkg": EVKG, "prov": PROV}):
        per_part[str(row.part)] = int(row.n)
    return dict(sorted(per_class.items())), dict(sorted(per_jur.items())), dict(sorted(per_part.items()))


def stage_asserted(graph: Graph, staging: Path, root: Path) -> None:
    """Write the asserted graph into `staging` (a fresh folder that becomes dist/ on commit): evkg.*,
    the ontology alone as RDF/XML, and the store's default graph."""
    import pyoxigraph

    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, fmt in ARTEFACTS.items():
        graph.serialize(destination=staging / name, format=fmt, encoding="utf-8")
    ontology = Graph()  # the TBox alone, in RDF/XML, for Protégé and other OWL tools
    for f in sorted((root / "ontology").glob("*.ttl")):
        ontology.parse(f, format="turtle")
    ontology.serialize(destination=staging / "evkg-ontology.owl", format="xml", encoding="utf-8")
    store = pyoxigraph.Store(str(staging / STORE_DIR))
    store.bulk_load(path=str(staging / "evkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    store.flush()


def stage_inferred(inferred: Graph, staging: Path, report: dict) -> None:
    """Add what the reasoner inferred (evkg-inferred.*, the store's named graph
    <https://w3id.org/evkg/graph/inferred>) and the build report to a staged dist/."""
    import pyoxigraph

    from .reasoning import INFERRED_GRAPH

    for prefix, ns in PREFIXES.items():
        inferred.bind(prefix, ns, override=True)
    for name, fmt in INFERRED_ARTEFACTS.items():
        inferred.serialize(destination=staging / name, format=fmt, encoding="utf-8")
    store = pyoxigraph.Store(str(staging / STORE_DIR))
    store.bulk_load(path=str(staging / "evkg-inferred.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES,
                    to_graph=pyoxigraph.NamedNode(str(INFERRED_GRAPH)))
    store.flush()
    del store
    (staging / REPORT).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    crash_point("dist-staged")


def build(project: Project, reason: bool = True, reasoner: str = "hermit", write: bool = True,
          progress: Callable[[str], None] = _stderr) -> BuildResult:
    """Build the graph from `project`'s sources; replace dist/ unless `write` is False."""
    if not write:
        return compile_graph(project, reason, reasoner, progress)
    with locked(project) as txn:
        txn.recover()
        result = compile_graph(project, reason, reasoner, progress, staging=txn.staged_dist)
        publish(result, txn, progress)
    return result


def publish(result: "BuildResult", txn: Transaction, progress: Callable[[str], None] = _stderr,
            moves: list[tuple[Path, Path]] = ()) -> None:
    """Commit the dist/ that compile_graph staged, together with the given data-file moves."""
    progress(f"replacing {txn.project.dist.relative_to(txn.project.root)}/")
    txn.commit(list(moves))


def compile_graph(project: Project, reason: bool = True, reasoner: str = "hermit",
                  progress: Callable[[str], None] = _stderr, extra_files: list[Path] = (),
                  staging: Path | None = None) -> BuildResult:
    """Assemble, reason and validate; raise BuildFailure unless the graph is consistent and conforms.

    With `staging`, also write the artefacts there (uncommitted): the asserted ones while the
    reasoner still runs, the inferred ones after it."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    graph, nfiles, nloc, derived = assemble(project, progress, extra_files)
    seconds["assemble"] = round(time.perf_counter() - t0, 3)
    consistent = None
    inferred = Graph()
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The reasoner spends its time in a Java subprocess, so it overlaps with SHACL validation here.
        reasoning = None
        if reason:
            from .reasoning import reason as run_reasoner

            progress(f"checking OWL consistency with {reasoner}, validating with SHACL")
            t1 = time.perf_counter()
            reasoning = pool.submit(run_reasoner, graph, reasoner)
        else:
            progress("validating with SHACL")
        t2 = time.perf_counter()
        shacl = validate_graph(Graph() + graph, load_shapes(project))
        seconds["validate"] = round(time.perf_counter() - t2, 3)
        if not shacl.conforms:
            message = f"the graph does not conform to the SHACL shapes ({len(shacl.violations())} violation(s))"
            details = shacl.render()
            if reasoning is not None and not (owl := reasoning.result()).consistent:
                message += f" and is inconsistent under {reasoner}"
                details += "\n" + "\n".join(owl.explanations)
            raise BuildFailure(message, details=details)
        if staging is not None:
            progress(f"writing {staging.name}/")
            t3 = time.perf_counter()
            stage_asserted(graph, staging, project.root)
            seconds["write"] = round(time.perf_counter() - t3, 3)
        if reasoning is not None:
            report = reasoning.result()
            seconds["reason"] = round(time.perf_counter() - t1, 3)
            if not report.consistent:
                raise BuildFailure(f"{reasoner}: {report.detail}", details="\n".join(report.explanations))
            consistent = True
            inferred = report.inferred
    per_class, per_jur, per_part = statistics(graph)
    result = BuildResult(graph, inferred, nfiles, len(graph), nloc, derived, per_class, per_jur, per_part, consistent,
                         [asdict(f) for f in shacl.findings], seconds)
    if staging is not None:
        stage_inferred(inferred, staging, result.summary())
    return result
