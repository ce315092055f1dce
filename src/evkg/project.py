"""Where a project's sources and built artefacts live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import EvkgError

SOURCE_DIRS = ("ontology", "data", "mappings")


@dataclass(frozen=True)
class Project:
    """A project tree: sources under ontology/, data/, mappings/; artefacts under dist/."""

    root: Path

    @classmethod
    def locate(cls, root: str | os.PathLike | None = None) -> "Project":
        """Use `root`, else $EVKG_ROOT, else the nearest folder above the working directory
        that holds ontology/evkg.ttl, else the tree this package was installed from."""
        candidates = []
        if root is not None:
            candidates.append(Path(root))
        elif os.environ.get("EVKG_ROOT"):
            candidates.append(Path(os.environ["EVKG_ROOT"]))
        else:
            here = Path.cwd().resolve()
            candidates.extend([here, *here.parents])
            candidates.append(Path(__file__).resolve().parents[2])
        for c in candidates:
            if (c / "ontology" / "evkg.ttl").is_file():
                return cls(c.resolve())
        raise EvkgError(
            f"no evkg project found (looked for ontology/evkg.ttl in {candidates[0]}"
            + (" and above" if root is None else "") + "); pass --root or set EVKG_ROOT")

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def rules(self) -> Path:
        return self.root / "ontology" / "rules"

    def source_files(self) -> list[Path]:
        """Every Turtle source, in a stable order (ontology first)."""
        files: list[Path] = []
        for d in SOURCE_DIRS:
            base = self.root / d
            if base.is_dir():
                files.extend(sorted(p for p in base.rglob("*.ttl") if p.is_file()))
        return files
