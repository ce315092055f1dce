"""Modules of the graph: the part of it that decides the inferences about one jurisdiction, and the
neighbourhood of a few individuals (what an explanation needs).

The defined categories only look at one jurisdiction at a time. Each definition is a tree of
restrictions rooted at the individual it classifies; following it from a jurisdiction J (or from
one of J's positions or pathways) reaches only: J's members (what has evkg:jurisdiction J, through
evkg:isJurisdictionOf), the values those members point to (a modality, a status, an ethics body, a
product class, a focus and its basis), the product classes' skos:broader chains, and the
individuals the ontology names (cls:atmp, the modality and basis concepts). `module_subjects` takes
exactly those, with all their asserted types and property values, so the rules reasoner run on them
derives every type of J and of J's members that it derives on the whole graph (a test checks it for
every jurisdiction of the review). What a module does not settle: the types of the shared values
themselves, and clashes that involve nodes outside it; the whole-graph run in `evkg build` does.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .namespaces import EVKG, SKOS


def members(store: ox.Store, jurisdictions: list[str]) -> set[str]:
    """The jurisdictions and everything attached to them by evkg:jurisdiction."""
    out = set(jurisdictions)
    for j in jurisdictions:
        out |= {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(str(EVKG.jurisdiction)),
                                                                   ox.NamedNode(j), ox.DefaultGraph())
                if isinstance(q.subject, ox.NamedNode)}
    return out


def module_subjects(store: ox.Store, jurisdictions: list[str], named: set[str] = frozenset()) -> set[str]:
    """The individuals whose asserted triples decide the inferences about the members of `jurisdictions`:
    the members, the nodes they point to, the skos:broader chains of those, and `named` (the
    individuals the ontology itself names)."""
    nodes = members(store, jurisdictions)
    default = ox.DefaultGraph()
    for m in list(nodes):
        nodes |= {q.object.value for q in store.quads_for_pattern(ox.NamedNode(m), None, None, default)
                  if isinstance(q.object, ox.NamedNode)}
    todo, broader = list(nodes), ox.NamedNode(str(SKOS.broader))
    while todo:  # the broader chains of product classes (and of any other concept reached)
        for q in store.quads_for_pattern(ox.NamedNode(todo.pop()), broader, None, default):
            if isinstance(q.object, ox.NamedNode) and q.object.value not in nodes:
                nodes.add(q.object.value)
                todo.append(q.object.value)
    return nodes | set(named)


def neighbourhood(store: ox.Store, nodes: set[str]) -> Graph:
    """The ontology's axioms and the labels of its terms, with every triple that has one of `nodes` as
    subject or object: enough for explain_inconsistency to name the culprits."""
    from .owlrules import tbox_graph
    from .store import to_rdflib

    g = tbox_graph(store)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    default = ox.DefaultGraph()
    for term in {t for triple in g for t in triple if isinstance(t, URIRef)}:
        for q in store.quads_for_pattern(ox.NamedNode(str(term)), label, None, default):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    for n in nodes:
        try:
            node = ox.NamedNode(n)
        except ValueError:  # a blank node's id
            node = ox.BlankNode(n)
        for q in list(store.quads_for_pattern(node, None, None, default)) + list(store.quads_for_pattern(None, None, node, default)):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


def jurisdictions_touched(store: ox.Store, tbox, changed: list[ox.Quad], old_has) -> set[str] | None:
    """The jurisdictions whose modules hold the subject of a changed triple: re-reasoning them alone
    gives every inferred triple the change can alter, or None when it cannot be bounded so
    (an individual the axioms name, a subject that belongs to no jurisdiction, a new link to a shared
    value that could give it a new type, a property with characteristics that spread).

    `old_has(quad)` says whether the graph before the change held a triple."""
    from .owlrules import TYPE, provenance_nodes

    skip, used = provenance_nodes(store), tbox.predicates() | {TYPE}
    changed = [q for q in changed if q.subject.value not in skip and q.predicate.value in used]  # what the reasoner reads
    named = tbox.named_individuals()
    subjects = {q.subject.value for q in changed}
    if subjects & named or any(not isinstance(q.subject, ox.NamedNode) for q in changed):
        return None
    found = _jurisdictions_of(store, subjects)
    if set(subjects) - set(found):
        return None  # a shared value (a concept, a sponsor...) changes: its types are no module's
    touched = {j for js in found.values() for j in js}
    touched |= _modules_holding(store, subjects)
    jurisdiction = str(EVKG.jurisdiction)
    for q in changed:
        p, o = q.predicate.value, q.object
        if not isinstance(o, ox.NamedNode) or p == TYPE:
            continue
        if p == jurisdiction:
            touched.add(o.value)
        elif not (found[q.subject.value] & _jurisdictions_of(store, {o.value}).get(o.value, set())) and \
                not (_spreads_nothing(tbox, p) and any(not _same(x, q) and old_has(x)
                                                       for x in store.quads_for_pattern(None, q.predicate, o, ox.DefaultGraph()))):
            return None
        if p in tbox.characteristics["functional"] and \
                len(list(store.quads_for_pattern(q.subject, q.predicate, None, ox.DefaultGraph()))) > 1:
            return None  # two values of a functional property would merge them
    return touched


def _same(a: ox.Quad, b: ox.Quad) -> bool:
    return a.subject == b.subject and a.predicate == b.predicate and a.object == b.object


def _jurisdictions_of(store: ox.Store, nodes: set[str]) -> dict[str, set[str]]:
    """For each node that belongs to a jurisdiction (is one, or has evkg:jurisdiction), those jurisdictions."""
    if not nodes:
        return {}
    values = " ".join(f"<{n}>" for n in nodes)
    out: dict[str, set[str]] = {}
    for row in store.query(f"""SELECT ?s ?j WHERE {{ VALUES ?s {{ {values} }}
            {{ ?s <{EVKG.jurisdiction}> ?j }} UNION {{ ?x <{EVKG.jurisdiction}> ?s BIND(?s AS ?j) }}
            UNION {{ ?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{EVKG.Jurisdiction}> BIND(?s AS ?j) }} }}"""):
        out.setdefault(row["s"].value, set()).add(row["j"].value)
    return out


def _modules_holding(store: ox.Store, nodes: set[str]) -> set[str]:
    """The jurisdictions whose modules hold `nodes` as a value of a member, or on a skos:broader chain from one."""
    values = " ".join(f"<{n}>" for n in nodes)
    return {row["j"].value for row in store.query(f"""SELECT DISTINCT ?j WHERE {{ VALUES ?s {{ {values} }}
            ?m ?p ?y . ?y <{SKOS.broader}>* ?s .
            {{ ?m <{EVKG.jurisdiction}> ?j }} UNION {{ ?x <{EVKG.jurisdiction}> ?m BIND(?m AS ?j) }} }}""")}


def _spreads_nothing(tbox, p: str) -> bool:
    """A new value of `p` gives its object no type it does not get from any other value of `p`: the
    inverses of p and of its super-properties carry no restriction, and none spreads along links."""
    props, todo = {p}, [p]
    while todo:
        for q in tbox.subprops.get(todo.pop(), ()):
            if q not in props:
                props.add(q)
                todo.append(q)
    ch = tbox.characteristics
    if props & (ch["transitive"] | ch["symmetric"] | ch["inverse_functional"]):
        return False
    inverses = {r for q in props for r in tbox.inverse.get(q, ())}
    keyed = set(tbox.some) | set(tbox.has_value) | {x for _, chain in tbox.chains for x in chain}
    return not (inverses & keyed) and not (props & {x for _, chain in tbox.chains for x in chain})
