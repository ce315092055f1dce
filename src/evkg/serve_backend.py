"""Keeping a SPARQL engine answering for `evkg serve`: restarts, retries, and the switch to a new store.

`Backend` holds the current engine (serve_engine.Engine) and replaces it when it dies, whatever the
cause, or when `evkg build`/`evkg add` installs a new store. `Guard.ask` sends one request and
decides what an engine that stopped under it means: stopped on purpose (another query ran away, its
client hung up, a new store), the request is innocent and is sent again; crashed, it may be the
cause, so it is sent again alone (`Gate`: nothing else in flight), and a request under which the
engine crashes twice, or aborts while it runs alone, fails. `exchange` reads an answer in full, within the time limit, watching for
the client hanging up.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EvkgError
from .query_safety import DEFAULT_LIMITS, QueryLimits
from .serve_engine import Engine, store_identity

STALE_S = 0.1  # a kept-alive connection that fails sooner than this after sending was stale
MAX_STOPS = 5  # restarts on purpose (another query ran away, a new store) a query may live through

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
    """No engine can take the request now (restarting, shutting down, a suspect running alone)."""


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
        again alone (one suspect at a time), and a query under which the engine crashes twice, or
        aborts while it runs alone, fails."""
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
                return text_answer(503, f"{e}\n")
            except _Stopped as e:
                died = engine.wait_exit(2.0)  # alive: it dropped the connection (no memory left for a thread)
                if died and engine.stop_reason in (None, "crash") and not isinstance(e, _NotSent):
                    crashes += 1
                    # the second crash under it, or a crash of its own making while it ran alone: the cause
                    if crashes == 2 or (getattr(e, "alone", False) and engine.crashed_by_itself):
                        return self._failed(engine)
                else:
                    stops += 1
                    if stops == MAX_STOPS:
                        break
        return text_answer(503, "the SPARQL engine kept stopping under this query; try again in a moment\n")

    def _once(self, engine: Engine, request: bytes, client: socket.socket | None) -> Answer | None:
        s = self.settings
        started = time.monotonic()
        deadline = started + s.limit_s
        start = engine.begin()
        try:
            for _ in range(2):
                try:
                    sock, reused = engine.take()
                except OSError as e:
                    raise _NotSent(str(e)) from None
                sent = time.monotonic()
                try:
                    status, reason, headers, body, keep = exchange(sock, request, deadline, client, s.max_answer)
                except _Stopped as e:
                    sock.close()
                    # a kept-alive connection that fails at once was stale (its engine had died before):
                    # drop them all, then one fresh try; one that fails later failed under this request
                    if reused and time.monotonic() - sent < STALE_S:
                        engine.drop_idle()
                        if engine.alive() and engine.stop_reason is None:
                            continue
                        raise _NotSent(str(e)) from None
                    raise
                except _TimedOut:
                    sock.close()
                    self.backend.stop_engine(engine, "timeout")
                    return text_answer(503, f"query stopped: it ran longer than the {s.limit_s:g} s limit\n")
                except _ClientGone:
                    sock.close()
                    if time.monotonic() - started >= s.cancel_after_s:
                        self.backend.stop_engine(engine, "cancelled")
                    return None
                except _TooLarge:
                    sock.close()
                    return text_answer(503, f"query stopped: its answer is larger than {s.max_answer // (1024 * 1024)} MB; "
                                      "add a LIMIT or select fewer columns\n")
                except (ValueError, IndexError):
                    sock.close()
                    return text_answer(502, "the SPARQL engine sent a malformed answer\n")
                if keep:
                    engine.give_back(sock)
                else:
                    sock.close()
                broken = _broken_answer(status, headers, body)
                if broken:
                    return text_answer(502, f"the SPARQL engine failed in the middle of its answer: {broken}\n")
                return Answer(status, headers, body, reason)
            raise _NotSent("no connection")
        except _Stopped as e:
            e.alone = engine.was_alone(start)
            raise
        finally:
            engine.end()

    def _failed(self, engine: Engine) -> Answer:
        engine.wait_exit(2.0)
        if engine.ran_out_of_memory:
            return text_answer(503, f"query stopped: the SPARQL engine ran out of its {self.settings.memory_mb} MB "
                                    "memory limit (it was restarted)\n")
        return text_answer(502, "the SPARQL engine crashed while running this query (it was restarted); "
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


def text_answer(status: int, text: str, extra: dict[str, str] | None = None) -> Answer:
    return Answer(status, [("Content-Type", "text/plain; charset=utf-8"), *(extra or {}).items()], text.encode())
