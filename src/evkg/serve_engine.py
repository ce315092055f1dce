"""The SPARQL engine behind `evkg serve`: Oxigraph's own read-only server, confined, reached only through the guard.

`python -m evkg.serve_engine` is a small helper process. It moves itself into an empty network
namespace where the system allows it (confine.py), starts `oxigraph serve-read-only` there with a
memory limit, and hands the guard connected sockets to it over a Unix socket in a private folder
(SCM_RIGHTS). Nothing else on the machine can reach that Oxigraph, and Oxigraph can reach nothing
(a SERVICE call fails). When the system has no network namespaces, Oxigraph listens on a loopback
port instead, and the guard says so. The helper exits when Oxigraph exits (the guard then restarts
both) and kills Oxigraph when the guard goes away (its stdin closes), so no process is orphaned.

`Engine` is the guard's side: start, get a connection, stop.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .errors import EvkgError

INTERNAL_PORT = 7878  # inside the private namespace nothing else listens
START_TIMEOUT_S = 30.0


def oxigraph_binary() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(exe).exists():
        raise EvkgError("the 'oxigraph' server is not installed (pip install 'oxigraph>=0.5,<0.6')")
    return exe


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Engine:
    """One helper + Oxigraph pair on one store. `stop_reason` is set when the guard stops it on
    purpose (a runaway query, a cancelled one, a new store, shutdown); a death without one is a crash."""

    def __init__(self, store: Path, memory_mb: int | None, isolate: bool, generation: int):
        self.store, self.memory_mb, self.isolate = store, memory_mb, isolate
        self.generation = generation
        self.proc: subprocess.Popen | None = None
        self.isolated, self.why_not_isolated, self.port, self.oxigraph_pid = False, None, None, None
        self.stop_reason: str | None = None
        self.exit_detail = ""
        self.in_flight = 0
        self.requests = 0  # sent to it so far
        self.idle: list[socket.socket] = []
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._dir: str | None = None
        self.identity = store_identity(store)

    def start(self) -> "Engine":
        self._dir = tempfile.mkdtemp(prefix="evkg-serve-")  # mode 0700: only this user reaches the socket
        sock_path = os.path.join(self._dir, "engine.sock")
        args = [sys.executable, "-m", "evkg.serve_engine", "--store", str(self.store), "--socket", sock_path,
                "--memory-mb", str(self.memory_mb or 0)]
        if self.isolate:
            args.append("--isolate")
        # its own session: a Ctrl-C at the terminal reaches the guard, which stops the engine in order
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        ready = self._read_status(START_TIMEOUT_S)
        if not ready.get("ready"):
            self.stop("failed to start")
            raise EvkgError(f"the SPARQL engine did not start: {ready.get('error') or self.exit_detail or 'no answer'}")
        self.isolated, self.why_not_isolated = ready["isolated"], ready.get("why")
        self.port, self.oxigraph_pid = ready["port"], ready["pid"]
        self._control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._control.connect(sock_path)
        return self

    def _read_status(self, timeout: float) -> dict:
        deadline, line = time.monotonic() + timeout, b""
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            if select.select([self.proc.stdout], [], [], 0.2)[0]:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                line += chunk
        try:
            return json.loads(line) if line else {}
        except ValueError:
            return {"error": line.decode(errors="replace").strip()}

    def connect(self) -> socket.socket:
        """A new connection to this engine's Oxigraph, or OSError if it is gone."""
        with self._lock:
            if self._control is None:
                raise ConnectionError("engine stopped")
            self._control.sendall(b"c")
            msg, fds, _, _ = socket.recv_fds(self._control, 1, 1)
        if not msg:
            raise ConnectionError("engine stopped")
        if not fds:
            raise ConnectionRefusedError("the engine could not connect to oxigraph")
        return socket.socket(fileno=fds[0])

    def take(self) -> tuple[socket.socket, bool]:
        """A kept-alive idle connection (True) or a new one (False)."""
        with self._lock:
            if self.idle:
                return self.idle.pop(), True
        return self.connect(), False

    def give_back(self, sock: socket.socket) -> None:
        with self._lock:
            if self.stop_reason is None and len(self.idle) < 32:
                self.idle.append(sock)
                return
        sock.close()

    def drop_idle(self) -> None:
        with self._lock:
            idle, self.idle = self.idle, []
        for s in idle:
            s.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the engine has exited; True if it has."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        with self._lock:  # the helper has exited: its last words are all there is to read
            if not self.exit_detail:
                try:
                    self.exit_detail = self.proc.stderr.read().decode(errors="replace").strip()[-500:] or "-"
                except (OSError, ValueError):
                    self.exit_detail = "-"
        return True

    @property
    def ran_out_of_memory(self) -> bool:
        return "out of memory" in self.exit_detail

    @property
    def crashed_by_itself(self) -> bool:
        """Died of what a query can cause (an abort, a segmentation fault), not killed from outside."""
        return any(f"signal {name}" in self.exit_detail for name in ("SIGABRT", "SIGSEGV", "SIGBUS", "SIGILL"))

    def begin(self) -> tuple[int, int]:
        """Count a request in: how many were in flight before it, and its number."""
        with self._lock:
            self.in_flight += 1
            self.requests += 1
            return self.in_flight - 1, self.requests

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def was_alone(self, start: tuple[int, int]) -> bool:
        """Whether the request that began with `start` was the only one in flight all along."""
        return start[0] == 0 and self.requests == start[1]

    def stop(self, reason: str, kill: bool = False) -> None:
        """Stop the helper and Oxigraph: closing stdin asks the helper to; a kill of the process group
        (at once with `kill`, e.g. for a runaway query) makes sure."""
        with self._lock:
            self.stop_reason = self.stop_reason or reason
            idle, self.idle = self.idle, []
            control, self._control = self._control, None
        for s in idle + ([control] if control else []):
            s.close()
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
                if kill or not self.wait_exit(2.0):
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                    self.wait_exit(5.0)
            self.wait_exit(0)
            with self._lock:
                for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                    try:
                        f.close()
                    except (OSError, ValueError):
                        pass
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)


def store_identity(store: Path) -> tuple[int, int] | None:
    """Which store directory `store` names now (dist/ is replaced by a rename on every build and add)."""
    try:
        st = os.stat(store)
    except OSError:
        return None
    return st.st_dev, st.st_ino


# --- the helper process ---------------------------------------------------------------------------

def _helper(argv: list[str]) -> int:
    from .confine import confine_exec, isolate_network

    p = argparse.ArgumentParser(prog="python -m evkg.serve_engine")
    p.add_argument("--store", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--memory-mb", type=int, default=0)
    p.add_argument("--isolate", action="store_true")
    a = p.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the guard decides when this process stops

    def status(**fields) -> None:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()

    why = isolate_network() if a.isolate else "SERVICE endpoints were allowed, which needs the network"
    port = INTERNAL_PORT if why is None else free_port()
    try:
        # no --timeout-s: the guard stops queries itself, and Oxigraph's timeout keeps one sleeping thread
        # per query for its whole length (measured: 800 threads at 60 queries/s with 15 s)
        ox = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", a.store,
                               "--bind", f"127.0.0.1:{port}"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              # glibc reserves 64 MB of address space per thread arena: without a cap on
                              # arenas, concurrent requests alone reach the memory limit (measured)
                              env={**os.environ, "MALLOC_ARENA_MAX": "2", "RUST_BACKTRACE": "0"},
                              preexec_fn=lambda: confine_exec(a.memory_mb or None))
    except (OSError, EvkgError) as e:
        status(ready=False, error=str(e))
        return 1
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if ox.poll() is not None:
            err = ox.stderr.read().decode(errors="replace").strip().splitlines()
            status(ready=False, error=err[-1] if err else f"oxigraph exited with code {ox.returncode}")
            return 1
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                ox.kill()
                status(ready=False, error=f"oxigraph did not listen within {START_TIMEOUT_S:g} s")
                return 1
            time.sleep(0.05)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(a.socket)
    listener.listen(8)
    status(ready=True, isolated=why is None, why=why, port=port, pid=ox.pid)
    clients: list[socket.socket] = []
    tail = b""
    out_of_memory = False
    stdin = sys.stdin.buffer
    while ox.poll() is None:
        readable = select.select([listener, stdin, ox.stderr, *clients], [], [], 0.5)[0]
        if stdin in readable and not os.read(stdin.fileno(), 4096):
            break  # the guard went away or asked us to stop
        if ox.stderr in readable:  # keep the end only: it says why Oxigraph stopped, if it does
            tail = tail[-100:] + os.read(ox.stderr.fileno(), 65536)
            out_of_memory = out_of_memory or b"memory allocation of" in tail
            tail = tail[-2000:]
        if listener in readable:
            clients.append(listener.accept()[0])
        for c in [c for c in clients if c in readable]:
            if not c.recv(1):
                clients.remove(c)
                c.close()
                continue
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                c.sendall(b"E")
                continue
            socket.send_fds(c, [b"c"], [conn.fileno()])
            conn.close()
    if ox.poll() is None:
        ox.kill()
    ox.wait()
    rest = tail + ox.stderr.read()
    out_of_memory = out_of_memory or b"memory allocation of" in rest
    code = ox.returncode
    why_exit = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
    print(f"oxigraph stopped ({why_exit}){', out of memory' if out_of_memory else ''}: "
          f"{rest.decode(errors='replace').strip()[-300:]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_helper(sys.argv[1:]))
