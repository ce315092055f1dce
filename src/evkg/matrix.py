"""The comparison matrix pivoted for people: one row per jurisdiction, one column per aspect
(authority, classification, pathways ...), each cell the values the review states with their sources,
and 'not stated in the review' where it is silent. Built from the comparison-matrix canned query."""

from __future__ import annotations

import re

from .answers import Table, badge, contradictions_of, sort_sources
from .conflicts import legend, mark
from .errors import EvkgError
from .project import Project
from .querying import NOT_STATED, Backend, names_for, run_query
from .resolve import squash

QUALIFIERS = ("role", "scope", "condition", "modality", "alignment")


def aspects(project: Project) -> list[str]:
    """The aspects the comparison-matrix query knows (its VALUES rows), in its order."""
    text = (project.queries / "comparison-matrix.rq").read_text(encoding="utf-8")
    found = re.findall(r'\(\S+ \S+ (\d+) "([^"]+)"\)', text)
    return list(dict.fromkeys(a for _, a in sorted(found, key=lambda x: int(x[0]))))


def pick_aspects(known: list[str], wanted: list[str]) -> list[str]:
    """Aspects by (part of) their name: 'class' -> classification, classification focus."""
    out = []
    for w in wanted:
        hits = [a for a in known if squash(w) == squash(a)] or [a for a in known if squash(w) in squash(a)]
        if not hits:
            raise EvkgError(f"unknown aspect '{w}'; aspects: {'; '.join(known)}")
        out += [h for h in hits if h not in out]
    return out


def comparison(project: Project, backend: Backend, jurisdictions: list[str] = (), wanted: list[str] = ()) -> Table:
    """Jurisdictions x aspects; `jurisdictions` are names as typed ('US', 'Japan', 'GB'), `wanted` aspects."""
    names = names_for(backend)
    known = aspects(project)
    chosen = pick_aspects(known, list(wanted)) if wanted else known
    result = run_query(project, "comparison-matrix", {}, backend, names=names, silent_rows=False)
    rows = [dict(zip(result.columns, r)) for r in result.rows]
    if jurisdictions:
        iris = [str(names.resolve(j, "jurisdiction")) for j in jurisdictions]
    else:
        iris = list(dict.fromkeys(str(r["j"]) for r in rows))
        iris += [e.iri for e in names.of_kind("jurisdiction") if e.iri not in iris]
    conflicts = contradictions_of(result, names)
    marked: list[str] = []
    cells: dict[tuple[str, str], dict[str, dict]] = {}
    for r in rows:
        if str(r["j"]) not in iris or str(r["aspect"]) not in chosen:
            continue
        quals = [str(r[q]) for q in QUALIFIERS if r.get(q) is not None]
        text = str(r["item"]) + (f" ({'; '.join(quals)})" if quals else "")
        item = cells.setdefault((str(r["j"]), str(r["aspect"])), {}).setdefault(text, {"sources": [], "marks": []})
        item["sources"].append(str(r["source"]))
        for c, _ in conflicts.get(str(r["position"]), []):
            marked += [c] if c not in marked else []
            if mark(names, c) not in item["marks"]:
                item["marks"].append(mark(names, c))
    table_rows = []
    for j in iris:
        row = [names.label(j) or j]
        for a in chosen:
            items = cells.get((j, a))
            if not items:
                row.append(NOT_STATED)
                continue
            row.append("; ".join(
                f"{text} [{', '.join(badge(s, names) for s in sort_sources(v['sources']))}]"
                + (f" {' '.join(sorted(v['marks'], key=lambda m: int(m[1:])))}" if v["marks"] else "") for text, v in items.items()))
        table_rows.append(row)
    notes = legend(names, marked)
    if marked:
        notes.append("evkg query contradictions [JURISDICTION] shows both sides of each, with their sources.")
    notes.append("Each value is followed by its sources in brackets: § section, Table, Fig., and the reference numbers "
                 "cited there.")
    return Table(["jurisdiction", *chosen], table_rows, "The jurisdictions compared, aspect by aspect", notes)

