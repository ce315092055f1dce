"""Figure 2 of the review redrawn from the trial counts in the graph (matplotlib, SVG)."""

from __future__ import annotations

import io

HIGHLIGHT = "#d97b00"
PLAIN = "#3b6ea8"


def figure_2_svg(rows: list[dict], flagged: set[str] = frozenset()) -> str:
    """Horizontal bars of the ICTRP trial counts per region, largest first, each labelled with its count,
    the share the counts give and the share the review's Figure 2 states; the regions in `flagged`
    (whose stated share disagrees with the count) drawn in another colour and marked.

    `rows` are trial-counts rows (region, count, statedShare, recomputedShare, total). The SVG keeps its
    text as text, carries no date and uses fixed ids, so the same graph gives the same file."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = sorted(rows, key=lambda r: (-int(r["count"]), r["region"]))
    total = rows[0]["total"] if rows else "0"
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "evkg-figure-2",
                                "font.family": "sans-serif", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(7.6, 0.42 * len(rows) + 1.2))
        ys = range(len(rows))
        counts = [int(r["count"]) for r in rows]
        colours = [HIGHLIGHT if r["region"] in flagged else PLAIN for r in rows]
        ax.barh(list(ys), counts, color=colours, height=0.62)
        ax.set_yticks(list(ys), [r["region"] + (" (!)" if r["region"] in flagged else "") for r in rows])
        ax.invert_yaxis()
        top = max(counts, default=1)
        for y, r in zip(ys, rows):
            label = f"{r['count']}: {r['recomputedShare']}% of {total} (review: {r['statedShare']}%)"
            ax.text(int(r["count"]) + top * 0.01, y, label, va="center",
                    color=HIGHLIGHT if r["region"] in flagged else "#1b1f24",
                    fontweight="bold" if r["region"] in flagged else "normal")
        ax.set_xlim(0, top * 1.75)
        ax.set_xlabel(f"EV trials in the WHO ICTRP (Table 2); total {total} is evkg's sum of the rows, not a number the review states")
        ax.set_title("EV clinical trials by ICTRP region (Figure 2 redrawn as bars)\n"
                     "share from the counts, and in brackets the share the review's Figure 2 states", fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        out = io.StringIO()
        fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
    return out.getvalue()
