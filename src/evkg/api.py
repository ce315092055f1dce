"""The Python API: open the built graph (or an endpoint holding it) and ask it questions by name.

    >>> import evkg
    >>> kg = evkg.open()                                   # the project in the working directory
    >>> answer = kg.query("classification-by-jurisdiction", jurisdiction="Japan")
    >>> print(answer)                                      # a table that fits the terminal, with sources
    >>> answer.records()                                   # [{'jurisdiction': 'Japan', ..., 'sources': 'Table 2'}, ...]
    >>> kg.resolve("US IND")                               # URIRef('https://w3id.org/evkg/resource/pathway/US-IND')

Nothing here rebuilds anything: `open` reads dist/ as `evkg build` left it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from rdflib import URIRef

from .answers import Table, present, title_of
from .catalogue import CannedQuery, bind, get_query, load_catalogue
from .project import Project
from .querying import Backend, execute, names_for, open_backend
from .render import to_csv, to_markdown, to_text, to_xlsx
from .resolve import Names, curie
from .results import render as render_sparql
from .store import QueryResult

REVIEW = ("Verma N., Arora S. Navigating the Global Regulatory Landscape for Exosome-Based Therapeutics. "
          "Pharmaceutics 2025, 17(8), 990. doi:10.3390/pharmaceutics17080990 (CC BY 4.0)")


@dataclass
class Answer:
    """A canned query's answer: the SPARQL result for machines, a readable table for people."""

    query: CannedQuery
    params: dict[str, str]
    bound: dict
    result: QueryResult
    names: Names

    @property
    def title(self) -> str:
        shown = [f"{p.name}: {self._shown(self.bound['_' + p.name])}" for p in self.query.params if "_" + p.name in self.bound]
        return self.query.summary + (f" ({'; '.join(shown)})" if shown else "")

    def _shown(self, value) -> str:
        if isinstance(value, list):
            return ", ".join(self._shown(v) for v in value)
        if isinstance(value, URIRef):
            return self.names.label(str(value)) or curie(str(value))
        return str(value)

    def table(self, iris: bool = False) -> Table:
        t = present(self.result, self.names, hide=self.query.hide, iris=iris, title=self.title,
                    concat=self.query.concat, ids=self.query.ids)
        t.notes += self.query_notes()
        return t

    def query_notes(self) -> list[str]:
        notes = [n for n in (self.query.note or "").split("\n") if n]
        r = self.result
        if r.total is not None:
            end = r.offset + len(r.rows)
            more = f"; the next page: --offset {end}" if end < r.total else ""
            notes.append(f"rows {r.offset + 1 if r.rows else r.offset}-{end} of {r.total}{more}")
        return notes + (find_notes(self) if self.query.name == "find" else [])

    def records(self, iris: bool = False) -> list[dict[str, str]]:
        """The rows as people read them: labels, merged sources."""
        return self.table(iris).records()

    def __str__(self) -> str:
        return to_text(self.table())

    def render(self, fmt: str = "table", iris: bool = False, width: int | None = None) -> str | bytes:
        """table, csv, markdown, xlsx (bytes): for people; json, tsv: the SPARQL results formats."""
        if fmt in ("json", "tsv"):
            return render_sparql(self.result, fmt)
        table = self.table(iris)
        if fmt == "table":
            return to_text(table, width)
        if fmt == "csv":
            return to_csv(table)
        if fmt == "markdown":
            return to_markdown(table)
        if fmt == "xlsx":
            return to_xlsx([table], about_lines(self.query, self.title))
        raise ValueError(f"unknown format {fmt}")


def find_notes(answer: "Answer") -> list[str]:
    """What to try when `evkg find` found nothing, or only names that hold the text inside a word."""
    text = str(answer.bound.get("_text", ""))
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    matches = [str(r[answer.result.columns.index("match")]) for r in answer.result.rows]
    notes = []
    if not matches:
        notes.append(f"Nothing the graph names contains '{text}': the review may not use that word. Try an "
                      "abbreviation or another name, or 'evkg queries' for the questions the graph answers.")
    elif all(m == "part of a word" for m in matches):
        notes.append(f"No name has '{text}' as a word: these only hold it inside a longer word.")
    if len(words) > 1 and len(matches) < 5:
        notes.append("Names with only some of the words: " + "; ".join(f"evkg find {w}" for w in words))
    return notes


def about_lines(query: CannedQuery | None, title: str) -> list[str]:
    """What a spreadsheet says about itself."""
    lines = [title, ""]
    if query is not None:
        lines += [query.description.replace("\n", " "), "", f"Canned query: {query.name} (evkg query {query.name})"]
    lines += ["Source of every fact unless a row names another: " + REVIEW,
              "Sources column: the part of the review (§ section, Table, Fig.) and, in brackets, the reference numbers it cites.",
              "Facts and dates as the review states them (published 30 July 2025), not checked against primary law."]
    return lines


class KnowledgeGraph:
    """The built graph of a project (its embedded store), or a SPARQL endpoint holding it."""

    def __init__(self, project: Project, backend: Backend):
        self.project = project
        self.backend = backend
        self.names = names_for(backend)

    def queries(self) -> dict[str, CannedQuery]:
        """The canned queries by name."""
        return load_catalogue(self.project)

    def query(self, name: str, params: dict[str, str] | None = None, *, limit: int | None = None, offset: int = 0,
              **kwargs: str) -> Answer:
        """Run canned query `name`; parameters as a person types them ('Japan', 'US IND', '2024-06').
        `limit` and `offset` give one page of a long answer; `answer.result.total` counts the whole.

        >>> kg.query("comparison-matrix", limit=50, offset=100).result.total    # doctest: +SKIP"""
        params = {**(params or {}), **{k: str(v) for k, v in kwargs.items()}}
        query = get_query(self.project, name)
        bound = bind(query, params, self.names)
        result = execute(query, bound, self.backend, self.names, limit=limit, offset=offset)
        return Answer(query, params, bound, result, self.names)

    def sparql(self, text: str) -> QueryResult:
        """Any SPARQL SELECT or ASK query."""
        return self.backend.query(text)

    def resolve(self, text: str, kind: str | None = None) -> URIRef:
        """The IRI a name stands for ('Japan', 'GB', 'PMDA', 'US IND', 'pw:US-IND'); EvkgError if unknown."""
        return self.names.resolve(text, kind)

    def label(self, iri: str) -> str | None:
        return self.names.label(iri)


def open(root: str | os.PathLike | None = None, endpoint: str | None = None, timeout: float = 30.0) -> KnowledgeGraph:  # noqa: A001
    """Open the graph `evkg build` wrote for the project at `root` (default: the working directory or
    $EVKG_ROOT), or the SPARQL `endpoint` that holds it."""
    project = Project.locate(root)
    return KnowledgeGraph(project, open_backend(project, endpoint, timeout))


__all__ = ["Answer", "KnowledgeGraph", "Table", "open", "title_of"]
