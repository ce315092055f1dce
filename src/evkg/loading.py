"""Parsing RDF source files, with syntax errors reported as file:line:column."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from .errors import EvkgError, SourceSyntaxError

FORMATS = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt", ".nq": "nquads",
    ".trig": "trig", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
}


def format_for(path: Path, override: str | None = None) -> str:
    """The rdflib format name for a file, from its extension unless overridden."""
    if override:
        return override
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise EvkgError(f"{path}: unknown RDF format for extension '{path.suffix}' "
                        f"(known: {', '.join(sorted(FORMATS))}; or pass --format)") from None


def _position(err: BadSyntax) -> tuple[int, int]:
    """1-based line and column of a notation3 BadSyntax error."""
    text = err._str.decode("utf-8", "replace") if isinstance(err._str, bytes) else str(err._str)
    start = text.rfind("\n", 0, err._i) + 1
    return err.lines + 1, err._i - start + 1


def parse_into(graph: Graph, path: Path, fmt: str | None = None, shown: str | None = None,
               data: bytes | None = None) -> Graph:
    """Parse `path` (or its `data`, already read) into `graph`; any syntax error becomes one
    SourceSyntaxError naming file:line:col."""
    shown = shown or str(path)
    fmt = format_for(path, fmt)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise EvkgError(f"{shown}: cannot read: {e.strerror}") from None
    target = graph
    if fmt in ("trig", "nquads") and not isinstance(graph, Dataset):
        target = Dataset()
    try:
        target.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as e:
        line, col = _position(e)
        raise SourceSyntaxError(shown, line, col, e._why) from None
    except SyntaxError as e:  # rdflib's N-Triples and XML parsers
        raise SourceSyntaxError(shown, getattr(e, "lineno", None) or _line_of(str(e)), None,
                                str(e).splitlines()[0]) from None
    except Exception as e:  # JSON-LD and others raise their own types
        raise SourceSyntaxError(shown, _line_of(str(e)) or 1, None,
                                f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    if target is not graph:
        for s, p, o, _ in target.quads():
            graph.add((s, p, o))
    return graph


def _line_of(message: str) -> int | None:
    import re
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def load_sources(files: list[Path], root: Path) -> Graph:
    """Merge every source file (all Turtle, whatever the name of a staged one) into one graph."""
    graph = Graph()
    for f in files:
        parse_into(graph, f, "turtle", shown=str(f.relative_to(root)) if f.is_relative_to(root) else str(f))
    return graph


def load_sources_store(files: list[Path], root: Path) -> ox.Store:
    """Like load_sources, into a pyoxigraph memory store (default graph): ten times faster than rdflib
    at 1M triples. A file Oxigraph rejects is parsed again by parse_into, so errors read the same."""
    from .store import to_oxigraph

    store = ox.Store()
    for f in files:
        shown = str(f.relative_to(root)) if f.is_relative_to(root) else str(f)
        try:  # one transaction per file: a file that fails leaves nothing behind
            store.load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri())
        except (SyntaxError, ValueError, OSError):
            graph = parse_into(Graph(), f, "turtle", shown=shown)  # raises the error as rdflib words it
            store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph)
    return store
