"""`evkg add`: only conforming facts enter data/; data/ and dist/ are never left half-updated."""

import hashlib
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from evkg.build import build

from conftest import FIXTURES, copy_project

SHAPES = Path(__file__).parent / "shapes"
EXAMPLE = SHAPES / "accept-example-jurisdiction.ttl"
DIST_FILES = ("evkg.nt", "evkg.ttl", "evkg.jsonld", "build-report.json")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    p = copy_project(tmp_path_factory.mktemp("add-template"))
    build(p, reason=False, progress=lambda m: None)
    return p.root


@pytest.fixture
def root(template, tmp_path):
    dest = tmp_path / "project"
    shutil.copytree(template, dest)
    return dest


def checksums(root: Path) -> dict[str, str]:
    """Every data file, and the built artefacts (not the store's internal files)."""
    files = sorted((root / "data").rglob("*")) + [root / "dist" / n for n in DIST_FILES]
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}


def evkg(root: Path, *args, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, EVKG_CRASH_AT=crash_at or "")
    return subprocess.run([sys.executable, "-m", "evkg.cli", "--root", str(root), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_rejected_file_changes_nothing(root):
    before = checksums(root)
    r = evkg(root, "add", str(SHAPES / "reject-foreign-legal-basis.ttl"), "--no-reason")
    assert r.returncode == 1
    assert "shp:LegalBasisJurisdiction" in r.stdout and "nothing was changed" in r.stderr
    assert checksums(root) == before
    assert not (root / "data" / "added").exists()


def test_malformed_file_changes_nothing(root):
    before = checksums(root)
    r = evkg(root, "add", str(FIXTURES / "malformed.ttl"), "--no-reason")
    assert r.returncode != 0
    errors = [l for l in r.stderr.splitlines() if l.startswith("evkg:")]
    assert errors == [errors[0]] and "malformed.ttl:6:19: syntax error" in errors[0]
    assert checksums(root) == before


def test_validate_reports_and_exit_codes(root):
    ok = evkg(root, "validate", str(EXAMPLE))
    assert ok.returncode == 0 and "conforms" in ok.stdout
    bad = evkg(root, "validate", str(SHAPES / "reject-pathway-without-receiving-authority.ttl"), "--format", "json")
    assert bad.returncode == 1
    import json
    data = json.loads(bad.stdout)
    assert data["conforms"] is False
    assert {"shape": "shp:Pathway", "focus": "pw:XX-test-cta", "path": "evkg:receivingAuthority"}.items() <= data["results"][0].items()


def test_validate_other_syntaxes(root, tmp_path):
    from rdflib import Graph
    g = Graph().parse(EXAMPLE)
    for ext, fmt in ((".nt", "nt"), (".jsonld", "json-ld"), (".rdf", "xml"), (".trig", "trig")):
        f = tmp_path / f"example{ext}"
        g.serialize(f, format=fmt, encoding="utf-8")
        r = evkg(root, "validate", str(f), "--no-reason")  # the syntax is the point here, not the reasoner
        assert r.returncode == 0, (ext, r.stdout, r.stderr)
    # the extension can be overridden
    f = tmp_path / "example.data"
    g.serialize(f, format="nt", encoding="utf-8")
    assert evkg(root, "validate", str(f), "--format", "nt", "--no-reason").returncode == 0


def test_add_places_file_and_rebuilds(root):
    r = evkg(root, "add", str(EXAMPLE))
    assert r.returncode == 0, r.stderr
    placed = root / "data" / "added" / "accept-example-jurisdiction.ttl"
    assert placed.is_file() and f"as {placed.relative_to(root)}" in r.stdout
    q = evkg(root, "sparql", "SELECT ?l WHERE { <https://w3id.org/evkg/resource/jurisdiction/BR> "
                             "<http://www.w3.org/2000/01/rdf-schema#label> ?l }", "--format", "csv")
    assert "Brazil (example data)" in q.stdout


@pytest.mark.parametrize("point, committed", [
    ("data-staged", False), ("dist-staged", False),
    ("journal-written", True), ("data-moved", True), ("dist-set-aside", True), ("dist-swapped", True),
])
def test_sigkill_during_add_never_leaves_a_partial_state(root, point, committed):
    before = checksums(root)
    r = evkg(root, "add", str(EXAMPLE), "--no-reason", crash_at=point)
    assert r.returncode == -9, r.stderr
    # Right after the kill: every .ttl under data/ is complete (staged data is a hidden .tmp file).
    from rdflib import Graph
    for f in (root / "data").rglob("*.ttl"):
        Graph().parse(f)
    # The next command repairs what the kill left, then the state is the old one or the new one, whole.
    rec = evkg(root, "recover")
    assert rec.returncode == 0
    after = checksums(root)
    placed = "data/added/accept-example-jurisdiction.ttl"
    if committed:
        assert placed in after
        assert {k: v for k, v in after.items() if k.startswith("data/") and k != placed} == \
               {k: v for k, v in before.items() if k.startswith("data/")}
        assert "jurisdiction/BR" in (root / "dist" / "evkg.nt").read_text()
    else:
        assert after == before
    assert not list((root / "data").rglob(".*.tmp"))
    assert not (root / "dist.new").exists() and not (root / "dist.old").exists()
    assert evkg(root, "sparql", "ASK { ?s ?p ?o }").stdout.strip() == "true"


def test_two_adds_at_once_do_not_interleave(root):
    files = [EXAMPLE, FIXTURES / "example-second.ttl"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda f: evkg(root, "add", str(f), "--no-reason"), files))
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    added = sorted(p.name for p in (root / "data" / "added").glob("*.ttl"))
    assert added == ["accept-example-jurisdiction.ttl", "example-second.ttl"]
    nt = (root / "dist" / "evkg.nt").read_text()
    assert "jurisdiction/BR" in nt and "position/JP-guidance-example" in nt
