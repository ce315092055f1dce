"""Comparing two query answers the way SPARQL defines equality, not the way one engine prints them.

Two SELECT answers are the same when they hold the same multiset of rows, where
- a numeric literal equals any numeric literal of the same value ("1.0"^^xsd:decimal = "1"^^xsd:integer),
- a boolean literal is compared by value, a language tag case-insensitively, blank nodes by kind only,
- a GROUP_CONCAT column is compared as the multiset of its members (their order is not defined),
- row order matters only on the ORDER BY keys: the sequence of key values must agree, rows tied on
  every key may come in any order.

    >>> from evkg.compare import compare_results
    >>> diff = compare_results(embedded, remote, query_text)
    >>> diff.same, diff.differences[:3]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .store import QueryResult

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "nonPositiveInteger", "positiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte")}
_CONCAT = re.compile(r"GROUP_CONCAT\s*\(", re.IGNORECASE)
_SEPARATOR = re.compile(r";\s*SEPARATOR\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", re.IGNORECASE)
_AGGREGATE = re.compile(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.IGNORECASE)


@dataclass
class Comparison:
    """The outcome: `same`, and when not, what differs in a few readable lines."""

    differences: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        return "same answers" if self.same else "\n".join(self.differences)


def _blank_out(text: str) -> str:
    """The query with comments and string contents replaced by spaces (positions kept)."""
    out, i, n = list(text), 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif c in "\"'":
            long = text.startswith(c * 3, i)
            end, j = (c * 3 if long else c), i + (3 if long else 1)
            while j < n and not text.startswith(end, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(end))
            out[i + 1:j - 1] = " " * max(0, j - i - 2)
            i = j
        elif c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[i:]):  # an IRI, which may hold '#'
            i += re.match(r"<[^\s<>\"{}|^`\\]*>", text[i:]).end()
        else:
            i += 1
    return "".join(out)


def _closing(text: str, open_at: int) -> int:
    """Index just past the parenthesis that closes the one at `open_at`."""
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    return len(text)


def order_keys(query: str) -> list[list[str]]:
    """The keys of the outermost ORDER BY, each as the variables it reads (`?x`, `DESC(?x)`,
    `STR(?label)` -> ['label']); an aggregate key is marked ['*'] (it reads the group, not a column)."""
    text = _blank_out(query)
    depth, found = 0, None
    for m in re.finditer(r"[{}]|\bORDER\s+BY\b", text, re.IGNORECASE):
        tok = m.group(0)
        depth += 1 if tok == "{" else -1 if tok == "}" else 0
        if tok not in "{}" and depth == 0:
            found = m.end()
    if found is None:
        return []
    clause = re.split(r"\b(?:LIMIT|OFFSET|VALUES)\b", text[found:], maxsplit=1, flags=re.IGNORECASE)[0]
    keys, i = [], 0
    while i < len(clause):
        if clause[i].isspace():
            i += 1
            continue
        m = re.match(r"[?$](\w+)", clause[i:])
        if m:
            keys.append([m.group(1)])
            i += m.end()
            continue
        m = re.match(r"(?:ASC|DESC)?\s*\w*\s*\(", clause[i:], re.IGNORECASE) or re.match(r"\(", clause[i:])
        if not m:
            break
        end = _closing(clause, i + m.end() - 1)
        expr = clause[i:end]
        inner = expr[expr.index("(") + 1:]
        keys.append(["*"] if _AGGREGATE.search(expr) else re.findall(r"[?$](\w+)", inner))
        i = end
    return keys


def _unescape(s: str) -> str:
    escapes = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), s)


def concat_columns(query: str) -> dict[str, str]:
    """Columns made by GROUP_CONCAT in `query`, with their separators (SPARQL's default is a space)."""
    out: dict[str, str] = {}
    blank = _blank_out(query)
    for m in _CONCAT.finditer(blank):
        end = _closing(blank, m.end() - 1)
        # the alias follows the aggregate, or a COALESCE around it: COALESCE(GROUP_CONCAT(...), "") AS ?x
        alias = re.match(r"\s*(?:,[^()]*\)\s*)?AS\s+[?$](\w+)", blank[end:], re.IGNORECASE)
        if not alias:
            continue
        sep = _SEPARATOR.search(query[m.start():end])
        out[alias.group(1)] = _unescape(sep.group(1)[1:-1]) if sep else " "
    return out


def concat_separators(query: str, declared: Iterable[str] = ()) -> dict[str, str]:
    """The GROUP_CONCAT columns of `query` with their separators, plus the columns its header declares
    concatenated (`#+ concat:`) that are made from a GROUP_CONCAT further in, whose members evkg joins with "; "."""
    found = concat_columns(query)
    return found | {c: found.get(c, "; ") for c in declared}


def _value(term: Node | None):
    """A hashable form of an RDF term under SPARQL's value equality."""
    if term is None:
        return ("unbound",)
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)  # labels are local to one answer
    if isinstance(term, Literal):
        if term.language:
            return ("lang", str(term), term.language.lower())
        dt = str(term.datatype) if term.datatype else XSD + "string"
        if dt in NUMERIC:
            try:
                return ("number", Decimal(str(term)).normalize())
            except InvalidOperation:  # NaN, INF or an ill-typed literal: compare its text
                return ("literal", str(term), dt)
        if dt == XSD + "boolean":
            return ("boolean", str(term).strip() in ("true", "1"))
        return ("literal", str(term), dt)
    return ("other", repr(term))


def _cell(term: Node | None, separator: str | None):
    if separator is not None and term is None:
        # GROUP_CONCAT over a group whose values are all unbound: SPARQL 1.1 leaves it to the engine
        # (the error rule or the empty string); Oxigraph answers unbound, Virtuoso "", both mean "none"
        return ("members", ())
    if separator is None or not isinstance(term, Literal):
        return _value(term)
    members = str(term).split(separator) if str(term) else []
    return ("members", tuple(sorted(Counter(members).items())))


def _show(term: Node | None) -> str:
    return "UNDEF" if term is None else term.n3()


def compare_results(expected: QueryResult, actual: QueryResult, query: str | None = None,
                    concat: Mapping[str, str] | Iterable[str] | None = None, limit: int = 5) -> Comparison:
    """Compare two answers to `query` (its text gives the ORDER BY keys and, unless `concat` names
    them, the GROUP_CONCAT columns; `concat` maps a column to its separator or just names it)."""
    if expected.boolean is not None or actual.boolean is not None:
        same = expected.boolean == actual.boolean
        return Comparison([] if same else [f"ASK answered {expected.boolean} vs {actual.boolean}"])
    if sorted(expected.columns) != sorted(actual.columns):
        return Comparison([f"columns differ: {expected.columns} vs {actual.columns}"])
    cols = expected.columns
    found = concat_columns(query) if query else {}
    if concat is None:
        seps = found
    elif isinstance(concat, Mapping):
        seps = dict(concat)
    else:
        seps = {c: found.get(c, " ") for c in concat}
    where = [actual.columns.index(c) for c in cols]
    left = [tuple(_cell(r[i], seps.get(c)) for i, c in enumerate(cols)) for r in expected.rows]
    right = [tuple(_cell(r[j], seps.get(c)) for j, c in zip(where, cols)) for r in actual.rows]
    diffs = []
    if len(left) != len(right):
        diffs.append(f"{len(expected.rows)} rows vs {len(actual.rows)} rows")
    missing, extra = Counter(left) - Counter(right), Counter(right) - Counter(left)
    shown = {v: r for v, r in zip(left, expected.rows)} | {v: [r[j] for j in where] for v, r in zip(right, actual.rows)}
    for label, rows in (("only in the first", missing), ("only in the second", extra)):
        for v in list(rows)[:limit]:
            diffs.append(f"{label}: " + " | ".join(_show(t) for t in shown[v]))
        if len(rows) > limit:
            diffs.append(f"... and {len(rows) - limit} more row(s) {label}")
    if diffs or not query:
        return Comparison(diffs)
    keys = []
    for variables in order_keys(query):
        if not variables or any(v not in cols for v in variables):
            break  # a key on a column not shown (or an aggregate) leaves the rest unjudgeable
        keys.extend(cols.index(v) for v in variables if cols.index(v) not in keys)
    if keys:
        seq_l = [tuple(row[k] for k in keys) for row in left]
        seq_r = [tuple(row[k] for k in keys) for row in right]
        for n, (a, b) in enumerate(zip(seq_l, seq_r)):
            if a != b:
                names = ", ".join("?" + cols[k] for k in keys)
                diffs.append(f"order on the ORDER BY keys ({names}) differs from row {n + 1}: "
                             + " | ".join(_show(expected.rows[n][k]) for k in keys) + " vs "
                             + " | ".join(_show(actual.rows[n][where[k]]) for k in keys))
                break
    return Comparison(diffs)
