"""`evkg serve`: a read-only SPARQL 1.1 endpoint over the built graph, that hostile requests cannot knock over.

The engine is Oxigraph's own server, confined and reached only through this guard (serve_engine.py),
kept answering by serve_backend.py (restarts, retries, new stores). The HTTP side here
- reads each request within time and size limits, answers malformed ones with a well-formed HTTP
  error, and refuses UPDATE, SERVICE calls nobody allowed, and queries too large or too deeply nested
  for the engine (query_safety.py) before the engine sees them;
- sends the engine exactly the query it checked, with the client's Accept header and nothing else;
- allows cross-origin GET and POST on /query (CORS), and warns when it listens beyond loopback.
"""

from __future__ import annotations

import http.server
import ipaddress
import signal
import socket
import threading
import time
from urllib.parse import parse_qs, quote, urlsplit

from .binding import has_dataset
from .errors import EvkgError
from .namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from .project import Project
from .query_safety import QueryRefused, check_query
from .serve_backend import Answer, Backend, Guard, GuardSettings, text_answer
from .serve_engine import Engine, free_port, oxigraph_binary  # noqa: F401 (re-exported)

QUERY_PATH, UPDATE_PATH = "/query", "/update"
READ_ONLY_PATHS = {"/", "/yasgui.min.js", "/yasgui.min.css", "/logo.svg", "/store"}
GRAPH_PARAMS = ("default-graph-uri", "named-graph-uri")
CORS = {"Access-Control-Allow-Origin": "*"}
CORS_PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                  "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"}


# --- the HTTP side ---------------------------------------------------------------------------------

class _BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise _BadRequest(400, f"'{name}' given {len(values)} times; give it once")
    return values[0] if values else None


def _parse_form(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as e:
        raise _BadRequest(400, f"malformed form parameters: {e}") from None


def make_handler(guard: Guard, settings: GuardSettings, watchdog: "_Watchdog"):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        default_request_version = "HTTP/1.0"  # so that even an error about the request line has a status line
        timeout = settings.header_timeout_s  # idle keep-alive connections and slow senders end here
        server_version = "evkg-serve"

        def log_message(self, fmt, *args):  # quiet by default; errors still reach the client
            pass

        def setup(self):
            super().setup()
            # headers and body go out as two writes: without this, a kept-alive client waits for
            # its delayed ACK on every answer (measured: 22 queries/s instead of hundreds)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            watchdog.register(self, settings.header_timeout_s)

        def finish(self):
            watchdog.forget(self)
            try:
                super().finish()
            except OSError:
                pass

        def handle_one_request(self):
            watchdog.arm(self, settings.header_timeout_s)
            try:
                super().handle_one_request()
            except (ConnectionError, TimeoutError, socket.timeout, ValueError):
                self.close_connection = True

        def parse_request(self):
            ok = super().parse_request()
            watchdog.arm(self, None)
            return ok

        # --- dispatch ---
        def do_OPTIONS(self):
            if urlsplit(self.path).path == QUERY_PATH:
                return self._send(Answer(204, list(CORS_PREFLIGHT.items()), b""))
            self._send(text_answer(403, "read-only endpoint: only GET and POST on /query\n"))

        def do_GET(self):
            self._dispatch(None)

        def do_HEAD(self):
            self._dispatch(None)

        def do_POST(self):
            try:
                body = self._body()
            except _BadRequest as e:
                self.close_connection = True
                return self._send(text_answer(e.status, e.message + "\n"))
            self._dispatch(body)

        def _refuse_write(self):
            self._body_discard()
            self._send(text_answer(403, "read-only endpoint: updates and writes are refused\n"))

        do_PUT = do_DELETE = do_PATCH = _refuse_write

        def _dispatch(self, body: bytes | None):
            url = urlsplit(self.path)
            if url.path == UPDATE_PATH or url.path.startswith(UPDATE_PATH + "/"):
                return self._send(text_answer(403, "read-only endpoint: updates are refused\n"))
            if url.path == QUERY_PATH:
                return self._query(url.query, body)
            if body is None and (url.path in READ_ONLY_PATHS or url.path.startswith("/store")):
                request = (f"GET {self.path} HTTP/1.1\r\nHost: engine\r\n"
                           + (f"Accept: {self._accept()}\r\n" if self._accept() else "") + "\r\n").encode()
                return self._relay(request, cors=False)
            self._send(text_answer(404 if body is None else 405, f"nothing here; the SPARQL endpoint is {QUERY_PATH}\n"))

        def _query(self, url_query: str, body: bytes | None):
            try:
                params = _parse_form(url_query)
                text = _one(params, "query")
                if body is not None:
                    ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                    if ctype == "application/x-www-form-urlencoded":
                        form = _parse_form(_utf8(body))
                        if "update" in form:
                            raise _BadRequest(403, "read-only endpoint: updates are refused")
                        for k, v in form.items():
                            params.setdefault(k, []).extend(v)
                        text = _one(params, "query")
                    elif ctype == "application/sparql-query":
                        if text is not None:
                            raise _BadRequest(400, "the query is given both in the URL and in the body")
                        text = _utf8(body)
                    elif ctype == "application/sparql-update":
                        raise _BadRequest(403, "read-only endpoint: updates are refused")
                    else:
                        raise _BadRequest(415, "send the query as application/sparql-query or "
                                               "application/x-www-form-urlencoded")
                if "update" in params:
                    raise _BadRequest(403, "read-only endpoint: updates are refused")
                if text is None:
                    raise _BadRequest(400, "no query: send ?query=... or a POST body")
                check_query(text, settings.limits)
            except _BadRequest as e:
                return self._send(text_answer(e.status, e.message + "\n", CORS))
            except QueryRefused as e:
                return self._send(text_answer(e.status, f"query refused: {e}\n", CORS))
            if not any(params.get(k) for k in GRAPH_PARAMS) and not has_dataset(text):
                # as on the embedded store: a query that names no dataset reads evkg's asserted facts as its
                # default graph, with both of evkg's graphs as named graphs
                params.update({"default-graph-uri": [str(ASSERTED_GRAPH)],
                               "named-graph-uri": [str(ASSERTED_GRAPH), str(INFERRED_GRAPH)]})
            graphs = "&".join(f"{k}={quote(v, safe='')}" for k in GRAPH_PARAMS for v in params.get(k, []))
            data = text.encode("utf-8")
            accept = self._accept()
            request = (f"POST {QUERY_PATH}{'?' + graphs if graphs else ''} HTTP/1.1\r\nHost: engine\r\n"
                       f"Content-Type: application/sparql-query\r\nContent-Length: {len(data)}\r\n"
                       + (f"Accept: {accept}\r\n" if accept else "") + "\r\n").encode("latin-1") + data
            self._relay(request, cors=True)

        def _accept(self) -> str:
            accept = self.headers.get("Accept") or ""
            return accept if len(accept) < 1000 and accept.isprintable() else ""

        def _relay(self, request: bytes, cors: bool):
            answer = guard.ask(request, self.connection)
            if answer is None:  # the client hung up
                self.close_connection = True
                return
            keep = {"content-type", "vary"}
            headers = [(k, v) for k, v in answer.headers if k.lower() in keep]
            self._send(Answer(answer.status, headers + (list(CORS.items()) if cors else []), answer.body, answer.reason))

        # --- reading and writing ---
        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding"):
                raise _BadRequest(411, "send the request body with a Content-Length (chunked bodies are not accepted)")
            lengths = self.headers.get_all("Content-Length") or []
            if len(set(lengths)) > 1:
                raise _BadRequest(400, "conflicting Content-Length headers")
            raw = lengths[0].strip() if lengths else "0"
            if not raw.isdigit():
                raise _BadRequest(400, f"malformed Content-Length: {raw[:40]!r}")
            length = int(raw)
            if length > settings.max_request:
                raise _BadRequest(413, f"request body of {length:,} bytes; the limit is {settings.max_request:,}")
            data = bytearray()
            deadline = time.monotonic() + settings.body_timeout_s
            while len(data) < length:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _BadRequest(408, f"the request body did not arrive within {settings.body_timeout_s:g} s")
                self.connection.settimeout(min(left, settings.header_timeout_s))
                try:
                    chunk = self.rfile.read1(min(65536, length - len(data)))
                except (TimeoutError, socket.timeout):
                    raise _BadRequest(408, "the request body stopped arriving") from None
                if not chunk:
                    raise _BadRequest(400, "the request body ended before its Content-Length")
                data.extend(chunk)
            self.connection.settimeout(settings.header_timeout_s)
            return bytes(data)

        def _body_discard(self):
            try:
                self._body()
            except _BadRequest:
                self.close_connection = True

        def _send(self, answer: Answer):
            try:
                self.send_response(answer.status, answer.reason or None)
                for k, v in answer.headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)
            except OSError:
                self.close_connection = True

    return Handler


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadRequest(400, "the request is not valid UTF-8") from None


class _Watchdog:
    """Closes connections that take too long to send a request's line and headers (slow senders)."""

    def __init__(self):
        self.deadlines: dict = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="evkg-watchdog")

    def register(self, handler, seconds):
        self.arm(handler, seconds)

    def arm(self, handler, seconds: float | None):
        with self.lock:
            self.deadlines[handler] = None if seconds is None else time.monotonic() + seconds

    def forget(self, handler):
        with self.lock:
            self.deadlines.pop(handler, None)

    def _run(self):
        while not self.stopped.wait(0.5):
            now = time.monotonic()
            with self.lock:
                late = [h for h, d in self.deadlines.items() if d is not None and d < now]
            for h in late:
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, max_connections: int):
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                b"Content-Length: 22\r\nConnection: close\r\n\r\ntoo many connections\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address):  # never a traceback on the console
        pass


def is_loopback(host: str) -> bool:
    """Whether `host` is an address only this machine can reach ('' listens everywhere)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Endpoint:
    """The guarded endpoint: start(), url, stop(). Usable from tests and from the CLI."""

    def __init__(self, project: Project, host: str = "127.0.0.1", port: int = 7878, limit_s: float = 10.0,
                 settings: GuardSettings | None = None, allow_service=()):
        store = project.dist / "store"
        if not store.is_dir():
            raise EvkgError(f"no built graph at {store}; run 'evkg build' first")
        self.settings = settings or GuardSettings()
        self.settings.limit_s = limit_s
        if allow_service:
            self.settings.limits = self.settings.limits.allowing(allow_service)
        self.host = host
        self.backend = Backend(project.dist / "store", self.settings)
        self.watchdog = _Watchdog()
        handler = make_handler(Guard(self.backend, self.settings), self.settings, self.watchdog)
        try:
            self.server = _Server((host, port), handler, self.settings.max_connections)
        except OSError as e:
            if e.errno in (98, 48):  # EADDRINUSE on Linux, macOS
                raise EvkgError(f"port {port} on {host} is already in use; choose another with --port") from None
            raise EvkgError(f"cannot listen on {host}:{port}: {e.strerror}") from None
        self.port = self.server.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + QUERY_PATH

    @property
    def engine(self) -> Engine | None:
        return self.backend.current

    def start(self) -> "Endpoint":
        try:
            self.backend.start()
        except BaseException:
            self.server.server_close()
            raise
        self.watchdog.thread.start()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="evkg-serve")
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
        self.server.server_close()
        self.watchdog.stopped.set()
        self.backend.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve(project: Project, host: str, port: int, limit_s: float, allow_service=(), memory_mb: int | None = 2048,
          max_request: int = 1024 * 1024) -> None:
    """Run until Ctrl-C or SIGTERM, then stop the guard and the engine cleanly."""
    settings = GuardSettings(memory_mb=memory_mb, max_request=max_request)
    endpoint = Endpoint(project, host, port, limit_s, settings, allow_service)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        endpoint.start()
        if not is_loopback(host):
            print(f"evkg: warning: listening on {host}, not only on this machine: anyone who can reach it "
                  "can query the graph", flush=True)
        engine = endpoint.engine
        if engine is not None and not engine.isolated:
            print(f"evkg: note: the SPARQL engine listens on 127.0.0.1:{engine.port}, which other programs on "
                  f"this machine can reach ({engine.why_not_isolated})", flush=True)
        print(f"SPARQL endpoint (read-only) at {endpoint.query_url}; query UI at {endpoint.url}/ ; "
              f"queries stopped after {limit_s:g} s; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("stopped", flush=True)
