"""Every benchmark script still runs: each at a tiny size, no timing asserted, so a new canned query or a
changed API breaks the suite rather than the next measurement."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"

# Each script's arguments for a run of a few seconds; `{out}` is a file in a temporary folder (never
# benchmarks/*.md). A new script needs its line here: the test below fails until it has one.
SMOKE: dict[str, list[str]] = {
    "add.py": ["--sizes", "10000", "--runs", "1", "--rebuild-up-to", "0", "--out", "{out}"],  # the submission needs a synthetic jurisdiction
    "advise.py": ["--runs", "1", "--out", "{out}"],
    "agreement.py": ["--engines", "evkg-serve", "--out", "{out}"],
    "build.py": ["--sizes", "--runs", "1", "--old-up-to", "0"],
    "engines.py": ["--sizes", "0", "--runs", "1", "--out", "{out}"],
    "generate.py": ["10"],
    "query_backends.py": ["--smoke", "--rdflib-up-to", "0", "--out", "{out}"],  # rdflib can pass its cap (closing note)
    "reasoning.py": ["--sizes", "--runs", "1", "--hermit-up-to", "-1", "--modules-up-to", "-1", "--rl-up-to", "-1"],
    "report.py": ["--runs", "1", "--out", "{out}"],
    "serve_guard.py": ["--queries", "5", "--clients", "1", "--out", "{out}"],
    "validate_submission.py": ["--runs", "1", "--facts", "10"],
}
# What a script needs that a machine may lack: (program, why the run is skipped without it)
NEEDS: dict[str, tuple[str, str]] = {
    "engines.py": ("virtuoso-t", "Virtuoso is not installed (apt-get install virtuoso-opensource)"),
}


@pytest.fixture(scope="module")
def built():
    """The benchmarks read the checkout's own dist/ (as their docstrings say: run `evkg build` first)."""
    if not (ROOT / "dist" / "store").is_dir() or not (ROOT / "dist" / "evkg-inferred.nt").is_file():
        from evkg.cli import main

        assert main(["--root", str(ROOT), "build"]) == 0


def scripts() -> list[str]:
    """The runnable benchmark scripts (a helper module such as timing.py has no __main__ block)."""
    return sorted(p.name for p in BENCHMARKS.glob("*.py") if '__name__ == "__main__"' in p.read_text(encoding="utf-8"))


def test_every_script_has_smoke_arguments():
    missing = [s for s in scripts() if s not in SMOKE]
    assert not missing, f"add tiny-size arguments for {missing} to SMOKE in tests/test_benchmarks.py"


@pytest.mark.parametrize("script", [s for s in scripts() if s in SMOKE])
def test_script_runs_at_a_tiny_size(script, built, tmp_path):
    need = NEEDS.get(script)
    if need and not shutil.which(need[0]):
        pytest.skip(need[1])
    out = tmp_path / "out.md"
    args = [a.replace("{out}", str(out)) for a in SMOKE[script]]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)  # a busy machine; still bounded
    assert done.returncode == 0, f"{script} {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    written = out.read_text(encoding="utf-8") if out.exists() else done.stdout
    assert written.strip(), f"{script} printed no result"
    if script == "query_backends.py":  # every canned query was measured
        from query_cases import all_cases, case_id
        from evkg.catalogue import load_catalogue
        from evkg.project import Project

        federated = {n for n, q in load_catalogue(Project(ROOT)).items() if q.federated}
        for name, params in all_cases():
            if name not in federated:
                assert f"| {case_id(name, params)} |" in written
