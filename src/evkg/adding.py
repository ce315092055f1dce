"""`evkg add`: validate new facts with the graph and, only if they conform, place them in data/ and rebuild."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .build import _stderr, compile_graph, publish
from .increment import can_update, stage_update
from .namespaces import PREFIXES
from .project import Project
from .transaction import crash_point, locked, write_atomic
from .validation import ValidationReport, judge_submission

ADDED_DIR = Path("data") / "added"


@dataclass
class AddResult:
    report: ValidationReport
    path: Path | None  # where the facts were placed; None when they were rejected
    how: str = ""  # how dist/ was brought up to date, in words: rebuilt, or updated (and what was re-reasoned)


def _target(project: Project, source: Path) -> Path:
    """A free file name in data/added/ derived from the submitted file's name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", source.stem).strip("-.") or "facts"
    folder = project.root / ADDED_DIR
    candidate, n = folder / f"{stem}.ttl", 2
    while candidate.exists():
        candidate, n = folder / f"{stem}-{n}.ttl", n + 1
    return candidate


def add_facts(project: Project, source: Path, fmt: str | None = None, reason: bool = True,
              progress: Callable[[str], None] = _stderr, rebuild: bool = False) -> AddResult:
    """Judge `source` as `evkg validate` does; if it conforms, install it as Turtle under data/added/ and
    update dist/: in place of a rebuild when dist/ is a build of today's sources (increment.py), else
    (or with `rebuild`) by rebuilding.

    The new file and dist/ are staged outside data/ and dist/ and committed through the journal: on
    any failure (syntax, violation, inconsistency, interruption) data/ and dist/ stay as they were,
    byte for byte, at once."""
    with locked(project) as txn:
        txn.recover()
        progress(f"validating {source}")
        report, new, judgement = judge_submission(project, [source], fmt, reason=reason, progress=progress)
        if not report.conforms:
            return AddResult(report, None)
        target = _target(project, source)
        dist = project.dist.relative_to(project.root)
        for prefix, ns in PREFIXES.items():
            new.bind(prefix, ns, override=True)
        staged = txn.stage_path(target.name)
        try:
            content = new.serialize(format="turtle", encoding="utf-8")
            write_atomic(staged, content)
            crash_point("data-staged")
            if not rebuild and judgement is not None and can_update(judgement):
                stage_update(project, judgement, target, content, txn.staged_dist, progress)
                progress(f"replacing {project.dist.relative_to(project.root)}/")
                txn.commit([(staged, target)])
                how = f"updated {dist}/ without a rebuild" + (f" (reasoned: {judgement.reasoned})" if judgement.reasoned else "")
            else:
                result = compile_graph(project, reason=reason, progress=progress, extra_files=[staged],
                                       staging=txn.staged_dist)
                publish(result, txn, progress, moves=[(staged, target)])
                how = f"rebuilt {dist}/"
        except BaseException:
            if not txn.journal.exists():  # not committed: nothing of it may remain
                txn.rollback()
            raise
        return AddResult(report, target, how)
