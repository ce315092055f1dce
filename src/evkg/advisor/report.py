"""A snapshot for people: a terminal report that fits the width, Markdown, a spreadsheet (one row per
jurisdiction and answer, labels only) and a printable HTML page in the site's look."""

from __future__ import annotations

import textwrap

from ..answers import Table
from ..render import terminal_width, to_csv, to_markdown, to_xlsx
from .snapshot import ASPECTS, NOT_STATED, Item, Snapshot

VERDICT_ASPECTS = ("classification", "scope_of_law", "trial_routes", "marketing_routes", "expedited_routes",
                   "other_routes", "cosmetic_use")
_ORDER = {"applies": 0, "may apply": 1, "applies if": 2, "may apply if": 3, "undecided by the regulator": 4,
          "undetermined": 5, "does not apply": 6, "not addressed": 7}
SHORT = {"undecided by the regulator": "undecided"}  # verdicts as the terminal's verdict column shows them
CURRENCY = ("As the review states it ({authors}, {citation}, published {issued}); not checked against primary law. "
            "Badges name the review's section (§), table or figure and, in brackets, the references it cites.")
LEGEND = ("Verdicts: applies; may apply (the review says may); applies if (a question the profile leaves open "
          "decides); undetermined (the review is too vague to decide); undecided (the regulator has not decided); "
          "does not apply (a condition or a law's scope the review states fails for this product); not addressed "
          "(the review states it for other products only: shown apart, it says nothing either way for this one). "
          "`evkg explain VERDICT` says more.")
ELSEWHERE = "not addressed"
ELSEWHERE_TITLE = "Not addressed for this product: the review states these for other products"
NOTHING_HERE = "nothing the review states here addresses this product (see '{}' below)"
LIVE = ("applies", "may apply", "applies if", "may apply if")  # verdicts that put a statement on this product


def addressed(items: list[Item]) -> list[Item]:
    return [i for i in items if i.verdict != ELSEWHERE]


def elsewhere(j) -> list[tuple[str, Item]]:
    """The statements of a jurisdiction the review makes about other products, with their aspect."""
    return [(a, i) for a, items in j.aspects.items() for i in _sorted(items) if i.verdict == ELSEWHERE]


def _first_badge(items: list[Item]) -> str:
    badges = [s.badge for i in items for s in i.sources]
    return f" [{badges[0]}]" if badges else ""


def _short(label: str, jurisdiction: str) -> str:
    return label[: -len(jurisdiction) - 2] if label.endswith(", " + jurisdiction) else label


def _cell(items: list[Item], jurisdiction: str, qualify: bool = True) -> str:
    """Items as 'label (qualifier) C1 [first badge]', one per distinct label, in verdict order."""
    groups: dict[str, list[Item]] = {}
    for i in _sorted(items):
        groups.setdefault(_short(i.label, jurisdiction), []).append(i)
    out = []
    for label, group in groups.items():
        best = group[0].verdict or "applies"
        mark = {"may apply": " (may)", "applies if": " (if answered)", "may apply if": " (may, if answered)"}.get(best, "")
        ids = sorted({c for i in group for c in i.contradictions}, key=lambda c: int(c[1:]))
        out.append(label + (mark if qualify else "") + "".join(" " + c for c in ids) + _first_badge(group))
    return "; ".join(out) if out else "none stated for this product"


GLANCE_COLUMNS = ["jurisdiction", "authority", "classification", "trial filing", "expedited route"]


def glance(snap: Snapshot) -> Table:
    """The first screen: one row per jurisdiction, what applies to this product (live verdicts only),
    contested classes marked with their contradiction ids, each with its first source badge."""
    cosmetic = "cosmetic_use" in (snap.jurisdictions[0].aspects if snap.jurisdictions else {}) \
        and "use" in snap.profile.answers
    columns = GLANCE_COLUMNS + (["cosmetic use"] if cosmetic else [])
    out = []
    for j in snap.jurisdictions:
        live = {a: [i for i in items if (i.verdict or "applies") in LIVE] for a, items in j.aspects.items()}
        trials = live["trial_routes"]
        receivers = {i.details.get("receiving_authority") for i in trials}
        authority = [i for i in live["authority"] if i.label in receivers] or sorted(
            live["authority"], key=lambda i: -len(i.sources))[:1]
        row = [j.label, _cell(authority, j.label, False) if authority else "none stated",
               _cell(live["classification"], j.label), _cell(trials, j.label) if trials else "none stated",
               _cell(live["expedited_routes"], j.label) if live["expedited_routes"] else "none stated"]
        if cosmetic:
            row.append(_cell(live.get("cosmetic_use", []), j.label))
        out.append(row)
    return Table(columns, out, "At a glance", coverage(snap))


def coverage(snap: Snapshot) -> list[str]:
    """Where nothing the review states applies to this product (a use or a source it does not cover), said
    plainly, with what it does state there about that use for other products."""
    empty = [j for j in snap.jurisdictions
             if not any((i.verdict or "applies") in LIVE or i.verdict in ("undetermined", "undecided by the regulator")
                        for a in VERDICT_ASPECTS if a in j.aspects for i in j.aspects[a])]
    if not empty:
        return []
    answers = dict(snap.profile_summary)
    product = ", ".join(answers[q] for q in ("intended use", "vesicle source") if answers.get(q, "not answered") != "not answered")
    out = [f"The review states nothing that applies to this product ({product or 'as profiled'}) in: "
           f"{', '.join(j.label for j in empty)}."]
    for j in empty:
        for i in j.aspects.get("cosmetic_use", []):
            if i.verdict == ELSEWHERE:
                out.append(f"{j.label}: the review's '{i.label}' [{', '.join(s.badge for s in i.sources)}] is stated "
                           f"for {i.stated_for} only.")
    return out


def _glance_lines(snap: Snapshot, wrap) -> None:
    t = glance(snap)
    wrap(t.title + ": " + " | ".join(t.columns[1:]))
    for r in t.rows:
        wrap(" | ".join(r), "  ", "      ")
    for n in t.notes:
        wrap(n, "  ", "  ")


def _show_verdicts(aspect: str, items: list[Item]) -> bool:
    return aspect in VERDICT_ASPECTS or any(i.verdict not in (None, "applies") for i in items)


def _sorted(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: (_ORDER.get(i.verdict or "applies", 9)))


def _detail_lines(item: Item) -> list[str]:
    out = []
    if item.verdict == ELSEWHERE:
        out.append(f"not addressed for this product: the review states it for {item.stated_for or 'other products'}")
        if item.details.get("note"):
            out.append("note: " + item.details["note"])
        return out
    if item.verdict in ("does not apply",) and item.because:
        out.append(f"because {item.because}")
    if item.verdict in ("applies if", "may apply if") and item.condition:
        out.append(f"if {item.condition}: the profile does not say {'; '.join(item.open_questions)}")
    elif item.condition and item.verdict not in ("does not apply",):
        out.append(f"condition: {item.condition}")
    if item.verdict == "undetermined":
        out.append(f"depends on {'; '.join(item.open_questions)}" + (f": {item.undetermined_because}"
                                                                     if item.undetermined_because else ""))
    if item.scope and item.scope != "EV-based therapeutic products" and item.verdict != "does not apply":
        out.append(f"for {item.scope}")
    if item.modality and item.verdict not in ("may apply", "may apply if", "undecided by the regulator") \
            and not (item.condition and item.modality == "applies when its condition holds"):
        out.append(item.modality)
    d = item.details
    if d.get("receiving_authority"):
        out.append("filed with " + d["receiving_authority"] + (f" via {d['submission_system']}" if d.get("submission_system") else ""))
    if d.get("review_body"):
        out.append("reviewed by " + d["review_body"])
    if d.get("ethics_body"):
        out.append("ethics review: " + d["ethics_body"])
    if d.get("legal_basis"):
        out.append("legal basis: " + d["legal_basis"])
    if d.get("note"):
        out.append("note: " + d["note"])
    for c in item.counterparts:
        srcs = ", ".join(s["badge"] for s in c["sources"])
        out.append(f"counterpart in {c['jurisdiction']}: {c['label']} ({c['relation']}"
                   + (f", confidence {c['confidence']}" if c.get("confidence") else "") + f"; {srcs})")
    return out


def to_text(snap: Snapshot, width: int | None = None) -> str:
    width = min(width or terminal_width(), 100)
    lines: list[str] = []

    def wrap(text: str, indent: str = "", rest: str | None = None) -> None:
        lines.extend(textwrap.wrap(text, width, initial_indent=indent,
                                   subsequent_indent=rest if rest is not None else indent,
                                   break_on_hyphens=False) or [indent.rstrip()])

    wrap("Regulatory snapshot" + (f": {snap.profile.name}" if snap.profile.name else ""))
    wrap(CURRENCY.format(**snap.review))
    lines.append("")
    _glance_lines(snap, wrap)
    lines.append("")
    lines.append("Profile")
    qw = min(28, max(len(q) for q, _ in snap.profile_summary))
    for q, a in snap.profile_summary:
        if len(q) > qw:
            lines.append(f"  {q}")
            wrap(a, " " * (qw + 4))
        else:
            wrap(a, f"  {q:<{qw}}  ", " " * (qw + 4))
    unsettled = [o for o in snap.open_questions if o["decides"]]
    if unsettled:
        lines.append("")
        lines.append("Open questions (the answers below that wait on them say 'applies if' or 'undetermined')")
        for o in unsettled:
            wrap(f"{o['question']} ({o['field']}): decides {len(o['decides'])} answer(s)", "  - ", "    ")
    lines.append("")
    wrap(LEGEND)
    for j in snap.jurisdictions:
        lines.append("")
        lines.append(f"== {j.label} " + "=" * max(3, width - len(j.label) - 4))
        for aspect, all_items in j.aspects.items():
            lines.append(ASPECTS[aspect])
            items = addressed(all_items)
            if not all_items:
                lines.append(f"  {NOT_STATED}")
                continue
            if not items:
                wrap(NOTHING_HERE.format(ELSEWHERE_TITLE.split(":")[0]), "  ", "  ")
                continue
            verdicts = _show_verdicts(aspect, items)
            for item in _sorted(items):
                marks = (" " + " ".join(item.contradictions)) if item.contradictions else ""
                badges = ", ".join(s.badge for s in item.sources)
                head = f"{item.label} [{badges}]{marks}"
                if verdicts:
                    v = SHORT.get(item.verdict, item.verdict or "")
                    wrap(head, f"  {v:<15} ", " " * 18)
                    for d in _detail_lines(item):
                        wrap(d, " " * 18 + "- ", " " * 20)
                else:
                    wrap(head, "  - ", "    ")
                    for d in _detail_lines(item):
                        wrap(d, "      ", "      ")
        apart = elsewhere(j)
        if apart:
            wrap(ELSEWHERE_TITLE)
            for aspect, item in apart:
                marks = (" " + " ".join(item.contradictions)) if item.contradictions else ""
                wrap(f"{ASPECTS[aspect]}: {item.label} [{', '.join(s.badge for s in item.sources)}]{marks}", "  - ", "    ")
                for d in _detail_lines(item):
                    wrap(d, "      ", "      ")
        if j.contradictions:
            lines.append("Contradictions of the review touching these answers")
            for c in j.contradictions:
                wrap(f"{c.id} {c.topic}", "  ", "     ")
                wrap(c.note, "     ", "     ")
                for side in c.sides:
                    wrap(f"{side.label} [{', '.join(s.badge for s in side.sources)}]", "     - ", "       ")
    if snap.shared_guidelines:
        lines.append("")
        lines.append("Guidelines across the targets")
        for g in snap.shared_guidelines:
            everywhere = "in every target" if g.details.get("in_all_targets") == "yes" else f"in {g.details.get('targets')}"
            wrap(f"{g.label}: {everywhere} [{', '.join(s.badge for s in g.sources)}]", "  - ", "    ")
    return "\n".join(lines) + "\n"


def rows(snap: Snapshot) -> Table:
    """One row per jurisdiction and answer (silent aspects included), for spreadsheets: labels, no IRIs."""
    columns = ["jurisdiction", "aspect", "statement", "verdict", "details", "contradictions", "sources"]
    out = []
    first = glance(snap)
    for r in first.rows:
        cells = dict(zip(first.columns, r))
        out.append([r[0], "at a glance", "; ".join(f"{c}: {cells[c]}" for c in first.columns[1:]), "", "", "", ""])
    for j in snap.jurisdictions:
        for aspect, items in j.aspects.items():
            if not items:
                out.append([j.label, ASPECTS[aspect], NOT_STATED, "", "", "", ""])
            for item in _sorted(items):
                out.append([j.label, ASPECTS[aspect], item.label, item.verdict or "", "; ".join(_detail_lines(item)),
                            " ".join(item.contradictions), ", ".join(s.badge for s in item.sources)])
        for c in j.contradictions:
            for side in c.sides:
                out.append([j.label, f"contradiction {c.id}: {c.topic}", side.label, "", c.note, c.id,
                            ", ".join(s.badge for s in side.sources)])
    for g in snap.shared_guidelines:
        out.append(["(all targets)", "guidelines across the targets", g.label,
                    "in every target" if g.details.get("in_all_targets") == "yes" else "",
                    g.details.get("targets", ""), "", ", ".join(s.badge for s in g.sources)])
    title = "Regulatory snapshot" + (f": {snap.profile.name}" if snap.profile.name else "")
    return Table(columns, out, title, [CURRENCY.format(**snap.review)])


def to_markdown_text(snap: Snapshot) -> str:
    profile = Table(["question", "answer"], [list(p) for p in snap.profile_summary], "Profile")
    return "\n".join(to_markdown(t) for t in (glance(snap), profile, rows(snap))) + "\n" + LEGEND + "\n"


def to_spreadsheet(snap: Snapshot) -> bytes:
    from ..api import about_lines

    profile = Table(["question", "answer"], [list(p) for p in snap.profile_summary], "Profile")
    return to_xlsx([glance(snap), rows(snap), profile], about_lines(None, rows(snap).title))


def to_csv_text(snap: Snapshot) -> str:
    return to_csv(rows(snap))


def to_html(snap: Snapshot) -> str:
    """A printable page: inline CSS, no network; the site embeds the same template."""
    from pathlib import Path

    from ..site import _environment, snapshot_context

    css = (Path(__file__).resolve().parents[1] / "site" / "static" / "site.css").read_text(encoding="utf-8")
    return _environment().get_template("snapshot.html").render(snap=snap, css=css, **snapshot_context(snap))


__all__ = ["to_text", "to_markdown_text", "to_spreadsheet", "to_csv_text", "to_html", "rows", "glance"]
