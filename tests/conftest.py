"""Shared fixtures: one build of the shipped sources into a temporary copy of the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evkg.build import build
from evkg.project import Project
from evkg.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PREFIXES = """
PREFIX evkg: <https://w3id.org/evkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX eli:  <http://data.europa.eu/eli/ontology#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX jur:  <https://w3id.org/evkg/resource/jurisdiction/>
PREFIX body: <https://w3id.org/evkg/resource/body/>
PREFIX law:  <https://w3id.org/evkg/resource/law/>
PREFIX gl:   <https://w3id.org/evkg/resource/guideline/>
PREFIX std:  <https://w3id.org/evkg/resource/standard/>
PREFIX pw:   <https://w3id.org/evkg/resource/pathway/>
PREFIX cls:  <https://w3id.org/evkg/resource/class/>
PREFIX cv:   <https://w3id.org/evkg/resource/concept/>
PREFIX pos:  <https://w3id.org/evkg/resource/position/>
PREFIX src:  <https://w3id.org/evkg/resource/source/>
PREFIX ref:  <https://w3id.org/evkg/resource/reference/>
PREFIX ent:  <https://w3id.org/evkg/resource/entity/>
"""
RES = "https://w3id.org/evkg/resource/"
_PATHS = {"jur": "jurisdiction", "body": "body", "law": "law", "gl": "guideline", "std": "standard", "pw": "pathway",
          "cls": "class", "cv": "concept", "pos": "position", "src": "source", "ref": "reference", "ent": "entity"}


def iri(curie: str) -> str:
    """The full IRI of a resource CURIE such as 'cls:EU-atmp'."""
    prefix, local = curie.split(":", 1)
    return f"{RES}{_PATHS[prefix]}/{local}"


def copy_project(dest: Path) -> Project:
    """A copy of the project's sources (not its dist/) in `dest`."""
    for d in ("ontology", "data", "mappings", "queries", "shapes"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, dest / d)
    return Project(dest)


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    p = copy_project(tmp_path_factory.mktemp("evkg"))
    build(p, reason=True, progress=lambda m: None)
    return p


@pytest.fixture(scope="session")
def store(project) -> EmbeddedStore:
    return EmbeddedStore(project)


@pytest.fixture(scope="session")
def select(store):
    """Run a SELECT (with the test prefixes) and return rows as dicts of plain strings."""
    def run(query: str, **bindings) -> list[dict[str, str]]:
        res = store.query(PREFIXES + query, bindings or None)
        return [{c: (None if v is None else str(v)) for c, v in zip(res.columns, row)} for row in res.rows]
    return run


@pytest.fixture(scope="session")
def ask(store):
    def run(query: str) -> bool:
        return store.query(PREFIXES + query).boolean
    return run
