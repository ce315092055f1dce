"""Hostile submissions: they cannot make evkg fetch or read anything, cannot change the ontology, and
`validate` and `add` judge them alike; a rejected `add` leaves data/ byte-identical at once.

Listeners run on 127.0.0.1 and are stopped by the tests; every loop is bounded."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from evkg.errors import EvkgError
from evkg.validation import validate_submission

from test_hostile_serve import Listener

PREFIXES = """@prefix evkg: <https://w3id.org/evkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix src:  <https://w3id.org/evkg/resource/source/> .
@prefix ent:  <https://w3id.org/evkg/resource/entity/> .
@prefix law:  <https://w3id.org/evkg/resource/law/> .
@prefix jur:  <https://w3id.org/evkg/resource/jurisdiction/> .
"""
# The eight inputs `validate` called conforming and `add` then rejected (two with tracebacks, all
# leaving temporary files in data/), and the self-difference HermiT accepted. Test data, not claims.
REFUSED = {
    "bnode-subject.ttl": ('[] rdfs:label "anonymous"@en ; prov:wasDerivedFrom src:sec-1 .', "blank node"),
    "bnode-typed.ttl": ('_:b a evkg:Act ; rdfs:label "Anonymous act"@en ; prov:wasDerivedFrom src:sec-1 .', "blank node"),
    "literal-subject.ttl": ('"a literal" rdfs:label "x"@en .', "literal cannot be the subject"),
    "literal-subject.jsonld": (json.dumps({"@id": "https://w3id.org/evkg/resource/entity/x",
                                           "http://www.w3.org/2000/01/rdf-schema#seeAlso": {"@id": "_:b"},
                                           "@reverse": {"http://www.w3.org/2000/01/rdf-schema#label": "lit"}}),
                               "blank node"),
    "huge-literal.ttl": ('law:us-fdc-act rdfs:comment "' + "x" * 70000 + '"@en .', "the limit is 65,536"),
    "nothing.ttl": ('ent:x a owl:Nothing ; rdfs:label "Nothing"@en ; prov:wasDerivedFrom src:sec-1 .', "owl:Nothing"),
    "subclass-of-nothing.ttl": ("evkg:Act rdfs:subClassOf owl:Nothing .", "ontology term"),
    "subclass.ttl": ("evkg:Jurisdiction rdfs:subClassOf evkg:Act .", "ontology term"),
    "different-from-self.ttl": ("jur:US owl:differentFrom jur:US .", "identity links"),
    "class-axiom-on-new-term.ttl": ("ent:Thing a owl:Class ; rdfs:subClassOf evkg:Act .", "ontology axiom"),
    "unknown-property.ttl": ('jur:US evkg:classifiesEVAs ent:x .', "did you mean evkg:classifiesEVsAs"),
    "file-iri.ttl": ('<relative> rdfs:label "x"@en .', "local file IRI"),
}


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body if name.endswith(".jsonld") else PREFIXES + body + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(project, tmp_path_factory):
    """A copy of the built project (dist/ included) that tests copy again before changing it."""
    dest = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(project.root, dest, ignore=shutil.ignore_patterns(".evkg", "site"))
    return dest


@pytest.fixture
def root(built, tmp_path):
    dest = tmp_path / "project"
    shutil.copytree(built, dest)
    return dest


def evkg(root: Path, *args, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evkg.cli", "--root", str(root), *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under data/ (content hashes), and what .evkg/ stages."""
    out = {}
    for p in sorted((root / "data").rglob("*")) + sorted((root / ".evkg").rglob("staged*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
    return out


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_validate_and_add_agree_and_a_rejected_add_changes_nothing(root, tmp_path, name):
    body, message = REFUSED[name]
    path = write(tmp_path, name, body)
    v = evkg(root, "validate", str(path), "--no-reason", env={"EVKG_MAX_SUBMISSION_MB": "1"})
    assert v.returncode == 1 and "does not conform" in v.stdout and message in v.stdout, v.stdout + v.stderr
    before = snapshot(root)
    a = evkg(root, "add", str(path), "--no-reason", env={"EVKG_MAX_SUBMISSION_MB": "1"})
    assert a.returncode == 1 and message in a.stdout and "nothing was changed" in a.stderr
    assert "Traceback" not in a.stderr + v.stderr
    assert snapshot(root) == before, "data/ is byte-identical right after the rejected add"


def test_an_inconsistency_only_the_reasoner_sees_is_refused_by_validate_too(root, tmp_path):
    """A dossier structure (a pathway's property) given to an act passes the shapes but makes the act a
    pathway, a class disjoint with legal resources: `add` runs the consistency check, so `validate` does."""
    path = write(tmp_path, "act-as-pathway.ttl", 'law:us-fdc-act evkg:dossierStructure "Example structure"@en .')
    assert evkg(root, "validate", str(path), "--no-reason").returncode == 0  # the shapes alone accept it
    v = evkg(root, "validate", str(path))
    assert v.returncode == 1 and "shape reasoner:" in v.stdout and "disjoint" in v.stdout, v.stdout + v.stderr
    before = snapshot(root)
    a = evkg(root, "add", str(path))
    assert a.returncode == 1 and "shape reasoner:" in a.stdout and snapshot(root) == before


def test_a_conforming_submission_is_accepted_by_both(root):
    example = Path(__file__).parent / "shapes" / "accept-example-jurisdiction.ttl"
    assert evkg(root, "validate", str(example)).returncode == 0
    a = evkg(root, "add", str(example))
    assert a.returncode == 0, a.stderr
    assert (root / "data" / "added" / "accept-example-jurisdiction.ttl").is_file()
    assert not (root / ".evkg" / "staged").exists()


# --- nothing is fetched or read -----------------------------------------------------------------------

@pytest.mark.parametrize("context", [
    "{url}/context.jsonld",
    ["{url}/context.jsonld"],
    {"@import": "{url}/context.jsonld"},
    {"label": {"@id": "http://www.w3.org/2000/01/rdf-schema#label", "@context": "{url}/scoped.jsonld"}},
], ids=["string", "list", "import", "scoped"])
def test_a_remote_jsonld_context_is_not_fetched(root, tmp_path, context):
    listener = Listener()
    try:
        doc = {"@context": json.loads(json.dumps(context).replace("{url}", listener.url)),
               "@id": "https://w3id.org/evkg/resource/entity/x", "label": {"@value": "x", "@language": "en"}}
        path = tmp_path / "remote.jsonld"
        path.write_text(json.dumps(doc))
        for command in ("validate", "add"):
            r = evkg(root, command, str(path), "--no-reason", timeout=120)
            assert r.returncode == 2 and "would be loaded from outside the submission" in r.stderr, r.stderr
    finally:
        listener.close()
    assert listener.hits == []


@pytest.mark.parametrize("reference", ["file://{dir}/context.jsonld", "context.jsonld"], ids=["file-url", "relative"])
def test_a_local_jsonld_context_is_not_read(root, tmp_path, reference):
    """The context is a FIFO: reading it would hang, so a prompt answer proves nothing was read."""
    os.mkfifo(tmp_path / "context.jsonld")
    path = tmp_path / "local.jsonld"
    path.write_text(json.dumps({"@context": reference.replace("{dir}", str(tmp_path)),
                                "@id": "https://w3id.org/evkg/resource/entity/x", "label": "x"}))
    r = evkg(root, "validate", str(path), "--no-reason", timeout=120)
    assert r.returncode == 2 and "put the context inline" in r.stderr


def test_an_inline_jsonld_context_still_works(root, tmp_path):
    g = Graph().parse(Path(__file__).parent / "shapes" / "accept-example-jurisdiction.ttl")
    path = tmp_path / "inline.jsonld"
    g.serialize(path, format="json-ld", encoding="utf-8", auto_compact=True)
    assert '"@context"' in path.read_text()
    r = evkg(root, "validate", str(path), "--no-reason")
    assert r.returncode == 0, r.stdout + r.stderr


def test_owl_imports_is_refused_and_never_fetched(root, tmp_path):
    listener = Listener()
    try:
        for subject in ("ent:x", "<https://w3id.org/evkg/ontology>"):
            path = write(tmp_path, "imports.ttl", f"{subject} owl:imports <{listener.url}/onto.owl> .")
            v = evkg(root, "validate", str(path), timeout=300)
            a = evkg(root, "add", str(path), timeout=300)
            for r in (v, a):
                assert r.returncode == 1 and "owl:imports" in r.stdout and "Traceback" not in r.stderr
    finally:
        listener.close()
    assert listener.hits == []


def test_the_reasoner_never_follows_owl_imports(project):
    """Even in the sources (reviewed, not submitted), owl:imports reaches no reasoner."""
    from rdflib import OWL, URIRef

    from evkg.reasoning import reason
    from evkg.validation import built_graph

    listener = Listener()
    try:
        graph = built_graph(project)
        graph.add((URIRef("https://w3id.org/evkg/ontology"), OWL.imports, URIRef(listener.url + "/onto.owl")))
        assert reason(graph).consistent
    finally:
        listener.close()
    assert listener.hits == []


def test_xml_external_entities_and_entity_expansion_are_refused(root, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    xxe = tmp_path / "xxe.rdf"
    xxe.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY leak SYSTEM "file://{secret}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://w3id.org/evkg/resource/entity/x"><rdfs:label xml:lang="en">&leak;</rdfs:label></rdf:Description>
</rdf:RDF>""")
    r = evkg(root, "validate", str(xxe), "--no-reason", timeout=120)
    assert "TOP-SECRET-MARKER" not in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert r.returncode == 2 and "would read" in r.stderr
    laughs = tmp_path / "laughs.rdf"
    entities = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    laughs.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY l0 "lol"> {entities} ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://w3id.org/evkg/resource/entity/x"><rdfs:label>&l9;</rdfs:label></rdf:Description>
</rdf:RDF>""")
    r = evkg(root, "validate", str(laughs), "--no-reason", timeout=120)  # rdflib alone took minutes
    assert r.returncode == 2 and "entity 'l1' is refused" in r.stderr


# --- bounded work -------------------------------------------------------------------------------------

def test_the_size_limit_is_clear_and_configurable(root, tmp_path):
    big = write(tmp_path, "big.ttl", "\n".join(
        f'ent:n{i} rdfs:label "Node {i}"@en ; prov:wasDerivedFrom src:sec-1 .' for i in range(20000)))
    r = evkg(root, "add", str(big), "--no-reason", env={"EVKG_MAX_SUBMISSION_MB": "0.5"})
    assert r.returncode == 2 and "over the 0.5 MB limit" in r.stderr and "EVKG_MAX_SUBMISSION_MB" in r.stderr
    assert not (root / "data" / "added").exists()
    r = evkg(root, "validate", str(big), "--no-reason", env={"EVKG_MAX_SUBMISSION_MB": "5"})
    assert "over the" not in r.stderr and "parsing" in r.stderr  # a large submission reports its progress
    assert evkg(root, "validate", str(big), env={"EVKG_MAX_SUBMISSION_MB": "many"}).returncode == 2


def test_a_fifo_or_a_folder_is_refused_at_once(root, tmp_path):
    os.mkfifo(tmp_path / "facts.ttl")
    for target in (tmp_path / "facts.ttl", tmp_path):
        for command in ("validate", "add"):
            r = evkg(root, command, str(target), "--no-reason", timeout=60)
            assert r.returncode == 2 and "not a regular file" in r.stderr


def test_terminal_escapes_are_refused_and_echoed_escaped(root, tmp_path):
    path = write(tmp_path, "escape.ttl", 'jur:US evkg:iso3166Alpha2 "\\u001b[2J\\u001b[31mGOTCHA" .')
    r = evkg(root, "validate", str(path), "--no-reason")
    assert "\x1b" not in r.stdout + r.stderr
    assert r.returncode == 1 and "\\x1b[31mGOTCHA" in r.stdout and "control characters" in r.stdout


def test_the_api_refuses_the_same(project, tmp_path):
    path = write(tmp_path, "imports.ttl", "ent:x owl:imports <http://127.0.0.1:9/onto.owl> .")
    report, _ = validate_submission(project, [path])
    assert not report.conforms and report.findings[0].shape == "submission:facts-only"
    with pytest.raises(EvkgError, match="not a regular file"):
        validate_submission(project, [tmp_path])
