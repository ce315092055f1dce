"""Source locations: the places in the review that facts are derived from.

A source location's IRI names the part of the review and the references cited there
(`src:sec-3.4_r59`, `src:sec-3_r15-51-52`, `src:tab-1`); the build describes each one
from its IRI and rejects a part or a reference number the review does not have.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef

from .errors import BuildFailure
from .namespaces import EVKG, PART, PROV, RDF, RDFS, REF, SRC

REFERENCE_COUNT = 112
_PATTERN = re.compile(r"^(?P<part>[a-z]+(?:-[0-9]+(?:\.[0-9]+)?)?)(?:_r(?P<refs>[0-9]+(?:-[0-9]+)*))?$")


def parse_location(iri: URIRef) -> tuple[str, list[int]]:
    """Split a source-location IRI into its part id and its reference numbers."""
    if not str(iri).startswith(str(SRC)):
        raise ValueError(f"not a source location: {iri}")
    m = _PATTERN.match(str(iri)[len(SRC):])
    if not m:
        raise ValueError(f"malformed source location {iri} (expected src:<part> or src:<part>_r<n>-<n>...)")
    refs = [int(n) for n in m["refs"].split("-")] if m["refs"] else []
    return m["part"], refs


def describe_locations(graph: Graph) -> int:
    """Add the description of every source location used with prov:wasDerivedFrom.

    Returns the number of locations; raises BuildFailure listing every bad one."""
    parts = {str(p)[len(PART):]: p for p in graph.subjects(RDF.type, EVKG.DocumentPart)}
    problems, seen = [], set()
    for loc in set(graph.objects(None, PROV.wasDerivedFrom)):
        if not isinstance(loc, URIRef) or not str(loc).startswith(str(SRC)):
            continue
        try:
            part, refs = parse_location(loc)
        except ValueError as e:
            problems.append(str(e))
            continue
        if part not in parts:
            problems.append(f"{loc}: unknown part '{part}' of the review")
            continue
        bad = [n for n in refs if not 1 <= n <= REFERENCE_COUNT]
        if bad:
            problems.append(f"{loc}: reference number(s) {bad} outside 1-{REFERENCE_COUNT}")
            continue
        if refs != sorted(set(refs)):
            problems.append(f"{loc}: reference numbers must be ascending and distinct")
            continue
        seen.add(loc)
        graph.add((loc, RDF.type, EVKG.SourceLocation))
        graph.add((loc, EVKG.documentPart, parts[part]))
        for n in refs:
            graph.add((loc, EVKG.citesReference, REF[str(n)]))
        part_label = graph.value(parts[part], RDFS.label)
        cited = f" [{', '.join(map(str, refs))}]" if refs else ""
        graph.add((loc, RDFS.label, Literal(f"{part_label}{cited}", lang="en")))
    if problems:
        raise BuildFailure("bad source locations: " + "; ".join(sorted(problems)))
    return len(seen)


# Plain SPARQL 1.1 with its prefixes: the build runs it on its pyoxigraph store.
UNSOURCED = """
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX evkg: <https://w3id.org/evkg/ontology#>
    SELECT DISTINCT ?s WHERE {
      ?s a ?t .
      FILTER(STRSTARTS(STR(?s), "https://w3id.org/evkg/resource/"))
      FILTER(!STRSTARTS(STR(?s), "https://w3id.org/evkg/resource/source/"))
      FILTER(!STRSTARTS(STR(?s), "https://w3id.org/evkg/resource/part/"))
      FILTER(?t NOT IN (skos:ConceptScheme, evkg:BibliographicResource, evkg:DocumentPart, evkg:SourceLocation))
      FILTER NOT EXISTS { ?s prov:wasDerivedFrom ?src }
      FILTER NOT EXISTS { ?s skos:inScheme ?scheme }
    } ORDER BY ?s"""


def unsourced(graph: Graph) -> list[URIRef]:
    """Positions, contradictions and described resources that carry no prov:wasDerivedFrom."""
    return [r.s for r in graph.query(UNSOURCED)]

