"""OWL reasoning: the defined classes get the members the review implies; inconsistencies are explained."""

import shutil

import pytest
from rdflib import Graph, URIRef

from evkg.build import assemble, inferred_memberships
from evkg.reasoning import INFERRED_GRAPH, reason

from conftest import FIXTURES, copy_project, iri

# From the paper: Table 1 foci (US, EU cargo; JP, KR, TW source); EU, CH, UK classify EVs as ATMPs,
# as the rule in some places and under conditions in others; only Korea has published EV-specific
# guidance (Table 1, §3.4); Japan, Taiwan and China have conditional/time-limited/fast-track routes;
# Switzerland aligns with Regulation 1394/2007 (§3.9); the EU prohibits human-derived EVs in cosmetics.
EXPECTED = {
    "CargoBasedRegime": ["EU", "US"],
    "SourceBasedRegime": ["JP", "KR", "TW"],
    "ATMPJurisdiction": ["CH", "EU", "UK"],
    "UnconditionalATMPJurisdiction": ["CH", "EU", "UK"],
    "ConditionalATMPJurisdiction": ["EU", "UK"],  # Switzerland's Table 1 condition is a "may"
    "EVGuidanceJurisdiction": ["KR"],
    "ExpeditedRouteJurisdiction": ["CN", "JP", "TW"],
    "EUATMPAlignedJurisdiction": ["CH"],
    "CosmeticProhibitionJurisdiction": ["EU"],
    "EthicsReviewedPathway": ["AU-CTN", "AU-CTX", "IN-CTA", "KR-IND", "TW-CTN-MRCT", "UK-CTA"],
}


@pytest.fixture(scope="module")
def graph(project):
    return assemble(project)[0]


@pytest.fixture(scope="module")
def hermit(graph):
    return reason(graph, "hermit")


@pytest.mark.parametrize("category", sorted(EXPECTED))
def test_defined_class_members(hermit, category):
    assert hermit.consistent
    assert inferred_memberships(hermit.inferred).get(category) == EXPECTED[category]


def test_pellet_agrees(graph, hermit):
    pellet = reason(graph, "pellet")
    assert pellet.consistent
    got = inferred_memberships(pellet.inferred)
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED


@pytest.mark.parametrize("removed, category, loses", [
    ("pos:CH-align-sec3.9-atmp-reg", "EUATMPAlignedJurisdiction", "CH"),
    ("pos:EU-cosmetic-sec3.2", "CosmeticProhibitionJurisdiction", "EU"),
    ("pw:CN-fast-track", "ExpeditedRouteJurisdiction", "CN"),
])
def test_removing_a_supporting_fact_changes_the_inference(graph, removed, category, loses):
    g = Graph() + graph
    node = URIRef(iri(removed))
    g.remove((node, None, None))
    g.remove((None, None, node))
    got = inferred_memberships(reason(g, "hermit").inferred).get(category, [])
    assert loses not in got
    assert set(got) == set(EXPECTED[category]) - {loses}


def test_inconsistency_is_explained(tmp_path):
    p = copy_project(tmp_path)
    shutil.copy(FIXTURES / "inconsistent.ttl", p.root / "data" / "zz-inconsistent.ttl")
    report = reason(assemble(p)[0], "hermit")
    assert not report.consistent
    assert any("example-law-and-agency" in e and "disjoint" in e and "Act" in e and "RegulatoryAuthority" in e
               for e in report.explanations), report.explanations


def test_inferred_triples_are_a_separate_named_graph(project, store):
    assert (project.dist / "evkg-inferred.ttl").is_file()
    q = f"SELECT ?j WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?j a <https://w3id.org/evkg/ontology#SourceBasedRegime> }} }}"
    assert {str(r[0]) for r in store.query(q).rows} == {iri("jur:JP"), iri("jur:KR"), iri("jur:TW")}
    # the asserted default graph holds no inferred membership
    q = "ASK { ?j a <https://w3id.org/evkg/ontology#SourceBasedRegime> }"
    assert store.query(q).boolean is False
