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


def remove(path: Path) -> None:
    """Delete a file, a symlink (never what it points to) or a folder; nothing if it is not there."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path)


class InvalidJournal(Exception):
    pass


class Transaction:
    """Paths of one update; `journal` is where its commit record goes.

    The record holds paths relative to the project: the staged data files (under .evkg/staged/)
    and where they go (under data/), and the staged dist.new/. Recovery checks a record before acting
    on it: a journal that names anything else was not written by evkg and is set aside, not executed."""

    def __init__(self, project: Project):
        self.project = project
        self.root = project.root
        self.state = project.root / STATE_DIR
        self.journal = self.state / "journal.json"
        self.staging = self.state / "staged"
        self.staged_dist = project.dist.with_name(project.dist.name + ".new")
        self.old_dist = project.dist.with_name(project.dist.name + ".old")

    def stage_path(self, name: str) -> Path:
        """Where an update writes a data file before committing it (outside data/)."""
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging / name

    def _relative(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def commit(self, moves: list[tuple[Path, Path]]) -> None:
        """Record the data-file moves and the staged dist/, then apply them."""
        record = {"moves": [[self._relative(a), self._relative(b)] for a, b in moves],
                  "dist": self._relative(self.staged_dist)}
        self.state.mkdir(exist_ok=True)
        write_atomic(self.journal, json.dumps(record).encode())
        crash_point("journal-written")
        self.apply(record)

    def _inside(self, value, *folders: Path) -> Path:
        """`value` as a path in one of `folders` of this project (links resolved), or InvalidJournal."""
        if not isinstance(value, str) or not value or "\0" in value:
            raise InvalidJournal(f"{value!r} is not a path")
        path = Path(value) if Path(value).is_absolute() else self.root / value
        resolved = path.resolve()
        for folder in folders:
            if resolved != folder.resolve() and resolved.is_relative_to(folder.resolve()):
                return path
        raise InvalidJournal(f"{value} is outside {' and '.join(f.relative_to(self.root).as_posix() for f in folders)}")

    def check(self, record) -> list[tuple[Path, Path]]:
        """The moves of a journal record, if it is one evkg could have written."""
        if not isinstance(record, dict) or set(record) != {"moves", "dist"}:
            raise InvalidJournal("it does not hold exactly 'moves' and 'dist'")
        if not isinstance(record["moves"], list):
            raise InvalidJournal("'moves' is not a list")
        dist = self.root / record["dist"] if isinstance(record["dist"], str) else None
        if dist is None or Path(os.path.normpath(dist)) != self.staged_dist:
            raise InvalidJournal(f"'dist' is {record['dist']!r}, not {self.staged_dist.name}")
        moves = []
        data = self.root / "data"
        for move in record["moves"]:
            if not (isinstance(move, list) and len(move) == 2):
                raise InvalidJournal(f"move {move!r} is not a pair of paths")
            src, dst = self._inside(move[0], self.staging, data), self._inside(move[1], data)
            if dst.suffix != ".ttl" or dst.name.startswith("."):
                raise InvalidJournal(f"{move[1]} is not a data file")
            moves.append((src, dst))
        return moves

    def apply(self, record: dict) -> None:
        """Finish a committed update; safe to run again after a crash at any point inside."""
        for src, dst in self.check(record):
            if src.is_file() and not src.is_symlink():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                _fsync_dir(dst.parent)
        crash_point("data-moved")
        dist, staged = self.project.dist, self.staged_dist
        if staged.is_dir() and not staged.is_symlink():
            if dist.exists() or dist.is_symlink():  # whatever is there: a folder, a stray file, a link
                remove(self.old_dist)
                dist.rename(self.old_dist)
                crash_point("dist-set-aside")
            staged.rename(dist)
            _fsync_dir(dist.parent)
        crash_point("dist-swapped")
        remove(self.old_dist)
        remove(self.staging)
        self.journal.unlink(missing_ok=True)

    def rollback(self) -> None:
        """Undo an update that was not committed: its staged data files and dist.new/ go."""
        remove(self.staging)
        remove(self.staged_dist)

    def recover(self) -> str | None:
        """Roll a committed update forward or an uncommitted one back. Returns what was done."""
        done = []
        if self.journal.exists() or self.journal.is_symlink():
            try:
                record = json.loads(self.journal.read_text())
                self.check(record)
            except (OSError, ValueError, InvalidJournal) as e:
                rejected = self.journal.with_name("journal.rejected.json")
                self.journal.replace(rejected)
                done.append(f"set aside an invalid journal ({e}), without acting on it: "
                            f"{rejected.relative_to(self.root)}")
            else:
                self.apply(record)
                return "finished an interrupted update"
        if self._stray_files() or self.staged_dist.exists() or self.staged_dist.is_symlink() or self.staging.exists():
            for tmp in self._stray_files():
                tmp.unlink()
            self.rollback()
            done.append("discarded an interrupted update")
        if self.old_dist.exists() or self.old_dist.is_symlink():
            if not self.project.dist.exists() and self.old_dist.is_dir() and not self.old_dist.is_symlink():
                self.old_dist.rename(self.project.dist)
            else:
                remove(self.old_dist)
            done.append("cleaned up after an interrupted update")
        for odd in self._stray_folders():
            done.append(f"left {odd.relative_to(self.root)} alone: a folder evkg did not make (remove it yourself)")
        dist = self.project.dist
        if dist.is_symlink() or (dist.exists() and not dist.is_dir()):
            done.append(f"{dist.name} is not a folder; 'evkg build' replaces it")
        return "; ".join(done) or None

    def _stray_files(self) -> list[Path]:
        """Data files an interrupted update of an earlier evkg left (hidden, ending in .tmp)."""
        return [p for p in self.root.joinpath("data").rglob(".*.tmp") if p.is_file() or p.is_symlink()]

    def _stray_folders(self) -> list[Path]:
        return [p for p in self.root.joinpath("data").rglob(".*.tmp") if p.is_dir() and not p.is_symlink()]

    def pending(self) -> bool:
        return (self.journal.exists() or self.journal.is_symlink() or self.staged_dist.exists()
                or self.staged_dist.is_symlink() or self.old_dist.exists() or self.old_dist.is_symlink()
                or self.staging.exists() or bool(self._stray_files()))


@contextlib.contextmanager
def locked(project: Project, timeout: float = 120.0, wait: bool = True):
    """Hold the project's exclusive update lock; concurrent writers wait their turn (up to `timeout`).
    With `wait` False, yield None at once if another process holds it."""
    state = project.root / STATE_DIR
    state.mkdir(exist_ok=True)
    fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    held = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if not wait:
                    break
                if time.monotonic() > deadline:
                    raise EvkgError(f"another evkg update holds {state / 'lock'}; gave up after {timeout:.0f} s") from None
                time.sleep(0.1)
        yield Transaction(project) if held else None
    finally:
        if held:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def recover_if_needed(project: Project, wait: bool = False, force: bool = False) -> str | None:
    """Called before any command: repair the state an interrupted update left. Without `wait`, a
    running update (the lock is held) is left to finish: readers see the dist/ it has not replaced yet.
    With `force` (`evkg recover`), look even when nothing seems pending, and name what is odd."""
    if not force and not Transaction(project).pending():
        return None
    with locked(project, wait=wait) as txn:
        return txn.recover() if txn is not None else None
