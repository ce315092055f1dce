"""Figure 2 of the review redrawn from the trial counts in the graph (matplotlib, SVG)."""

from __future__ import annotations

import io


def figure_2_svg(rows: list[dict]) -> str:
    """A pie of the ICTRP trial counts per jurisdiction; the shares are computed from the counts.

    `rows` are trial-counts rows (region, count). The SVG keeps its text as text, carries no date
    and uses fixed ids, so the same graph gives the same file."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = sorted(rows, key=lambda r: -int(r["count"]))
    counts = [int(r["count"]) for r in rows]
    total = sum(counts)
    labels = [f"{r['region']} ({int(r['count'])})" for r in rows]
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "evkg-figure-2",
                                "font.family": "sans-serif", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(7.2, 4.8))
        wedges, _texts, autotexts = ax.pie(
            counts, autopct=lambda p: f"{p:.1f}%" if p >= 3 else "", startangle=90, counterclock=False,
            pctdistance=0.78, wedgeprops={"linewidth": 1, "edgecolor": "white"})
        for t in autotexts:
            t.set_color("white")
        ax.legend(wedges, labels, title=f"ICTRP region (trials), n = {total}", loc="center left",
                  bbox_to_anchor=(1.0, 0.5), frameon=False)
        ax.set_title("EV clinical trials in the WHO ICTRP by jurisdiction\n(shares computed from the counts)")
        ax.axis("equal")
        out = io.StringIO()
        fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
    return out.getvalue()
