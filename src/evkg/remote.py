"""Remote SPARQL endpoints: queries through SPARQLWrapper, loading through the Graph Store Protocol.

Credentials come from the environment (EVKG_ENDPOINT_USER, EVKG_ENDPOINT_PASSWORD), never from the
command line. Any failure - unreachable endpoint, HTTP error, an HTML page instead of results - ends
in one EvkgError naming the endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import EvkgError
from .binding import with_values
from .store import XSD_STRING, QueryResult

POST_ABOVE = 1800  # characters; longer queries go by POST so URLs stay under common limits
USER_VAR, PASSWORD_VAR = "EVKG_ENDPOINT_USER", "EVKG_ENDPOINT_PASSWORD"


def _check_endpoint(url: str) -> None:
    if not re.match(r"^https?://[^\s/]+", url):
        raise EvkgError(f"endpoint '{shown_url(url)}' is not an http(s) URL")


def shown_url(url: str) -> str:
    """`url` as it may appear in a message: without a user name or password in it."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@]*@", r"\1", url)


def warn_if_plain_http(url: str, creds) -> None:
    """Say so when credentials would cross the network unencrypted (loopback excepted)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "http" and (creds or parts.password) and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        print(f"evkg: warning: sending credentials to {shown_url(url)} over plain http: anyone on the way can "
              "read them; use https", file=sys.stderr)


def _credentials() -> tuple[str, str] | None:
    user = os.environ.get(USER_VAR)
    return (user, os.environ.get(PASSWORD_VAR, "")) if user else None


def _term(b: dict) -> Node:
    t, v = b["type"], b["value"]
    if t == "uri":
        return URIRef(v)
    if t == "bnode":
        return BNode(v)
    if "xml:lang" in b:
        return Literal(v, lang=b["xml:lang"])
    datatype = b.get("datatype")
    return Literal(v, datatype=URIRef(datatype) if datatype and datatype != XSD_STRING else None)


def remote_query(endpoint: str, query: str, bindings: dict[str, Node] | None = None,
                 timeout: float = 30.0) -> QueryResult:
    """Run a SELECT/ASK query on `endpoint` through SPARQLWrapper and return typed rows."""
    from SPARQLWrapper import GET, JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    _check_endpoint(endpoint)
    shown = shown_url(endpoint)
    # whole-line comments (the '#+' headers) only lengthen the request
    text = re.sub(r"(?m)^\s*#.*\n", "", with_values(query, bindings or {}))
    sw = SPARQLWrapper(endpoint)
    sw.setReturnFormat(JSON)
    sw.setTimeout(int(timeout) or 1)
    sw.setMethod(POST if len(text) > POST_ABOVE else GET)
    creds = _credentials()
    warn_if_plain_http(endpoint, creds)
    if creds:
        sw.setCredentials(*creds)
    sw.setQuery(text)
    # SPARQLWrapper guesses the query form from keywords anywhere in the text (a comment saying
    # "loaded" made it an update); the form is the first SELECT/ASK/CONSTRUCT/DESCRIBE outside comments.
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.sub(r"(?m)#.*$", "", text), re.IGNORECASE)
    if form:
        sw.queryType = form.group(1).upper()
    try:
        response = sw.query()
        ctype = response.response.headers.get("Content-Type", "")
        body = response.response.read()
    except urllib.error.HTTPError as e:
        raise EvkgError(f"endpoint {shown} answered HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
        reason = getattr(e, "reason", e)
        raise EvkgError(f"endpoint {shown} did not answer: {reason}") from None
    except SPARQLWrapperException as e:
        # SPARQLWrapper turns HTTP errors into its own exceptions; name the status a user can look up
        status = {"QueryBadFormed": "HTTP 400 (query rejected as malformed)", "Unauthorized": "HTTP 401 (unauthorized)",
                  "URITooLong": "HTTP 414 (URI too long)", "EndPointNotFound": "HTTP 404 (not found)",
                  "EndPointInternalError": "HTTP 500 (internal error)"}.get(type(e).__name__, type(e).__name__)
        raise EvkgError(f"endpoint {shown} answered {status}") from None
    try:
        data = json.loads(body)
    except ValueError:
        kind = ctype.split(";")[0] or "unknown content"
        raise EvkgError(f"endpoint {shown} did not return SPARQL JSON results (got {kind})") from None
    if "boolean" in data:
        return QueryResult([], [], bool(data["boolean"]))
    try:
        cols = data["head"]["vars"]
        rows = [[_term(b[c]) if c in b else None for c in cols] for b in data["results"]["bindings"]]
    except (KeyError, TypeError):
        raise EvkgError(f"endpoint {shown} returned JSON that is not a SPARQL result") from None
    return QueryResult(cols, rows)


def load_graph_store(endpoint: str, nt_file: Path, graph: str | None = None, timeout: float = 120.0) -> int:
    """PUT the N-Triples file into the endpoint's default (or named) graph via the SPARQL 1.1 Graph
    Store HTTP Protocol; replaces what that graph held. Returns the HTTP status."""
    _check_endpoint(endpoint)
    url = endpoint + ("&" if "?" in endpoint else "?") + (f"graph={urllib.request.quote(graph, safe='')}" if graph else "default")
    req = urllib.request.Request(url, data=nt_file.read_bytes(), method="PUT",
                                 headers={"Content-Type": "application/n-triples"})
    creds = _credentials()
    if creds:
        token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        raise EvkgError(f"graph store {endpoint} answered HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
        raise EvkgError(f"graph store {endpoint} did not answer: {getattr(e, 'reason', e)}") from None
