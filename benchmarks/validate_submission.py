"""Benchmark: validate a synthetic 1,000-fact submission together with the review graph.

Runs side by side in one process: the focused validation `evkg validate` does (only the nodes the
submission touches) and, as the baseline, validating the whole merged graph. Prints medians of
several runs, the breakdown (parse, graph load, validation) and the ratio. The submission is
SYNTHETIC test data in evkg's model (a made-up jurisdiction with bodies, instruments, pathways
and positions), not facts about any real country.

    python benchmarks/validate_submission.py [--runs 5] [--facts 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rdflib import Graph

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evkg.project import Project  # noqa: E402
from timing import median_time  # noqa: E402
from evkg.validation import built_graph, load_shapes, validate_graph, validate_submission  # noqa: E402

HEADER = """@prefix evkg: <https://w3id.org/evkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix eli:  <http://data.europa.eu/eli/ontology#> .
@prefix cv:   <https://w3id.org/evkg/resource/concept/> .
@prefix cls:  <https://w3id.org/evkg/resource/class/> .
@prefix src:  <https://w3id.org/evkg/resource/source/> .
@prefix jur:  <https://w3id.org/evkg/resource/jurisdiction/> .
@prefix body: <https://w3id.org/evkg/resource/body/> .
@prefix law:  <https://w3id.org/evkg/resource/law/> .
@prefix pw:   <https://w3id.org/evkg/resource/pathway/> .
@prefix pos:  <https://w3id.org/evkg/resource/position/> .
"""


def synthetic_submission(n_facts: int) -> str:
    """About `n_facts` triples: a synthetic jurisdiction and groups of entities and positions."""
    out = [HEADER, """jur:SY a evkg:Country ; rdfs:label "Synthetica (synthetic benchmark data)"@en ;
    skos:notation "SY" ; prov:wasDerivedFrom src:sec-1 .
body:SY-agency a evkg:RegulatoryAuthority ; rdfs:label "Synthetic agency (benchmark)"@en ;
    evkg:jurisdiction jur:SY ; prov:wasDerivedFrom src:sec-1 .
cls:SY-atmp a evkg:ProductClass ; rdfs:label "synthetic ATMP class (benchmark)"@en ; evkg:jurisdiction jur:SY ;
    skos:broader cls:atmp ; prov:wasDerivedFrom src:sec-1 .
"""]
    i, triples = 0, 12
    while triples < n_facts:
        i += 1
        out.append(f"""law:sy-act-{i} a evkg:Act ; rdfs:label "Synthetic act {i} (benchmark)"@en ; evkg:jurisdiction jur:SY ;
    eli:date_document "2019-08"^^xsd:gYearMonth ; eli:first_date_entry_in_force "2020"^^xsd:gYear ; prov:wasDerivedFrom src:sec-1 .
pw:SY-cta-{i} a evkg:ClinicalTrialPathway ; rdfs:label "Synthetic CTA {i} (benchmark)"@en ; evkg:jurisdiction jur:SY ;
    evkg:pathwayKind cv:kind-cta ; evkg:receivingAuthority body:SY-agency ; evkg:legalBasis law:sy-act-{i} ; prov:wasDerivedFrom src:sec-1 .
pos:SY-class-{i} a evkg:ClassificationPosition ; rdfs:label "Synthetica: synthetic classification {i}"@en ;
    evkg:jurisdiction jur:SY ; evkg:classifiedAs cls:SY-atmp ; evkg:modality cv:modality-conditional ;
    evkg:condition cv:cond-manipulated-cells ; evkg:legalBasis law:sy-act-{i} ; prov:wasDerivedFrom src:sec-1 .
pos:SY-path-{i} a evkg:PathwayPosition ; rdfs:label "Synthetica: synthetic pathway position {i}"@en ;
    evkg:jurisdiction jur:SY ; evkg:pathway pw:SY-cta-{i} ; prov:wasDerivedFrom src:sec-1 .
""")
        triples += 26
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--facts", type=int, default=1000)
    args = ap.parse_args()
    project = Project.locate(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "submission.ttl"
        sub.write_text(synthetic_submission(args.facts), encoding="utf-8")
        n = len(Graph().parse(sub))
        focused, report = median_time(lambda: validate_submission(project, [sub]), args.runs)
        assert report[0].conforms, report[0].render()
        base = built_graph(project)
        shapes = load_shapes(project)
        new = Graph().parse(sub)
        whole, _ = median_time(lambda: validate_graph(base + new, shapes), max(1, args.runs // 2))
    b = report[0].seconds
    print(f"# Validating a {n}-triple synthetic submission with the review graph ({len(base)} triples)\n")
    print("| run | median (s) | ratio |")
    print("|---|---:|---:|")
    print(f"| whole merged graph (baseline) | {whole:.3f} | 1.00 |")
    print(f"| focused on touched nodes (`evkg validate`) | {focused:.3f} | {whole / focused:.2f}x faster |")
    print(f"\nBreakdown of the last focused run: parse {b['parse']:.3f} s, load graph {b['load_graph']:.3f} s, "
          f"validation {b['validate']:.3f} s on {report[0].focus_nodes} focus nodes; no inference (inference='none').")


if __name__ == "__main__":
    main()
