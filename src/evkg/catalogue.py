"""The canned-query catalogue: self-documenting .rq files in queries/ and typed parameter binding.

A query documents itself in '#+ key: value' comment lines and stays plain SPARQL 1.1:

    #+ summary: one line          #+ description: what it answers, in plain words
    #+ params:                    #+ row: what one row is
    #+   - jurisdiction: jurisdiction, optional -- only this jurisdiction
    #+   - term: term(pathway), required -- a trial route, e.g. "US IND"
    #+   - date: date, default 2024-06-01 -- the day to look at
    #+ example: jurisdiction=Japan          (one line per parameter set; ' ; ' between parameters)
    #+ hide: order, j                       (columns for machines only: sort keys, IRIs behind labels)
    #+ concat: legalBasis                   (columns that join several values: compared as sets)
    #+ ids: entity                          (columns shown as identifiers, to type into other commands)
    #+ per-jurisdiction: class              (a silent jurisdiction gets a row saying so in this column)
    #+ sources: exempt -- why               (only for queries that return no statement of the review)
    #+ note: a line shown under the answer  (what the values mean, how current they are)

A parameter NAME is the variable ?_NAME in the query body; its value is resolved from what a person
typed (names, codes, labels: see resolve.py) and bound as an RDF term, never pasted into the text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import EvkgError
from .project import Project

if TYPE_CHECKING:
    from .resolve import Names

TYPES = ("jurisdiction", "jurisdictions", "term", "string", "date", "integer", "profile")
ALIASES = {"codes": "jurisdictions", "iri": "term"}  # older names of the types
_PARAM = re.compile(r"^-\s*(?P<name>[a-z][a-z0-9_]*)\s*:\s*(?P<type>[a-z]+)(?:\((?P<kind>[^)]+)\))?\s*"
                    r"(?:,\s*(?P<mode>required|optional|default\s+\S+))?\s*(?:--\s*(?P<doc>.*))?$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LIST_FIELDS = ("hide", "concat", "ids")


@dataclass
class Param:
    name: str
    type: str
    required: bool = False
    default: str | None = None
    description: str = ""
    kind: str | None = None  # for a term: what it must be (jurisdiction, pathway, class, part ... or a class CURIE)

    def usage(self) -> str:
        mode = "required" if self.required else (f"default {self.default}" if self.default else "optional")
        kind = self.kind or self.type
        return f"{self.name} ({kind}, {mode})"


@dataclass
class CannedQuery:
    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    row: str = ""
    params: list[Param] = field(default_factory=list)
    federated: list[str] = field(default_factory=list)  # SERVICE endpoints the query calls
    examples: list[dict[str, str]] = field(default_factory=list)  # parameter sets for docs, tests, benchmarks
    hide: list[str] = field(default_factory=list)  # columns for machines only (sort keys, IRIs behind labels)
    concat: list[str] = field(default_factory=list)  # columns that concatenate several values (GROUP_CONCAT)
    ids: list[str] = field(default_factory=list)  # columns shown as identifiers (CURIEs), not labels
    per_jurisdiction: str | None = None  # the column that says "not stated" for a silent jurisdiction
    sources: str = ""  # "exempt -- why" for a query that returns no statement of the review
    note: str = ""  # lines shown under the answer (what the values mean, how current they are)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def fact_bearing(self) -> bool:
        return not self.sources.startswith("exempt")


def _header(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        body = line[2:]
        m = re.match(r"^\s(\w[\w-]*):\s?(.*)$", body)
        if m and not body.startswith("   "):
            key = m.group(1)
            # a repeated key (example:) adds a line
            fields[key] = (fields[key] + "\n" + m.group(2).strip()) if key in fields else m.group(2).strip()
        elif key:  # a continuation line: a new line of a list (params), else the same paragraph
            fields[key] = (fields[key] + ("\n" if key == "params" else " ") + body.strip()).strip()
    return fields


def parse_header(path: Path) -> CannedQuery:
    """Read a query file and its '#+' header; raise EvkgError naming the file on a malformed header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise EvkgError(f"{path}: cannot read query file: {getattr(e, 'strerror', None) or e}") from None
    fields = _header(text)
    q = CannedQuery(path.stem, path, text, fields.get("summary", ""), fields.get("description", ""), fields.get("row", ""),
                    federated=fields.get("federated", "").split(), sources=fields.get("sources", ""), note=fields.get("note", ""),
                    per_jurisdiction=fields.get("per-jurisdiction") or None)
    for key in _LIST_FIELDS:
        setattr(q, key, [c.strip() for c in fields.get(key, "").replace("\n", ",").split(",") if c.strip()])
    params = fields.get("params", "none")
    if params.strip() != "none":
        for item in filter(None, (l.strip() for l in params.splitlines())):
            m = _PARAM.match(item)
            ptype = ALIASES.get(m["type"], m["type"]) if m else None
            if not m or ptype not in TYPES:
                raise EvkgError(f"{path}: malformed parameter line '{item}' (expected '- name: type[(kind)][, required|optional|default V] -- text', types {', '.join(TYPES)})")
            mode = (m["mode"] or "optional").strip()
            q.params.append(Param(m["name"], ptype, mode == "required",
                                  mode.split(None, 1)[1] if mode.startswith("default") else None, (m["doc"] or "").strip(),
                                  (m["kind"] or "").strip() or None))
    for line in filter(None, (l.strip() for l in fields.get("example", "").splitlines())):
        try:
            q.examples.append(dict(pair.split("=", 1) for pair in _split_example(line)))
        except ValueError:
            raise EvkgError(f"{path}: malformed example '{line}' (expected name=value, separated by ' ; ')") from None
    return q


def _split_example(line: str) -> list[str]:
    return [] if line == "none" else [p.strip() for p in line.split(" ; ") if p.strip()]


def load_catalogue(project: Project) -> dict[str, CannedQuery]:
    return {p.stem: parse_header(p) for p in sorted(project.queries.glob("*.rq"))}


def get_query(project: Project, name: str) -> CannedQuery:
    path = project.queries / f"{name}.rq"
    if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,80}", name) and path.is_file():
        return parse_header(path)
    catalogue = load_catalogue(project)
    close = [n for n in catalogue if name.lower() in n or n in name.lower()]
    close += [n for n in difflib.get_close_matches(name.lower(), list(catalogue), n=3, cutoff=0.6) if n not in close]
    shown = name if len(name) <= 60 else name[:57] + "..."
    hint = f"; did you mean {', '.join(close[:3])}?" if close else "; 'evkg queries' lists them"
    raise EvkgError(f"unknown query '{shown}'{hint}")


def parse_date(value: str) -> Literal:
    """A date as precise as it is given: YYYY (xsd:gYear), YYYY-MM (xsd:gYearMonth) or YYYY-MM-DD (xsd:date)."""
    m = _DATE.match(value.strip())
    if m:
        year, month, day = m.groups()
        try:
            if day:
                return Literal(date(int(year), int(month), int(day)).isoformat(), datatype=XSD.date)
            if month:
                if 1 <= int(month) <= 12:
                    return Literal(f"{year}-{month}", datatype=XSD.gYearMonth)
            else:
                return Literal(year, datatype=XSD.gYear)
        except ValueError:
            pass
    raise ValueError("not a date: use YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2024, 2024-06 or 2024-06-01")


def convert(param: Param, value: str, names: "Names") -> Node | list[Node]:
    """Turn what a person typed into the RDF term(s) for `param`; names resolve through the graph.

    ValueError for an ill-typed value; EvkgError (with suggestions) for a name the graph does not have."""
    if param.type == "jurisdiction":
        return names.resolve(value, "jurisdiction")
    if param.type == "jurisdictions":
        return names.resolve_list(value, "jurisdiction")
    if param.type == "term":
        return names.resolve(value, param.kind)
    if param.type == "date":
        return parse_date(value)
    if param.type == "profile":  # a product profile's answers, as (attribute, answer) rows
        from .advisor.profile import parse_inline, profile_fields

        profile = parse_inline(value, names, param.name)
        if profile.targets:
            raise EvkgError(f"{param.name}: give the targets as the query's own parameter, not in the profile")
        return profile.pairs(profile_fields(names))
    if param.type == "integer":
        try:
            return Literal(int(value.strip()), datatype=XSD.integer)
        except ValueError:
            raise ValueError("not a whole number") from None
    return Literal(value)


def bind(query: CannedQuery, values: dict[str, str], names: "Names") -> dict[str, Node | list[Node]]:
    """Check and convert parameters; variable names are '_' + parameter name."""
    unknown = [k for k in values if query.param(k) is None]
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise EvkgError(f"query '{query.name}' has no parameter '{unknown[0]}' (parameters: {known})")
    bound: dict[str, Node | list[Node]] = {}
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            if p.required:
                example = next((e[p.name] for e in query.examples if p.name in e), None)
                hint = f", e.g. evkg query {query.name} {p.name}={example!r}" if example else ""
                raise EvkgError(f"query '{query.name}' needs --param {p.name}=<{p.kind or p.type}>: {p.description}{hint}")
            continue
        try:
            bound["_" + p.name] = convert(p, raw, names)
        except ValueError as e:
            raise EvkgError(f"query '{query.name}': {p.name}={raw!r} is not a valid {p.type} ({e})") from None
        except EvkgError as e:
            raise EvkgError(f"query '{query.name}', parameter {p.name}: {e}") from None
    return bound


def redirect_services(query: CannedQuery, text: str, services: dict[str, str]) -> str:
    """Point a federated query's SERVICE at another endpoint (a mirror, or a local stand-in).

    Only a SERVICE IRI the query declares in its '#+ federated:' header is replaced, and only by
    a well-formed http(s) IRI; this changes where the query is sent, not what it asks."""
    for original, replacement in services.items():
        if original not in query.federated:
            raise EvkgError(f"query '{query.name}' calls no SERVICE <{original}> (it calls: {', '.join(query.federated) or 'none'})")
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", replacement):
            raise EvkgError(f"--service: '{replacement}' is not an http(s) IRI")
        text = text.replace(f"SERVICE <{original}>", f"SERVICE <{replacement}>")
    return text


def parse_params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise EvkgError(f"--param expects key=value, got '{pair}'")
        k, v = pair.split("=", 1)
        out[k.strip()] = v
    return out
