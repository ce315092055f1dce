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
