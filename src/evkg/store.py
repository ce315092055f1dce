"""The embedded store: the built graph persisted by `evkg build` under dist/store, queried in-process."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import EvkgError
from .project import Project
from .query_safety import DEFAULT_LIMITS, QueryLimits, check_query

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
QUERY_MEMORY_MB = 2048  # what one query may allocate beyond the process's own size


@dataclass
class QueryResult:
    """A SELECT result (columns and rows of rdflib terms, None where unbound) or an ASK answer; a page
    of a longer answer says how many rows the whole answer has (`total`) and where it starts (`offset`)."""

    columns: list[str]
    rows: list[list[Node | None]]
    boolean: bool | None = None
    total: int | None = None
    offset: int = 0


def to_rdflib(term) -> Node | None:
    """Convert a pyoxigraph term to the equivalent rdflib term."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise EvkgError(f"unsupported term in result: {term!r}")


def to_oxigraph(term: Node):
    """Convert an rdflib term to pyoxigraph, for binding query parameters."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise EvkgError(f"cannot bind {term!r}")


class EmbeddedStore:
    """Read-only access to dist/store.

    `query` checks the text first (size, nesting, SERVICE calls: query_safety). With a `timeout` it
    runs the query in a confined child process, which is killed when the time is up: pyoxigraph
    cannot interrupt a query, and a crash of the engine then ends the child, not the caller. The
    `timeout` and `limits` given here apply to every query that does not bring its own."""

    def __init__(self, project: Project, timeout: float | None = None, limits: QueryLimits = DEFAULT_LIMITS):
        self.path = project.dist / "store"
        if not self.path.is_dir():
            raise EvkgError(f"no built graph at {self.path}; run 'evkg build' first")
        self.timeout, self.limits = timeout, limits
        self._opened = None

    @property
    def _store(self):
        if self._opened is None:
            self._opened = open_read_only(self.path)
        return self._opened

    def query(self, text: str, bindings: dict[str, Node] | None = None, *, timeout: float | None = None,
              limits: QueryLimits | None = None, memory_mb: int | None = QUERY_MEMORY_MB) -> QueryResult:
        """Run a SPARQL SELECT or ASK query; `bindings` pre-bind variables to RDF terms. SERVICE calls
        are refused unless `limits.allow_service` names their endpoint."""
        timeout = self.timeout if timeout is None else timeout
        limits = limits or self.limits
        check_query(text, limits)
        if timeout is None:
            return _evaluate(self._store, text, bindings)
        from .confine import ChildFailed, run_confined

        path = self.path
        try:
            return run_confined(lambda: _evaluate(open_read_only(path), text, bindings), timeout, memory_mb,
                                isolate=not limits.allow_service)
        except ChildFailed as e:
            if e.reason == "timeout":
                raise EvkgError(f"query stopped: it ran longer than the {timeout:g} s limit (--timeout)") from None
            if e.reason == "memory":
                raise EvkgError(f"query stopped: it needed more than the {memory_mb} MB memory limit") from None
            raise EvkgError(f"the query engine crashed on this query ({e.detail}); nothing was changed") from None


def open_read_only(path):
    """Open a store read-only; a missing, locked or corrupted one is one clear error."""
    import pyoxigraph as ox

    try:
        return ox.Store.read_only(str(path))
    except (OSError, RuntimeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise EvkgError(f"cannot open the store at {path}: {first}; run 'evkg build' to rebuild it") from None


def _evaluate(store, text: str, bindings: dict[str, Node] | None) -> QueryResult:
    import pyoxigraph as ox

    from .binding import has_dataset
    from .namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

    subs = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
    # evkg's graphs are named graphs; a query that names none reads the asserted facts by default
    dataset = {} if has_dataset(text) else {
        "default_graph": ox.NamedNode(str(ASSERTED_GRAPH)),
        "named_graphs": [ox.NamedNode(str(ASSERTED_GRAPH)), ox.NamedNode(str(INFERRED_GRAPH))]}
    try:
        result = store.query(text, substitutions=subs or None, **dataset)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult([], [], bool(result))
        if not isinstance(result, ox.QuerySolutions):
            raise EvkgError("only SELECT and ASK queries are supported here")
        columns = [v.value for v in result.variables]
        rows = [[to_rdflib(sol[c]) for c in columns] for sol in result]  # evaluation is lazy: errors surface here
    except SyntaxError as e:
        raise EvkgError(f"SPARQL syntax error: {str(e).splitlines()[0]}") from None
    except (OSError, RuntimeError) as e:  # e.g. a SERVICE endpoint that cannot be reached, a damaged store
        raise EvkgError(f"query failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    return QueryResult(columns, rows)
