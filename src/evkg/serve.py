"""`evkg serve`: a read-only SPARQL 1.1 endpoint over the built graph, that hostile requests cannot knock over.

The engine is Oxigraph's own server (serve_engine.py: confined, reached only through this guard).
The guard in front of it
- reads each request within time and size limits, answers malformed ones with a well-formed HTTP
  error, and refuses UPDATE, SERVICE calls nobody allowed, and queries too large or too deeply nested
  for the engine (query_safety.py) before the engine sees them;
- sends the engine exactly the query it checked, and reads each answer in full before passing it on
  (Oxigraph can answer a timed-out query with a truncated HTTP 200);
- stops a query that runs past the time limit, or whose client has gone, by restarting the engine
  (Oxigraph cannot interrupt every query), and restarts a crashed engine at once;
- retries once the queries that were in flight when the engine stopped (after a crash, one at a
  time, so the query that crashed it is the only one that fails);
- starts an engine on the new store when `evkg build` or `evkg add` replaces dist/, and lets the
  queries running on the old one finish.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import select
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from .errors import EvkgError
from .project import Project
from .query_safety import DEFAULT_LIMITS, QueryLimits, QueryRefused, check_query
from .serve_engine import Engine, free_port, oxigraph_binary, store_identity  # noqa: F401 (re-exported)

QUERY_PATH, UPDATE_PATH = "/query", "/update"
READ_ONLY_PATHS = {"/", "/yasgui.min.js", "/yasgui.min.css", "/logo.svg", "/store"}
GRAPH_PARAMS = ("default-graph-uri", "named-graph-uri")
MAX_STOPS = 5  # restarts on purpose (another query ran away, a new store) a query may live through
CORS = {"Access-Control-Allow-Origin": "*"}
CORS_PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                  "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"}


@dataclass
class GuardSettings:
    """The endpoint's limits; the defaults are what `evkg serve` uses."""

    limit_s: float = 10.0               # how long a query may run
    memory_mb: int | None = 2048        # address space of the engine
    max_request: int = 1024 * 1024      # bytes of a request body
    max_answer: int = 64 * 1024 * 1024  # bytes of an answer held before it is sent
    header_timeout_s: float = 20.0      # to send a request's line and headers (also the keep-alive idle time)
    body_timeout_s: float = 30.0        # to send its body
    cancel_after_s: float = 1.0         # a query whose client has gone is stopped if it ran this long
    max_connections: int = 128
    limits: QueryLimits = field(default_factory=lambda: DEFAULT_LIMITS)
    watch_interval_s: float = 1.0       # how often dist/ is checked for a new store


class Unavailable(Exception):
    pass


class _Stopped(Exception):
    """The engine went away under a request (crash, restart, new store)."""


class _NotSent(_Stopped):
    """The engine was gone before the request reached it."""


class _TimedOut(Exception):
    pass


class _ClientGone(Exception):
    pass


class _TooLarge(Exception):
    pass


class Gate:
    """Queries pass together (shared); a suspect passes alone (exclusive), before any query that comes later."""

    def __init__(self):
        self.cond = threading.Condition()
        self.sharing = 0
        self.alone = False
        self.waiting = 0

    @contextlib.contextmanager
    def passing(self, alone: bool, wait_s: float):
        deadline = time.monotonic() + wait_s
        with self.cond:
            self.waiting += alone
            try:
                while self.alone or (self.sharing if alone else self.waiting):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise Unavailable("the SPARQL engine is busy recovering from a crash; try again in a moment")
                    self.cond.wait(left)
            finally:
                self.waiting -= alone
            if alone:
                self.alone = True
            else:
                self.sharing += 1
        try:
            yield
        finally:
            with self.cond:
                if alone:
                    self.alone = False
                else:
                    self.sharing -= 1
                self.cond.notify_all()


class Backend:
    """The current engine, restarted when it crashes or is stopped, and replaced when dist/ changes."""

    def __init__(self, store: Path, settings: GuardSettings):
        self.store, self.settings = store, settings
        self.isolate = not settings.limits.allow_service
        self.current: Engine | None = None
        self.generation = 0
        self.cond = threading.Condition()
        self.gate = Gate()  # a retry after an unexplained crash runs alone: nothing else is in flight
        self.stopping = False
        self.restarts = {"timeout": 0, "cancelled": 0, "crash": 0, "new store": 0}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.current = self._new_engine()
        for target in (self._monitor, self._watch_store):
            t = threading.Thread(target=target, daemon=True, name=f"evkg-{target.__name__[1:]}")
            t.start()
            self._threads.append(t)

    def _new_engine(self) -> Engine:
        self.generation += 1
        return Engine(self.store.resolve(), self.settings.memory_mb, self.isolate, self.generation).start()

    def engine(self, wait_s: float = 15.0) -> Engine:
        """The engine to send a request to, waiting while one starts."""
        deadline = time.monotonic() + wait_s
        with self.cond:
            while self.current is None or self.current.stop_reason is not None or not self.current.alive():
                if self.stopping:
                    raise Unavailable("the endpoint is shutting down")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Unavailable("the SPARQL engine is restarting; try again in a moment")
                self.cond.wait(left)
            return self.current

    def stop_engine(self, engine: Engine, reason: str) -> None:
        """Stop `engine` on purpose (the monitor then starts the next one)."""
        if reason in self.restarts:
            self.restarts[reason] += 1
        engine.stop(reason, kill=True)
        with self.cond:
            self.cond.notify_all()

    def _replace(self, old: Engine) -> None:
        """Start a fresh engine in place of `old`, retrying with a pause while it fails to start."""
        pause = 0.5
        while not self.stopping:
            try:
                new = self._new_engine()
            except EvkgError:
                time.sleep(pause)
                pause = min(pause * 2, 10.0)
                continue
            with self.cond:
                if self.stopping:
                    new.stop("shutdown")
                    return
                if self.current is old:
                    self.current = new
                else:  # someone else replaced it meanwhile
                    new.stop("superseded")
                self.cond.notify_all()
            return

    def _monitor(self) -> None:
        """Restart the engine as soon as it dies, whatever the cause."""
        while not self.stopping:
            engine = self.current
            if engine is None or engine.alive():
                time.sleep(0.05)
                continue
            try:
                if engine.stop_reason is None:  # it died on its own: a crash
                    self.restarts["crash"] += 1
                    engine.stop("crash")
                with self.cond:
                    self.cond.notify_all()
                self._replace(engine)
            except Exception:  # the monitor must outlive any surprise; try again shortly
                time.sleep(0.5)

    def _watch_store(self) -> None:
        """Switch to the store a build or an add installed (dist/ replaced by a rename)."""
        journal = self.store.parent.parent / ".evkg" / "journal.json"
        while not self.stopping:
            time.sleep(self.settings.watch_interval_s)
            engine = self.current
            identity = store_identity(self.store)
            if engine is None or identity is None or identity == engine.identity or journal.exists():
                continue
            try:
                new = self._new_engine()
            except EvkgError:
                continue  # the store may still be settling; try again next time
            with self.cond:
                old, self.current = self.current, new
                self.cond.notify_all()
            self.restarts["new store"] += 1
            threading.Thread(target=self._retire, args=(old,), daemon=True).start()

    def _retire(self, engine: Engine) -> None:
        """Let the queries on an engine of the old store finish, then stop it."""
        deadline = time.monotonic() + self.settings.limit_s + 1
        while engine.in_flight and time.monotonic() < deadline and not self.stopping:
            time.sleep(0.05)
        engine.stop("new store")

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            engine, self.current = self.current, None
            self.cond.notify_all()
        if engine is not None:
            engine.stop("shutdown")
        for t in self._threads:
            t.join(timeout=5)


# --- talking to the engine ------------------------------------------------------------------------

def _client_gone(client: socket.socket) -> bool | None:
    """True if the client closed its connection, False if it sent more data, None if nothing happened."""
    try:
        data = client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return None
    except OSError:
        return True
    return not data


def exchange(sock: socket.socket, request: bytes, deadline: float, client: socket.socket | None,
             max_answer: int) -> tuple[int, str, list[tuple[str, str]], bytes, bool]:
    """Send `request` and read the whole HTTP/1.1 answer: status, reason, headers, body, keep-alive.

    Raises _TimedOut at `deadline`, _ClientGone when `client` hangs up, _TooLarge past `max_answer`
    bytes, _Stopped when the engine closes the connection first."""
    buf = bytearray()
    watch = client

    def fill() -> None:
        nonlocal watch
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut
            readable = select.select([sock] + ([watch] if watch else []), [], [], min(left, 0.5))[0]
            if watch is not None and watch in readable:
                gone = _client_gone(watch)
                if gone:
                    raise _ClientGone
                if gone is False:
                    watch = None  # it pipelined its next request: stop watching, it is still there
            if sock in readable:
                try:
                    chunk = sock.recv(262144)
                except OSError as e:
                    raise _Stopped(str(e)) from None
                if not chunk:
                    raise _Stopped("connection closed")
                buf.extend(chunk)
                if len(buf) > max_answer + 65536:
                    raise _TooLarge
                return

    try:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        sock.sendall(request)
        sock.setblocking(True)
    except (TimeoutError, socket.timeout):
        raise _TimedOut from None
    except OSError as e:
        raise _Stopped(str(e)) from None
    while (end := buf.find(b"\r\n\r\n")) < 0:
        fill()
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    del buf[:end + 4]
    _, status, *reason = head[0].split(" ", 2)
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head[1:] if ":" in line]
    lower = {k.lower(): v for k, v in headers}
    keep_alive = lower.get("connection", "").lower() != "close"
    if "chunked" in lower.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            while (eol := buf.find(b"\r\n")) < 0:
                fill()
            size = int(bytes(buf[:eol]).split(b";")[0] or b"0", 16)
            while len(buf) < eol + 2 + size + 2:
                fill()
            body.extend(buf[eol + 2:eol + 2 + size])
            del buf[:eol + 2 + size + 2]
            if len(body) > max_answer:
                raise _TooLarge
            if size == 0:
                break
    elif "content-length" in lower:
        length = int(lower["content-length"])
        if length > max_answer:
            raise _TooLarge
        while len(buf) < length:
            fill()
        body = buf[:length]
    else:
        keep_alive = False
        try:
            while True:
                fill()
        except _Stopped:
            pass
        body = buf
    return int(status), reason[0] if reason else "", headers, bytes(body), keep_alive


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""


class Guard:
    """Sends one request to the engine with the stop, restart and retry rules of the module docstring."""

    def __init__(self, backend: Backend, settings: GuardSettings):
        self.backend, self.settings = backend, settings

    def ask(self, request: bytes, client: socket.socket | None) -> Answer | None:
        """The engine's answer to `request` (a complete HTTP/1.1 request), or the guard's own; None
        when the client hung up.

        When the engine stops under a query, the query is tried again: after a stop on purpose (another
        query ran away, a new store) it is innocent; after a crash it may be the cause, so it is tried
        again alone (one suspect at a time), and a query under which the engine crashes twice fails."""
        crashes = stops = 0
        starved_until = time.monotonic() + self.settings.limit_s + 2
        engine = None
        for attempt in range(100):  # each turn returns, counts a stop or a crash, or waits for memory
            try:
                with self.backend.gate.passing(alone=crashes > 0, wait_s=3 * self.settings.limit_s + 10):
                    engine = self.backend.engine()
                    answer = self._once(engine, request, client)
                if answer is None or not _starved(answer) or time.monotonic() > starved_until:
                    return answer
                # another query holds the engine's memory, so it could not even start a thread for this
                # one: that query is stopped within the time limit, then this one runs
                time.sleep(min(0.05 * 2 ** min(attempt, 4), 0.5))
            except Unavailable as e:
                return _text(503, f"{e}\n")
            except _Stopped as e:
                died = engine.wait_exit(2.0)  # alive: it dropped the connection (no memory left for a thread)
                if died and engine.stop_reason in (None, "crash") and not isinstance(e, _NotSent):
                    crashes += 1
                    if crashes == 2:
                        return self._failed_twice(engine)
                else:
                    stops += 1
                    if stops == MAX_STOPS:
                        break
        return _text(503, "the SPARQL engine kept stopping under this query; try again in a moment\n")

    def _once(self, engine: Engine, request: bytes, client: socket.socket | None) -> Answer | None:
        s = self.settings
        started = time.monotonic()
        deadline = started + s.limit_s
        engine.busy(+1)
        try:
            for _ in range(2):  # a kept-alive connection may have been closed meanwhile: one fresh try
                try:
                    sock, reused = engine.take()
                except OSError as e:
                    raise _NotSent(str(e)) from None
                try:
                    status, reason, headers, body, keep = exchange(sock, request, deadline, client, s.max_answer)
                except _Stopped as e:
                    sock.close()
                    if reused:  # kept-alive connections may all be stale: drop them, then one fresh try
                        engine.drop_idle()
                        if engine.alive() and engine.stop_reason is None:
                            continue
                        raise _NotSent(str(e)) from None
                    raise
                except _TimedOut:
                    sock.close()
                    self.backend.stop_engine(engine, "timeout")
                    return _text(503, f"query stopped: it ran longer than the {s.limit_s:g} s limit\n")
                except _ClientGone:
                    sock.close()
                    if time.monotonic() - started >= s.cancel_after_s:
                        self.backend.stop_engine(engine, "cancelled")
                    return None
                except _TooLarge:
                    sock.close()
                    return _text(503, f"query stopped: its answer is larger than {s.max_answer // (1024 * 1024)} MB; "
                                      "add a LIMIT or select fewer columns\n")
                except (ValueError, IndexError):
                    sock.close()
                    return _text(502, "the SPARQL engine sent a malformed answer\n")
                if keep:
                    engine.give_back(sock)
                else:
                    sock.close()
                broken = _broken_answer(status, headers, body)
                if broken:
                    return _text(502, f"the SPARQL engine failed in the middle of its answer: {broken}\n")
                return Answer(status, headers, body, reason)
            raise _NotSent("no connection")
        finally:
            engine.busy(-1)

    def _failed_twice(self, engine: Engine) -> Answer:
        engine.wait_exit(2.0)
        if engine.ran_out_of_memory:
            return _text(503, f"query stopped: the SPARQL engine ran out of its {self.settings.memory_mb} MB "
                              "memory limit (it was restarted)\n")
        return _text(502, "the SPARQL engine stopped twice while running this query (it was restarted); "
                          "the query is not retried again\n")


def _starved(answer: Answer) -> bool:
    """Oxigraph's answer when its memory limit left no room for a thread: EAGAIN."""
    return answer.status == 500 and b"(os error 11)" in answer.body[:300]


def _broken_answer(status: int, headers: list[tuple[str, str]], body: bytes) -> str | None:
    """Oxigraph streams results, so an error in mid-evaluation (a failed SERVICE call, a timeout) comes
    as HTTP 200 with an unfinished document and the error text at its end: say what went wrong."""
    if status != 200:
        return None
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "").split(";")[0].strip()
    end = body.rstrip()[-200:]
    unfinished = ((ctype.endswith("json") and not end.endswith((b"}", b"]")))
                  or (ctype.endswith("xml") and not end.endswith(b">")))
    if not unfinished:
        return None
    tail = end.rsplit(b"}", 1)[-1].rsplit(b">", 1)[-1].rsplit(b",", 1)[-1]
    return tail.decode("utf-8", "replace").strip()[:200] or "the answer is incomplete"


def _text(status: int, text: str, extra: dict[str, str] | None = None) -> Answer:
    return Answer(status, [("Content-Type", "text/plain; charset=utf-8"), *(extra or {}).items()], text.encode())


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
            self._send(_text(403, "read-only endpoint: only GET and POST on /query\n"))

        def do_GET(self):
            self._dispatch(None)

        def do_HEAD(self):
            self._dispatch(None)

        def do_POST(self):
            try:
                body = self._body()
            except _BadRequest as e:
                self.close_connection = True
                return self._send(_text(e.status, e.message + "\n"))
            self._dispatch(body)

        def _refuse_write(self):
            self._body_discard()
            self._send(_text(403, "read-only endpoint: updates and writes are refused\n"))

        do_PUT = do_DELETE = do_PATCH = _refuse_write

        def _dispatch(self, body: bytes | None):
            url = urlsplit(self.path)
            if url.path == UPDATE_PATH or url.path.startswith(UPDATE_PATH + "/"):
                return self._send(_text(403, "read-only endpoint: updates are refused\n"))
            if url.path == QUERY_PATH:
                return self._query(url.query, body)
            if body is None and (url.path in READ_ONLY_PATHS or url.path.startswith("/store")):
                request = (f"GET {self.path} HTTP/1.1\r\nHost: engine\r\n"
                           + (f"Accept: {self._accept()}\r\n" if self._accept() else "") + "\r\n").encode()
                return self._relay(request, cors=False)
            self._send(_text(404 if body is None else 405, f"nothing here; the SPARQL endpoint is {QUERY_PATH}\n"))

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
                return self._send(_text(e.status, e.message + "\n", CORS))
            except QueryRefused as e:
                return self._send(_text(e.status, f"query refused: {e}\n", CORS))
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
