"""OWL 2 reasoning: consistency, inferred categories, and explanations a curator can act on.

Two ways to the same inferred triples. `rules` (the default) runs the ontology's axioms compiled into
forward-chaining rules (src/evkg/owlrules.py) in time linear in the data; `hermit` and `pellet` run a
full OWL 2 DL reasoner through owlready2, on demand (`--reasoner hermit`) and in the tests that check
the two agree.

HermiT and Pellet do not know xsd:date, xsd:gYear or xsd:gYearMonth (outside the OWL 2 datatype map).
HermiT is told to ignore them; Pellet gets a copy of the graph without those literals. Either way
they are only hidden from the reasoner: the built graph keeps them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import BuildFailure, EvkgError
from .namespaces import EVKG, INFERRED_GRAPH, PROV, RES  # INFERRED_GRAPH is imported from here too

UNSUPPORTED = {XSD.date, XSD.gYear, XSD.gYearMonth}


@dataclass
class ReasonerReport:
    consistent: bool
    reasoner: str
    detail: str = ""
    inferred: Graph = field(default_factory=Graph)
    explanations: list[str] = field(default_factory=list)


def _reasoner_input(graph: Graph, reasoner: str) -> Graph:
    """What the reasoner needs to see. Left out: annotations (labels, definitions, notes: they cannot
    affect consistency or classification) and the provenance layer (prov:wasDerivedFrom links, source
    locations, document parts, references), which the build generates from IRIs, types by
    construction and the SHACL shapes check; it yields no inference and took a third of HermiT's
    time. Pellet also gets no literals of datatypes outside the OWL 2 map."""
    logical = set(graph.subjects(RDF.type, OWL.ObjectProperty)) | set(graph.subjects(RDF.type, OWL.DatatypeProperty))
    logical |= {RDF.type, RDF.first, RDF.rest}
    logical.discard(PROV.wasDerivedFrom)
    provenance = {s for t in (EVKG.SourceLocation, EVKG.DocumentPart, EVKG.BibliographicResource,
                              EVKG.BibliographicReference, EVKG.Review) for s in graph.subjects(RDF.type, t)}
    out = Graph()
    for s, p, o in graph:
        if s in provenance or (p not in logical and not str(p).startswith((str(OWL), str(RDFS)))):
            continue
        if p in (RDFS.label, RDFS.comment, RDFS.seeAlso, OWL.imports):  # owlready2 would fetch an import
            continue
        if reasoner == "pellet" and isinstance(o, Literal) and o.datatype in UNSUPPORTED:
            continue
        out.add((s, p, o))
    return out


REASONERS = ("rules", "hermit", "pellet")


def reason(graph: Graph | ox.Store, reasoner: str = "rules") -> ReasonerReport:
    """Classify the graph (rdflib or a pyoxigraph store holding it in its default graph); return
    consistency, the inferred triples that are new, and explanations."""
    if reasoner not in REASONERS:
        raise EvkgError(f"unknown reasoner '{reasoner}' (use {', '.join(REASONERS)})")
    if reasoner == "rules":
        return reason_with_rules(graph if isinstance(graph, ox.Store) else store_of(graph))
    if isinstance(graph, ox.Store):
        graph = graph_of(graph)
    if shutil.which("java") is None:
        raise EvkgError("OWL reasoning needs Java (java not found on PATH); install a JRE 11+ or skip with --no-reason")
    import owlready2  # imported here: only the build and `evkg reason` need it

    # A reasoner run is one short JVM: the C1 compiler alone starts faster (measured: HermiT 3.9 s
    # -> 3.2 s on the review graph), and one compiler thread with the serial GC leaves the other core
    # to SHACL validation running beside it. A user's own JAVA_TOOL_OPTIONS wins.
    os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC")

    with tempfile.TemporaryDirectory(prefix="evkg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        _reasoner_input(graph, reasoner).serialize(destination=path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples")
            try:
                if reasoner == "hermit":
                    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                                   ignore_unsupported_datatypes=True)
                else:
                    owlready2.sync_reasoner_pellet(world, infer_property_values=True, debug=0)
            except owlready2.OwlReadyInconsistentOntologyError:
                return ReasonerReport(False, reasoner, "the ontology and data are inconsistent",
                                      explanations=explain_inconsistency(graph))
            except owlready2.base.OwlReadyJavaError as e:
                raise BuildFailure(f"{reasoner} failed: {str(e).strip().splitlines()[-1]}") from None
            inferred = _inferred_triples(world, graph)
        finally:
            world.close()
    return ReasonerReport(True, reasoner, inferred=inferred)


def reason_with_rules(store: ox.Store, subjects: set[str] | None = None, tbox=None) -> ReasonerReport:
    """The rules reasoner over the whole store, or over the individuals `subjects` only (a module,
    see modules.py): their inferred triples, or the explanation of a clash among them. `tbox`: the
    store's axioms compiled, if the caller has them (compiling takes a tenth of a second)."""
    from .owlrules import RulesInconsistency, compile_tbox, inferred_types, materialise, tbox_graph

    tbox = tbox or compile_tbox(tbox_graph(store))
    try:
        closure = materialise(store, tbox, subjects)
    except RulesInconsistency as clash:
        from .modules import neighbourhood

        found = explain_inconsistency(neighbourhood(store, clash.nodes))
        if found[0].startswith("no disjointness"):
            found = [f"{', '.join(sorted(_short(n) for n in clash.nodes))} {clash.reason}"]
        return ReasonerReport(False, "rules", "the ontology and data are inconsistent", explanations=found)
    return ReasonerReport(True, "rules", inferred=inferred_types(tbox, closure))


def reason_jurisdictions(store: ox.Store, jurisdictions: list[str], tbox=None) -> ReasonerReport:
    """The inferred triples about the given jurisdictions and their members (what has evkg:jurisdiction
    one of them), from their modules alone (modules.py): what an incremental `evkg add` re-reasons."""
    from .modules import members, module_subjects
    from .owlrules import compile_tbox, tbox_graph

    tbox = tbox or compile_tbox(tbox_graph(store))
    report = reason_with_rules(store, module_subjects(store, jurisdictions, tbox.named_individuals()), tbox)
    own = {URIRef(m) for m in members(store, jurisdictions)}
    for triple in [t for t in report.inferred if t[0] not in own]:
        report.inferred.remove(triple)
    return report


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def store_of(graph: Graph) -> ox.Store:
    """A pyoxigraph memory store holding `graph` in its default graph."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def graph_of(store: ox.Store) -> Graph:
    """The default graph of `store` as an rdflib graph (for HermiT, Pellet and pySHACL)."""
    g = Graph()
    g.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    return g


def _inferred_triples(world, asserted: Graph) -> Graph:
    """The triples owlready2 put in its inference ontology that the graph did not already hold."""
    inferrences = world.get_ontology("http://inferrences/")
    out = Graph()
    iri = world._unabbreviate
    for s, p, o in inferrences.get_triples():
        if s < 0 or p < 0:
            continue
        subj, pred = URIRef(iri(s)), URIRef(iri(p))
        if not str(subj).startswith(str(RES)):
            continue  # e.g. a Wikidata IRI that owl:sameAs makes identical to one of ours: keep our name
        if isinstance(o, int) and o > 0:
            obj = URIRef(iri(o))
        else:
            continue  # inferred data values: none are expected in this model
        if pred == RDF.type and obj in (OWL.NamedIndividual, OWL.Thing):
            continue
        if (subj, pred, obj) not in asserted:
            out.add((subj, pred, obj))
    # The reasoner reports the most specific classes; add their evkg superclasses so that a query for
    # a general category (e.g. ATMPJurisdiction) finds members inferred into a narrower one.
    for subj, cls in list(out.subject_objects(RDF.type)):
        todo = [cls]
        while todo:
            for sup in asserted.objects(todo.pop(), RDFS.subClassOf):
                if isinstance(sup, URIRef) and str(sup).startswith(str(EVKG)) and (subj, RDF.type, sup) not in asserted:
                    if (subj, RDF.type, sup) not in out:
                        out.add((subj, RDF.type, sup))
                        todo.append(sup)
    return out


# --- explanations ------------------------------------------------------------------------------

def _disjoint_pairs(g: Graph) -> set[frozenset]:
    pairs = {frozenset((a, b)) for a, b in g.subject_objects(OWL.disjointWith)}
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(g.items(g.value(node, OWL.members)))
        pairs |= {frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1:]}
    return pairs


def _label(g: Graph, node) -> str:
    label = g.value(node, RDFS.label)
    short = str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return f"{short} ({label})" if label else short


def explain_inconsistency(g: Graph) -> list[str]:
    """Find the usual culprits of an inconsistent graph in curator's terms: an individual that is an
    instance of two disjoint classes (asserted, or implied by a property's domain or range), or a
    functional property with two different values."""
    supers: dict = {}

    def ancestors(c):
        if c not in supers:
            seen, todo = {c}, [c]
            while todo:
                for sup in g.objects(todo.pop(), RDFS.subClassOf):
                    if isinstance(sup, URIRef) and sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            supers[c] = seen
        return supers[c]

    why: dict = {}  # individual -> {class: reason}
    for s, c in g.subject_objects(RDF.type):
        if isinstance(c, URIRef) and isinstance(s, URIRef) and not str(c).startswith(str(OWL)):
            why.setdefault(s, {})[c] = f"asserted as {_label(g, c)}"
    for prop, dom in g.subject_objects(RDFS.domain):
        if isinstance(dom, URIRef):
            for s in set(g.subjects(prop, None)):
                if isinstance(s, URIRef):
                    why.setdefault(s, {}).setdefault(dom, f"implied by its {_label(g, prop)} (domain {_label(g, dom)})")
    for prop, rng in g.subject_objects(RDFS.range):
        if isinstance(rng, URIRef) and (rng, RDF.type, OWL.Class) in g:
            for o in set(g.objects(None, prop)):
                if isinstance(o, URIRef):
                    why.setdefault(o, {}).setdefault(rng, f"implied by being the {_label(g, prop)} of something (range {_label(g, rng)})")
    disjoint = _disjoint_pairs(g)
    found = []
    for ind, classes in why.items():
        closure = {}
        for c, reason in classes.items():
            for a in ancestors(c):
                closure.setdefault(a, reason)
        for pair in disjoint:
            a, b = tuple(pair)
            if a in closure and b in closure:
                found.append(f"{_label(g, ind)} is both {_label(g, a)} ({closure[a]}) and {_label(g, b)} ({closure[b]}), "
                             f"but the ontology declares these classes disjoint: fix the type or the link.")
    for prop in g.subjects(RDF.type, OWL.FunctionalProperty):
        for s in set(g.subjects(prop, None)):
            values = set(g.objects(s, prop))
            if len(values) > 1:
                found.append(f"{_label(g, s)} has {len(values)} values for {_label(g, prop)}, which allows only one: "
                             + ", ".join(sorted(_label(g, v) for v in values)))
    return sorted(set(found)) or ["no disjointness or functional-property clash found by the explainer; "
                                  "remove recently added facts one at a time to isolate the cause"]
