"""The canned-query catalogue: self-documenting .rq files in queries/ and typed parameter binding.

A query documents itself in '#+ key: value' comment lines (summary, description, params, row) and
stays plain SPARQL 1.1. A parameter NAME is the variable ?_NAME in the query body; its value is
bound as an RDF term (pyoxigraph substitutions), never pasted into the query text. Parameters:

    #+ params:
    #+   - jurisdiction: jurisdiction, optional -- the jurisdiction (code such as JP, or an IRI)
    #+   - date: date, default 2024-06-01 -- the day to look at
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import EvkgError
from .namespaces import PREFIXES, RES
from .project import Project

TYPES = ("jurisdiction", "iri", "string", "date", "integer", "codes")
_PARAM = re.compile(r"^-\s*(?P<name>[a-z][a-z0-9_]*)\s*:\s*(?P<type>[a-z]+)\s*(?:,\s*(?P<mode>required|optional|default\s+\S+))?\s*(?:--\s*(?P<doc>.*))?$")
_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


@dataclass
class Param:
    name: str
    type: str
    required: bool = False
    default: str | None = None
    description: str = ""

    def usage(self) -> str:
        mode = "required" if self.required else (f"default {self.default}" if self.default else "optional")
        return f"{self.name} ({self.type}, {mode})"


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

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_header(path: Path) -> CannedQuery:
    """Read a query file and its '#+' header; raise EvkgError naming the file on a malformed header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        body = line[2:]
        m = re.match(r"^\s(\w+):\s?(.*)$", body)
        if m and not body.startswith("   "):
            key = m.group(1)
            fields[key] = m.group(2).strip()
        elif key:
            fields[key] = (fields[key] + "\n" + body.strip()).strip()
    q = CannedQuery(path.stem, path, text, fields.get("summary", ""), fields.get("description", ""), fields.get("row", ""),
                    federated=fields.get("federated", "").split())
    params = fields.get("params", "none")
    if params.strip() != "none":
        for item in filter(None, (l.strip() for l in params.splitlines())):
            m = _PARAM.match(item)
            if not m or m["type"] not in TYPES:
                raise EvkgError(f"{path}: malformed parameter line '{item}' (expected '- name: type[, required|optional|default V] -- text', types {', '.join(TYPES)})")
            mode = m["mode"] or "optional"
            q.params.append(Param(m["name"], m["type"], mode == "required",
                                  mode.split(None, 1)[1] if mode.startswith("default") else None, (m["doc"] or "").strip()))
    return q


def load_catalogue(project: Project) -> dict[str, CannedQuery]:
    return {p.stem: parse_header(p) for p in sorted(project.queries.glob("*.rq"))}


def get_query(project: Project, name: str) -> CannedQuery:
    path = project.queries / f"{name}.rq"
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) and path.is_file():
        return parse_header(path)
    catalogue = load_catalogue(project)
    if name not in catalogue:
        close = [n for n in catalogue if name.lower() in n or n in name.lower()]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else "; 'evkg queries' lists them"
        raise EvkgError(f"unknown query '{name}'{hint}")
    return catalogue[name]


def _iri(value: str) -> URIRef:
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    prefix, _, local = v.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        v = str(PREFIXES[prefix]) + local
    if not _IRI_OK.match(v):
        raise ValueError("not an IRI or known CURIE")
    return URIRef(v)


def convert(param: Param, value: str) -> Node:
    """Turn a command-line string into the RDF term for `param`; ValueError if ill-typed."""
    if param.type == "jurisdiction":
        if re.fullmatch(r"[A-Za-z]{2}", value.strip()):
            return URIRef(f"{RES}jurisdiction/{value.strip().upper()}")
        return _iri(value)
    if param.type == "iri":
        return _iri(value)
    if param.type == "date":
        return Literal(date.fromisoformat(value.strip()).isoformat(), datatype=XSD.date)
    if param.type == "integer":
        return Literal(int(value.strip()), datatype=XSD.integer)
    if param.type == "codes":
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        if not codes or not all(re.fullmatch(r"[A-Z]{2}", c) for c in codes):
            raise ValueError("expected comma-separated two-letter jurisdiction codes such as US,EU,JP")
        return Literal(",".join(codes))
    return Literal(value)


def bind(query: CannedQuery, values: dict[str, str]) -> dict[str, Node]:
    """Check and convert parameters; variable names are '_' + parameter name."""
    unknown = [k for k in values if query.param(k) is None]
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise EvkgError(f"query '{query.name}' has no parameter '{unknown[0]}' (parameters: {known})")
    bound: dict[str, Node] = {}
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            if p.required:
                raise EvkgError(f"query '{query.name}' needs --param {p.name}=<{p.type}>: {p.description}")
            continue
        try:
            bound["_" + p.name] = convert(p, raw)
        except ValueError as e:
            raise EvkgError(f"query '{query.name}': parameter {p.name}={raw!r} is not a valid {p.type} ({e})") from None
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
