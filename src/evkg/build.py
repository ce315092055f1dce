"""The build: parse the sources, describe provenance, derive shortcuts, reason, write dist/.

The graph lives in a pyoxigraph memory store from parsing to writing: parsing, the rules, the SHACL
core constraints, the statistics and the artefacts run in Rust, so the build grows linearly with
the data (benchmarks/build.md); rdflib is only used for the small pieces (the TBox, the inferred
triples, the ontology in RDF/XML)."""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import BNode, Graph

from .namespaces import ASSERTED_GRAPH
from .errors import BuildFailure
from .loading import load_sources_store
from .namespaces import EVKG, PREFIXES, PROV, RDF, RDFS
from .project import Project
from .provenance import UNSOURCED, describe_locations
from .rules import apply_rules
from .store import to_oxigraph, to_rdflib
from .transaction import Transaction, crash_point, locked
from .validation import load_shapes, validate_store

ARTEFACTS = {"evkg.ttl": ox.RdfFormat.TURTLE, "evkg.nt": ox.RdfFormat.N_TRIPLES, "evkg.jsonld": ox.RdfFormat.JSON_LD}
INFERRED_ARTEFACTS = {"evkg-inferred.ttl": ox.RdfFormat.TURTLE, "evkg-inferred.nt": ox.RdfFormat.N_TRIPLES}
DERIVED = "evkg-derived.nt"  # the shortcut triples the rules added (also in evkg.nt): what `evkg add` re-derives
STORE_DIR = "store"
REPORT = "build-report.json"
OX_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items()}  # for pyoxigraph's Turtle writer


@dataclass
class BuildResult:
    store: ox.Store  # the asserted graph, in its default graph
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
    sources: str | None = None  # sources_digest of what was built: `evkg add` updates only a build of today's sources

    @cached_property
    def graph(self) -> Graph:
        """The asserted graph as an rdflib graph, converted on first use (seconds at 1M triples)."""
        from .reasoning import graph_of

        return graph_of(self.store)

    def summary(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k not in ("store", "inferred", "graph")}
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
    """Parse and merge all sources (and `extra_files`), describe their source locations, apply the rules;
    the result as an rdflib graph (see assemble_store for the build's own, faster form)."""
    from .reasoning import graph_of

    store, nfiles, locations, derived, _, _ = assemble_store(project, progress, extra_files)
    graph = graph_of(store)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    return graph, nfiles, locations, derived


def assemble_store(project: Project, progress: Callable[[str], None] = lambda m: None,
                   extra_files: list[Path] = ()) -> tuple[ox.Store, int, int, dict, dict, set]:
    """Parse and merge all sources (and `extra_files`) into a pyoxigraph memory store, describe their
    source locations, apply the rules. Also returns the seconds of each step and the derived quads."""
    seconds: dict[str, float] = {}
    files = project.source_files() + list(extra_files)
    progress(f"parsing {len(files)} source files")
    t = time.perf_counter()
    store = load_sources_store(files, project.root)
    seconds["parse"] = _since(t)
    progress("describing source locations")
    t = time.perf_counter()
    locations = _describe_locations(store)
    missing = [r["s"].value for r in store.query(UNSOURCED)]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise BuildFailure(f"{len(missing)} resource(s) without prov:wasDerivedFrom: {shown}")
    seconds["provenance"] = _since(t)
    progress("deriving shortcut triples")
    t = time.perf_counter()
    shortcuts: set = set()
    derived = apply_rules(store, project.rules, shortcuts)
    seconds["rules"] = _since(t)
    return store, len(files), locations, derived, seconds, shortcuts


def _since(t: float) -> float:
    return round(time.perf_counter() - t, 3)


def _describe_locations(store: ox.Store) -> int:
    """provenance.describe_locations on a small graph of what it reads (the document parts and the
    distinct source locations), its additions copied into the store."""
    view = Graph()
    for row in store.query("""SELECT ?part ?label WHERE { ?part a <%s> OPTIONAL { ?part <%s> ?label } }"""
                           % (EVKG.DocumentPart, RDFS.label)):
        view.add((to_rdflib(row["part"]), RDF.type, EVKG.DocumentPart))
        if row["label"] is not None:
            view.add((to_rdflib(row["part"]), RDFS.label, to_rdflib(row["label"])))
    for row in store.query("SELECT DISTINCT ?loc WHERE { ?s <%s> ?loc }" % PROV.wasDerivedFrom):
        view.add((BNode(), PROV.wasDerivedFrom, to_rdflib(row["loc"])))
    before = set(view)
    count = describe_locations(view)
    store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in set(view) - before)
    return count


def statistics(store: ox.Store) -> tuple[dict, dict, dict]:
    """Entities per evkg class, positions per jurisdiction, and sourced resources per review part."""
    prefixes = f"PREFIX evkg: <{EVKG}>\nPREFIX rdfs: <{RDFS}>\nPREFIX prov: <{PROV}>\n"
    per_class = {row["c"].value[len(EVKG):]: int(row["n"].value) for row in store.query(prefixes + """
        SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c FILTER(STRSTARTS(STR(?c), STR(evkg:))) } GROUP BY ?c""")}
    per_jur = {row["label"].value: int(row["n"].value) for row in store.query(prefixes + """
        SELECT ?label (COUNT(DISTINCT ?p) AS ?n) WHERE {
            ?p a/rdfs:subClassOf* evkg:RegulatoryPosition ; evkg:jurisdiction ?j . ?j rdfs:label ?label }
        GROUP BY ?label""")}
    per_part = {row["part"].value: int(row["n"].value) for row in store.query(prefixes + """
        SELECT ?part (COUNT(DISTINCT ?s) AS ?n) WHERE {
            ?s prov:wasDerivedFrom ?loc . ?loc evkg:documentPart ?p . BIND(REPLACE(STR(?p), "^.*/", "") AS ?part) }
        GROUP BY ?part""")}
    return dict(sorted(per_class.items())), dict(sorted(per_jur.items())), dict(sorted(per_part.items()))


def stage_asserted(store: ox.Store, staging: Path, root: Path) -> None:
    """Write the asserted graph into `staging` (a fresh folder that becomes dist/ on commit): evkg.*,
    the ontology alone as RDF/XML, and the store's named graph <https://w3id.org/evkg/graph/asserted>."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, fmt in ARTEFACTS.items():
        store.dump(staging / name, format=fmt, from_graph=ox.DefaultGraph(),
                   **({"prefixes": OX_PREFIXES} if fmt is not ox.RdfFormat.N_TRIPLES else {}))
    ontology = Graph()  # the TBox alone, in RDF/XML, for Protégé and other OWL tools
    for f in sorted((root / "ontology").glob("*.ttl")):
        ontology.parse(f, format="turtle")
    ontology.serialize(destination=staging / "evkg-ontology.owl", format="xml", encoding="utf-8")
    disk = ox.Store(str(staging / STORE_DIR))
    disk.bulk_load(path=str(staging / "evkg.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(ASSERTED_GRAPH)))
    disk.flush()


def write_derived(quads: set, staging: Path) -> None:
    """The shortcut triples in dist/evkg-derived.nt, so that `evkg add` can derive them again on the built graph."""
    with open(staging / DERIVED, "wb") as f:
        ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), f, format=ox.RdfFormat.N_TRIPLES)


def sources_digest(project: Project, extra_files: list[Path] = (), placed: dict[str, bytes] | None = None) -> str:
    """A fingerprint of everything a build reads (sources, rules, shapes, evkg's version): a dist/ whose
    report holds today's digest is a build of today's sources. `placed` adds files not yet in the tree
    (relative path -> content), as `evkg add` will place them."""
    import hashlib

    from . import __version__

    root = project.root
    files = {f.relative_to(root).as_posix(): f for f in project.source_files()}
    files.update({f.relative_to(root).as_posix(): f for d in ("shapes", "ontology/rules")
                  for f in sorted((root / d).glob("*")) if f.is_file()})
    for f in extra_files:  # a file `evkg add` staged goes to data/added/ under its own name
        files.setdefault(f"data/added/{Path(f).name}", Path(f))
    contents = {name: None for name in files} | dict(placed or {})
    digest = hashlib.sha256(str(__version__).encode())
    for name in sorted(contents):
        data = contents[name] if contents[name] is not None else files[name].read_bytes()
        digest.update(f"\0{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def write_inferred(inferred: Graph, staging: Path) -> None:
    """evkg-inferred.ttl and .nt, in a stable order, written by pyoxigraph (rdflib's Turtle writer took
    0.3 s of every `evkg add`)."""
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
               for s, p, o in sorted(inferred, key=lambda t: tuple(x.n3() for x in t))]
    for name, fmt in INFERRED_ARTEFACTS.items():
        ox.serialize(triples, staging / name, format=fmt,
                     **({"prefixes": OX_PREFIXES} if fmt is not ox.RdfFormat.N_TRIPLES else {}))


def stage_inferred(inferred: Graph, staging: Path, report: dict) -> None:
    """Add what the reasoner inferred (evkg-inferred.*, the store's named graph
    <https://w3id.org/evkg/graph/inferred>) and the build report to a staged dist/."""
    from .reasoning import INFERRED_GRAPH

    write_inferred(inferred, staging)
    store = ox.Store(str(staging / STORE_DIR))
    store.bulk_load(path=str(staging / "evkg-inferred.nt"), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(str(INFERRED_GRAPH)))
    store.flush()
    del store
    (staging / REPORT).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    crash_point("dist-staged")


def build(project: Project, reason: bool = True, reasoner: str = "rules", write: bool = True,
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


def compile_graph(project: Project, reason: bool = True, reasoner: str = "rules",
                  progress: Callable[[str], None] = _stderr, extra_files: list[Path] = (),
                  staging: Path | None = None) -> BuildResult:
    """Assemble, reason and validate; raise BuildFailure unless the graph is consistent and conforms.

    With `staging`, also write the artefacts there (uncommitted)."""
    store, nfiles, nloc, derived, seconds, shortcuts = assemble_store(project, progress, extra_files)
    consistent = None
    inferred = Graph()
    # One after the other: run side by side (pyshacl-turbo in a thread) they took longer on two cores.
    progress("validating with SHACL")
    shacl = validate_store(store, load_shapes(project))
    seconds["validate"] = shacl.seconds["validate"]
    owl = None
    if reason:
        from .reasoning import reason as run_reasoner

        progress(f"reasoning ({reasoner})")
        t = time.perf_counter()
        owl = run_reasoner(store, reasoner)
        seconds["reason"] = _since(t)
    if not shacl.conforms:
        message = f"the graph does not conform to the SHACL shapes ({len(shacl.violations())} violation(s))"
        details = shacl.render()
        if owl is not None and not owl.consistent:
            message += f" and is inconsistent under {reasoner}"
            details += "\n" + "\n".join(owl.explanations)
        raise BuildFailure(message, details=details)
    if owl is not None:
        if not owl.consistent:
            raise BuildFailure(f"{reasoner}: {owl.detail}", details="\n".join(owl.explanations))
        consistent = True
        inferred = owl.inferred
    if staging is not None:
        progress(f"writing {staging.name}/")
        t = time.perf_counter()
        stage_asserted(store, staging, project.root)
        write_derived(shortcuts, staging)
        seconds["write"] = _since(t)
    t = time.perf_counter()
    per_class, per_jur, per_part = statistics(store)
    seconds["statistics"] = _since(t)
    result = BuildResult(store, inferred, nfiles, len(store), nloc, derived, per_class, per_jur, per_part, consistent,
                         [asdict(f) for f in shacl.findings], seconds,
                         sources_digest(project, extra_files) if staging is not None else None)
    if staging is not None:
        t = time.perf_counter()
        stage_inferred(inferred, staging, result.summary())
        seconds["write"] += _since(t)
    return result
