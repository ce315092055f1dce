"""SHACL validation of the graph and of new facts.

New facts (the nodes a submission touches) are validated with pySHACL on an rdflib memory graph. The
whole graph, in `evkg build`, is validated on its pyoxigraph store: core constraints by
pyshacl-turbo (Rust), SHACL-SPARQL constraints as one whole-graph query each (shacl_sparql.py);
pySHACL would take minutes at 100k triples. A test checks both give the same findings."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from .errors import BuildFailure, EvkgError, printable
from .loading import load_sources
from .namespaces import EVKG, RDF, RDFS
from .project import Project
from .provenance import describe_locations
from .results import compact
from .store import to_oxigraph, to_rdflib

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, in terms a curator can act on."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str
    shape_name: str | None


@dataclass
class ValidationReport:
    findings: list[Finding]
    focus_nodes: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms, "focusNodes": self.focus_nodes, "seconds": self.seconds,
                           "results": [asdict(f) for f in self.findings]}, indent=2, ensure_ascii=False)

    def render(self) -> str:
        """Text report grouped by focus node."""
        if not self.findings:
            return "conforms: no violations, no warnings\n"
        groups: dict[str, list[Finding]] = {}
        for f in sorted(self.findings, key=lambda f: (f.focus, f.severity, f.shape)):
            groups.setdefault(f.focus, []).append(f)
        lines = []
        for focus, items in groups.items():  # values come from the submission: no terminal escapes
            lines.append(printable(focus, 300))
            for f in items:
                lines.append(f"  {f.severity}: {printable(f.message, 2000)}")
                detail = [f"shape {f.shape}" + (f" ({f.shape_name})" if f.shape_name else "")]
                if f.path:
                    detail.append(f"path {printable(f.path, 300)}")
                if f.value:
                    detail.append(f"value {printable(f.value, 300)}")
                lines.append("    " + "; ".join(detail))
        nv = len(self.violations())
        nw = sum(1 for f in self.findings if f.severity == "Warning")
        lines.append("")
        lines.append(("conforms" if self.conforms else "does not conform")
                     + f": {nv} violation(s), {nw} warning(s) on {len(groups)} node(s)")
        return "\n".join(lines) + "\n"


class ShapesGraph(Graph):
    """The shapes as an rdflib graph (pySHACL, the findings' shape names), also kept as the pyoxigraph
    triples they were read as, so the core engine gets them without a round trip through rdflib."""

    triples_ox: list = []


def load_shapes(project: Project) -> Graph:
    """shapes/*.ttl, read by pyoxigraph (rdflib's Turtle parser took 0.3 s of every `evkg add`); a file
    it rejects is read by rdflib, whose error names the line."""
    files = sorted((project.root / "shapes").glob("*.ttl"))
    if not files:
        raise EvkgError(f"no SHACL shapes found in {project.root / 'shapes'}")
    read = []
    for f in files:
        try:
            read += ox.parse(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri(),
                             rename_blank_nodes=True)
        except (SyntaxError, ValueError, OSError):
            return load_sources(files, project.root)
    shapes = ShapesGraph()
    shapes.addN((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), shapes) for t in read)
    shapes.triples_ox = read
    return shapes


def _core_shapes(shapes: Graph, skolem: str) -> Graph:
    """The shapes without their SPARQL constraints, blank nodes named under `skolem`, for pyshacl-turbo."""
    read = getattr(shapes, "triples_ox", None) or [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
                                                    for s, p, o in shapes]
    named = lambda t: ox.NamedNode(skolem + t.value) if isinstance(t, ox.BlankNode) else t
    sparql = str(SH.sparql)
    core = Graph()
    core.addN((to_rdflib(named(t.subject)), to_rdflib(t.predicate), _typed(named(t.object)), core)
              for t in read if t.predicate.value != sparql)
    return core


def _typed(term):
    """An rdflib term; a simple literal keeps its xsd:string datatype explicit (as the store's data has it)."""
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value == str(XSD_STRING):
        return Literal(term.value, datatype=XSD_STRING)
    return to_rdflib(term)


def _shown(term: Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, Literal):
        return term.n3() if term.datatype or term.language else f'"{term}"'
    return compact(term)


def _findings(results: Graph, shapes: Graph) -> list[Finding]:
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(r, SH.sourceShape)
        # A property shape is usually a blank node: report the node shape that holds it.
        owner = shape
        if isinstance(shape, BNode):
            owner = shapes.value(None, SH.property, shape) or shape
        name = shapes.value(owner, SH.name) or shapes.value(shape, SH.name)
        msgs = list(results.objects(r, SH.resultMessage))
        out.append(Finding(
            severity=SEVERITIES.get(results.value(r, SH.resultSeverity), "Violation"),
            focus=_shown(results.value(r, SH.focusNode)) or "",
            path=_shown(results.value(r, SH.resultPath)),
            value=_shown(results.value(r, SH.value)),
            message=str(msgs[0]) if msgs else "constraint not met",
            shape=_shown(owner) if isinstance(owner, URIRef) else "(anonymous shape)",
            shape_name=str(name) if name else None,
        ))
    return sorted(set(out), key=lambda f: (f.focus, f.shape, f.path or "", f.value or ""))


def _scope_focus_nodes_to_targets() -> None:
    """Work around pySHACL (0.40) applying the focus_nodes filter to nested shapes too.

    With focus_nodes set, pySHACL also filters the value nodes handed to the shapes inside sh:or,
    sh:not, sh:node ... and drops every literal, so `sh:or ([sh:datatype xsd:date] ...)` passed
    any value. The filter is meant for the focus nodes a shape finds from its own targets, so
    nested evaluations (called with explicit focus) run without it."""
    from pyshacl.shape import Shape

    if getattr(Shape.validate, "_evkg_scoped", False):
        return
    original = Shape.validate

    def validate(self, executor, target_graph, focus=None, _evaluation_path=None):
        if focus is not None and executor.focus_nodes:
            saved, executor.focus_nodes = executor.focus_nodes, None
            try:
                return original(self, executor, target_graph, focus, _evaluation_path)
            finally:
                executor.focus_nodes = saved
        return original(self, executor, target_graph, focus, _evaluation_path)

    validate._evkg_scoped = True
    Shape.validate = validate


def _reuse_parsed_sparql() -> None:
    """pySHACL hands rdflib the same SPARQL constraint text for every focus node, and rdflib parses
    it again each time (measured: 80% of a focused validation). Parse and translate each distinct
    query once, as rdflib's own prepareQuery would."""
    from rdflib.plugins.sparql import processor

    if getattr(processor.SPARQLProcessor.query, "_evkg_cached", False):
        return
    original = processor.SPARQLProcessor.query
    cache: dict = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            prepared = cache.get(key)
            if prepared is None:
                prepared = cache[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    query._evkg_cached = True
    processor.SPARQLProcessor.query = query


def validate_graph(data: Graph, shapes: Graph, focus_nodes: list[Node] | None = None) -> ValidationReport:
    """Validate `data` (modified in place: pass a throwaway graph) against `shapes`."""
    import pyshacl

    _scope_focus_nodes_to_targets()
    _reuse_parsed_sparql()
    t = time.perf_counter()
    kwargs = {}
    if focus_nodes is not None:
        kwargs["focus_nodes"] = [n for n in focus_nodes if isinstance(n, URIRef)]
        if not kwargs["focus_nodes"]:
            return ValidationReport([], 0, {"validate": 0.0})
    try:
        _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                         allow_infos=True, inplace=True, **kwargs)
    except Exception as e:  # pySHACL reports broken shapes as exceptions
        raise BuildFailure(f"SHACL validation could not run: {str(e).strip().splitlines()[0]}") from None
    report = ValidationReport(_findings(results, shapes), len(kwargs.get("focus_nodes", [])) or None)
    report.seconds["validate"] = round(time.perf_counter() - t, 3)
    return report


def validate_store(store: ox.Store, shapes: Graph, focus_nodes: list[URIRef] | None = None) -> ValidationReport:
    """Validate the default graph of `store` against `shapes` (see the module docstring): as a whole,
    or only the `focus_nodes`."""
    return _validate(store, store, shapes, focus_nodes, focus_nodes)


def validate_focus(store: ox.Store, shapes: Graph, focus_nodes: list[URIRef]) -> ValidationReport:
    """What validate_store finds on `focus_nodes` (a submission's nodes), in time that does not grow with
    the graph: the core constraints run on the focus nodes' neighbourhood (their triples, the types of
    their values, the class hierarchy: all a shape of shapes/ reads, as their paths are single
    properties), the SPARQL constraints on the whole store from the focus nodes."""
    default, rdf_type = ox.DefaultGraph(), ox.NamedNode(str(RDF.type))
    near = ox.Store()
    for node in focus_nodes:
        quads = list(store.quads_for_pattern(ox.NamedNode(str(node)), None, None, default))
        near.extend(quads)
        for q in quads:
            if isinstance(q.object, ox.NamedNode):
                near.extend(store.quads_for_pattern(q.object, rdf_type, None, default))
    near.extend(store.quads_for_pattern(None, ox.NamedNode(str(RDFS.subClassOf)), None, default))
    return _validate(near, store, shapes, None, focus_nodes)


def _validate(core_store: ox.Store, store: ox.Store, shapes: Graph, core_focus, focus_nodes) -> ValidationReport:
    """Core constraints on `core_store` (on `core_focus` if given), SPARQL constraints on `store`; only
    findings on `focus_nodes` are kept, if given."""
    import pyshacl_turbo

    from . import shacl_sparql

    t = time.perf_counter()
    # The shapes go in as an rdflib graph whose simple literals say xsd:string (pyshacl-turbo would
    # otherwise take a plain literal of an sh:in list and the store's equal xsd:string literal for
    # different values); given a store, it re-parses it in Python (0.35 s). Their blank nodes are named
    # on the way in and back, so results point into `shapes`.
    skolem = "urn:evkg:shapes-blank-node:"
    core = _core_shapes(shapes, skolem)
    try:
        _, raw, _ = pyshacl_turbo.validate(core_store, shacl_graph=core, inference="none", allow_warnings=True,
                                           allow_infos=True, focus_nodes=core_focus)
        found = shacl_sparql.run(store, shapes, focus_nodes)
    except Exception as e:  # broken shapes or queries
        raise BuildFailure(f"SHACL validation could not run: {str(e).strip().splitlines()[0]}") from None
    results = Graph()
    for triple in raw:
        results.add(tuple(_unnamed(t, skolem) for t in triple))
    if focus_nodes is not None and core_focus is None:
        wanted = set(focus_nodes)
        for r in [r for r in results.subjects(RDF.type, SH.ValidationResult) if results.value(r, SH.focusNode) not in wanted]:
            results.remove((r, None, None))
    findings = set(_findings(results, shapes))
    for shape, severity, r in found:
        name = shapes.value(shape, SH.name)
        findings.add(Finding(SEVERITIES.get(severity, "Violation"), _shown(r["focus"]) or "", _shown(r["path"]),
                             _shown(r["value"]), r["messages"][0] if r["messages"] else "constraint not met",
                             _shown(shape) if isinstance(shape, URIRef) else "(anonymous shape)",
                             str(name) if name else None))
    report = ValidationReport(sorted(findings, key=lambda f: (f.focus, f.shape, f.path or "", f.value or "")),
                              len(focus_nodes) if focus_nodes is not None else None)
    report.seconds["validate"] = round(time.perf_counter() - t, 3)
    return report


def _unnamed(term, skolem: str):
    """A result term as pySHACL reports it: shape blank nodes back, xsd:string literals plain."""
    if isinstance(term, URIRef) and term.startswith(skolem):
        return BNode(term[len(skolem):])
    if isinstance(term, Literal) and term.datatype == XSD_STRING:
        return Literal(str(term))
    return term


def built_graph(project: Project) -> Graph:
    """The graph as last built (dist/evkg.nt), or assembled from the sources if there is no build."""
    nt = project.dist / "evkg.nt"
    if nt.is_file():
        g = Graph()
        g.parse(nt, format="nt")
        return g
    from .build import assemble

    return assemble(project)[0]


def submission_focus(merged: Graph, new: Graph) -> set[Node]:
    """The nodes a submission touches: its subjects, and the nodes one link away from them.

    A new trial count changes every share's denominator, so it also puts all shares in focus."""
    focus: set[Node] = set(new.subjects())
    for s, p, o in new:
        if isinstance(o, URIRef) and (o, None, None) in merged:
            focus.add(o)
    for s in list(new.subjects()):
        focus.update(merged.subjects(None, s))
    if (None, EVKG.trialCount, None) in new:
        focus.update(merged.subjects(RDF.type, EVKG.TrialSharePosition))
    return focus


def validate_submission(project: Project, files: list[Path], fmt: str | None = None,
                        base: Graph | None = None, reason: bool = False, reasoner: str | None = None,
                        progress: Callable[[str], None] | None = None) -> tuple[ValidationReport, Graph]:
    """The one judgement of new facts, made by `evkg validate` and by `evkg add` alike: vet them
    (read within limits, parse without fetching, facts in the project's vocabulary: vetting.py), then
    validate them with the graph and the derivation rules on the nodes they touch, and, with `reason`,
    check that the graph stays consistent (with `reasoner`, by default the one `evkg build` and
    `evkg add` use). Returns the report and the new facts.

    The graph is the last build, or the sources if it is not current (increment.py); given `base` (an
    rdflib graph), that graph, judged with pySHACL instead: the reference the tests compare with."""
    report, new, _ = judge_submission(project, files, fmt, base, reason, reasoner, progress)
    return report, new


def judge_submission(project: Project, files: list[Path], fmt: str | None = None, base: Graph | None = None,
                     reason: bool = False, reasoner: str | None = None,
                     progress: Callable[[str], None] | None = None):
    """validate_submission, also returning the judgement `evkg add` writes into dist/ (None when the
    submission was refused before it was judged, or judged against `base`)."""
    from .vetting import LARGE, ontology_terms, read_submission, vet

    t0 = time.perf_counter()
    large = sum(Path(f).stat().st_size for f in files if Path(f).is_file()) > LARGE
    say = progress or (_stderr if large else (lambda m: None))
    new = read_submission(files, fmt, say)
    t1 = time.perf_counter()
    say(f"checking {len(new):,} new triple(s)")
    problems = vet(new, *ontology_terms(project.root))
    if problems:
        return ValidationReport([_problem_finding(p) for p in problems], 0,
                                {"parse": round(t1 - t0, 3), "vet": round(time.perf_counter() - t1, 3)}), new, None
    if base is not None:
        report = _judge_with_pyshacl(project, new, base, reason, reasoner, say)
        report.seconds = {"parse": round(t1 - t0, 3), **report.seconds}
        return report, new, None
    from .increment import judge

    judgement = judge(project, new, reason, reasoner, say)
    judgement.report.seconds = {"parse": round(t1 - t0, 3), **judgement.report.seconds}
    return judgement.report, new, judgement


def _judge_with_pyshacl(project: Project, new: Graph, merged: Graph, reason: bool, reasoner: str | None,
                        say: Callable[[str], None]) -> ValidationReport:
    """The judgement on an rdflib graph with pySHACL (the reference for the store-based one)."""
    from concurrent.futures import ThreadPoolExecutor

    from .reasoning import graph_of, store_of
    from .rules import apply_rules

    t1 = time.perf_counter()
    for triple in new:
        merged.add(triple)
    describe_locations(merged)  # new facts may cite new source locations; bad ones fail here
    store = store_of(merged)
    apply_rules(store, project.rules)  # as the build derives shortcuts, so shapes and reasoner see them
    merged = graph_of(store)
    t2 = time.perf_counter()
    focus = submission_focus(merged, new)
    with ThreadPoolExecutor(max_workers=1) as pool:
        owl = None
        if reason:
            from .reasoning import reason as run_reasoner

            say("checking OWL consistency")
            t3 = time.perf_counter()
            owl = pool.submit(run_reasoner, store, *([reasoner] if reasoner else []))
        say(f"validating {len(focus):,} node(s) with SHACL")
        report = validate_graph(merged, load_shapes(project), sorted(focus, key=str))
        if owl is not None:
            result = owl.result()
            report.seconds["reason"] = round(time.perf_counter() - t3, 3)  # beside the shapes, not after
            if not result.consistent:
                report.findings += [Finding("Violation", "(the graph with these facts)", None, None, line,
                                            f"reasoner:{result.reasoner}", "OWL consistency")
                                    for line in result.explanations]
    report.seconds = {"load_graph": round(t2 - t1, 3), **report.seconds}
    return report


def _problem_finding(p) -> Finding:
    return Finding("Violation", _shown(p.subject) or "", _shown(p.predicate), _shown(p.value), p.message,
                   f"submission:{p.rule}", "what a submission may contain")


def _stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)
