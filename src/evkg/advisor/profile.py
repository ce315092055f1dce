"""Product profiles: read (YAML, JSON, Turtle, command-line options, or one line of `field=value; ...`),
checked field by field against the graph's own list of questions and answers, then validated by SHACL.

The questions (fields) and their allowed answers are data, not code: each is an object property of
evkg:ProductProfile naming its field (evkg:profileField) and its scheme of answers (evkg:valueScheme),
each answer a concept of that scheme with a code (skos:notation). See ontology/advisor.ttl and
data/advisor.ttl.

    name: MSC-derived EVs for knee osteoarthritis     # optional, free text
    source: human                # human, animal, plant, microbial, non-living
    cell_type: bone-marrow mesenchymal stem cells     # free text
    manipulation: minimal        # none, minimal, manipulated, extensive
    engineering: naive           # naive, engineered, cargo-loaded, surface-modified (a list is allowed)
    cargo: none                  # functional-rna, recombinant-nucleic-acid, none
    gene_therapy: no             # yes, no
    combination: none            # device, drug, none
    use: therapy                 # therapy, cosmetic-ingredient, aesthetic-injection, diagnostic, drug-delivery
    therapeutic_area: osteoarthritis                  # free text
    targets: [US, EU, Japan]     # names or codes
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from ..binding import Rows
from ..errors import EvkgError
from ..namespaces import EVKG, PREFIXES, RES
from ..resolve import PREFIX_BLOCK, Names, curie

TEXT_FIELDS = ("name", "cell_type", "therapeutic_area")
NO_ANSWER = "urn:evkg:no-answer"
NOT_ASKED = "https://w3id.org/evkg/resource/concept/answer-not-asked"  # a question another answer leaves unasked
ALIASES = {"engineered": "engineering"}  # engineered: true|false stands for engineering: engineered|naive
_FIELDS_QUERY = PREFIX_BLOCK + """SELECT ?prop ?field ?label ?question ?many ?value ?code ?valueLabel ?unaskedBy WHERE {
  ?prop evkg:profileField ?field ; rdfs:label ?label .
  OPTIONAL { ?unaskedBy evkg:leavesUnasked ?prop }
  OPTIONAL { ?prop evkg:question ?question }
  OPTIONAL { ?prop evkg:multipleAnswers ?many }
  OPTIONAL { ?prop evkg:valueScheme ?scheme . ?value skos:inScheme ?scheme ; skos:notation ?code ; rdfs:label ?valueLabel }
}"""


@dataclass
class Field:
    """One question of a profile: its field name, the property that records it, and its answers."""

    name: str
    prop: str
    label: str
    question: str = ""
    multiple: bool = False
    answers: dict[str, str] = field(default_factory=dict)  # code -> concept IRI
    answer_labels: dict[str, str] = field(default_factory=dict)  # concept IRI -> label
    unasked_by: set[str] = field(default_factory=set)  # answers (to other questions) that leave this one unasked

    @property
    def choice(self) -> bool:
        return bool(self.answers)


def profile_fields(names: Names) -> dict[str, Field]:
    """The questions a profile answers, read from the graph (cached with the name index)."""
    cached = getattr(names, "_profile_fields", None)
    if cached is None:
        cached = {}
        for prop, fname, label, question, many, value, code, vlabel, unasked_by in names.backend.query(_FIELDS_QUERY).rows:
            f = cached.setdefault(str(fname), Field(str(fname), str(prop), str(label), str(question or label),
                                                     str(many).lower() == "true"))
            if unasked_by is not None:
                f.unasked_by.add(str(unasked_by))
            if value is not None:
                f.answers[str(code)] = str(value)
                f.answer_labels[str(value)] = str(vlabel)
        names._profile_fields = cached
    return cached


@dataclass
class Profile:
    """A product as the review's criteria see it. `answers`: field -> concept IRIs; `text`: free-text
    fields; `targets`: jurisdiction IRIs. A field left out is a question left open."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    targets: list[URIRef] = field(default_factory=list)
    origin: str = "profile"

    @property
    def name(self) -> str:
        return self.text.get("name", "")

    def pairs(self, fields: dict[str, Field]) -> Rows:
        """The (attribute, answer) pairs the evaluation query is bound with."""
        pairs = [(URIRef(fields[f].prop), URIRef(v)) for f, vs in sorted(self.answers.items()) for v in vs]
        pairs += [(URIRef(f.prop), URIRef(NOT_ASKED)) for f in self.unasked(fields)]
        # no answer at all: one pair that no criterion tests (an empty VALUES made Oxigraph's plan 50x slower)
        return Rows(("_profile_attribute", "_profile_value"), pairs or [(URIRef(NO_ANSWER), URIRef(NO_ANSWER))])

    def unasked(self, fields: dict[str, Field]) -> list[Field]:
        """The questions the other answers leave unasked (how cells are handled, for vesicles from plants)."""
        given = {v for vs in self.answers.values() for v in vs}
        return [f for f in fields.values() if f.unasked_by & given]

    def open_fields(self, fields: dict[str, Field]) -> list[Field]:
        unasked = {f.name for f in self.unasked(fields)}
        return [f for name, f in fields.items() if f.choice and name not in self.answers and name not in unasked]

    def to_graph(self, fields: dict[str, Field]) -> Graph:
        """The profile in the project's vocabulary (what a Turtle profile holds)."""
        g = Graph()
        for prefix in ("evkg", "cv", "jur", "rdfs", "xsd"):
            g.bind(prefix, PREFIXES[prefix])
        node = URIRef(RES + "profile/this")
        g.add((node, RDF.type, EVKG.ProductProfile))
        if self.name:
            g.add((node, RDFS.label, Literal(self.name)))
        for fname, values in self.answers.items():
            for v in values:
                g.add((node, URIRef(fields[fname].prop), URIRef(v)))
        for fname in ("cell_type", "therapeutic_area"):
            if fname in self.text:
                g.add((node, URIRef(fields[fname].prop), Literal(self.text[fname], datatype=XSD.string)))
        for t in self.targets:
            g.add((node, EVKG.targetJurisdiction, t))
        return g


class _Where:
    """Where a value sits in its file, for messages: 'profile.yaml:4:8'."""

    def __init__(self, origin: str, node=None):
        self.origin, self.node = origin, node

    def __str__(self) -> str:
        if self.node is None or getattr(self.node, "start_mark", None) is None:
            return self.origin
        m = self.node.start_mark
        return f"{self.origin}:{m.line + 1}:{m.column + 1}"


def _allowed(f: Field) -> str:
    return ", ".join(f.answers) if f.choice else "free text"


def _answer(f: Field, raw, where: _Where) -> list[str]:
    """The concept IRIs of a field's answer(s); an unknown answer names the allowed ones."""
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > 1 and not f.multiple:
        raise EvkgError(f"{where}: '{f.name}' takes one answer, not {len(items)} (allowed: {_allowed(f)})")
    out = []
    for item in items:
        if isinstance(item, bool):  # YAML reads yes/no as booleans
            item = "yes" if item else "no"
        code = str(item).strip().lower().replace("_", "-").replace(" ", "-")
        if code not in f.answers:
            raise EvkgError(f"{where}: '{item}' is not an answer to '{f.name}' ({f.question}); allowed: {_allowed(f)}")
        out.append(f.answers[code])
    if f.name == "engineering" and len(out) > 1 and f.answers.get("naive") in out:
        raise EvkgError(f"{where}: 'engineering' cannot be naive and engineered at once")
    return out


def build_profile(items: list[tuple[str, object, _Where]], names: Names, origin: str) -> Profile:
    """A profile from (field, value, where) items, each field and answer checked against the graph's list."""
    fields = profile_fields(names)
    known = sorted([*fields, *ALIASES, "name"])
    p = Profile(origin=origin)
    seen: set[str] = set()
    for key, raw, where in items:
        key = str(key).strip().lower().replace("-", "_")
        if key in ALIASES:
            if not isinstance(raw, bool):
                raise EvkgError(f"{where}: '{key}' takes true or false")
            key, raw = ALIASES[key], ("engineered" if raw else "naive")
        if key in seen:
            raise EvkgError(f"{where}: '{key}' is given twice")
        seen.add(key)
        if raw is None or raw == "" or raw == []:
            continue  # an empty answer is a question left open
        if key == "targets":
            text = ",".join(map(str, raw)) if isinstance(raw, list) else str(raw)
            try:
                p.targets = names.resolve_list(text, "jurisdiction")
            except EvkgError as e:
                raise EvkgError(f"{where}: targets: {e}") from None
        elif key in TEXT_FIELDS:
            if not isinstance(raw, (str, int, float)):
                raise EvkgError(f"{where}: '{key}' is free text")
            p.text[key] = str(raw)
        elif key in fields and fields[key].choice:
            p.answers[key] = _answer(fields[key], raw, where)
        else:
            raise EvkgError(f"{where}: unknown field '{key}'; fields: {', '.join(known)}")
    return p


def read_profile(path: Path, names: Names, fmt: str | None = None, project_root: Path | None = None) -> Profile:
    """A profile file: YAML (.yaml, .yml), JSON (.json) or Turtle (.ttl); errors name file:line:column.
    A Turtle profile is validated with the profile shapes (from `project_root`) before it is read."""
    suffix = (fmt or path.suffix.lstrip(".")).lower()
    if suffix in ("ttl", "turtle"):
        return _read_turtle(path, names, project_root)
    if suffix not in ("yaml", "yml", "json"):
        raise EvkgError(f"{path}: a profile is YAML (.yaml), JSON (.json) or Turtle (.ttl), not '{path.suffix}'")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise EvkgError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    return parse_mapping_text(text, str(path), names, json_only=suffix == "json")


def parse_mapping_text(text: str, origin: str, names: Names, json_only: bool = False) -> Profile:
    import yaml

    if json_only:
        try:
            json.loads(text)
        except ValueError as e:
            raise EvkgError(f"{origin}:{getattr(e, 'lineno', 1)}:{getattr(e, 'colno', 1)}: not valid JSON: "
                            f"{getattr(e, 'msg', e)}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}:{mark.column + 1}" if mark else origin
        raise EvkgError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if node is None:
        raise EvkgError(f"{origin}: the profile is empty")
    if not isinstance(node, yaml.MappingNode):
        raise EvkgError(f"{_Where(origin, node)}: a profile is a mapping of fields to answers (field: answer)")
    items = []
    for key_node, value_node in node.value:
        value = yaml.safe_load(yaml.serialize(value_node))
        if isinstance(value, dict):
            raise EvkgError(f"{_Where(origin, value_node)}: '{key_node.value}' takes a value or a list, not a mapping")
        items.append((key_node.value, value, _Where(origin, value_node if value is not None else key_node)))
    return build_profile(items, names, origin)


def parse_inline(text: str, names: Names, origin: str = "profile") -> Profile:
    """`source=human; manipulation=minimal; engineering=cargo-loaded,surface-modified; use=therapy`."""
    items = []
    if text.strip().lower() == "none":
        text = ""
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text))):
        key, sep, value = part.partition("=")
        if not sep:
            raise EvkgError(f"{origin}: expected field=answer, got '{part}'")
        values = [v.strip() for v in value.split(",") if v.strip()]
        items.append((key.strip(), values if len(values) > 1 else (values[0] if values else None), _Where(origin)))
    return build_profile(items, names, origin)


def _read_turtle(path: Path, names: Names, project_root: Path | None) -> Profile:
    """A profile in the project's vocabulary: one evkg:ProductProfile node with the profile properties."""
    from ..loading import parse_into
    from ..project import Project

    g = parse_into(Graph(), path, "turtle")
    check_shapes(g, names, (project_root or Project.locate().root), str(path))
    nodes = list(g.subjects(RDF.type, EVKG.ProductProfile))
    if len(nodes) != 1:
        raise EvkgError(f"{path}: a Turtle profile has exactly one node typed evkg:ProductProfile (found {len(nodes)})")
    node = nodes[0]
    fields = profile_fields(names)
    by_prop = {f.prop: f for f in fields.values()}
    items: list[tuple[str, object, _Where]] = []
    grouped: dict[str, list] = {}
    for p, o in g.predicate_objects(node):
        if p == RDF.type:
            continue
        if p == RDFS.label:
            items.append(("name", str(o), _Where(str(path))))
            continue
        f = by_prop.get(str(p))
        if f is None:
            raise EvkgError(f"{path}: unknown profile property <{p}>; properties: "
                            + ", ".join(sorted(curie(x.prop) for x in fields.values())))
        if f.choice:
            code = next((c for c, iri in f.answers.items() if iri == str(o)), None)
            if code is None:
                raise EvkgError(f"{path}: <{o}> is not an answer to {curie(f.prop)}; allowed: {_allowed(f)}")
            grouped.setdefault(f.name, []).append(code)
        elif f.name == "targets":
            grouped.setdefault("targets", []).append(str(o))
        else:
            items.append((f.name, str(o), _Where(str(path))))
    for name, vals in grouped.items():
        items.append((name, vals if len(vals) > 1 or name == "targets" else vals[0], _Where(str(path))))
    return build_profile(items, names, str(path))


def validate(profile: Profile, names: Names, project_root: Path) -> None:
    """SHACL validation of a profile (in its RDF form) with shapes/profile-shapes.ttl."""
    check_shapes(profile.to_graph(profile_fields(names)), names, project_root, profile.origin)


def check_shapes(data: Graph, names: Names, project_root: Path, origin: str) -> None:
    """Validate a profile graph with the profile shapes and the schemes of its answers; one clear line
    naming the first violation."""
    from ..loading import load_sources
    from ..validation import validate_graph

    data = Graph() + data
    vocab = names.backend.query(PREFIX_BLOCK + """SELECT ?p ?scheme ?v WHERE {
        ?p evkg:valueScheme ?scheme . OPTIONAL { ?v skos:inScheme ?scheme } }""")
    for p, scheme, v in vocab.rows:
        data.add((p, EVKG.valueScheme, scheme))
        if v is not None:
            data.add((v, PREFIXES["skos"].inScheme, scheme))
    shapes = load_sources([project_root / "shapes" / "profile-shapes.ttl"], project_root)
    report = validate_graph(data, shapes)
    if not report.conforms:
        first = report.violations()[0]
        raise EvkgError(f"{origin}: the profile does not conform: {first.message}"
                        + (f" ({first.path} {first.value})" if first.path and first.value else ""))
