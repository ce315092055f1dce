"""Running canned queries: look up, bind parameters as RDF terms, run on the embedded store."""

from __future__ import annotations

from .binding import with_values
from .catalogue import bind, get_query, redirect_services
from .project import Project
from .store import EmbeddedStore, QueryResult


def hide_parameters(result: QueryResult) -> QueryResult:
    """Parameter variables (?_name) are projected so they can be bound; they are not output columns."""
    keep = [i for i, c in enumerate(result.columns) if not c.startswith("_")]
    if len(keep) == len(result.columns):
        return result
    return QueryResult([result.columns[i] for i in keep], [[r[i] for i in keep] for r in result.rows], result.boolean)


def run_query(project: Project, name: str, params: dict[str, str] | None = None,
              store: EmbeddedStore | None = None, endpoint: str | None = None, timeout: float | None = None,
              services: dict[str, str] | None = None) -> QueryResult:
    """Run the canned query `name` with `params` (strings, converted to the declared RDF types),
    on the embedded store, or on `endpoint` through SPARQLWrapper. A `timeout` on the embedded store
    runs the query in a child process that is stopped when the time is up."""
    query = get_query(project, name)
    # The same bound text runs on both back ends: a VALUES block of escaped RDF terms opening the
    # WHERE group. (pyoxigraph's substitutions= joins the values only after evaluating the pattern,
    # which made parameterized queries 10-100x slower than the same query with VALUES.)
    text = with_values(redirect_services(query, query.text, services or {}), bind(query, params or {}))
    if endpoint:
        from .remote import remote_query

        return hide_parameters(remote_query(endpoint, text, timeout=timeout or 30.0))
    store = store or EmbeddedStore(project, timeout=timeout)
    # the SERVICE endpoints a canned query declares (or their --service replacements) are asked for
    allowed = [(services or {}).get(iri, iri) for iri in query.federated]
    return hide_parameters(store.query(text, limits=store.limits.allowing(allowed)))
