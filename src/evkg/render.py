"""Printing answers for people: a terminal table that fits the width (wrapping long cells, or one record
per block when the columns cannot fit), CSV, Markdown and XLSX. The CLI, the advisor and the site's
downloads all render through here."""

from __future__ import annotations

import csv
import io
import re
import shutil
import textwrap
from pathlib import Path

from .answers import Table
from .errors import EvkgError

HUMAN_FORMATS = ("table", "csv", "markdown", "xlsx")
MIN_COLUMN = 12  # narrower columns than this wrap too much to be read
MAX_WORD = 24  # a longer word (an IRI, say) may be broken
MAX_COMFORT = 30  # a typical cell longer than this may wrap onto a second line
MAX_ROW_LINES = 3  # on average; taller rows are shown as records


def terminal_width() -> int:
    """The terminal's width ($COLUMNS wins); 100 when the output is not a terminal."""
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def to_text(table: Table, width: int | None = None, count: bool = True, mode: str = "auto") -> str:
    """The table in `width` columns: aligned columns with wrapped cells, or (mode 'auto', when the
    columns cannot sit side by side without wrapping most cells into slivers) one block per row."""
    width = width or terminal_width()
    out = []
    if table.title:
        out += textwrap.wrap(table.title, width) + [""]
    if not table.rows:
        out.append("(no rows)")
    elif mode == "table" or (mode == "auto" and _fits(table, width)):
        out.append(_columns(table, width))
    else:
        out.append(_records(table, width))
    if count and table.rows:
        out.append(f"({len(table.rows)} row{'s' if len(table.rows) != 1 else ''})")
    for note in table.notes:
        out += textwrap.wrap(note, width, subsequent_indent="    ")
    return "\n".join(out) + "\n"


def _fits(table: Table, width: int) -> bool:
    """Do the columns fit side by side at a comfortable width each, with rows a few lines high?"""
    widths = []
    for i, title in enumerate(table.columns):
        lengths = sorted(len(r[i]) for r in table.rows)
        typical = lengths[(len(lengths) * 3) // 4]
        longest_word = max((len(w) for r in table.rows for w in r[i].split()), default=0)
        title_word = max(len(w) for w in title.split()) if title.strip() else 0
        comfort = max(MIN_COLUMN, min(typical, MAX_COMFORT), min(longest_word, MAX_WORD))
        widths.append(max(min(lengths[-1], comfort), title_word, 1))
    if sum(widths) + 2 * (len(widths) - 1) > width:
        return False
    # the room left is shared out; rows that would still wrap into tall blocks read better as records
    spare = width - sum(widths) - 2 * (len(widths) - 1)
    widths = [w + spare * w // sum(widths) for w in widths]
    heights = [max(-(-len(r[i]) // widths[i]) for i in range(len(widths))) for r in table.rows]
    return sum(heights) / len(heights) <= MAX_ROW_LINES


def _word_widths(table: Table, width: int) -> list[int] | None:
    """Column widths that fit `width` without cutting a word (names such as 'Switzerland-Swissmedic',
    badges such as 'Fig. 2' kept whole where they can be): the widest column gives way first, none below
    its longest word (up to 24). None where that cannot fit; rich then shares the room itself."""
    room = width - 3 * (len(table.columns) - 1)  # padding 1 a side and a one-space rule between columns
    natural = [max([len(w) for w in title.split()] + [len(r[i]) for r in table.rows])  # titles may wrap
               for i, title in enumerate(table.columns)]
    floor = [min(MAX_WORD, max([len(w) for w in title.split()] + [len(u) for r in table.rows for u in _units(r[i])]))
             for i, title in enumerate(table.columns)]
    if sum(floor) > room:
        return None
    widths = natural[:]
    while sum(widths) > room:  # ends: each step narrows one column that is above its floor
        i = max((i for i in range(len(widths)) if widths[i] > floor[i]), key=lambda i: widths[i])
        widths[i] -= max(1, min(widths[i] - floor[i], sum(widths) - room, widths[i] // 8))
    return widths


def _units(cell: str) -> list[str]:
    """The parts of a cell best kept on one line: the members of a list ('Table 2, Fig. 2'), else words."""
    parts = re.split(r"(?<=[,;]) ", cell)
    return parts if all(len(p) <= MAX_WORD for p in parts) else cell.split() or [""]


def _columns(table: Table, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    rt = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), expand=False,
                   header_style="", safe_box=True)
    widths = _word_widths(table, width)
    for i, title in enumerate(table.columns):
        rt.add_column(title, overflow="fold", width=widths[i] if widths else None)
    for row in table.rows:
        rt.add_row(*row)
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=False, color_system=None, no_color=True, highlight=False,
            emoji=False, markup=False, legacy_windows=False).print(rt)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())


def _records(table: Table, width: int) -> str:
    """One block per value of the first column (rows in a row with the same first value share it): the
    value as a heading, the fields the block's rows share once under it, then each row's own fields
    behind a dash."""
    label_w = min(20, max((len(c) for c in table.columns[1:]), default=0))
    blocks, i = [], 0
    while i < len(table.rows):
        j = i
        while j + 1 < len(table.rows) and table.rows[j + 1][0] == table.rows[i][0]:
            j += 1
        group = table.rows[i:j + 1]
        shared = {k for k in range(1, len(table.columns))
                  if len(group) > 1 and len({r[k] for r in group}) == 1}
        lines = textwrap.wrap(group[0][0] or "(no value)", width) or [""]
        lines += _fields(table.columns, group[0], sorted(shared), label_w, width, "  ")
        for row in group:
            own = [k for k in range(1, len(table.columns)) if k not in shared]
            lines += (_fields(table.columns, row, own, label_w, width, "  - ", "    ") if len(group) > 1
                      else _fields(table.columns, row, own, label_w, width, "  "))
        blocks.append("\n".join(lines))
        i = j + 1
    return "\n\n".join(blocks)


def _fields(columns: list[str], row: list[str], keys: list[int], label_w: int, width: int,
            first: str, rest: str | None = None) -> list[str]:
    """'title  value' lines for the given cells of a row, values wrapped under themselves."""
    rest = first if rest is None else rest
    lines: list[str] = []
    for k in keys:
        if not row[k]:
            continue
        lead = (first if not lines else rest) + f"{columns[k]:<{label_w}}  "
        indent = " " * (len(rest) + label_w + 2)
        if len(columns[k]) > label_w:  # a long title: the value on the next line
            lines.append(lead.rstrip())
            lead = indent
        lines += textwrap.wrap(row[k], width, initial_indent=lead, subsequent_indent=indent,
                               break_long_words=True, break_on_hyphens=False) or [lead.rstrip()]
    return lines


def to_fields(table: Table, width: int | None = None) -> str:
    """A two-column table of (field, value) as a titled list: 'meaning   ...' with values wrapped."""
    width = width or terminal_width()
    label_w = min(18, max((len(r[0]) for r in table.rows), default=0))
    lines = textwrap.wrap(table.title, width) if table.title else []
    for row in table.rows:
        lines += _fields(["", *[r[0] for r in table.rows]], ["", *[r[1] for r in table.rows]],
                         [table.rows.index(row) + 1], label_w, width, "  ")
    return "\n".join(lines) + "\n"


def to_csv(table: Table, delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(table.columns)
    w.writerows(table.rows)
    return buf.getvalue()


def to_markdown(table: Table) -> str:
    esc = lambda s: s.replace("|", "\\|").replace("\n", " ")
    out = [f"**{esc(table.title)}**", ""] if table.title else []
    out += ["| " + " | ".join(esc(c) for c in table.columns) + " |", "|" + "|".join("---" for _ in table.columns) + "|"]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in table.rows]
    if table.notes:
        out += [""] + [f"- {esc(n)}" for n in table.notes]
    return "\n".join(out) + "\n"


def to_xlsx(tables: list[Table], about: list[str] = ()) -> bytes:
    """A workbook with one sheet per table (labels, a sources column, notes under the rows) and a
    sheet 'About' saying where the data comes from."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        ws = wb.create_sheet(_sheet_name(t.title or "answer", used))
        ws.append(t.columns)
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in t.rows:
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for i, title in enumerate(t.columns, 1):
            longest = max([len(title)] + [len(r[i - 1]) for r in t.rows])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, longest + 2))
            for cell in ws[get_column_letter(i)][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if t.notes:
            ws.append([])
            for note in t.notes:
                ws.append([note])
    info = wb.create_sheet("About")
    for line in about:
        info.append([line])
    info.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: str):
    """Whole and decimal numbers as numbers, so a spreadsheet can sum them; everything else as text."""
    if re.fullmatch(r"-?(0|[1-9][0-9]{0,14})", value):
        return int(value)
    if re.fullmatch(r"-?(0|[1-9][0-9]{0,14})\.[0-9]{1,6}", value):
        return float(value)
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28].strip() or "answer"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name.lower())
    return name


def write_binary(data: bytes, out: str | None, what: str) -> str:
    """Write a binary answer (XLSX) to `out`; refuse a terminal and say where it went."""
    if out is None:
        import sys

        if sys.stdout.isatty():
            raise EvkgError(f"{what} is a binary file: give --out FILE.xlsx (or redirect the output to a file)")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return "standard output"
    path = Path(out)
    try:
        path.write_bytes(data)
    except OSError as e:
        raise EvkgError(f"cannot write {out}: {e.strerror or e}") from None
    return str(path)


def write_text(text: str, out: str | None) -> None:
    """Print `text`, or write it to `out` and say so."""
    import sys

    if not out:
        sys.stdout.write(text)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as e:
        raise EvkgError(f"cannot write {out}: {e.strerror or e}") from None
    print(f"wrote {out}")
