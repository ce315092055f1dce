"""The site's tables as CSV and XLSX files, made by the CLI's own exports (answers, render, matrix, tables)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace

from ..answers import Table
from ..api import KnowledgeGraph, about_lines
from ..matrix import comparison
from ..render import to_csv, to_xlsx
from ..tables import table_1, table_2

# the sheets of a jurisdiction's workbook: (canned query, sheet name)
JURISDICTION_SHEETS = [("statements-by-jurisdiction", "Statements"), ("instruments-by-jurisdiction", "Instruments"),
                       ("pathways-by-jurisdiction", "Pathways"), ("bodies-by-jurisdiction", "Bodies"),
                       ("contradictions", "Contradictions")]


@dataclass
class Download:
    """One table of the site, as files: `name`.csv and `name`.xlsx under downloads/."""

    name: str
    title: str
    tables: list[Table]  # the CSV holds the first; the workbook holds all, one sheet each
    about: list[str]
    command: str  # the CLI command that gives the same table

    @property
    def csv(self) -> str:
        return f"downloads/{self.name}.csv"

    @property
    def xlsx(self) -> str:
        return f"downloads/{self.name}.xlsx"


def downloads(kg: KnowledgeGraph, codes: list[str], tables: list | None = None) -> list[Download]:
    """Every table of the site: the comparison matrix, Tables 1 and 2 (`tables`, if the caller has made
    them already), the equivalences, the trials, the contradictions, and each jurisdiction's facts."""
    project, store = kg.project, kg.backend
    tables = tables or [table_1(project, store), table_2(project, store)]

    def answer(name: str, title: str, command: str, **params) -> Download:
        a = kg.query(name, **params)
        return Download(name, title, [a.table()], about_lines(a.query, a.title), command)

    out = [Download("comparison-matrix", "Comparison matrix", [comparison(project, store)],
                    about_lines(kg.queries()["comparison-matrix"], "The jurisdictions compared, aspect by aspect"),
                    "evkg compare --format xlsx")]
    for n, table in enumerate(tables, 1):
        t = table.as_table()
        out.append(Download(f"table-{n}", f"Table {n}", [t], about_lines(kg.queries()[f"table-{n}"], t.title),
                            f"evkg tables --table {n} --format xlsx"))
    out += [answer("classification-matrix", "Equivalences of product classes", "evkg query classification-matrix"),
            answer("trial-authorization-matrix", "Equivalences of trial-authorization routes",
                   "evkg query trial-authorization-matrix"),
            answer("trial-counts", "Trial counts and shares", "evkg query trial-counts"),
            answer("contradictions", "Contradictions of the review", "evkg query contradictions")]
    for code in codes:
        answers = [kg.query(q, jurisdiction=code) for q, _ in JURISDICTION_SHEETS]
        label = kg.names.label(str(kg.resolve(code, "jurisdiction"))) or code
        tables = [replace(a.table(), title=sheet) for a, (_, sheet) in zip(answers, JURISDICTION_SHEETS)]
        about = about_lines(None, f"What the graph holds about {label}") + [
            "", *[f"Sheet {sheet}: {a.title} (evkg query {q} {code})" for a, (q, sheet) in zip(answers, JURISDICTION_SHEETS)]]
        out.append(Download(f"jurisdiction-{code}", label, tables, about, f"evkg query statements-by-jurisdiction {code}"))
    return out


def files(items: list[Download], stamp: str) -> dict[str, bytes | str]:
    """downloads/NAME.csv and downloads/NAME.xlsx of each download. `stamp` (ISO date-time of the build)
    is written into the workbooks' properties, so the same graph gives the same bytes."""
    out: dict[str, bytes | str] = {}
    for d in items:
        out[d.csv] = to_csv(d.tables[0])
        out[d.xlsx] = stable_zip(to_xlsx(d.tables, d.about), stamp)
    return out


def stable_zip(data: bytes, stamp: str) -> bytes:
    """The workbook with fixed member dates and `stamp` as its creation and modification time (openpyxl
    writes the time of saving into both)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
