"""New facts judged on the built graph and, for `evkg add`, written into dist/ without a rebuild.

The last build (dist/evkg.nt, its shortcut triples, its inferred triples and report) is the starting
point when it is a build of today's sources (the digest in its report says so); otherwise the
sources are assembled as `evkg build` does. The submission joins the graph in a pyoxigraph memory
store; the shortcut rules run again on the whole store (linear, and exact: the old shortcuts are
taken out first, so a rule with a negation can withdraw one); SHACL runs on the nodes the
submission touches (validation.validate_focus); the rules reasoner re-reasons the modules of the
jurisdictions it touches (modules.jurisdictions_touched), or the whole graph when the change cannot be
bounded so. The result is the dist/ a full rebuild with the file in data/added/ would write
(tests/test_incremental.py compares them).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .build import (ARTEFACTS, DERIVED, OX_PREFIXES, REPORT, STORE_DIR, _describe_locations, assemble_store,
                    inferred_memberships, sources_digest, statistics, write_inferred)
from .errors import BuildFailure
from .namespaces import ASSERTED_GRAPH, EVKG, INFERRED_GRAPH, PROV, RDF
from .project import Project
from .provenance import UNSOURCED
from .rules import apply_rules
from .store import to_oxigraph, to_rdflib
from .transaction import crash_point
from .validation import Finding, ValidationReport, _shown, load_shapes, validate_focus


@dataclass
class Base:
    """The graph new facts are judged against: the last build when it is current, else the sources."""

    store: ox.Store                 # the asserted graph in the default graph
    shortcuts: set                  # the quads the rules derived in it
    report: dict | None = None      # the build report, when the last build is current
    inferred: Graph | None = None   # its inferred triples, when it was reasoned with the rules
    size: int = -1                  # triples in dist/evkg.nt, when the last build is current

    @property
    def current(self) -> bool:
        return self.report is not None


def load_base(project: Project, reason: bool) -> Base:
    """The last build, if its report names today's sources (and it was reasoned, if `reason`); else the
    sources assembled."""
    dist = project.dist
    try:
        report = json.loads((dist / REPORT).read_text(encoding="utf-8"))
        usable = (isinstance(report, dict) and report.get("sources") == sources_digest(project)
                  and (dist / DERIVED).is_file() and (dist / "evkg.nt").is_file()
                  and report.get("consistent") is (True if reason else None))
    except (OSError, ValueError):
        usable = False
    if not usable:
        store, _, _, _, _, shortcuts = assemble_store(project)
        return Base(store, shortcuts)
    store = ox.Store()
    # dist/ holds what the build wrote: its IRIs were checked then (lenient: a third less time).
    store.load(path=str(dist / "evkg.nt"), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    shortcuts = {ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(path=str(dist / DERIVED),
                                                                              format=ox.RdfFormat.N_TRIPLES)}
    inferred = None
    if reason:
        inferred = Graph()
        for t in ox.parse(path=str(dist / "evkg-inferred.nt"), format=ox.RdfFormat.N_TRIPLES):
            inferred.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return Base(store, shortcuts, report, inferred, len(store))


@dataclass
class Judgement:
    """A submission judged with the graph, and what adding it changes."""

    report: ValidationReport
    base: Base
    store: ox.Store = None          # the graph with the submission, shortcuts derived again
    added: list = field(default_factory=list)    # quads the asserted graph gains
    removed: list = field(default_factory=list)  # quads it loses (a shortcut withdrawn)
    shortcuts: set = field(default_factory=set)
    derived: dict = field(default_factory=dict)
    locations: int = 0
    focus: set = field(default_factory=set)
    inferred: Graph | None = None
    reasoned: str = ""              # "modules of N jurisdiction(s)", "whole graph" or "" (not reasoned)


def judge(project: Project, new: Graph, reason: bool, reasoner: str | None,
          say: Callable[[str], None]) -> Judgement:
    """Validate `new` with the graph on the nodes it touches and, with `reason`, check consistency."""
    t0 = time.perf_counter()
    base = load_base(project, reason and reasoner in (None, "rules"))
    store = base.store
    old = {q for q in base.shortcuts if q in store}
    for q in old:
        store.remove(q)
    submitted = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in new]
    fresh = [q for q in submitted if q not in store]
    cited = {q.object for q in submitted if q.predicate.value == str(PROV.wasDerivedFrom)
             and isinstance(q.object, ox.NamedNode)}
    described_before = {q for loc in cited for q in store.quads_for_pattern(loc, None, None, ox.DefaultGraph())}
    store.extend(submitted)
    locations = _describe_locations(store)  # new facts may cite new source locations; bad ones fail here
    shortcuts: set = set()
    derived = apply_rules(store, project.rules, shortcuts)  # as the build derives them, so shapes and reasoner see them
    # A shortcut is new unless the last build had derived it (it was not in the store when derived).
    added = fresh + [q for q in {q for loc in cited for q in store.quads_for_pattern(loc, None, None, ox.DefaultGraph())}
                     - described_before - set(fresh)]
    added += list(shortcuts - old)
    removed = [q for q in old - shortcuts if q not in store]
    t1 = time.perf_counter()
    focus = _focus(store, submitted, added, removed)
    judgement = Judgement(ValidationReport([]), base, store, added, removed, shortcuts, derived, locations, focus)
    say(f"validating {len(focus):,} node(s) with SHACL")
    report = validate_focus(store, load_shapes(project), sorted(focus, key=str))
    if reason:
        t2 = time.perf_counter()
        say("checking OWL consistency")
        result = _reason(judgement, reasoner or "rules")
        report.seconds["reason"] = round(time.perf_counter() - t2, 3)
        if not result.consistent:
            report.findings += [Finding("Violation", "(the graph with these facts)", None, None, line,
                                        f"reasoner:{result.reasoner}", "OWL consistency") for line in result.explanations]
    report.seconds = {"load_graph": round(t1 - t0, 3), **report.seconds}
    judgement.report = report
    return judgement


def _focus(store: ox.Store, submitted: list, added: list, removed: list) -> set[URIRef]:
    """The nodes whose SHACL findings can change: the subjects of what changed, the submission's values
    that are nodes of the graph, what links to its subjects; every share when a trial count is new."""
    default = ox.DefaultGraph()
    nodes = {q.subject for q in submitted + added + removed}
    for q in submitted:
        if isinstance(q.object, ox.NamedNode) and next(store.quads_for_pattern(q.object, None, None, default), None):
            nodes.add(q.object)
    for s in {q.subject for q in submitted}:
        nodes |= {q.subject for q in store.quads_for_pattern(None, None, s, default)}
    if any(q.predicate.value == str(EVKG.trialCount) for q in submitted):
        nodes |= {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                             ox.NamedNode(str(EVKG.TrialSharePosition)), default)}
    return {URIRef(n.value) for n in nodes if isinstance(n, ox.NamedNode)}


def _reason(j: Judgement, reasoner: str):
    """The rules reasoner on the modules the change touches when that is bounded, else on the whole graph."""
    from .modules import jurisdictions_touched, members
    from .owlrules import compile_tbox, tbox_graph
    from .reasoning import reason, reason_jurisdictions

    touched = None
    if reasoner == "rules" and j.base.inferred is not None and not j.removed:
        tbox = compile_tbox(tbox_graph(j.store))
        changed = [q for q in j.added if not q.subject.value.startswith(str(PROV_SOURCE))]
        added = set(j.added)
        touched = jurisdictions_touched(j.store, tbox, changed, lambda q: q not in added)
    if touched is None:
        result = reason(j.store, reasoner)
        j.inferred, j.reasoned = result.inferred, "whole graph"
        return result
    result = reason_jurisdictions(j.store, sorted(touched), tbox) if touched else None
    if result is not None and not result.consistent:
        return result
    own = {URIRef(m) for m in members(j.store, sorted(touched))}
    inferred = Graph()
    for triple in j.base.inferred:
        if triple[0] not in own:
            inferred.add(triple)
    if result is not None:
        inferred += result.inferred
    j.inferred, j.reasoned = inferred, f"modules of {len(touched)} jurisdiction(s)"
    from .reasoning import ReasonerReport

    return ReasonerReport(True, "rules", inferred=inferred)


PROV_SOURCE = "https://w3id.org/evkg/resource/source/"  # source locations: provenance, no reasoner reads them


def _append_asserted(dist: Path, staging: Path, triples: list) -> bool:
    """Write evkg.nt, evkg.ttl and evkg.jsonld into `staging` as dist/'s with `triples` appended: a
    fraction of the time of dumping the store. False (and nothing written) if dist/evkg.jsonld is not
    the JSON array of node objects a dump writes."""
    with open(dist / "evkg.jsonld", "rb") as f:
        f.seek(max(0, f.seek(0, 2) - 64))
        tail = f.read()
    end = len(tail.rstrip())
    if not tail[:end].endswith(b"}]"):
        return False
    for name, fmt in ARTEFACTS.items():
        shutil.copyfile(dist / name, staging / name)
        extra = ox.serialize(triples, format=fmt,
                             **({"prefixes": OX_PREFIXES} if fmt is ox.RdfFormat.TURTLE else {}))
        with open(staging / name, "r+b") as f:
            if fmt is ox.RdfFormat.JSON_LD:  # [a, b] + [c] -> [a, b, c]
                f.seek(f.seek(0, 2) - len(tail) + end - 1)
                f.truncate()
                extra = b"," + extra.strip()[1:] if extra.strip() != b"[]" else b"]"
            else:
                f.seek(0, 2)
                extra = b"\n" + extra
            f.write(extra)
    return True


def can_update(j: Judgement) -> bool:
    """Whether `evkg add` can write this judgement into dist/ instead of rebuilding."""
    return j.base.current and (j.inferred is not None or j.base.report.get("consistent") is None)


def stage_update(project: Project, j: Judgement, target: Path, content: bytes, staging: Path,
                 progress: Callable[[str], None]) -> dict:
    """Write into `staging` the dist/ a rebuild with `content` at `target` would write; returns its report."""
    store, dist = j.store, project.dist
    missing = [r["s"].value for r in store.query(UNSOURCED)]
    if missing:  # as the build refuses them
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise BuildFailure(f"{len(missing)} resource(s) without prov:wasDerivedFrom: {shown}")
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    progress(f"writing {staging.name}/")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # Nothing withdrawn: the last build's files plus the new triples (the same graph a dump writes).
    appended = not j.removed and len(store) == j.base.size + len(j.added) and _append_asserted(
        dist, staging, [ox.Triple(q.subject, q.predicate, q.object) for q in j.added])
    for name, fmt in ARTEFACTS.items() if not appended else ():
        store.dump(staging / name, format=fmt, from_graph=ox.DefaultGraph(),
                   **({"prefixes": OX_PREFIXES} if fmt is not ox.RdfFormat.N_TRIPLES else {}))
    shutil.copy2(dist / "evkg-ontology.owl", staging / "evkg-ontology.owl")
    with open(staging / DERIVED, "wb") as f:
        ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in j.shortcuts), f,
                     format=ox.RdfFormat.N_TRIPLES)
    # The on-disk store: a copy of the built one, changed by what the submission changes.
    shutil.copytree(dist / STORE_DIR, staging / STORE_DIR)
    disk = ox.Store(str(staging / STORE_DIR))
    asserted, inferred_graph = ox.NamedNode(str(ASSERTED_GRAPH)), ox.NamedNode(str(INFERRED_GRAPH))
    for q in j.removed:
        disk.remove(ox.Quad(q.subject, q.predicate, q.object, asserted))
    disk.extend(ox.Quad(q.subject, q.predicate, q.object, asserted) for q in j.added)
    inferred = j.inferred if j.inferred is not None else Graph()
    disk.clear_graph(inferred_graph)
    disk.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), inferred_graph) for s, p, o in inferred)
    disk.flush()
    del disk
    seconds["write"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    per_class, per_jur, per_part = statistics(store)
    seconds["statistics"] = round(time.perf_counter() - t, 3)
    old = j.base.report
    focus = {_shown(n) for n in j.focus}
    findings = [f for f in old["shacl_findings"] if f["focus"] not in focus]
    findings += [f.__dict__ for f in j.report.findings if not f.shape.startswith("reasoner:")]
    findings.sort(key=lambda f: (f["focus"], f["shape"], f["path"] or "", f["value"] or ""))
    rel = target.relative_to(project.root).as_posix()
    report = {"files": old["files"] + 1, "triples": len(store), "source_locations": j.locations,
              "derived": j.derived, "entities_per_class": per_class, "positions_per_jurisdiction": per_jur,
              "facts_per_part": per_part, "consistent": old["consistent"], "shacl_findings": findings,
              "seconds": {**j.report.seconds, **seconds},
              "sources": sources_digest(project, placed={rel: content}),
              "inferred_triples": len(inferred), "inferred_memberships": inferred_memberships(inferred)}
    write_inferred(inferred, staging)
    (staging / REPORT).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    crash_point("dist-staged")
    return report
