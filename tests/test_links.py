"""External links: checked identifiers, offline scheme checks, federated queries against a local
stand-in for Wikidata (a real Oxigraph server loaded with made-up test data in Wikidata's shape)."""

import subprocess
import time

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, OWL, PROV, SKOS

from evkg.cli import main
from evkg.errors import EvkgError
from evkg.links import check_links
from evkg.namespaces import EVKG
from evkg.querying import run_query
from evkg.remote import remote_query
from evkg.serve import Endpoint, free_port, oxigraph_binary
from evkg.validation import built_graph

from conftest import FIXTURES, iri

WIKIDATA = "https://query.wikidata.org/sparql"
# The eight authorities linked by their official website, each with the stored page that pairs name and site.
WEBSITE_AUTHORITIES = {"body:CDSCO", "body:MFDS", "body:MHRA", "body:NMPA", "body:PMDA", "body:Swissmedic",
                       "body:TFDA", "body:TGA"}
# Identifiers marked verified in ../shared/external-ids.tsv, each seen in a public ROR record (issue 17).
VERIFIED = {
    "body:PMDA": {"wikidata": "Q932661", "ror": "03mpkb302"},
    "body:MFDS": {"wikidata": "Q482905", "ror": "01f7dp456"},
    "body:NMPA": {"wikidata": "Q50839285", "ror": "002k3wk88"},
    "body:ICMR": {"wikidata": "Q291019", "ror": "0492wrx28"},
    "body:EMA": {"ror": "01z0wsw92"},  # its Wikidata item Q130146 was recorded before, from other evidence
    "body:Swissmedic": {"ror": "03hdjmh87"},
    "body:CBER": {"ror": "02nr3fr97"},
    "body:CDER": {"ror": "00yf3tm42"},
}
# The register has no verified Wikidata item for these: none may be guessed.
NO_WIKIDATA = {"body:CDSCO", "body:MHRA", "body:TFDA", "body:TGA", "body:Swissmedic", "body:CBER", "body:CDER"}


@pytest.fixture(scope="module")
def graph(project):
    return built_graph(project)


def test_shipped_links_pass_the_offline_check(graph, project, capsys):
    report = check_links(graph)
    assert report.ok, report.problems
    assert report.checked >= 40
    assert main(["--root", str(project.root), "links", "check"]) == 0


def test_every_jurisdiction_is_linked(graph):
    expected = {"US": "Q30", "JP": "Q17", "KR": "Q884", "TW": "Q865", "IN": "Q668", "AU": "Q408", "CN": "Q148",
                "CH": "Q39", "UK": "Q145", "EU": "Q458"}
    for code, qid in expected.items():
        assert (URIRef(iri(f"jur:{code}")), OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{qid}")) in graph
    assert str(graph.value(URIRef(iri("jur:UK")), URIRef("https://w3id.org/evkg/ontology#iso3166Alpha2"))) == "GB"


def evidence_of(graph, subject, predicate, obj):
    return [m for m in graph.subjects(EVKG.mappingSubject, subject)
            if (m, EVKG.mappingPredicate, predicate) in graph and (m, EVKG.mappingObject, obj) in graph]


def test_every_authority_has_an_external_link_and_no_guessed_identifier(graph):
    report = check_links(graph)
    assert report.unlinked == []
    assert (URIRef(iri("body:FDA")), OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q204711")) in graph
    for curie in NO_WIKIDATA:
        # no Wikidata identity for them: none was found with evidence, and none is guessed
        body = URIRef(iri(curie))
        assert not [o for o in graph.objects(body, OWL.sameAs) if str(o).startswith("http://www.wikidata.org/")], curie
    for curie in WEBSITE_AUTHORITIES:
        body = URIRef(iri(curie))
        [site] = list(graph.objects(body, FOAF.homepage))
        # each website comes with its evidence, as a mapping record
        evidence = evidence_of(graph, body, FOAF.homepage, site)
        assert len(evidence) == 1 and "stored" in str(graph.value(evidence[0], EVKG.mappingJustification)), curie
    assert (URIRef(iri("body:PMDA")), FOAF.homepage, URIRef("https://www.pmda.go.jp/")) in graph


@pytest.mark.parametrize("curie", sorted(VERIFIED))
def test_verified_identifiers_with_their_ror_evidence(graph, curie):
    body, ids = URIRef(iri(curie)), VERIFIED[curie]
    wikidata = {str(o) for o in graph.objects(body, OWL.sameAs) if str(o).startswith("http://www.wikidata.org/")}
    expected = ids.get("wikidata") or {"body:EMA": "Q130146"}.get(curie)
    assert wikidata == ({f"http://www.wikidata.org/entity/{expected}"} if expected else set())
    ror = URIRef(f"https://ror.org/{ids['ror']}")
    assert {o for o in graph.objects(body, SKOS.exactMatch) if str(o).startswith("https://ror.org/")} == {ror}
    for predicate, obj in [(SKOS.exactMatch, ror)] + [
            (OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{q}")) for q in [ids.get("wikidata")] if q]:
        [record] = evidence_of(graph, body, predicate, obj)
        # the evidence is the ROR record itself, named in the justification, and the register entry
        assert "ROR record" in str(graph.value(record, EVKG.mappingJustification)), (curie, obj)
        assert float(graph.value(record, EVKG.mappingConfidence)) == 1.0
        assert (record, PROV.wasDerivedFrom, URIRef(iri("ent:external-ids-location"))) in graph


def test_nmpa_keeps_only_the_preferred_wikidata_item(graph):
    # NMPA's ROR record lists three Wikidata items and prefers Q50839285; the two others are unidentified
    items = {str(o) for o in graph.objects(URIRef(iri("body:NMPA")), OWL.sameAs)}
    assert items == {"http://www.wikidata.org/entity/Q50839285"}


@pytest.mark.parametrize("triple, message", [
    ("<https://w3id.org/evkg/resource/body/FDA> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/QX1> .", "not a well-formed Wikidata"),
    ("<https://w3id.org/evkg/resource/body/FDA> <http://www.w3.org/2004/02/skos/core#exactMatch> <https://ror.org/12345> .", "not a well-formed ROR"),
    ("<https://w3id.org/evkg/resource/concept/bio-cd9> <http://www.w3.org/2004/02/skos/core#closeMatch> <http://purl.uniprot.org/uniprot/cd9> .", "not a well-formed UniProt"),
    ("<https://w3id.org/evkg/resource/concept/bio-exosome> <http://www.w3.org/2004/02/skos/core#exactMatch> <http://purl.obolibrary.org/obo/GO_70062> .", "not a well-formed Gene Ontology"),
    ("<https://w3id.org/evkg/resource/law/eu-reg-536-2014> <https://w3id.org/evkg/ontology#celex> \"536/2014\" .", "not a well-formed CELEX"),
    ("<https://w3id.org/evkg/resource/body/EMA> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q204711> .", "conflict"),
    ('<https://w3id.org/evkg/resource/body/TGA> <http://xmlns.com/foaf/0.1/homepage> "www.tga.gov.au" .', "not a web address"),
    ("<https://w3id.org/evkg/resource/body/TFDA> <http://xmlns.com/foaf/0.1/homepage> <https://www.pmda.go.jp/> .", "conflict"),
    ('<https://w3id.org/evkg/resource/law/us-fdc-act> <https://w3id.org/evkg/ontology#usCodeCitation> "21 USC 301" .', "not a well-formed U.S. Code"),
    ('<https://w3id.org/evkg/resource/law/us-21-cfr-312> <https://w3id.org/evkg/ontology#cfrCitation> "CFR 21-312" .', "not a well-formed CFR"),
    ("<https://w3id.org/evkg/resource/body/EMA> <http://www.w3.org/2002/07/owl#sameAs> <https://ror.org/01f80g185> .", "identity links only to Wikidata or ELI"),
    # PMDA's ROR ID with its last digit mistyped: well-formed, but the checksum fails
    ("<https://w3id.org/evkg/resource/body/TGA> <http://www.w3.org/2004/02/skos/core#exactMatch> <https://ror.org/03mpkb303> .", "ROR checksum"),
    ("<https://w3id.org/evkg/resource/body/NMPA> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q10926084> .", "several Wikidata items"),
])
def test_malformed_or_conflicting_identifiers_are_caught(graph, triple, message):
    g = Graph() + graph
    g.parse(data=triple, format="nt")
    report = check_links(g)
    assert not report.ok and any(message in p for p in report.problems), report.problems


def test_ontology_export_opens_in_owl_tools(project):
    owl = project.dist / "evkg-ontology.owl"
    g = Graph().parse(owl, format="xml")
    assert (URIRef("https://w3id.org/evkg/ontology"), None, None) in g
    import owlready2
    world = owlready2.World()
    onto = world.get_ontology(owl.as_uri()).load()
    assert onto.search_one(iri="https://w3id.org/evkg/ontology#SourceBasedRegime") is not None
    world.close()


def test_sssom_export_includes_external_links(project, capsys):
    assert main(["--root", str(project.root), "mappings"]) == 0
    out = capsys.readouterr().out
    assert "jur:JP\tJapan\towl:sameAs\twikidata:Q17" in out
    assert "#   wikidata: http://www.wikidata.org/entity/" in out


@pytest.fixture(scope="module")
def wikidata_standin(tmp_path_factory):
    db = tmp_path_factory.mktemp("wikidata-standin") / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(db), "--file", str(FIXTURES / "wikidata-standin.ttl")],
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(db), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(100):
        try:
            remote_query(url, "ASK {}")
            break
        except EvkgError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def rows(result):
    return [{c: (None if v is None else str(v)) for c, v in zip(result.columns, r)} for r in result.rows]


def test_federated_jurisdiction_facts_embedded(project, store, wikidata_standin):
    got = rows(run_query(project, "wikidata-jurisdiction-facts", store=store, services={WIKIDATA: wikidata_standin}))
    by = {r["jurisdiction"]: r for r in got}
    assert by["Japan"]["population"] == "1000001" and by["Japan"]["trials"] == "14"  # Table 2: 14 trials
    assert by["United Kingdom"]["officialLanguages"] == "Test language three; Test language two" or \
        set(by["United Kingdom"]["officialLanguages"].split("; ")) == {"Test language two", "Test language three"}
    assert by["China"]["population"] is None and by["China"]["trials"] == "119"


def test_federated_queries_same_through_the_endpoint(project, store, wikidata_standin):
    with Endpoint(project, port=0, limit_s=20, allow_service=[wikidata_standin]) as ep:  # SERVICE is refused unless allowed
        for name in ("wikidata-jurisdiction-facts", "wikidata-authority-websites"):
            local = run_query(project, name, store=store, services={WIKIDATA: wikidata_standin})
            remote = run_query(project, name, endpoint=ep.query_url, services={WIKIDATA: wikidata_standin})
            assert local.rows and [tuple(r) for r in local.rows] == [tuple(r) for r in remote.rows]
    websites = rows(run_query(project, "wikidata-authority-websites", store=store, services={WIKIDATA: wikidata_standin}))
    assert {(r["body"], r["website"]) for r in websites} == {
        ("U.S. Food and Drug Administration (FDA)", "https://example.org/test-website-fda"),
        ("World Health Organization (WHO)", "https://example.org/test-website-who")}


def test_service_redirect_is_checked(project, store):
    with pytest.raises(EvkgError, match="calls no SERVICE"):
        run_query(project, "trial-counts", store=store, services={WIKIDATA: "http://127.0.0.1:1/query"})
    with pytest.raises(EvkgError, match="not an http"):
        run_query(project, "wikidata-authority-websites", store=store, services={WIKIDATA: "x> } DROP ALL #"})


def test_us_instruments_carry_their_code_citations(graph):
    cite = lambda law, prop: str(graph.value(URIRef(iri(law)), EVKG[prop]))
    assert cite("law:us-phs-act-s351", "usCodeCitation") == "42 U.S.C. 262"
    assert cite("law:us-fdc-act", "usCodeCitation") == "21 U.S.C. 301 et seq."
    assert cite("law:us-21-cfr-312", "cfrCitation") == "21 CFR 312"

