"""SHACL shapes: each rejecting fixture fires the shape, focus node and path it names; the example
jurisdiction and the shipped graph conform. Fixtures are self-describing Turtle files in tests/shapes/
whose '# expect: SHAPE FOCUS PATH [SEVERITY]' lines state the expected results ('-' for no path)."""

from pathlib import Path

import pytest
from rdflib import Graph

from evkg.validation import load_shapes, validate_graph, validate_submission

HERE = Path(__file__).parent / "shapes"
REJECT = sorted(HERE.glob("reject-*.ttl"))


def expectations(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            shape, focus, result_path, *severity = line.split(":", 1)[1].split()
            yield shape, focus, None if result_path == "-" else result_path, (severity or ["Violation"])[0]


@pytest.fixture(scope="module")
def base(project):
    from evkg.validation import built_graph
    return built_graph(project)


def test_enough_rejecting_fixtures():
    assert len(REJECT) >= 25
    shapes = {e[0] for f in REJECT for e in expectations(f)}
    assert len(shapes) >= 25, "at least 25 distinct shapes are exercised"


@pytest.mark.parametrize("fixture", REJECT, ids=[f.stem for f in REJECT])
def test_rejecting_fixture(project, base, fixture):
    report, _ = validate_submission(project, [fixture], base=Graph() + base)
    expected = list(expectations(fixture))
    assert expected, f"{fixture.name} has no '# expect:' line"
    for shape, focus, path, severity in expected:
        hits = [f for f in report.findings if (f.shape, f.focus, f.path, f.severity) == (shape, focus, path, severity)]
        assert hits, f"{fixture.name}: expected {severity} {shape} on {focus} {path}; got:\n{report.render()}"
        assert all(h.message and not h.message.startswith("constraint") for h in hits)
    if any(e[3] == "Violation" for e in expected):
        assert not report.conforms
        # nothing fires but what the fixture is about
        assert {f.shape for f in report.violations()} <= {e[0] for e in expected}, report.render()
    else:
        assert report.conforms


def test_example_jurisdiction_conforms(project, base):
    report, new = validate_submission(project, [HERE / "accept-example-jurisdiction.ttl"], base=Graph() + base)
    assert report.findings == [], report.render()
    assert len(new) > 30


def test_shipped_graph_conforms_with_the_reviews_inconsistencies_as_warnings(project, base):
    report = validate_graph(Graph() + base, load_shapes(project))
    assert report.conforms, report.render()
    warnings = {(f.shape, f.focus) for f in report.findings if f.severity == "Warning"}
    assert warnings == {("shp:ShareMatchesCount", "pos:EU-share-fig2"), ("shp:ShareMatchesCount", "pos:TW-share-fig2")}


def test_every_shape_is_documented(project):
    from rdflib import Namespace, RDF
    SH = Namespace("http://www.w3.org/ns/shacl#")
    shapes = load_shapes(project)
    for s in shapes.subjects(RDF.type, SH.NodeShape):
        assert shapes.value(s, SH.name) and shapes.value(s, SH.description), s
        has_message = shapes.value(s, SH.message) is not None or any(
            shapes.value(c, SH.message) is not None
            for c in list(shapes.objects(s, SH.property)) + list(shapes.objects(s, SH.sparql)))
        assert has_message, s
