"""The parameter sets the tests run each canned query with, shared by the endpoint and engine tests
and the benchmarks: each query's own '#+ example:' lines (a test checks that the first returns rows on
the review graph).
"""

from __future__ import annotations

from pathlib import Path

from evkg.catalogue import load_catalogue
from evkg.project import Project

# The parameter sets come from the queries' own headers ('#+ example:' lines), the one place that
# documents, tests and benchmarks share; a few more probe the engines' edges.
EXTRA: dict[str, list[dict[str, str]]] = {
    "find": [{"text": 'x" } DROP ALL #'}],
}
CASES: dict[str, list[dict[str, str]]] = {
    name: (query.examples or [{}]) + EXTRA.get(name, [])
    for name, query in load_catalogue(Project(Path(__file__).resolve().parents[1])).items()}


def case_id(name: str, params: dict[str, str]) -> str:
    """A readable test id: the query name and its parameters."""
    return name + ("[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]" if params else "")


def all_cases() -> list[tuple[str, dict[str, str]]]:
    return [(name, params) for name, sets in CASES.items() for params in sets]
