"""An incremental `evkg add` writes the dist/ a full rebuild with the same file in data/added/ writes."""

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from evkg.adding import add_facts
from evkg.build import build
from evkg.project import Project

from conftest import FIXTURES, copy_project

SHAPES = Path(__file__).parent / "shapes"
SUBMISSIONS = [SHAPES / "accept-example-jurisdiction.ttl", FIXTURES / "example-second.ttl"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    p = copy_project(tmp_path_factory.mktemp("incremental-template"))
    build(p, progress=lambda m: None)
    return p.root


def _copy(template: Path, dest: Path) -> Project:
    shutil.copytree(template, dest)
    return Project(dest)


def _graph(dist: Path, name: str) -> Graph:
    return Graph().parse(dist / name, format="nt")


def _same_dist(a: Path, b: Path) -> None:
    for name in ("evkg.nt", "evkg-inferred.nt", "evkg-derived.nt"):
        assert isomorphic(_graph(a, name), _graph(b, name)), name
    # `add` appends to these when nothing is withdrawn: still the graph a dump writes.
    for name, fmt in (("evkg.ttl", "turtle"), ("evkg.jsonld", "json-ld"), ("evkg-inferred.ttl", "turtle")):
        assert isomorphic(Graph().parse(a / name, format=fmt), Graph().parse(b / name, format=fmt)), name
    ra, rb = (json.loads((d / "build-report.json").read_text()) for d in (a, b))
    ra.pop("seconds"), rb.pop("seconds")
    assert ra == rb
    for graph in ("asserted", "inferred"):
        g = ox.NamedNode(f"https://w3id.org/evkg/graph/{graph}")
        sa, sb = ox.Store.read_only(str(a / "store")), ox.Store.read_only(str(b / "store"))
        assert len(list(sa.quads_for_pattern(None, None, None, g))) == len(list(sb.quads_for_pattern(None, None, None, g)))


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=[s.stem for s in SUBMISSIONS])
def test_incremental_add_writes_what_a_rebuild_writes(template, tmp_path, submission):
    inc = _copy(template, tmp_path / "incremental")
    result = add_facts(inc, submission, progress=lambda m: None)
    assert result.path is not None and result.how.startswith("updated dist/ without a rebuild (reasoned: modules of")
    full = _copy(template, tmp_path / "full")
    (full.root / "data" / "added").mkdir(parents=True, exist_ok=True)
    shutil.copy(result.path, full.root / "data" / "added" / result.path.name)
    build(full, progress=lambda m: None)
    _same_dist(inc.dist, full.dist)
    report = json.loads((inc.dist / "build-report.json").read_text())
    assert report["files"] == len(inc.source_files())


def test_two_incremental_adds_in_a_row_match_a_rebuild(template, tmp_path):
    inc = _copy(template, tmp_path / "incremental")
    for s in SUBMISSIONS:
        assert add_facts(inc, s, progress=lambda m: None).how.startswith("updated")
    full = _copy(template, tmp_path / "full")
    shutil.copytree(inc.root / "data" / "added", full.root / "data" / "added")
    build(full, progress=lambda m: None)
    _same_dist(inc.dist, full.dist)


def test_a_stale_build_is_rebuilt_not_updated(template, tmp_path):
    """dist/ that is not a build of today's sources (a data file edited since) is rebuilt by add."""
    p = _copy(template, tmp_path / "p")
    edited = p.root / "data" / "added"
    edited.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "example-second.ttl", edited / "edited-by-hand.ttl")
    result = add_facts(p, SUBMISSIONS[0], progress=lambda m: None)
    assert result.how == "rebuilt dist/"
    assert "position/JP-guidance-example" in (p.dist / "evkg.nt").read_text()


def test_a_change_to_a_value_the_axioms_name_is_reasoned_on_the_whole_graph(template, tmp_path):
    """A fact about an individual the ontology's definitions name (here a modality concept) can change
    every jurisdiction's categories: the whole graph is re-reasoned, and the result still matches a rebuild."""
    sub = tmp_path / "shared.ttl"
    sub.write_text("""
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://w3id.org/evkg/resource/concept/modality-asserted> skos:broader <https://w3id.org/evkg/resource/concept/modality-conditional> .
    """)
    inc = _copy(template, tmp_path / "incremental")
    result = add_facts(inc, sub, progress=lambda m: None)
    assert result.path is not None, result.report.render()
    assert result.how == "updated dist/ without a rebuild (reasoned: whole graph)"
    full = _copy(template, tmp_path / "full")
    (full.root / "data" / "added").mkdir(parents=True, exist_ok=True)
    shutil.copy(result.path, full.root / "data" / "added" / result.path.name)
    build(full, progress=lambda m: None)
    _same_dist(inc.dist, full.dist)
