"""Printing query results: aligned table (default), CSV, TSV, JSON (SPARQL 1.1 results), Markdown."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, URIRef
from rdflib.term import Node

from .namespaces import PREFIXES
from .store import QueryResult

FORMATS = ("table", "csv", "tsv", "json", "markdown")
_NAMESPACES = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


def compact(term: Node | None) -> str:
    """Human-readable form of a term: CURIE for known namespaces, lexical form for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        for ns, prefix in _NAMESPACES:
            if s.startswith(ns) and "/" not in s[len(ns):] and "#" not in s[len(ns):]:
                return f"{prefix}:{s[len(ns):]}"
        return f"<{s}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _json_term(term: Node) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


def render(result: QueryResult, fmt: str = "table") -> str:
    """Render a result in one of FORMATS."""
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean}) if fmt == "json" else str(result.boolean).lower()
    cols, rows = result.columns, result.rows
    if fmt == "json":
        return json.dumps({"head": {"vars": cols},
                           "results": {"bindings": [{c: _json_term(t) for c, t in zip(cols, r) if t is not None}
                                                    for r in rows]}}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(cols)
        w.writerows([["" if t is None else str(t) for t in r] for r in rows])
        return buf.getvalue()
    if fmt == "tsv":
        lines = ["\t".join("?" + c for c in cols)]
        lines += ["\t".join("" if t is None else t.n3() for t in r) for r in rows]
        return "\n".join(lines) + "\n"
    cells = [[compact(t) for t in r] for r in rows]
    if fmt == "markdown":
        esc = lambda s: s.replace("|", "\\|")
        out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in cells]
        return "\n".join(out) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown format {fmt}")
    return aligned(cols, cells) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def aligned(header: list[str], rows: list[list[str]]) -> str:
    """An aligned text table; newlines inside cells are folded to '; '."""
    rows = [[c.replace("\n", "; ") for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])

