"""Answers for people: a query result turned into a readable table (labels instead of IRIs, compact
source badges such as `§3.4 [59]`, the review's contradictions marked) that render.py prints as a
terminal table, CSV, Markdown, XLSX or HTML. Machines get the SPARQL result itself (results.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, URIRef
from rdflib.term import Node

from .conflicts import legend, mark, numbers
from .namespaces import ASSERTED_GRAPH, SRC
from .provenance import parse_location
from .resolve import PREFIX_BLOCK, Names, curie
from .store import QueryResult

SOURCE_COLUMNS = ("source", "sources")
CONFLICT_COLUMN = "conflict"
# The shapes a part of the review takes in a badge: src:sec-3.4_r59 -> "§3.4 [59]"
_PART = {"sec": "§{n}", "tab": "Table {n}", "fig": "Fig. {n}"}
_NAMED_PARTS = {"abstract": "Abstract", "front": "Front matter", "abbr": "Abbreviations", "refs": "Refs"}
DATES_NOTE = ("Dates and facts as the review states them (published 30 July 2025), not checked against "
              "primary law.")


@dataclass
class Table:
    """What a person reads: a title, column titles, rows of text, and notes under the table."""

    columns: list[str]
    rows: list[list[str]]
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


def title_of(column: str) -> str:
    """'receivingAuthority' -> 'receiving authority'."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", column).replace("_", " ")
    return words.lower() if not words.isupper() else words


def ranges(numbers: list[int]) -> str:
    """[5, 6, 16, 17, 18] -> '5, 6, 16–18'."""
    out, i = [], 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        out.append(str(numbers[i]) if j - i < 2 else f"{numbers[i]}–{numbers[j]}")
        if j - i == 1:
            out.append(str(numbers[j]))
        i = j + 1
    return ", ".join(out)


def badge(iri: str, names: Names | None = None) -> str:
    """A source location as a short badge: '§3.4 [59]', 'Table 1', 'Fig. 2', 'Refs [89]'; a source
    outside the review by its label."""
    if iri.startswith(str(SRC)):
        try:
            part, refs = parse_location(URIRef(iri))
        except ValueError:
            return curie(iri)
        m = re.match(r"(sec|tab|fig)-(.+)$", part)
        text = _PART[m.group(1)].format(n=m.group(2)) if m else _NAMED_PARTS.get(part, part)
        return text + (f" [{ranges(refs)}]" if refs else "")
    label = names.label(iri) if names is not None else None
    return label or curie(iri)


def source_iris(term: Node | None) -> list[str]:
    """The source locations a source cell holds: one IRI, or several joined by spaces (GROUP_CONCAT)."""
    if term is None:
        return []
    if isinstance(term, URIRef):
        return [str(term)]
    return [t for t in str(term).split() if re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def sort_sources(iris: list[str]) -> list[str]:
    """Review locations in reading order (sections, tables, figures), then anything else."""
    def key(i: str):
        if not i.startswith(str(SRC)):
            return (9, i)
        part = i[len(str(SRC)):].split("_r")[0]
        m = re.match(r"(sec|tab|fig)-(\d+)(?:\.(\d+))?", part)
        if m:
            return ({"sec": 1, "tab": 2, "fig": 3}[m.group(1)], int(m.group(2)), int(m.group(3) or 0), i)
        return ({"front": 0, "abstract": 0, "abbr": 4, "refs": 5}.get(part, 6), 0, 0, i)
    return sorted(dict.fromkeys(iris), key=key)


def cell_text(term: Node | None, names: Names, iris: bool = False) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return curie(str(term)) if iris else (names.label(str(term)) or curie(str(term)))
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def present(result: QueryResult, names: Names, *, hide: list[str] = (), iris: bool = False,
            title: str = "", concat: list[str] = (), ids: list[str] = (), merge: bool = True) -> Table:
    """Turn a SELECT result into a Table for people.

    Source columns become badges in reading order; IRIs become labels (CURIEs with `iris`); columns
    listed in `hide` are left out (unless `iris`); rows that say the same thing on every shown column
    but the sources are merged, their sources joined; a hidden `position` column, where a query
    returns one, marks rows that are one side of a contradiction of the review."""
    cols = result.columns
    shown = [i for i, c in enumerate(cols) if iris or (c not in hide and c != "position")]
    src_idx = [i for i in shown if cols[i] in SOURCE_COLUMNS]
    names.fetch_labels(str(t) for r in result.rows for t in r if isinstance(t, URIRef))
    # rows of a position that is one side of a contradiction are marked (not in a list of contradictions)
    conflicts = contradictions_of(result, names) if "position" in cols and "contradiction" not in cols else {}
    order: list[tuple] = []
    merged: dict[tuple, dict] = {}
    # a list of contradictions shows each one's number, the one the marks of every other answer use
    numbered = "contradiction" in cols and "topic" in cols and cols.index("topic") in shown and not iris
    for r in result.rows:
        values = tuple("" if i in src_idx else _joined(cell_text(r[i], names, iris or cols[i] in ids), cols[i] in concat)
                       for i in shown)
        if numbered and str(r[cols.index("contradiction")]) in numbers(names):
            at = shown.index(cols.index("topic"))
            values = values[:at] + (f"{mark(names, str(r[cols.index('contradiction')]))} {values[at]}",) + values[at + 1:]
        key = values if merge else (len(order),)
        entry = merged.get(key)
        if entry is None:
            entry = merged[key] = {"values": values, "sources": [], "conflicts": []}
            order.append(key)
        for i in src_idx:
            entry["sources"] += source_iris(r[i])
        if conflicts:
            pos = r[cols.index("position")]
            entry["conflicts"] += [c for c in conflicts.get(str(pos), []) if c not in entry["conflicts"]]
    headers = [title_of(cols[i]) if cols[i] not in SOURCE_COLUMNS else "sources" for i in shown]
    rows = []
    marked: list[str] = []
    for key in order:
        entry = merged[key]
        row = list(entry["values"])
        if src_idx:
            srcs = sort_sources(entry["sources"])
            text = " ".join(curie(s) for s in srcs) if iris else ", ".join(badge(s, names) for s in srcs)
            row[shown.index(src_idx[0])] = text
        if conflicts:
            cs = sorted({iri for iri, _ in entry["conflicts"]}, key=lambda c: numbers(names)[c][0])
            marked += [c for c in cs if c not in marked]
            row.append(" ".join(mark(names, c) for c in cs))
        rows.append(row)
    # a column saying the same thing on every row, which the title already names (the jurisdiction a
    # query was asked about), is left out
    for i in reversed(range(len(headers))):
        values = {row[i] for row in rows}
        if len(rows) > 1 and len(values) == 1 and next(iter(values)) and next(iter(values)) in title \
                and not (src_idx and i == shown.index(src_idx[0])):
            del headers[i]
            for row in rows:
                del row[i]
            src_idx = [j for j in src_idx if shown.index(j) != i]
            shown = shown[:i] + shown[i + 1:]
    # one sources column, even where the query returns two kinds of source
    for i in reversed([shown.index(i) for i in src_idx[1:]]):
        del headers[i]
        for row in rows:
            del row[i]
    notes = []
    if conflicts:
        headers.append(CONFLICT_COLUMN)
        notes += legend(names, marked)
        notes.append("evkg query contradictions [JURISDICTION] shows both sides of each, with their sources.")
    return Table(headers, rows, title, notes)


def _joined(text: str, is_concat: bool) -> str:
    """Members of a concatenated cell in a stable order, whatever order the engine joined them in."""
    if not is_concat or "; " not in text:
        return text
    return "; ".join(sorted(text.split("; "), key=str.casefold))


def contradictions_of(result: QueryResult, names: Names) -> dict[str, list[tuple[str, str]]]:
    """Position IRI -> the contradictions (IRI, topic) it is a side of."""
    idx = result.columns.index("position")
    positions = sorted({str(r[idx]) for r in result.rows if isinstance(r[idx], URIRef)})
    if not positions:
        return {}
    values = " ".join(f"<{p}>" for p in positions)
    # the graph the canned queries and the contradiction numbers read (conflicts.py), on any store
    res = names.backend.query(PREFIX_BLOCK + f"""SELECT ?p ?c ?topic WHERE {{ GRAPH <{ASSERTED_GRAPH}> {{
        VALUES ?p {{ {values} }} ?c a evkg:Contradiction ; evkg:conflictingPosition ?p ; rdfs:label ?topic }} }}
        ORDER BY STR(?topic)""")
    numbered = numbers(names)
    out: dict[str, list[tuple[str, str]]] = {}
    for p, c, topic in res.rows:
        if str(c) in numbered:
            out.setdefault(str(p), []).append((str(c), str(topic)))
    return out

