"""`evkg links check`: offline checks of every external identifier in the graph against its scheme,
and of duplicates and conflicts (two of our entities claiming the same external one)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SKOS

from .namespaces import EVKG, RES
from .results import compact

SCHEMES = {  # name: (IRI prefix, full pattern)
    "Wikidata": ("http://www.wikidata.org/entity/", r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$"),
    "ROR": ("https://ror.org/", r"^https://ror\.org/0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$"),
    "Gene Ontology": ("http://purl.obolibrary.org/obo/GO_", r"^http://purl\.obolibrary\.org/obo/GO_[0-9]{7}$"),
    "MeSH": ("http://id.nlm.nih.gov/mesh/", r"^http://id\.nlm\.nih\.gov/mesh/[DCMQ][0-9]{6,9}$"),
    "UniProt": ("http://purl.uniprot.org/uniprot/",
                r"^http://purl\.uniprot\.org/uniprot/([OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9]([A-Z][A-Z0-9]{2}[0-9]){1,2})$"),
    "ELI": ("http://data.europa.eu/eli/", r"^http://data\.europa\.eu/eli/(dir|reg|dec)/[0-9]{4}/[0-9]+/oj$"),
}
LITERALS = {  # property: (name, pattern)
    EVKG.iso3166Alpha2: ("ISO 3166-1 alpha-2", r"^[A-Z]{2}$"),
    EVKG.celex: ("CELEX", r"^[1-9][0-9]{4}[A-Z][0-9]{4}$"),
    EVKG.doi: ("DOI", r"^10\.[0-9]{4,9}/\S+$"),
    EVKG.usCodeCitation: ("U.S. Code citation", r"^[1-9][0-9]* U\.S\.C\. [0-9]+[a-z0-9-]*( et seq\.)?$"),
    EVKG.cfrCitation: ("CFR citation", r"^[1-9][0-9]* CFR [1-9][0-9]*(\.[0-9]+)?$"),
}
LINK_PROPERTIES = (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch)
HOMEPAGE = r"^https?://[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$"
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def ror_checksum_ok(iri: str) -> bool:
    """A ROR ID is '0', six Crockford base-32 digits and a two-digit ISO 7064 Mod 97-10 checksum of them."""
    local = iri.rsplit("/", 1)[1]
    n = 0
    for c in local[1:7]:
        n = n * 32 + CROCKFORD.index(c)
    return 98 - (n * 100) % 97 == int(local[7:])


@dataclass
class LinkReport:
    checked: int
    problems: list[str]
    unlinked: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def scheme_of(iri: str) -> str | None:
    return next((name for name, (prefix, _) in SCHEMES.items() if iri.startswith(prefix)), None)


def check_links(graph: Graph) -> LinkReport:
    problems, checked = [], 0
    claims: dict[tuple[str, str], set] = {}
    for prop in LINK_PROPERTIES:
        for s, o in graph.subject_objects(prop):
            if not isinstance(o, URIRef) or str(o).startswith(str(RES)):
                continue
            checked += 1
            scheme = scheme_of(str(o))
            if scheme is None:
                problems.append(f"{compact(s)} {compact(prop)} {o}: unknown identifier scheme")
            elif not re.match(SCHEMES[scheme][1], str(o)):
                problems.append(f"{compact(s)} {compact(prop)} {o}: not a well-formed {scheme} identifier")
            elif scheme == "ROR" and not ror_checksum_ok(str(o)):
                problems.append(f"{compact(s)} {compact(prop)} {o}: ROR checksum does not match (a mistyped identifier)")
            if prop in (OWL.sameAs, SKOS.exactMatch):
                claims.setdefault((str(o), compact(prop)), set()).add(compact(s))
            if prop == OWL.sameAs and scheme not in ("Wikidata", "ELI"):
                problems.append(f"{compact(s)} owl:sameAs {o}: identity links only to Wikidata or ELI; use skos:exactMatch")
    for prop, (name, pattern) in LITERALS.items():
        for s, o in graph.subject_objects(prop):
            checked += 1
            if not (isinstance(o, Literal) and re.match(pattern, str(o))):
                problems.append(f"{compact(s)} {compact(prop)} '{o}': not a well-formed {name}")
            claims.setdefault((f"{name}:{o}", compact(prop)), set()).add(compact(s))
    for s, o in graph.subject_objects(FOAF.homepage):
        checked += 1
        if not (isinstance(o, URIRef) and re.match(HOMEPAGE, str(o))):
            problems.append(f"{compact(s)} foaf:homepage {o}: not a web address (https://host/path)")
        claims.setdefault((str(o).rstrip("/"), "foaf:homepage"), set()).add(compact(s))
    for (target, prop), subjects in sorted(claims.items()):
        if len(subjects) > 1:
            problems.append(f"conflict: {', '.join(sorted(subjects))} all claim {prop} {target}")
    for s in set(graph.subjects(OWL.sameAs, None)):
        items = sorted(str(o) for o in graph.objects(s, OWL.sameAs) if scheme_of(str(o)) == "Wikidata")
        if len(items) > 1:
            problems.append(f"{compact(s)} owl:sameAs {', '.join(items)}: one entity, several Wikidata items")
    unlinked = []
    for cls in (EVKG.Jurisdiction, EVKG.RegulatoryAuthority):
        for s in sorted(set(graph.subjects(RDF.type, cls))):
            if not any((s, p, None) in graph for p in LINK_PROPERTIES + (FOAF.homepage,)):
                unlinked.append(f"{compact(s)} ({graph.value(s, RDFS.label)})")
    return LinkReport(checked, sorted(set(problems)), unlinked)
