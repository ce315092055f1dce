"""Tables 1 and 2 of the review, regenerated from the graph through the canned queries table-1 and table-2."""

from __future__ import annotations

from dataclasses import dataclass, field

from .project import Project
from .results import aligned
from .store import EmbeddedStore


@dataclass
class Cell:
    """A table cell: its items in order, and the IRIs of the entities behind them."""

    items: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)

    def add(self, text: str, entity: str) -> None:
        if entity not in self.entities:
            self.entities.append(entity)
            self.items.append(text)

    def __str__(self) -> str:
        return "; ".join(self.items)


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]  # first cells are plain strings, the others Cells (or ints)
    source: str = ""  # the part of the review every cell comes from, as a badge
    keys: list[str] = field(default_factory=list)  # the jurisdiction (IRI) of each row

    def as_table(self) -> "answers.Table":
        """The table for the renderers (text, CSV, Markdown, XLSX), with a sources column."""
        from . import answers

        return answers.Table(self.header + ["sources"], [[str(c) for c in r] + [self.source] for r in self.rows],
                             self.title)

    def render(self, fmt: str = "text") -> str:
        cells = [[str(c) for c in r] for r in self.rows]
        if fmt == "markdown":
            esc = lambda s: s.replace("|", "\\|")
            out = [f"**{self.title}**", "", "| " + " | ".join(self.header) + " |",
                   "|" + "|".join("---" for _ in self.header) + "|"]
            out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in cells]
            return "\n".join(out) + "\n"
        return f"{self.title}\n\n" + aligned(self.header, cells) + "\n"


def _run(store: EmbeddedStore, project: Project, name: str):
    text = (project.queries / f"{name}.rq").read_text(encoding="utf-8")
    res = store.query(text)
    return [dict(zip(res.columns, r)) for r in res.rows]


def table_1(project: Project, store: EmbeddedStore | None = None) -> Table:
    """Region, authority, status and classification, classification focus."""
    store = store or EmbeddedStore(project)
    rows: dict[str, list] = {}
    for r in _run(store, project, "table-1"):
        key = str(r["j"])
        row = rows.setdefault(key, [int(r["order"]), str(r["jurisdiction"]), Cell(), Cell(), Cell()])
        col = {"authority": 2, "status": 3, "focus": 4}[str(r["column"])]
        text = str(r["item"])
        if r.get("condition") is not None:
            text += f" (if {r['condition']})"
        if r.get("legalBasis") is not None:
            text += f" [{r['legalBasis']}]"
        if r.get("since") is not None:
            text += f" (since {r['since']})"
        row[col].add(text, str(r["entity"]))
    keys = sorted(rows, key=lambda k: rows[k][0])
    return Table("Table 1. Regulatory frameworks for EV-based therapeutics by jurisdiction",
                 ["Region/Country", "Regulatory Authority", "Regulatory Status & Classification", "Classification Focus"],
                 [rows[k][1:] for k in keys], "Table 1", keys)


def table_2(project: Project, store: EmbeddedStore | None = None) -> Table:
    """ICTRP row, trial count, classification, submission pathways."""
    store = store or EmbeddedStore(project)
    rows: dict[str, list] = {}
    bases: dict[tuple[str, str], list[str]] = {}
    for r in _run(store, project, "table-2"):
        key = str(r["j"])
        row = rows.setdefault(key, [int(r["order"]), str(r["region"]), int(r["count"]), Cell(), Cell()])
        if r.get("column") is None:
            continue
        ent = str(r["entity"])
        cell = row[3] if str(r["column"]) == "classification" else row[4]
        if ent not in cell.entities:
            cell.add(str(r["item"]), ent)
            bases[(key, ent)] = []
        if r.get("legalBasis") is not None and str(r["legalBasis"]) not in bases[(key, ent)]:
            bases[(key, ent)].append(str(r["legalBasis"]))
    for key, row in rows.items():
        for cell in row[3:]:
            cell.items = [t + (f" [{', '.join(bases[(key, e)])}]" if bases[(key, e)] else "")
                          for t, e in zip(cell.items, cell.entities)]
    keys = sorted(rows, key=lambda k: rows[k][0])
    return Table("Table 2. EV-based clinical trials in the WHO ICTRP by jurisdiction",
                 ["ICTRP region", "Trial Counts", "Classification", "Regulatory Submission Pathways"],
                 [rows[k][1:] for k in keys], "Table 2", keys)
