"""How long `evkg advise` takes for five jurisdictions, beside the same answers asked with the separate
canned queries (the commands a sponsor ran before: sponsor-plan, classification per jurisdiction,
contradictions, counterparts, shared guidelines, cosmetic use, expedited routes). Run `evkg build` first.

Two measures: each way as new processes from a cold shell (what a user waits for), and each way
in one warm process (the query work alone). Medians; results go to advise.md.

    python benchmarks/advise.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = "US,EU,JP,KR,TW"
PROFILE = ["--example", "msc-osteoarthritis", "--targets", TARGETS]
SEPARATE = [["query", "sponsor-plan", TARGETS]] + [["query", "classification-by-jurisdiction", j] for j in TARGETS.split(",")] + [
    ["query", "contradictions"], ["query", "counterparts", "US IND"], ["query", "shared-guidelines", TARGETS],
    ["query", "cosmetic-use"], ["query", "expedited-routes"], ["query", "trial-authorization-matrix"]]


def evkg(*args: str) -> None:
    exe = Path(sys.executable).with_name("evkg")
    subprocess.run([str(exe), "--root", str(ROOT), *args], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "COLUMNS": "100"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "advise.md")
    args = ap.parse_args()
    runs = args.runs
    from evkg.advisor import advise
    from evkg.advisor.options import EXAMPLES
    from evkg.advisor.profile import read_profile
    from evkg.api import KnowledgeGraph
    from evkg.querying import names_for, run_query
    from evkg.project import Project
    from evkg.store import EmbeddedStore

    project = Project.locate(ROOT)
    store = EmbeddedStore(project)
    kg = KnowledgeGraph(project, store)
    profile = read_profile(EXAMPLES / "msc-osteoarthritis.yaml", kg.names)
    profile.targets = kg.names.resolve_list(TARGETS, "jurisdiction")

    def separate_in_process():
        names = names_for(store)
        for cmd in SEPARATE:
            query = cmd[1]
            params = {}
            if len(cmd) > 2:
                from evkg.catalogue import get_query
                params = {get_query(project, query).params[0].name: cmd[2]}
            run_query(project, query, params, store, names=names)

    rows = {
        "evkg advise, cold shell (1 process)": median_time(lambda: evkg("advise", *PROFILE), runs)[0],
        f"separate canned queries, cold shell ({len(SEPARATE)} processes)":
            median_time(lambda: [evkg(*c) for c in SEPARATE], runs)[0],
        "evkg advise, in process (warm)": median_time(lambda: advise(kg, profile), runs)[0],
        "separate canned queries, in process (warm)": median_time(separate_in_process, runs)[0],
    }
    base = rows["evkg advise, cold shell (1 process)"]
    load = os.getloadavg()[0]
    lines = ["# `evkg advise` for five jurisdictions", "",
             f"Median of {runs} runs on {time.strftime('%Y-%m-%d')}, machine load {load:.1f} (2 cores); ratio to the "
             "cold `evkg advise`. The target is under 1 s from a cold shell.", "",
             "| way | median | ratio |", "|---|---:|---:|"]
    lines += [f"| {k} | {v * 1000:.0f} ms | {v / base:.2f}x |" for k, v in rows.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
