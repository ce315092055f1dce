"""State that always recovers: wedged or planted states never crash a command, never move anything
outside the project, and `evkg report` replaces only what it made."""

import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evkg.errors import EvkgError
from evkg.site import generate_site

from test_hostile_submissions import built, root  # noqa: F401 (fixtures: a fresh copy of the built project)

ASK = "ASK { ?s ?p ?o }"


@pytest.fixture
def outside(tmp_path):
    """Files outside the project that a planted state tries to reach."""
    out = tmp_path / "outside"
    (out / "evil-dist").mkdir(parents=True)
    (out / "victim.txt").write_text("victim")
    (out / "evil-dist" / "x").write_text("evil")
    return out


def evkg(root: Path, *args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evkg.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout)


def tree(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(path.rglob("*"))}


def answers(root: Path) -> None:
    r = evkg(root, "sparql", ASK)
    assert r.returncode == 0 and r.stdout.strip() == "true" and "Traceback" not in r.stderr, r.stderr


def test_a_stray_temporary_folder_in_data_is_named_not_fatal(root):
    (root / "data" / ".bak.tmp").mkdir()
    (root / "data" / ".bak.tmp" / "keep.txt").write_text("mine")
    answers(root)
    r = evkg(root, "recover")
    assert r.returncode == 0 and "left data/.bak.tmp alone" in r.stdout
    assert (root / "data" / ".bak.tmp" / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("record", [
    {"moves": []},
    {"dist": "dist.new"},
    {"moves": "data/x.ttl", "dist": "dist.new"},
    ["not", "a", "record"],
    "{not json",
], ids=["no-dist", "no-moves", "moves-not-a-list", "a-list", "not-json"])
def test_a_journal_without_its_keys_is_set_aside(root, record):
    (root / ".evkg").mkdir(exist_ok=True)
    (root / ".evkg" / "journal.json").write_text(record if isinstance(record, str) else json.dumps(record))
    r = evkg(root, "sparql", ASK)
    assert r.returncode == 0 and "set aside an invalid journal" in r.stderr and "Traceback" not in r.stderr
    assert not (root / ".evkg" / "journal.json").exists() and (root / ".evkg" / "journal.rejected.json").exists()
    answers(root)


def test_a_planted_journal_with_absolute_paths_moves_nothing(root, outside):
    before_outside, before_dist = tree(outside), tree(root / "dist")
    (root / ".evkg").mkdir(exist_ok=True)
    for record in (
        {"moves": [[str(outside / "victim.txt"), str(root / "data" / "stolen.ttl")]], "dist": str(outside / "evil-dist")},
        {"moves": [[str(outside / "victim.txt"), str(root / "data" / "stolen.ttl")]], "dist": str(root / "dist.new")},
        {"moves": [[".evkg/staged/../../../outside/victim.txt", "data/stolen.ttl"]], "dist": "dist.new"},
        {"moves": [[".evkg/staged/x.ttl", "data/../../outside/planted.ttl"]], "dist": "dist.new"},
        {"moves": [[".evkg/staged/x.ttl", "data/added/x.sh"]], "dist": "dist.new"},
        {"moves": [], "dist": "../outside/evil-dist"},
    ):
        (root / ".evkg" / "journal.json").write_text(json.dumps(record))
        r = evkg(root, "recover")
        assert r.returncode == 0 and "without acting on it" in r.stdout, (record, r.stdout, r.stderr)
    assert tree(outside) == before_outside
    assert tree(root / "dist") == before_dist
    assert not (root / "data" / "stolen.ttl").exists()
    answers(root)


def test_a_journal_of_an_earlier_evkg_with_absolute_paths_inside_the_project_is_finished(root):
    """Journals written before paths became relative still roll forward."""
    added = root / "data" / "added"
    added.mkdir()
    staged = added / ".x.ttl.tmp"
    staged.write_text((Path(__file__).parent / "shapes" / "accept-example-jurisdiction.ttl").read_text())
    shutil.copytree(root / "dist", root / "dist.new")
    (root / ".evkg").mkdir(exist_ok=True)
    (root / ".evkg" / "journal.json").write_text(json.dumps(
        {"moves": [[str(staged), str(added / "x.ttl")]], "dist": str(root / "dist.new")}))
    r = evkg(root, "recover")
    assert r.returncode == 0 and r.stdout.strip() == "finished an interrupted update"
    assert (added / "x.ttl").is_file() and not staged.exists() and not (root / "dist.new").exists()


@pytest.mark.parametrize("kind", ["file", "symlink-outside"])
def test_a_dist_of_the_wrong_type_is_rebuilt(root, outside, kind):
    shutil.rmtree(root / "dist")
    if kind == "file":
        (root / "dist").write_text("not a folder")
    else:
        (root / "dist").symlink_to(outside / "evil-dist")
    before_outside = tree(outside)
    r = evkg(root, "sparql", ASK)
    assert r.returncode == 2 and "run 'evkg build' first" in r.stderr and "Traceback" not in r.stderr
    r = evkg(root, "recover")
    assert r.returncode == 0 and "dist is not a folder" in r.stdout
    r = evkg(root, "build", "--no-reason")
    assert r.returncode == 0, r.stderr
    assert (root / "dist").is_dir() and not (root / "dist").is_symlink()
    assert tree(outside) == before_outside
    assert not (root / "dist.old").exists() and not (root / "dist.old").is_symlink()
    answers(root)


def test_planted_staging_links_are_removed_not_followed(root, outside):
    before = tree(outside)
    (root / "dist.new").symlink_to(outside / "evil-dist")
    (root / "dist.old").symlink_to(outside)
    r = evkg(root, "recover")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert not (root / "dist.new").is_symlink() and not (root / "dist.old").is_symlink()
    assert tree(outside) == before
    answers(root)


def test_readers_do_not_wait_for_a_writer(root):
    """An update in progress (lock held, staged dist.new/ present) is not an interrupted one: a query
    answers from the current dist/ at once instead of waiting up to 120 s for the lock."""
    (root / "dist.new").mkdir()
    (root / ".evkg").mkdir(exist_ok=True)
    fd = os.open(root / ".evkg" / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        t = time.monotonic()
        answers(root)
        assert time.monotonic() - t < 60
        assert (root / "dist.new").exists(), "left to the writer"
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    r = evkg(root, "recover")
    assert "discarded an interrupted update" in r.stdout and not (root / "dist.new").exists()


# --- evkg report --------------------------------------------------------------------------------------

def test_report_does_not_wipe_a_directory_holding_a_planted_marker(project, tmp_path):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    for marker in ("made by evkg report; the whole directory is replaced on the next run\n",
                   json.dumps({"files": {}}), json.dumps({"files": {"thesis.tex": "0" * 64}})):
        (mine / ".evkg-report").write_text(marker)
        with pytest.raises(EvkgError, match="not a report made by 'evkg report'"):
            generate_site(project, mine)
        assert (mine / "thesis.tex").read_text() == "years of work"


def test_report_replaces_its_own_report_only_while_unchanged_and_with_normal_permissions(project, tmp_path):
    out = generate_site(project, tmp_path / "site").out
    mode = stat.S_IMODE(out.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask, oct(mode)
    generate_site(project, out)  # an unchanged earlier report is replaced
    (out / "notes.txt").write_text("added by hand")
    with pytest.raises(EvkgError, match="notes.txt"):
        generate_site(project, out)
    assert (out / "notes.txt").read_text() == "added by hand"
