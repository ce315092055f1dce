"""`evkg serve`: a read-only SPARQL 1.1 endpoint over the built graph.

The endpoint is Oxigraph's own server (`oxigraph serve-read-only`, from the `oxigraph` package) on
an internal loopback port. In front of it sits a thin guard that forwards requests and enforces the
query time limit: Oxigraph's --timeout-s does not interrupt every query (an ORDER BY over a large
cartesian product kept it busy for 30 s and more), and a timed-out answer can come back as a
truncated HTTP 200. So the guard reads each answer in full before passing it on; when the limit
passes first, it kills the Oxigraph process, starts a fresh one on the same store (read-only, so
nothing is lost) and answers 503. A runaway query cannot hold the endpoint longer than the limit.
"""

from __future__ import annotations

import http.client
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .errors import EvkgError
from .project import Project

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(exe).exists():
        raise EvkgError("the 'oxigraph' server is not installed (pip install 'oxigraph>=0.5,<0.6')")
    return exe


class Backend:
    """One Oxigraph read-only server process; restartable."""

    def __init__(self, store: Path, timeout_s: float):
        self.store, self.timeout_s = store, timeout_s
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self.generation = 0

    def start(self) -> None:
        # Oxigraph's own timeout is set above the guard's, so the guard always decides first.
        self.proc = subprocess.Popen(
            [oxigraph_binary(), "serve-read-only", "--location", str(self.store),
             "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(int(self.timeout_s) + 5)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace").strip().splitlines()
                raise EvkgError(f"oxigraph failed to start: {err[-1] if err else 'exit code ' + str(self.proc.returncode)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise EvkgError("oxigraph did not start listening within 20 s")

    def restart(self, seen_generation: int) -> None:
        with self.lock:
            if self.generation != seen_generation:  # another thread already restarted it
                return
            self.stop()
            self.start()
            self.generation += 1

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def make_handler(backend: Backend, limit_s: float):
    class Guard(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet by default; errors still reach the client
            pass

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
            generation = backend.generation
            deadline = time.monotonic() + limit_s
            try:
                conn = http.client.HTTPConnection("127.0.0.1", backend.port, timeout=limit_s)
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                chunks = []
                while True:
                    if time.monotonic() > deadline:
                        raise socket.timeout
                    conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
                    chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                payload = b"".join(chunks)
                conn.close()
            except (socket.timeout, TimeoutError):
                backend.restart(generation)
                return self._reply(503, f"query stopped: it ran longer than the {limit_s:g} s limit\n")
            except OSError:
                return self._reply(502, "the SPARQL backend is restarting; try again\n")
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _reply(self, status: int, text: str):
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = _forward

    return Guard


class Endpoint:
    """The guarded endpoint: start(), url, stop(). Usable from tests and from the CLI."""

    def __init__(self, project: Project, host: str = "127.0.0.1", port: int = 7878, limit_s: float = 10.0):
        store = project.dist / "store"
        if not store.is_dir():
            raise EvkgError(f"no built graph at {store}; run 'evkg build' first")
        self.host, self.port, self.limit_s = host, port, limit_s
        self.backend = Backend(store.resolve(), limit_s)
        try:
            self.server = http.server.ThreadingHTTPServer((host, port), make_handler(self.backend, limit_s))
        except OSError as e:
            if e.errno in (98, 48):  # EADDRINUSE on Linux, macOS
                raise EvkgError(f"port {port} on {host} is already in use; choose another with --port") from None
            raise EvkgError(f"cannot listen on {host}:{port}: {e.strerror}") from None
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    def start(self) -> "Endpoint":
        self.backend.start()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.backend.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve(project: Project, host: str, port: int, limit_s: float) -> None:
    """Run until Ctrl-C, then stop the backend cleanly."""
    endpoint = Endpoint(project, host, port, limit_s).start()
    print(f"SPARQL endpoint (read-only) at {endpoint.query_url}; query UI at {endpoint.url}/ ; "
          f"queries stopped after {limit_s:g} s; Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stop()
        print("stopped", flush=True)
