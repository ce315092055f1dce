"""Exporting the cross-jurisdiction mappings as an SSSOM mapping set (TSV with a YAML metadata header)."""

from __future__ import annotations

import csv
import io

from . import __version__
from .namespaces import PREFIXES
from .project import Project
from .store import EmbeddedStore

MAPPINGS_QUERY = """
PREFIX evkg: <https://w3id.org/evkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?m ?s ?sl ?p ?o ?ol ?why ?conf (GROUP_CONCAT(DISTINCT ?srcl; separator=" | ") AS ?sources)
WHERE {
  ?m a evkg:Mapping ; evkg:mappingSubject ?s ; evkg:mappingPredicate ?p ; evkg:mappingObject ?o ;
     evkg:mappingJustification ?why ; prov:wasDerivedFrom/rdfs:label ?srcl .
  ?s rdfs:label ?sl .
  # official websites are links to web pages, not mappings between terms: SSSOM leaves them out
  FILTER (?p != <http://xmlns.com/foaf/0.1/homepage>)
  OPTIONAL { ?o rdfs:label ?ol }
  OPTIONAL { ?m evkg:mappingConfidence ?conf }
}
GROUP BY ?m ?s ?sl ?p ?o ?ol ?why ?conf
ORDER BY ?s ?o
"""
COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
           "confidence", "comment", "see_also"]


def curie(term) -> str:
    """SSSOM needs CURIEs for every identifier: the longest known namespace wins, '/' allowed in the local part."""
    iri = str(term)
    best = max(((p, str(ns)) for p, ns in PREFIXES.items() if iri.startswith(str(ns))), key=lambda x: len(x[1]), default=None)
    if best is None:
        raise ValueError(f"no prefix for {iri}")
    return f"{best[0]}:{iri[len(best[1]):]}"


def sssom_tsv(project: Project, store: EmbeddedStore | None = None) -> str:
    """The mapping set as SSSOM TSV: '#'-prefixed YAML metadata, then one row per mapping."""
    store = store or EmbeddedStore(project)
    res = store.query(MAPPINGS_QUERY)
    used = set()
    rows = []
    for r in res.rows:
        rec = dict(zip(res.columns, r))
        s, p, o = curie(rec["s"]), curie(rec["p"]), curie(rec["o"])
        used.update(x.split(":", 1)[0] for x in (s, p, o, curie(rec["m"])))
        rows.append([s, str(rec["sl"]), p, o, "" if rec["ol"] is None else str(rec["ol"]), "semapv:ManualMappingCuration",
                     "" if rec["conf"] is None else str(rec["conf"]),
                     f"{rec['why']} Source: {rec['sources']}", curie(rec["m"])])
    prefixes = {k: str(PREFIXES[k]) for k in sorted(used)}
    prefixes["semapv"] = "https://w3id.org/semapv/vocab/"
    header = ["mapping_set_id: https://w3id.org/evkg/mappings/cross-jurisdiction.sssom.tsv",
              f"mapping_set_version: \"{__version__}\"",
              "mapping_set_title: Cross-jurisdiction correspondences of EV regulatory terms, and links to external identifiers (evkg)",
              "license: https://creativecommons.org/licenses/by/4.0/",
              "mapping_set_description: Pathways, product classes, bodies and instruments of different jurisdictions that the review by Verma and Arora (Pharmaceutics 2025, 17, 990; doi:10.3390/pharmaceutics17080990) compares, with evkg's justification and confidence.",
              "curie_map:"] + [f"  {k}: {v}" for k, v in prefixes.items()]
    buf = io.StringIO()
    buf.write("".join(f"# {line}\n" for line in header))
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    return buf.getvalue()
