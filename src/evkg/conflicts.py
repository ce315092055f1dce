"""One number per contradiction of the review (C1, C2, …), the same in every answer, page and download:
the order of the contradictions list, by the first jurisdiction concerned (by name), then the topic."""

from __future__ import annotations

from .namespaces import ASSERTED_GRAPH
from .resolve import PREFIX_BLOCK, Names

WHOLE_REVIEW = "(the review as a whole)"  # as the contradictions query names one about no jurisdiction
_QUERY = PREFIX_BLOCK + """SELECT ?c ?topic ?jl WHERE {
  GRAPH <""" + str(ASSERTED_GRAPH) + """> {
    ?c a evkg:Contradiction ; rdfs:label ?topic .
    OPTIONAL { ?c evkg:jurisdiction ?j . ?j rdfs:label ?jl }
  }
}"""


def numbers(names: Names) -> dict[str, tuple[int, str]]:
    """Contradiction IRI -> (its number, its topic); read once per Names (one graph, one numbering)."""
    cached = names.cache.get("conflict_numbers")
    if cached is not None:
        return cached
    first: dict[str, tuple[str, str]] = {}
    for c, topic, jl in names.backend.query(_QUERY).rows:
        key = (str(jl) if jl is not None else WHOLE_REVIEW, str(topic))
        if str(c) not in first or key < first[str(c)]:
            first[str(c)] = key
    ordered = sorted(first, key=lambda c: (*first[c], c))
    out = {c: (n, first[c][1]) for n, c in enumerate(ordered, 1)}
    names.cache["conflict_numbers"] = out
    return out


def mark(names: Names, iri: str) -> str:
    """'C4' for a contradiction's IRI."""
    return f"C{numbers(names)[iri][0]}"


def legend(names: Names, iris: list[str]) -> list[str]:
    """The lines under an answer naming each contradiction it marks, in number order."""
    nums = numbers(names)
    return [f"C{nums[i][0]} = the review contradicts itself: {nums[i][1]}"
            for i in sorted(set(iris), key=lambda i: nums[i][0])]
