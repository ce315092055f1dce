"""Checks on a SPARQL query's text before any engine sees it: size, nesting, complexity, SERVICE calls.

Oxigraph parses and evaluates recursively: a few thousand nested groups or function calls (about
12 KB of text) overflow its stack and kill the process, and `SERVICE <url>` makes it fetch any URL.
So a query is tokenized here (IRIs, strings, comments and prefixed names as the SPARQL 1.1 grammar
defines them, so that nothing hides in them) and refused with one clear message when it is too
large, nested too deeply, has too many pattern operators, or calls a SERVICE nobody allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from .errors import EvkgError

# Measured on Oxigraph 0.5 (benchmarks/serve_guard.md): 4,000 nested groups, sub-selects or
# blank-node brackets and 1,000 nested function calls crash it; 2,000 chained BINDs crash it at 4,000.
MAX_DEPTH = 64
MAX_PATTERN_OPERATORS = 1000
MAX_QUERY_CHARS = 1_000_000
PATTERN_OPERATORS = {"OPTIONAL", "UNION", "MINUS", "BIND", "FILTER", "GRAPH", "SERVICE", "VALUES", "EXISTS", "SELECT"}

_HEX = r"[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                  "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_PN_CHARS = _PN_CHARS_BASE + "_0-9\u00B7\u0300-\u036F\u203F-\u2040\\-"
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = rf"(?:[{_PN_CHARS}:]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_PNAME = rf"(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?:(?:{_PN_LOCAL})?"
_TOKEN = re.compile(rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
  | (?P<string>\"\"\"(?:\"{{0,2}}(?:[^"\\]|\\.))*\"\"\"|'''(?:'{{0,2}}(?:[^'\\]|\\.))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<pname>{_PNAME})
  | (?P<var>[?$][{_PN_CHARS}]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>[{{(\[])
  | (?P<close>[}})\]])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_SERVICE_IN_COMMENT = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(<[^>\s]*>|[?$]\w+|[\w.\-]*:[^\s{]*(?=\s*\{))",
                                 re.IGNORECASE)


class QueryRefused(EvkgError):
    """A query refused before it reached the engine; `status` is the HTTP status the endpoint answers."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class QueryLimits:
    """What a query may be. `allow_service` lists the SERVICE endpoints that may be called."""

    max_chars: int = MAX_QUERY_CHARS
    max_depth: int = MAX_DEPTH
    max_pattern_operators: int = MAX_PATTERN_OPERATORS
    allow_service: frozenset[str] = field(default_factory=frozenset)

    def allowing(self, services) -> "QueryLimits":
        return QueryLimits(self.max_chars, self.max_depth, self.max_pattern_operators,
                           self.allow_service | frozenset(services))


DEFAULT_LIMITS = QueryLimits()


def _unescape_iri(text: str) -> str:
    return re.sub(rf"\\u({_HEX}{{4}})|\\U({_HEX}{{8}})", lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _unescape_local(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def tokens(text: str):
    """(kind, text) pairs of the query, whitespace and comments included."""
    for m in _TOKEN.finditer(text):
        yield m.lastgroup, m.group()


def check_query(text: str, limits: QueryLimits = DEFAULT_LIMITS) -> None:
    """Raise QueryRefused unless `text` is within `limits`; the message says what to change."""
    if len(text) > limits.max_chars:
        raise QueryRefused(f"the query is {len(text):,} characters long; the limit is {limits.max_chars:,}", 413)
    depth = operators = 0
    prefixes: dict[str, str] = {}
    base: str | None = None
    services: list[str] = []
    significant, comments = [], []
    for kind, tok in tokens(text):
        if kind == "comment":
            comments.append(tok)
        elif kind != "ws":
            significant.append((kind, tok))
    for i, (kind, tok) in enumerate(significant):
        if kind == "open":
            depth += 1
            if depth > limits.max_depth:
                raise QueryRefused(f"the query nests groups, brackets or calls more than {limits.max_depth} deep; "
                                   "flatten it")
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "word":
            word = tok.upper()
            if word in PATTERN_OPERATORS:
                operators += 1
                if operators > limits.max_pattern_operators:
                    raise QueryRefused(f"the query has more than {limits.max_pattern_operators} pattern operators "
                                       f"({', '.join(sorted(PATTERN_OPERATORS))}); split it")
            if word == "PREFIX" and i + 2 < len(significant) and significant[i + 2][0] == "iri":
                name = significant[i + 1][1]
                prefixes[name[:-1] if name.endswith(":") else name] = _resolve(significant[i + 2][1][1:-1], base)
            elif word == "BASE" and i + 1 < len(significant) and significant[i + 1][0] == "iri":
                base = _resolve(significant[i + 1][1][1:-1], base)
            elif word == "SERVICE":
                services.append(_service_target(significant[i + 1:i + 3], prefixes, base))
    for comment in comments:  # fail closed: a SERVICE clause inside what looks like a comment
        for m in _SERVICE_IN_COMMENT.finditer(comment):
            target = m.group(1)
            services.append(_resolve(target[1:-1], base) if target.startswith("<") else target)
    for target in services:
        if target not in limits.allow_service:
            allowed = ", ".join(sorted(limits.allow_service)) or "none"
            raise QueryRefused(f"SERVICE {target if target.startswith(('?', '$')) else '<' + target + '>'} is not "
                               f"allowed (allowed: {allowed}); name an endpoint with --allow-service URL to call it",
                               403)


def _resolve(iri: str, base: str | None) -> str:
    iri = _unescape_iri(iri)
    return urljoin(base, iri) if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) else iri


def _service_target(following: list[tuple[str, str]], prefixes: dict[str, str], base: str | None) -> str:
    """The endpoint a SERVICE clause calls: an IRI, or '?var' for a variable (never allowed)."""
    if following and following[0][0] == "word" and following[0][1].upper() == "SILENT":
        following = following[1:]
    if not following:
        return "?"
    kind, tok = following[0]
    if kind == "iri":
        return _resolve(tok[1:-1], base)
    if kind == "pname":
        prefix, local = tok.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + _unescape_local(local)
        return tok
    return tok
