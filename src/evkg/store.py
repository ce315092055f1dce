"""The embedded store: the built graph persisted by `evkg build` under dist/store, queried in-process."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import EvkgError
from .project import Project

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class QueryResult:
    """A SELECT result (columns and rows of rdflib terms, None where unbound) or an ASK answer."""

    columns: list[str]
    rows: list[list[Node | None]]
    boolean: bool | None = None


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
    """Read-only access to dist/store."""

    def __init__(self, project: Project):
        import pyoxigraph as ox

        path = project.dist / "store"
        if not path.is_dir():
            raise EvkgError(f"no built graph at {path}; run 'evkg build' first")
        try:
            self._store = ox.Store.read_only(str(path))
        except OSError as e:
            raise EvkgError(f"cannot open the store at {path}: {e}") from None

    def query(self, text: str, bindings: dict[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL SELECT or ASK query; `bindings` pre-bind variables to RDF terms."""
        import pyoxigraph as ox

        from .binding import has_dataset
        from .namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

        subs = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        # evkg's graphs are named graphs; a query that names none reads the asserted facts by default
        dataset = {} if has_dataset(text) else {
            "default_graph": ox.NamedNode(str(ASSERTED_GRAPH)),
            "named_graphs": [ox.NamedNode(str(ASSERTED_GRAPH)), ox.NamedNode(str(INFERRED_GRAPH))]}
        try:
            result = self._store.query(text, substitutions=subs or None, **dataset)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult([], [], bool(result))
            if not isinstance(result, ox.QuerySolutions):
                raise EvkgError("only SELECT and ASK queries are supported here")
            columns = [v.value for v in result.variables]
            rows = [[to_rdflib(sol[c]) for c in columns] for sol in result]  # evaluation is lazy: errors surface here
        except SyntaxError as e:
            raise EvkgError(f"SPARQL syntax error: {str(e).splitlines()[0]}") from None
        except OSError as e:  # e.g. a SERVICE endpoint that cannot be reached
            raise EvkgError(f"query failed: {str(e).splitlines()[0]}") from None
        return QueryResult(columns, rows)
