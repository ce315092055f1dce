"""Vetting a submission before it is judged: read it within limits, parse it without fetching anything,
and keep it to facts in the project's vocabulary.

A submission is new facts (ABox). It may not change the ontology (class and property axioms,
owl:imports, owl:Nothing, identity links other than the owl:sameAs the shapes allow): the ontology
changes through review. It may not make evkg read or fetch anything (a JSON-LD context is inline or
refused). And each triple must be one the store, the Turtle file `evkg add` writes and the reasoner
all accept (IRI subjects, valid IRIs, literals of bounded size), so that "conforms" means `add` will
accept it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .errors import EvkgError
from .loading import format_for, parse_into
from .namespaces import EVKG, RES

DEFAULT_MAX_MB = 10
MAX_LITERAL_CHARS = 65536
SIZE_VARIABLE = "EVKG_MAX_SUBMISSION_MB"
META_PREDICATES = {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, OWL.sameAs}
META_NAMESPACES = (str(RDF), str(RDFS), str(OWL))
CLASS_TYPES = {OWL.Class, RDFS.Class}
PROPERTY_TYPES = {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
LARGE = 1024 * 1024  # submissions above this size report their progress
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    """One triple a submission may not contain, and why."""

    rule: str
    subject: object
    predicate: object
    value: object
    message: str


def max_submission_bytes() -> int:
    raw = os.environ.get(SIZE_VARIABLE, "")
    try:
        mb = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        raise EvkgError(f"{SIZE_VARIABLE}={raw!r} is not a number of megabytes") from None
    if not 0 < mb < float("inf"):
        raise EvkgError(f"{SIZE_VARIABLE}={raw!r} must be a positive number of megabytes")
    return int(mb * 1024 * 1024)


def read_submission(files: list[Path], fmt: str | None = None,
                    progress: Callable[[str], None] | None = None) -> Graph:
    """Parse the new facts; a syntax error names file, line and column. Refused before parsing: a file
    that is not a regular file (a FIFO would wait forever), one over the size limit, and a JSON-LD
    document that would load a context from anywhere but itself."""
    limit, total = max_submission_bytes(), 0
    new = Graph()
    for f in files:
        data = _read_bounded(Path(f), limit - total)
        total += len(data)
        if progress and len(data) > LARGE:
            progress(f"parsing {f} ({len(data) / LARGE:.1f} MB)")
        syntax = format_for(Path(f), fmt)
        if syntax == "json-ld":
            _check_jsonld(data, f)
        elif syntax == "xml":
            _check_xml_entities(data, f)
        parse_into(new, Path(f), fmt, data=data)
    return new


def _read_bounded(path: Path, limit: int) -> bytes:
    try:
        st = os.stat(path)
    except OSError as e:
        raise EvkgError(f"{path}: cannot read: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "not a file"
        raise EvkgError(f"{path}: is {kind}, not a regular file of facts")
    too_big = (f"{path}: the submission is over the {_mb(limit)} limit; split it, or raise the limit "
               f"with {SIZE_VARIABLE}")
    if st.st_size > limit:
        raise EvkgError(too_big.replace("is over", f"is {_mb(st.st_size)}, over"))
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise EvkgError(f"{path}: cannot read: {e.strerror}") from None
    if len(data) > limit:  # it grew while we looked
        raise EvkgError(too_big)
    return data


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _check_jsonld(data: bytes, path) -> None:
    """Refuse a JSON-LD document whose @context or @import names a document (remote or local)."""
    try:
        doc = json.loads(data)
    except RecursionError:
        raise EvkgError(f"{path}: the JSON is nested too deeply") from None
    except ValueError:
        return  # the parser reports the syntax error with its position
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    for ref in (value if isinstance(value, list) else [value]):
                        if isinstance(ref, str):
                            raise EvkgError(f"{path}: the JSON-LD {key} {ref!r} would be loaded from outside "
                                            "the submission; put the context inline (evkg reads no other document)")
                stack.append(value)


class _EndOfProlog(Exception):
    pass


def _check_xml_entities(data: bytes, path) -> None:
    """Refuse XML entities that read files or multiply text: only plain abbreviations (as Protégé writes
    for namespaces) are allowed. rdflib's RDF/XML parser takes minutes over a few MB of expanded text."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    count = 0

    def declared(name, is_parameter, value, base, system_id, public_id, notation):
        nonlocal count
        count += 1
        if system_id or public_id or notation:
            raise EvkgError(f"{path}: the XML entity '{name}' would read {system_id or public_id}; "
                            "submissions may not refer to other documents")
        if is_parameter or (value and "&" in value) or count > 200:
            raise EvkgError(f"{path}: the XML entity '{name}' is refused: only up to 200 plain abbreviations "
                            "are allowed (nested entities can expand beyond any memory)")

    def first_element(name, attrs):
        raise _EndOfProlog

    parser.EntityDeclHandler = declared
    parser.StartElementHandler = first_element
    try:
        parser.Parse(data, True)
    except (_EndOfProlog, expat.ExpatError):
        pass  # the RDF/XML parser reports syntax errors with their position


def ontology_terms(project_root: Path) -> tuple[set, set, set]:
    """Every IRI the ontology describes, its classes, and its properties. Read with pyoxigraph: rdflib
    took 0.4 s of every `evkg add`; a file it rejects is read by rdflib, whose error names the line."""
    import pyoxigraph as ox

    described, classes, properties = set(), set(), set()
    rdf_type = str(RDF.type)
    class_types, property_types = set(map(str, CLASS_TYPES)), set(map(str, PROPERTY_TYPES))
    for f in sorted((project_root / "ontology").glob("*.ttl")):
        try:
            triples = list(ox.parse(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri()))
        except (SyntaxError, ValueError, OSError):
            parse_into(Graph(), f, "turtle")  # raises the error as rdflib words it
            raise
        for t in triples:
            if isinstance(t.subject, ox.NamedNode):
                s = URIRef(t.subject.value)
                described.add(s)
                if t.predicate.value == rdf_type and isinstance(t.object, ox.NamedNode):
                    if t.object.value in class_types:
                        classes.add(s)
                    elif t.object.value in property_types:
                        properties.add(s)
    return described, classes, properties


def vet(new: Graph, described: set, classes: set, properties: set) -> list[Problem]:
    """The triples of `new` that a submission may not contain."""
    problems: list[Problem] = []
    for s, p, o in sorted(new, key=lambda t: tuple(map(str, t))):
        def refuse(rule: str, message: str) -> None:
            problems.append(Problem(rule, s, p, o, message))

        if isinstance(s, Literal):
            refuse("iri-subjects", "a literal cannot be the subject of a fact")
            continue
        if isinstance(s, BNode) or isinstance(o, BNode):
            refuse("iri-subjects", "blank node: give every node an IRI (new resources under "
                                   f"{RES}), so that it can be cited, linked and validated")
            continue
        bad_iri = next((m for m in map(_iri_problem, (s, p, o) + _datatype(o)) if m), None)
        if bad_iri:
            refuse("valid-terms", bad_iri)
            continue
        if isinstance(o, Literal):
            message = _literal_problem(o)
            if message:
                refuse("valid-terms", message)
                continue
        if p == OWL.imports:
            refuse("facts-only", "owl:imports: a submission cannot import an ontology (evkg fetches nothing; "
                                 "the ontology changes through review)")
        elif s in described or str(s).startswith(str(EVKG)):
            refuse("facts-only", "this changes an ontology term; submissions add facts, the ontology changes "
                                 "through review")
        elif p == OWL.differentFrom or p == OWL.sameAs and not str(s).startswith(RES):
            refuse("facts-only", "identity links are owl:sameAs from an evkg resource to a Wikidata entity or "
                                 "an EU ELI only")
        elif str(p).startswith(META_NAMESPACES) and p not in META_PREDICATES:
            refuse("facts-only", "this is an ontology axiom (class or property definition); submissions add "
                                 "facts, the ontology changes through review")
        elif p == RDF.type and o == OWL.Nothing:
            refuse("facts-only", "owl:Nothing is the empty class: nothing can be of that type")
        elif isinstance(o, URIRef) and str(o).startswith(META_NAMESPACES) and not (
                p == RDF.type and o == OWL.NamedIndividual):
            refuse("facts-only", "this declares a class or property, or uses an OWL/RDFS term as a value; "
                                 "submissions add facts, the ontology changes through review")
        elif p == RDF.type and str(o).startswith(str(EVKG)) and o not in classes:
            refuse("vocabulary", f"unknown class{_suggest(o, classes)}")
        elif str(p).startswith(str(EVKG)) and p not in properties:
            refuse("vocabulary", f"unknown property{_suggest(p, properties)}")
    return problems


def _datatype(o) -> tuple:
    return (o.datatype,) if isinstance(o, Literal) and o.datatype else ()


def _iri_problem(term) -> str | None:
    if not isinstance(term, URIRef):
        return None
    text = str(term)
    if text.lower().startswith("file:"):
        return (f"{text[:200]} is a local file IRI (a relative IRI resolved against the submission's own path?); "
                "use an absolute http(s) IRI")
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(text)
    except ValueError as e:
        return f"not a valid IRI: {e}"
    return None


def _literal_problem(o: Literal) -> str | None:
    if len(o) > MAX_LITERAL_CHARS:
        return f"a literal of {len(o):,} characters; the limit is {MAX_LITERAL_CHARS:,}"
    if CONTROL.search(str(o)):  # a value printed later in a terminal would drive it
        return "control characters (terminal escape sequences and the like) in a literal"
    if o.language:
        import pyoxigraph

        try:
            pyoxigraph.Literal(str(o), language=o.language)
        except ValueError:
            return f"'{o.language}' is not a valid language tag"
    return None


def _suggest(term: URIRef, known: set) -> str:
    local = str(term)[len(str(EVKG)):]
    names = sorted(str(k)[len(str(EVKG)):] for k in known if str(k).startswith(str(EVKG)))
    close = difflib.get_close_matches(local, names, n=3)
    return f"; did you mean {', '.join('evkg:' + c for c in close)}?" if close else " in the ontology"
