"""Binding query parameters as RDF terms, the same way for every SPARQL engine."""

from __future__ import annotations

import re

from rdflib.term import Node

from .errors import EvkgError


def with_values(query: str, bindings: dict[str, Node]) -> str:
    """Bind variables by opening the outermost WHERE group with a VALUES block.

    The values are RDF terms written in N3 (rdflib escapes quotes and backslashes), so user input is
    always a term: `x" } DROP ALL #` becomes one string literal. VALUES is SPARQL 1.1's own binding
    mechanism and every engine plans with it, which pre-bound variables do not always get."""
    if not bindings:
        return query
    m = re.search(r"\bWHERE\s*\{", query, re.IGNORECASE)
    if not m:
        raise EvkgError("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(v.n3() for v in bindings.values())
    return f"{query[:m.end()]}\n  VALUES ({names}) {{ ({terms}) }}\n{query[m.end():]}"
