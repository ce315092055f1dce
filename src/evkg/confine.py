"""Confining a child process: no network, bounded memory, and death with its parent.

The SPARQL engines (the Oxigraph server behind `evkg serve`, and pyoxigraph running a query for the
CLI) get their own empty network namespace when the system allows one (Linux with unprivileged
user namespaces): nothing outside can reach them, and they can reach nothing, whatever a query says.
Elsewhere isolate_network says why not: the engine behind `evkg serve` then listens on a loopback
port (and says so), and a CLI query relies on the check of its text (query_safety.py) alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import resource
import signal
import socket
import struct
import sys

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
PR_SET_PDEATHSIG = 1
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MB = 1024 * 1024


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def isolate_network() -> str | None:
    """Move the calling (single-threaded) process into a new user and network namespace holding only
    a loopback interface. Returns None on success, else why it could not (the process is unchanged)."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    uid, gid = os.getuid(), os.getgid()
    try:
        if hasattr(os, "unshare"):
            os.unshare(CLONE_NEWUSER | CLONE_NEWNET)
        elif _libc().unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            return f"unshare: {os.strerror(err)}"
    except OSError as e:
        return f"unshare: {e.strerror}"
    try:  # keep our own identity inside the namespace
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    except OSError:
        pass  # unmapped ids still work for reading files we own
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            ifreq = struct.pack("16sH", b"lo", 0)
            flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq + b"\0" * 22)[:18])[1]
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP) + b"\0" * 22)
    except OSError as e:
        return f"cannot bring up the loopback interface: {e.strerror}"
    return None


def limit_memory(megabytes: int | None, relative: bool = True) -> None:
    """Cap the address space at `megabytes` more than the process holds now (or at `megabytes` in
    all, for a process about to exec). None: no cap. An allocation beyond it fails: Oxigraph aborts,
    pyoxigraph raises MemoryError."""
    if not megabytes:
        return
    current = 0
    if relative:
        try:
            with open("/proc/self/statm") as f:
                current = int(f.read().split()[0]) * resource.getpagesize()
        except (OSError, ValueError, IndexError):
            pass
    limit = current + megabytes * MB
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def confine_exec(memory_mb: int | None) -> None:
    """preexec_fn for an engine started from a single-threaded parent: memory cap, dies with the parent."""
    die_with_parent()
    limit_memory(memory_mb, relative=False)


class ChildFailed(Exception):
    """The confined child did not return a result: it timed out, was killed, or crashed."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


def run_confined(fn, timeout: float, memory_mb: int | None = None, isolate: bool = True):
    """Run `fn()` in a forked child (no network if `isolate` and the system allows it, memory capped)
    and return its result; the child is killed when `timeout` seconds pass. Exceptions raised by
    `fn` are raised here; ChildFailed says why there is no result ('timeout', 'memory', 'crash')."""
    import faulthandler
    import pickle
    import select
    import time

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_fd)
            # the parent says what went wrong, in one line: no engine message or fault dump of ours
            faulthandler.disable()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            die_with_parent()
            if isolate:
                isolate_network()
            limit_memory(memory_mb)
            try:
                payload = pickle.dumps(("ok", fn()))
            except MemoryError:
                payload = pickle.dumps(("memory", None))
            except BaseException as e:  # sent to the parent, which raises it
                try:
                    payload = pickle.dumps(("error", e))
                except Exception:
                    payload = pickle.dumps(("error", RuntimeError(str(e))))
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:
            status = 1
        os._exit(status)
    os.close(write_fd)
    chunks, deadline, done = [], time.monotonic() + timeout, False
    try:
        while not done:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildFailed("timeout")
            if select.select([read_fd], [], [], min(left, 1.0))[0]:
                chunk = os.read(read_fd, 1 << 20)
                done = not chunk
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not done:
            os.kill(pid, signal.SIGKILL)
        _, wait_status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        if os.WIFSIGNALED(wait_status):
            sig = os.WTERMSIG(wait_status)
            raise ChildFailed("memory" if sig == signal.SIGABRT and memory_mb else "crash", signal.Signals(sig).name)
        raise ChildFailed("crash", f"exit status {os.WEXITSTATUS(wait_status)}")
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "memory":
        raise ChildFailed("memory")
    raise value
