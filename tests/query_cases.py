"""The parameter sets the tests run each canned query with, shared by the endpoint and engine tests.

Every query of queries/ has at least one case ({} for a query without parameters, or with only
optional ones); the first case of each query returns rows on the review graph.
"""

from __future__ import annotations

CASES: dict[str, list[dict[str, str]]] = {
    "about-review": [{}],
    "approval-status": [{}],
    "atmp-jurisdictions": [{}],
    "bodies-by-jurisdiction": [{}, {"jurisdiction": "IN"}, {"jurisdiction": "US"}],
    "challenges": [{}],
    "changed-after": [{}, {"date": "2023-12-31"}],
    "classification-by-category": [{}, {"category": "cls:regenerative-medical-product"},
                                   {"category": "https://w3id.org/evkg/resource/class/cell-therapy-product"}],
    "classification-by-jurisdiction": [{"jurisdiction": "EU"}, {}, {"jurisdiction": "KR"}, {"jurisdiction": "UK"}],
    "classification-conditions": [{}],
    "classification-matrix": [{}],
    "classification-strategy": [{}],
    "comparison-matrix": [{}, {"jurisdiction": "UK"}],
    "contradictions": [{}, {"jurisdiction": "UK"}],
    "cosmetic-use": [{}],
    "counterparts": [{"term": "pw:KR-IND"}],
    "ethics-review": [{}],
    "expedited-routes": [{}],
    "external-links": [{}, {"jurisdiction": "EU"}, {"jurisdiction": "JP"}],
    "facts-by-reference": [{"reference": "15"}, {"reference": "65"}],
    "find": [{"text": "act"}, {"text": "regenerative medicine act"}, {"text": 'x" } DROP ALL #'}],
    "gaps-adverse-events": [{}],
    "gaps-ev-guidance": [{}],
    "gaps-no-approved-product": [{}],
    "guidelines-by-jurisdiction": [{}, {"jurisdiction": "IN"}, {"jurisdiction": "TW"}],
    "harmonization": [{}],
    "in-force-on": [{"date": "2025-02-10"}, {"date": "2024-06-01"}, {"date": "2025-06-01"}],
    "instruments-by-jurisdiction": [{}, {"jurisdiction": "AU"}, {"jurisdiction": "EU"}, {"jurisdiction": "KR"}],
    "naive-vs-engineered": [{}],
    "named-products-and-trials": [{}],
    "pathways-by-jurisdiction": [{}, {"jurisdiction": "AU"}, {"jurisdiction": "UK"}],
    "references": [{}, {"number": "52"}],
    "regime-categories": [{}],
    "regime-characterizations": [{}, {"character": "cv:character-stringent"}],
    "shared-guidelines": [{}, {"targets": "US,KR,CH"}],
    "source-locations": [{}, {"part": "part:sec-3.4"}],
    "sources-of": [{"subject": "jur:TW"}, {"subject": "law:kr-advanced-regenerative-bio-act"}],
    "sponsor-plan": [{"targets": "KR,TW,IN"}, {}, {"targets": "JP,AU"}, {"targets": "TW"}],
    "standards-by-jurisdiction": [{}],
    "statements-by-jurisdiction": [{"jurisdiction": "KR"}],
    "table-1": [{}],
    "table-2": [{}],
    "trial-authorization-matrix": [{}],
    "trial-counts": [{}],
    "wikidata-authority-websites": [{}],
    "wikidata-jurisdiction-facts": [{}],
}


def case_id(name: str, params: dict[str, str]) -> str:
    """A readable test id: the query name and its parameters."""
    return name + ("[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]" if params else "")


def all_cases() -> list[tuple[str, dict[str, str]]]:
    return [(name, params) for name, sets in CASES.items() for params in sets]
