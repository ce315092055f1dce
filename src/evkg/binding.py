"""Binding query parameters as RDF terms, the same way for every SPARQL engine."""

from __future__ import annotations

import itertools
import re

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import EvkgError


class Rows(list):
    """A parameter bound to several variables at once: a list of term tuples, one per row of VALUES
    (a product profile's (attribute, answer) pairs, say). `columns` are the variable names."""

    def __init__(self, columns: tuple[str, ...], rows=()):
        super().__init__(tuple(r) for r in rows)
        self.columns = tuple(columns)


def with_values(query: str, bindings: dict[str, Node | list[Node]]) -> str:
    """Bind variables by opening each WHERE group that uses them with a VALUES block.

    The values are RDF terms written in N3 (rdflib escapes quotes and backslashes), so user input is
    always a term: `x" } DROP ALL #` becomes one string literal. VALUES is SPARQL 1.1's own binding
    mechanism and every engine plans with it, which pre-bound variables do not always get. A subquery
    does not see the bindings of the query around it, so every WHERE group (query or subquery) that
    mentions a parameter in its own text gets its own block, and a block only for what it mentions
    (unused rows would multiply the answers). A list value gives one row per
    member (the product of all lists), and the variable ?NAME_count, where the query uses it, the number
    of members."""
    if not bindings:
        return query
    groups = _where_groups(query)
    if not groups:
        raise EvkgError("cannot bind parameters: the query has no WHERE clause")
    code = _blank_strings_and_comments(query)
    placed: set[str] = set()
    inserts: list[tuple[int, dict]] = []
    for n, (start, end) in enumerate(groups):
        # a group's own text: its body without the subqueries nested in it, projections included (they
        # get their own block; `COUNT(?x)` in a subquery's SELECT is not a use by the group around it)
        own = code[start:end]
        for s2, e2 in groups[n + 1:]:
            if start <= s2 and e2 <= end:
                opening = max(m.start() for m in re.finditer(r"\{\s*SELECT\b", code[:s2], re.IGNORECASE))
                close = _closing(code, opening + 1)
                lo, hi = max(opening, start) - start, min(close + 1, end) - start
                own = own[:lo] + " " * (hi - lo) + own[hi:]
        used = {k: v for k, v in bindings.items()
                if any(re.search(rf"\?{re.escape(c)}\b", own) for c in _columns(k, v))}
        if used:
            inserts.append((start, used))
            placed |= used.keys()
    # the branches of a UNION are planned on their own, before the VALUES around them are joined: a
    # branch that reads a parameter repeats its block (the same rows, so the join keeps the answer), else
    # it is evaluated over the whole graph. Not for rows with UNDEF (a profile): they could join twice;
    # nor in a branch that BINDs the variable itself.
    for start, end in _union_branches(code):
        own = code[start:end]
        for s2, e2 in groups:
            if start < s2 and e2 <= end:  # a subquery inside the branch binds for itself
                opening = max(m.start() for m in re.finditer(r"\{\s*SELECT\b", code[:s2], re.IGNORECASE))
                lo, hi = max(opening, start) - start, min(_closing(code, opening + 1) + 1, end) - start
                own = own[:lo] + " " * (hi - lo) + own[hi:]
        used = {k: v for k, v in bindings.items()
                if not isinstance(v, Rows) and re.search(rf"\?{re.escape(k)}\b", own)
                and not re.search(rf"\bAS\s+\?{re.escape(k)}\b", own, re.IGNORECASE)}  # a branch that BINDs it
        if used:
            inserts.append((start, used))
    rest = {k: v for k, v in bindings.items() if k not in placed}
    if rest:  # a parameter only projected: the outermost group binds it
        inserts.append((groups[0][0], rest))
    out, last = [], 0
    for start, used in sorted(inserts, key=lambda x: x[0]):
        out += [query[last:start], _values_block(used, query)]
        last = start
    out.append(query[last:])
    return "".join(out)


def _columns(name: str, value) -> tuple[str, ...]:
    return value.columns if isinstance(value, Rows) else (name,)


def _values_block(bindings: dict[str, Node | list[Node]], query: str) -> str:
    columns: list[str] = []
    choices: list[list] = []
    for name, value in bindings.items():
        if isinstance(value, Rows):
            columns += value.columns
            choices.append(list(value))  # no rows: the group that reads them matches nothing
            continue
        members = list(value) if isinstance(value, (list, tuple)) else [value]
        columns.append(name)
        choices.append([(m,) for m in members])
        if isinstance(value, (list, tuple)) and re.search(rf"\?{re.escape(name)}_count\b", query):
            columns.append(f"{name}_count")
            choices.append([(Literal(len(members), datatype=XSD.integer),)])
    names = " ".join(f"?{k}" for k in columns)
    rows = " ".join("(" + " ".join("UNDEF" if t is None else t.n3() for part in row for t in part) + ")"
                    for row in itertools.product(*choices))
    return f"\n  VALUES ({names}) {{ {rows} }}\n"


def _where_groups(query: str) -> list[tuple[int, int]]:
    """(start, end) of the body of every `WHERE {` group, outermost first: start just after the brace.
    A group whose whole body is one `GRAPH <iri> { ... }` block counts from inside that block, so a
    parameter is bound where the patterns that use it read (a FILTER does not see outside its group)."""
    code = _blank_strings_and_comments(query)
    groups = []
    for m in re.finditer(r"\bWHERE\s*\{", code, re.IGNORECASE):
        start = m.end()
        inner = re.match(r"\s*GRAPH\s*(<[^>]*>|\s)+\{", query[start:], re.IGNORECASE)
        if inner and _closing(code, start + inner.end()) + 1 == len(code[:_closing(code, start)].rstrip()):
            start += inner.end()
        groups.append((start, _closing(code, start)))
    return groups


def _union_branches(code: str) -> list[tuple[int, int]]:
    """(start, end) of the body of every group joined by UNION (not a `{ SELECT` subquery's own braces)."""
    branches: set[tuple[int, int]] = set()
    for m in re.finditer(r"\}\s*UNION\s*\{", code, re.IGNORECASE):
        depth, i = 1, m.start() - 1  # the left branch: back to the brace that opens it
        while i >= 0 and depth:
            depth += {"}": 1, "{": -1}.get(code[i], 0)
            i -= 1
        for start in (i + 2, m.end()):
            if not re.match(r"\s*SELECT\b", code[start:], re.IGNORECASE):
                branches.add((start, _closing(code, start)))
    return sorted(branches)


def _closing(code: str, start: int) -> int:
    """The index of the brace that closes the group opened just before `start`."""
    depth, i = 1, start
    while i < len(code) and depth:
        depth += {"{": 1, "}": -1}.get(code[i], 0)
        i += 1
    return i - 1


def _blank_strings_and_comments(text: str) -> str:
    """The query with string literals, IRIs and comments replaced by spaces (same length), so braces
    and keywords are found only in the query's own syntax."""
    pattern = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def has_dataset(query: str) -> bool:
    """Does the query say which graphs it reads (FROM / FROM NAMED)? Otherwise the back ends read
    evkg's asserted graph as the default graph."""
    return re.search(r"\bFROM\b", _blank_strings_and_comments(query), re.IGNORECASE) is not None


def needs_protocol_dataset(query: str) -> bool:
    """Should a request to an endpoint name evkg's graphs (default-graph-uri, named-graph-uri)? Only
    for a query that reads the default graph without saying which: one that names its graphs (FROM,
    GRAPH <...>) reads them on any store, and one that calls SERVICE must not carry them, since
    Virtuoso 7.2.5 passes them on to the remote service, whose own graphs then go unread."""
    code = _blank_strings_and_comments(query)
    return re.search(r"\b(FROM|GRAPH|SERVICE)\b", code, re.IGNORECASE) is None
