"""Crash-safe updates of data/ and dist/: an exclusive lock, a roll-forward journal, recovery.

An update first writes everything it will install under temporary names (a data file ending in
.tmp, which the build ignores, and a complete dist.new/). Writing the journal is the commit point:
before it, recovery deletes the temporaries (the update never happened); after it, recovery
finishes the renames (the update happened in full). Every evkg command recovers first, so a crash
or SIGKILL at any moment leaves data/ and dist/ either as before or fully updated.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import time
from pathlib import Path

from .errors import EvkgError
from .project import Project

STATE_DIR = ".evkg"


def crash_point(name: str) -> None:
    """Test hook: EVKG_CRASH_AT=<name> kills the process here, as a SIGKILL would."""
    if os.environ.get("EVKG_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old content or the new, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class Transaction:
    """Paths of one update; `journal` is where its commit record goes."""

    def __init__(self, project: Project):
        self.project = project
        self.state = project.root / STATE_DIR
        self.journal = self.state / "journal.json"
        self.staged_dist = project.dist.with_name(project.dist.name + ".new")
        self.old_dist = project.dist.with_name(project.dist.name + ".old")

    def commit(self, moves: list[tuple[Path, Path]]) -> None:
        """Record the data-file moves and the staged dist/, then apply them."""
        record = {"moves": [[str(a), str(b)] for a, b in moves], "dist": str(self.staged_dist)}
        self.state.mkdir(exist_ok=True)
        write_atomic(self.journal, json.dumps(record).encode())
        crash_point("journal-written")
        self.apply(record)

    def apply(self, record: dict) -> None:
        """Finish a committed update; safe to run again after a crash at any point inside."""
        for src, dst in record.get("moves", []):
            if Path(src).exists():
                os.replace(src, dst)
                _fsync_dir(Path(dst).parent)
        crash_point("data-moved")
        dist, staged = self.project.dist, Path(record["dist"])
        if staged.exists():
            if dist.exists():
                shutil.rmtree(self.old_dist, ignore_errors=True)
                dist.rename(self.old_dist)
                crash_point("dist-set-aside")
            staged.rename(dist)
            _fsync_dir(dist.parent)
        crash_point("dist-swapped")
        shutil.rmtree(self.old_dist, ignore_errors=True)
        self.journal.unlink(missing_ok=True)

    def recover(self) -> str | None:
        """Roll a committed update forward or an uncommitted one back. Returns what was done."""
        if self.journal.exists():
            try:
                record = json.loads(self.journal.read_text())
            except (OSError, ValueError):
                record = None
            if record is not None:
                self.apply(record)
                return "finished an interrupted update"
            self.journal.unlink()
        done = None
        for tmp in self.project.root.joinpath("data").rglob(".*.tmp"):
            tmp.unlink()
            done = "discarded an interrupted update"
        if self.staged_dist.exists():
            shutil.rmtree(self.staged_dist)
            done = "discarded an interrupted update"
        if self.old_dist.exists():
            if not self.project.dist.exists():
                self.old_dist.rename(self.project.dist)
            else:
                shutil.rmtree(self.old_dist)
            done = done or "cleaned up after an interrupted update"
        return done

    def pending(self) -> bool:
        return (self.journal.exists() or self.staged_dist.exists() or self.old_dist.exists()
                or any(self.project.root.joinpath("data").rglob(".*.tmp")))


@contextlib.contextmanager
def locked(project: Project, timeout: float = 120.0):
    """Hold the project's exclusive update lock; concurrent writers wait their turn."""
    state = project.root / STATE_DIR
    state.mkdir(exist_ok=True)
    fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EvkgError(f"another evkg update holds {state / 'lock'}; gave up after {timeout:.0f} s") from None
                time.sleep(0.1)
        yield Transaction(project)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def recover_if_needed(project: Project) -> str | None:
    """Called before any command: repair the state an interrupted update left."""
    if not Transaction(project).pending():
        return None
    with locked(project) as txn:
        return txn.recover()
