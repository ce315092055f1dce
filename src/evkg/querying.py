"""Running canned queries: look up, resolve and bind parameters as RDF terms, run on a back end.

A back end is anything with `query(text) -> QueryResult`: the embedded store (dist/store) or a SPARQL
endpoint reached through SPARQLWrapper. The same bound text runs on both, and the same post-processing
(rows for silent jurisdictions) follows, so an answer does not depend on where it was computed.
"""

from __future__ import annotations

from rdflib import Literal, URIRef

from .binding import with_values
from .catalogue import CannedQuery, bind, get_query, redirect_services
from .errors import EvkgError
from .namespaces import SRC
from .project import Project
from .resolve import PREFIX_BLOCK, Backend, Names
from .store import EmbeddedStore, QueryResult

NOT_STATED = "not stated in the review"
NOT_IN_GRAPH = "no statement in the graph"  # for a jurisdiction that came from another source


class RemoteEndpoint:
    """A SPARQL endpoint as a back end (SPARQLWrapper underneath)."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url, self.timeout = url, timeout

    def query(self, text: str) -> QueryResult:
        from .remote import remote_query

        return remote_query(self.url, text, timeout=self.timeout)


def open_backend(project: Project, endpoint: str | None = None, timeout: float | None = None) -> Backend:
    """The embedded store of `project`'s built graph, or `endpoint` if one is given. A `timeout` on the
    embedded store runs each query in a child process that is stopped when the time is up; an
    endpoint is waited for 30 s unless told otherwise."""
    if endpoint:
        return RemoteEndpoint(endpoint, timeout or 30.0)
    return EmbeddedStore(project, timeout=timeout)


def names_for(backend: Backend) -> Names:
    """The name index of a back end, built once per back end and kept with it."""
    names = getattr(backend, "_evkg_names", None)
    if names is None:
        names = Names(backend)
        try:
            backend._evkg_names = names
        except AttributeError:  # a back end that takes no attributes: no cache
            pass
    return names


def hide_parameters(result: QueryResult) -> QueryResult:
    """Parameter variables (?_name) are projected so they can be bound; they are not output columns."""
    keep = [i for i, c in enumerate(result.columns) if not c.startswith("_")]
    if len(keep) == len(result.columns):
        return result
    return QueryResult([result.columns[i] for i in keep], [[r[i] for i in keep] for r in result.rows], result.boolean)


def run_query(project: Project, name: str, params: dict[str, str] | None = None,
              store: Backend | None = None, endpoint: str | None = None, timeout: float | None = None,
              services: dict[str, str] | None = None, names: Names | None = None,
              silent_rows: bool = True, limit: int | None = None, offset: int = 0) -> QueryResult:
    """Run the canned query `name` with `params` (what a person typed: names, codes, labels, CURIEs,
    dates), on the embedded store, on `store` (any back end), or on `endpoint` through SPARQLWrapper.
    With `silent_rows`, a jurisdiction the answer does not mention gets a row saying so; `limit` and
    `offset` return one page of a long answer."""
    query = get_query(project, name)
    backend = store or open_backend(project, endpoint, timeout)
    names = names or names_for(backend)
    bound = bind(query, params or {}, names)
    return execute(query, bound, backend, names, services, silent_rows, limit, offset)


def execute(query: CannedQuery, bound: dict, backend: Backend, names: Names,
            services: dict[str, str] | None = None, silent_rows: bool = True,
            limit: int | None = None, offset: int = 0) -> QueryResult:
    """Run an already bound canned query and add the rows for silent jurisdictions; with `limit` or
    `offset`, keep only that page of the answer (its `total` says how many rows the whole answer has)."""
    # The same bound text runs on every back end: a VALUES block of escaped RDF terms opening the
    # WHERE group. (pyoxigraph's substitutions= joins the values only after evaluating the pattern,
    # which made parameterized queries 10-100x slower than the same query with VALUES.)
    text = with_values(redirect_services(query, query.text, services or {}), bound)
    if isinstance(backend, EmbeddedStore):
        # the SERVICE endpoints a canned query declares (or their --service replacements) are asked for;
        # any other SERVICE is refused before the engine sees the query
        allowed = [(services or {}).get(iri, iri) for iri in query.federated]
        result = hide_parameters(backend.query(text, limits=backend.limits.allowing(allowed)))
    else:
        result = hide_parameters(backend.query(text))
    if silent_rows and query.per_jurisdiction and result.boolean is None:
        add_silent_jurisdictions(result, query, bound, names)
    if limit is not None or offset:
        result = page(result, limit, offset)
    return result


def page(result: QueryResult, limit: int | None, offset: int = 0) -> QueryResult:
    """Rows offset+1 .. offset+limit of an answer, with the number of rows of the whole answer.

    The page is cut here, not by LIMIT/OFFSET in the query: the engine has to compute and sort the whole
    answer for either, the count comes free, and the rows for silent jurisdictions belong to the order."""
    if (limit is not None and limit < 0) or offset < 0:
        raise EvkgError("a page needs a limit and an offset of 0 or more")
    end = None if limit is None else offset + limit
    return QueryResult(result.columns, result.rows[offset:end], result.boolean, len(result.rows), offset)


def add_silent_jurisdictions(result: QueryResult, query: CannedQuery, bound: dict, names: Names) -> None:
    """One row for each jurisdiction asked about (all, unless the query is filtered) that the answer
    does not mention, saying in the query's per-jurisdiction column that the review is silent there."""
    if "jurisdiction" not in result.columns or query.per_jurisdiction not in result.columns:
        return
    param = next((p for p in query.params if p.type in ("jurisdiction", "jurisdictions")), None)
    asked = bound.get("_" + param.name) if param else None
    if asked is None:
        asked = [URIRef(e.iri) for e in names.of_kind("jurisdiction")]
    elif not isinstance(asked, list):
        asked = [asked]
    present = {str(r[result.columns.index("jurisdiction")]) for r in result.rows}
    from_review = review_jurisdictions(names)
    jcol, vcol = result.columns.index("jurisdiction"), result.columns.index(query.per_jurisdiction)
    silent = sorted((names.label(j) or str(j), j) for j in asked if (names.label(j) or str(j)) not in present)
    for label, iri in silent:
        row: list = [None] * len(result.columns)
        row[jcol] = Literal(label, lang="en")
        row[vcol] = Literal(NOT_STATED if str(iri) in from_review else NOT_IN_GRAPH)
        result.rows.append(row)


def review_jurisdictions(names: Names) -> set[str]:
    """Jurisdictions the review itself covers (derived from a source location of the review)."""
    cached = getattr(names, "_review_jurisdictions", None)
    if cached is None:
        rows = names.backend.query(PREFIX_BLOCK + f"""SELECT DISTINCT ?j WHERE {{
            ?j a/rdfs:subClassOf* evkg:Jurisdiction ; prov:wasDerivedFrom ?loc .
            FILTER (STRSTARTS(STR(?loc), "{SRC}")) }}""").rows
        cached = names._review_jurisdictions = {str(r[0]) for r in rows}
    return cached
