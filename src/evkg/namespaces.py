"""The namespaces of the evkg graph and of the vocabularies it reuses."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

EVKG = Namespace("https://w3id.org/evkg/ontology#")
RES = Namespace("https://w3id.org/evkg/resource/")
ORG = Namespace("http://www.w3.org/ns/org#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")

SRC = Namespace(RES + "source/")
PART = Namespace(RES + "part/")
REF = Namespace(RES + "reference/")
REVIEW = RES.review
SHAPES = Namespace("https://w3id.org/evkg/shapes#")

# The named graphs every store holds evkg in (the embedded store, `evkg serve`, stores loaded by `evkg
# load`): the asserted facts, and what the reasoner inferred from them. Queries read them by name.
ASSERTED_GRAPH = URIRef("https://w3id.org/evkg/graph/asserted")
INFERRED_GRAPH = URIRef("https://w3id.org/evkg/graph/inferred")

EXTERNAL = {
    "wikidata": Namespace("http://www.wikidata.org/entity/"), "wdt": Namespace("http://www.wikidata.org/prop/direct/"),
    "ror": Namespace("https://ror.org/"), "GO": Namespace("http://purl.obolibrary.org/obo/GO_"),
    "mesh": Namespace("http://id.nlm.nih.gov/mesh/"), "uniprot": Namespace("http://purl.uniprot.org/uniprot/"),
    "elires": Namespace("http://data.europa.eu/eli/"),
}

PREFIXES = {
    "evkg": EVKG, "res": RES, "jur": Namespace(RES + "jurisdiction/"), "body": Namespace(RES + "body/"),
    "law": Namespace(RES + "law/"), "gl": Namespace(RES + "guideline/"), "std": Namespace(RES + "standard/"),
    "pw": Namespace(RES + "pathway/"), "cls": Namespace(RES + "class/"), "cv": Namespace(RES + "concept/"),
    "pos": Namespace(RES + "position/"), "src": SRC, "ref": REF, "part": PART, "ent": Namespace(RES + "entity/"),
    "shp": SHAPES, "org": ORG, "eli": ELI, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "owl": OWL, "rdf": RDF,
    "rdfs": RDFS, "xsd": XSD, "foaf": FOAF, **EXTERNAL,
}

__all__ = ["ASSERTED_GRAPH", "INFERRED_GRAPH", "EVKG", "RES", "ORG", "ELI", "SRC", "PART", "REF", "REVIEW", "SHAPES", "PREFIXES", "EXTERNAL",
           "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD"]
