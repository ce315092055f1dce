"""The build: coverage of every jurisdiction, provenance of every fact, consistency, and clear errors."""

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from evkg.build import assemble, build
from evkg.cli import main
from evkg.errors import BuildFailure, SourceSyntaxError
from evkg.provenance import describe_locations, parse_location, unsourced
from evkg.reasoning import reason, store_of
from evkg.validation import load_shapes, validate_graph, validate_store, validate_submission

from conftest import FIXTURES, copy_project, iri

JURISDICTIONS = ["US", "EU", "JP", "KR", "TW", "IN", "AU", "CN", "CH", "UK"]


@pytest.mark.parametrize("code", JURISDICTIONS)
def test_every_jurisdiction_has_authority_classification_pathway_instrument(select, code):
    j = iri(f"jur:{code}")
    q = f"""SELECT
      (EXISTS {{ <{j}> evkg:hasRegulatoryAuthority ?a }} AS ?authority)
      (EXISTS {{ ?p a evkg:ClassificationPosition ; evkg:jurisdiction <{j}> ; evkg:classifiedAs ?c }} AS ?classification)
      (EXISTS {{ <{j}> evkg:hasPathway ?pw }} AS ?pathway)
      (EXISTS {{ ?l a/rdfs:subClassOf* evkg:LegalInstrument ; evkg:jurisdiction <{j}> }} AS ?instrument)
      WHERE {{}}"""
    # The review names no Australian legal instrument (Table 1 and §4 speak only of TGA schemes).
    instrument = "false" if code == "AU" else "true"
    assert select(q) == [{"authority": "true", "classification": "true", "pathway": "true", "instrument": instrument}]


def test_every_position_and_entity_has_a_source(select, project):
    rows = select("""SELECT ?p WHERE { ?p a/rdfs:subClassOf* evkg:RegulatoryPosition
                     FILTER NOT EXISTS { ?p prov:wasDerivedFrom ?s } }""")
    assert rows == []
    rows = select("""SELECT ?p WHERE { ?p a evkg:Contradiction FILTER NOT EXISTS { ?p prov:wasDerivedFrom ?s } }""")
    assert rows == []
    graph, *_ = assemble(project)
    assert unsourced(graph) == []


def test_sources_name_part_and_references(select):
    rows = select("""SELECT ?part ?ref WHERE { src:sec-3.4_r59 evkg:documentPart ?part ; evkg:citesReference ?ref }""")
    assert rows == [{"part": "https://w3id.org/evkg/resource/part/sec-3.4", "ref": iri("ref:59")}]


def test_facts_resting_on_a_reference_can_be_listed(select):
    rows = select("""SELECT DISTINCT ?p WHERE { ?p prov:wasDerivedFrom ?loc . ?loc evkg:citesReference ref:59 }""")
    assert iri("pos:KR-path-sec3.4-research") in {r["p"] for r in rows}


def test_shipped_graph_is_consistent_under_hermit(project):
    graph, *_ = assemble(project)
    report = reason(graph, "hermit")
    assert report.consistent


def test_reasoning_keeps_date_typed_literals(project, select):
    # HermiT skips xsd:date/gYearMonth; the built graph must still carry them.
    assert select("SELECT ?d WHERE { law:jp-asrm eli:date_document ?d }") == [{"d": "2014-11"}]


def test_inconsistent_data_fails_the_build(tmp_path):
    p = copy_project(tmp_path)
    shutil.copy(FIXTURES / "inconsistent.ttl", p.root / "data" / "zz-inconsistent.ttl")
    with pytest.raises(BuildFailure, match="inconsistent"):
        build(p, reason=True, write=False, progress=lambda m: None)


def test_malformed_turtle_gives_file_line_error(tmp_path, capsys):
    p = copy_project(tmp_path)
    shutil.copy(FIXTURES / "malformed.ttl", p.root / "data" / "broken.ttl")
    with pytest.raises(SourceSyntaxError) as exc:
        build(p, reason=False, write=False, progress=lambda m: None)
    assert (exc.value.path, exc.value.line) == ("data/broken.ttl", 6)
    assert main(["--root", str(p.root), "build", "--no-reason"]) != 0
    errors = [l for l in capsys.readouterr().err.splitlines() if l.startswith("evkg:")]
    assert len(errors) == 1 and errors[0].startswith("evkg: error: data/broken.ttl:6:19: syntax error")
    assert not (p.root / "dist").exists(), "a failed build writes nothing"


@pytest.mark.parametrize("location, message", [
    ("sec-9.9_r1", "unknown part"), ("sec-3.4_r113", "outside 1-112"), ("sec-3.4_r59-15", "ascending"),
    ("sec-3.4-r59", "malformed"),
])
def test_bad_source_locations_fail_the_build(tmp_path, location, message):
    p = copy_project(tmp_path)
    (p.root / "data" / "zz-bad-source.ttl").write_text(
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<https://w3id.org/evkg/resource/position/x> prov:wasDerivedFrom "
        f"<https://w3id.org/evkg/resource/source/{location}> .\n", encoding="utf-8")
    with pytest.raises(BuildFailure, match=message):
        build(p, reason=False, write=False, progress=lambda m: None)


def test_unsourced_resource_fails_the_build(tmp_path):
    p = copy_project(tmp_path)
    (p.root / "data" / "zz-unsourced.ttl").write_text(
        "@prefix evkg: <https://w3id.org/evkg/ontology#> .\n"
        "<https://w3id.org/evkg/resource/position/no-source> a evkg:ClassificationPosition .\n", encoding="utf-8")
    with pytest.raises(BuildFailure, match="without prov:wasDerivedFrom"):
        build(p, reason=False, write=False, progress=lambda m: None)


def test_parse_location():
    assert parse_location(iri("src:sec-3_r15-51-52")) == ("sec-3", [15, 51, 52])
    assert parse_location(iri("src:tab-1")) == ("tab-1", [])


def test_build_writes_all_artefacts(project):
    for name in ("evkg.ttl", "evkg.nt", "evkg.jsonld", "build-report.json"):
        assert (project.dist / name).stat().st_size > 0
    assert (project.dist / "store").is_dir()


# --- the build's SHACL engine (pyshacl-turbo + whole-graph SPARQL constraints) against pySHACL -----

SHAPE_FIXTURES = sorted((Path(__file__).parent / "shapes").glob("reject-*.ttl"))


def _canonical(finding):
    """A finding with decimals in canonical form: Oxigraph writes 20.0 as 20, rdflib keeps 20.0 (same value)."""
    def num(text):
        return re.sub(r"(\d)\.0+(?!\d)", r"\1", text) if text else text
    return finding.severity, finding.focus, finding.path, finding.shape, num(finding.value), num(finding.message)


@pytest.fixture(scope="module")
def base_graph(project):
    from evkg.validation import built_graph
    return built_graph(project)


def test_build_validation_agrees_with_pyshacl_on_the_shipped_graph(project, base_graph):
    shapes = load_shapes(project)
    fast = validate_store(store_of(base_graph), shapes)
    assert fast.conforms
    assert set(fast.findings) == set(validate_graph(Graph() + base_graph, shapes).findings)


@pytest.mark.parametrize("fixture", SHAPE_FIXTURES, ids=[f.stem for f in SHAPE_FIXTURES])
def test_build_validation_rejects_every_fixture_for_the_same_reason(project, base_graph, fixture):
    from test_shapes import expectations

    reference, _ = validate_submission(project, [fixture], base=Graph() + base_graph)  # pySHACL
    g = Graph() + base_graph
    g.parse(fixture, format="turtle")
    describe_locations(g)
    report = validate_store(store_of(g), load_shapes(project))
    expected = list(expectations(fixture))
    for shape, focus, path, severity in expected:
        key = lambda f: (f.shape, f.focus, f.path, f.severity) == (shape, focus, path, severity)  # noqa: E731
        hits = {_canonical(f) for f in report.findings if key(f)}
        assert hits and hits == {_canonical(f) for f in reference.findings if key(f)}, report.render()
    if any(e[3] == "Violation" for e in expected):
        assert not report.conforms
        assert {f.shape for f in report.violations()} <= {e[0] for e in expected}, report.render()


def test_build_validation_of_focus_nodes_finds_what_the_whole_graph_finds_there(project, base_graph):
    g = Graph() + base_graph
    g.parse(Path(__file__).parent / "shapes" / "reject-foreign-legal-basis.ttl", format="turtle")
    describe_locations(g)
    store, shapes = store_of(g), load_shapes(project)
    whole = validate_store(store, shapes)
    focus = sorted({URIRef(s) for s in g.subjects() if "XX-test" in str(s) or "xx-test" in str(s)})
    assert focus
    part = validate_store(store, shapes, focus)
    shown = {f.focus for f in part.findings}
    assert not part.conforms and part.focus_nodes == len(focus)
    assert set(part.findings) == {f for f in whole.findings if f.focus in shown}
    assert {f.focus for f in whole.violations()} <= shown
