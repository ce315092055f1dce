"""Remote SPARQL endpoints: queries through SPARQLWrapper, loading into named graphs through the Graph Store Protocol.

Credentials come from the environment (EVKG_ENDPOINT_USER, EVKG_ENDPOINT_PASSWORD), never from the
command line, and go by Basic or, when the store asks for it, Digest. Loading writes only the named
graphs it is given and replaces one that holds triples only when told to. Any failure - unreachable
endpoint, HTTP error, an answer in another format than SPARQL JSON - ends in one EvkgError naming
the endpoint.
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
from .namespaces import ASSERTED_GRAPH as _ASSERTED, INFERRED_GRAPH as _INFERRED
from .binding import needs_protocol_dataset, with_values
from .store import XSD_STRING, QueryResult

RESULTS_JSON = "application/sparql-results+json"
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
    # precisely SPARQL JSON: with SPARQLWrapper's broad default some stores answer in a JSON of their own
    sw.addCustomHttpHeader("Accept", RESULTS_JSON)
    sw.setTimeout(int(timeout) or 1)
    sw.setMethod(POST if len(text) > POST_ABOVE else GET)
    creds = _credentials()
    warn_if_plain_http(endpoint, creds)
    if creds:
        sw.setCredentials(*creds)
    sw.setQuery(text)
    if needs_protocol_dataset(text):  # evkg's graphs are named graphs: read the asserted facts by default
        sw.addDefaultGraph(str(_ASSERTED))
        for g in (_ASSERTED, _INFERRED):
            sw.addNamedGraph(str(g))
    # SPARQLWrapper guesses the query form from keywords anywhere in the text (a comment saying
    # "loaded" made it an update); the form is the first SELECT/ASK/CONSTRUCT/DESCRIBE outside comments.
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.sub(r"(?m)#.*$", "", text), re.IGNORECASE)
    if form:
        sw.queryType = form.group(1).upper()
    try:
        response = _query_with_digest_fallback(sw, creds)
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
    return _parse_results(shown, ctype, body)


def _parse_results(endpoint: str, ctype: str, body: bytes) -> QueryResult:
    """Typed rows from a SPARQL JSON answer; anything else (another format, JSON of another shape,
    a truncated body) is one error naming what came back."""
    kind = ctype.split(";")[0].strip() or "no content type"
    wrong = EvkgError(f"endpoint {endpoint} did not return SPARQL JSON results (got {kind}; asked for {RESULTS_JSON})")
    try:
        data = json.loads(body)
        if "boolean" in data:
            return QueryResult([], [], bool(data["boolean"]))
        cols = data["head"]["vars"]
        rows = [[_term(b[c]) if c in b else None for c in cols] for b in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise wrong from None
    return QueryResult(cols, rows)


def _query_with_digest_fallback(sw, creds: tuple[str, str] | None):
    """Send the query; a store that refuses Basic credentials with 401 gets them once more by Digest
    (Virtuoso's authenticated endpoints accept only Digest)."""
    from SPARQLWrapper import DIGEST
    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    try:
        return sw.query()
    except Unauthorized:
        if not creds:
            raise
        sw.setHTTPAuth(DIGEST)  # SPARQLWrapper answers the Digest challenge through urllib's opener
        return sw.query()


# `evkg load` writes the asserted graph here and the inferred one to reasoning.INFERRED_GRAPH
ASSERTED_GRAPH = str(_ASSERTED)
# Graph Store URL endings and the query URL beside them: Oxigraph, Virtuoso, Fuseki, GraphDB
_QUERY_BESIDE = ((r"/store$", "/query"), (r"/sparql-graph-crud(-auth)?$", "/sparql"), (r"/data$", "/sparql"),
                 (r"/rdf-graphs/service$", ""))


def query_url_for(store_url: str) -> str:
    """The SPARQL query URL beside a Graph Store Protocol URL, for the stores whose layout is known."""
    for pattern, replacement in _QUERY_BESIDE:
        if re.search(pattern, store_url.split("?")[0]):
            return re.sub(pattern, replacement, store_url.split("?")[0])
    raise EvkgError(f"cannot tell the query URL of graph store {store_url}; give it with --query-endpoint")


def graph_size(query_endpoint: str, graph: str, timeout: float = 120.0) -> int:
    """Triples in the named graph `graph`, counted by the store itself."""
    result = remote_query(query_endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                          timeout=timeout)
    try:
        return int(result.rows[0][0])
    except (IndexError, TypeError, ValueError):
        raise EvkgError(f"endpoint {query_endpoint} did not answer a triple count for graph <{graph}>") from None


def _head(url: str, headers: dict[str, str]) -> tuple[int, str]:
    """Status and WWW-Authenticate challenge of a bodiless HEAD request (0 if the store did not answer)."""
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD", headers=headers), timeout=30).close()
        return 200, ""
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("WWW-Authenticate", "") if e.code == 401 else ""
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError):
        return 0, ""  # the request itself will say what is wrong


def _authorization(store_url: str, url: str, method: str, creds: tuple[str, str]) -> str:
    """The Authorization header for one request: Digest when the store challenges for it (Virtuoso's
    /sparql-graph-crud-auth answers Basic with a bare 401), else Basic. Bodiless HEAD requests fetch
    the challenge and check the credentials, so a large upload is sent once, and only when accepted
    (a store refusing it closes the connection mid-upload)."""
    challenge = _head(url, {})[1]
    if challenge[:7].lower() == "digest ":
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, *creds)
        chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge[7:]))
        digest = urllib.request.HTTPDigestAuthHandler(passwords)  # one handler: the nonce count goes up
        header = lambda m: "Digest " + (digest.get_authorization(urllib.request.Request(url, method=m), chal) or "")
    else:
        basic = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        header = lambda m: basic
    status = _head(url, {"Authorization": header("HEAD")})[0]
    if status in (401, 403):
        raise EvkgError(f"graph store {store_url} answered HTTP {status} to the credentials in "
                        "EVKG_ENDPOINT_USER / EVKG_ENDPOINT_PASSWORD (check them and the user's write permission)")
    return header(method)


def graph_store(store_url: str, method: str, graph: str | None, body: bytes | None = None, timeout: float = 120.0,
                creds: tuple[str, str] | None = None) -> bytes:
    """One Graph Store Protocol request on `graph` (None: the default graph), with credentials
    (default: the environment's) by Basic or Digest; returns the answer's body. GET asks for N-Triples."""
    creds = creds or _credentials()
    url = store_url + ("&" if "?" in store_url else "?") + \
        ("default" if graph is None else "graph=" + urllib.request.quote(graph, safe=""))
    headers = {"Content-Type": "application/n-triples"} if body is not None else {"Accept": "application/n-triples"}
    if creds:
        headers["Authorization"] = _authorization(store_url, url, method, creds)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method=method, headers=headers),
                                    timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        if method == "DELETE" and e.code == 404:
            return b""  # the graph was not there: nothing to delete
        hint = " (check EVKG_ENDPOINT_USER / EVKG_ENDPOINT_PASSWORD and the user's write permission)" \
            if e.code in (401, 403) else ""
        raise EvkgError(f"graph store {store_url} answered HTTP {e.code} {e.reason} to {method} of graph <{graph}>{hint}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
        raise EvkgError(f"graph store {store_url} did not answer: {getattr(e, 'reason', e)}") from None


def triples_in(nt_file: Path) -> int:
    """Lines holding a triple in an N-Triples file (a store counts a repeated triple once)."""
    with nt_file.open("rb") as f:
        return sum(1 for line in f if line.strip() and not line.lstrip().startswith(b"#"))


CHUNK = 100_000  # triples per request: one 1.2M-triple PUT kept Virtuoso busy for over 25 min, 100k take 1-2 s


def _requests(nt_file: Path, size: int):
    """The file's triples as N-Triples documents of at most about `size` lines. Every line with a blank
    node goes into the first, since a blank node label means one node only within one document."""
    with nt_file.open("rb") as f:
        first = [line for line in f if b"_:" in line]
    batch = first
    with nt_file.open("rb") as f:
        for line in f:
            if b"_:" not in line and line.strip():
                batch.append(line)
                if len(batch) >= size:
                    yield b"".join(batch)
                    batch = []
    if batch:
        yield b"".join(batch)


def load_graph_store(store_url: str, files: dict[str, Path | None], query_endpoint: str | None = None,
                     replace: bool = False, timeout: float = 120.0) -> dict[str, int]:
    """Copy N-Triples files into named graphs of a store (SPARQL 1.1 Graph Store HTTP Protocol) without
    touching any other graph: `files` maps a graph IRI to its file (None: the graph is to be empty).

    Every target graph is counted first; if one already holds triples and `replace` is False, nothing
    is written. Each graph is then replaced (PUT, or DELETE for an empty one; a large file goes as a
    PUT and then POSTs of CHUNK triples, so a load cut short leaves a graph that a new load refuses
    to touch without `replace`) and counted again
    through `query_endpoint` (default: derived from `store_url`). Returns the triples per graph as
    the store counts them."""
    _check_endpoint(store_url)
    bad = [g for g in files if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+", g)]
    if bad:
        raise EvkgError(f"graph name '{bad[0]}' is not an IRI")
    query_endpoint = query_endpoint or query_url_for(store_url)
    _check_endpoint(query_endpoint)
    held = {g: graph_size(query_endpoint, g, timeout) for g in files}
    if not replace:
        full = [f"<{g}> ({n} triples)" for g, n in held.items() if n]
        if full:
            raise EvkgError(f"{query_endpoint} already holds {', '.join(full)}; nothing was loaded "
                            "(--replace replaces these graphs, and only them)")
    counts = {}
    for graph, path in files.items():
        if path is None or not triples_in(path):
            if held[graph]:
                graph_store(store_url, "DELETE", graph, None, timeout)
        else:  # PUT replaces the graph with the first part, POST adds the others
            for i, body in enumerate(_requests(path, CHUNK)):
                graph_store(store_url, "POST" if i else "PUT", graph, body, timeout)
        counts[graph] = graph_size(query_endpoint, graph, timeout)
    return counts
