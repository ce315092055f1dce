"""Benchmark: the candidate ways of reasoning over the graph, on the review graph and on larger graphs
from benchmarks/generate.py (the review's sources plus SYNTHETIC jurisdictions and trials), each
with how many of HermiT's inferred triples it finds. Prints a Markdown table.

    python benchmarks/reasoning.py --sizes 20000 50000 100000 1000000 [--out benchmarks/reasoning.md]

Candidates: the rules reasoner (evkg's default), HermiT and Pellet on the whole graph (owlready2),
HermiT on each jurisdiction's module, and two OWL 2 RL materialisers from PyPI that are not
dependencies of evkg (`pip install owlrl reasonable` to include them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rdflib import Graph, URIRef  # noqa: E402
from rdflib.namespace import RDF  # noqa: E402

from evkg.build import assemble_store  # noqa: E402
from evkg.modules import module_subjects  # noqa: E402
from evkg.namespaces import EVKG, RES  # noqa: E402
from evkg.owlrules import compile_tbox, tbox_graph  # noqa: E402
from evkg.project import Project  # noqa: E402
from evkg.reasoning import _reasoner_input, graph_of, reason  # noqa: E402
from evkg.store import to_rdflib  # noqa: E402
from generate import synthetic_project  # noqa: E402
from timing import machine_load, median_time, publish  # noqa: E402


def hermit_per_module(store, graph: Graph) -> tuple[float, Graph]:
    """HermiT on the TBox plus one jurisdiction's module at a time (modules.py), every jurisdiction."""
    import pyoxigraph as ox

    tbox = tbox_graph(store)
    named = compile_tbox(tbox).named_individuals()
    jurisdictions = [r["j"].value for r in store.query(
        f"SELECT DISTINCT ?j WHERE {{ ?j a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{EVKG.Jurisdiction}> }}")]
    declarations = Graph()
    for s, p, o in graph.triples((None, RDF.type, None)):
        if str(o).startswith("http://www.w3.org/2002/07/owl#"):
            declarations.add((s, p, o))
    inferred, t = Graph(), time.perf_counter()
    for j in jurisdictions:
        module = Graph() + tbox + declarations
        for s in module_subjects(store, [j], named):
            for q in store.quads_for_pattern(ox.NamedNode(s), None, None, ox.DefaultGraph()):
                module.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        inferred += reason(module, "hermit").inferred
    return time.perf_counter() - t, inferred


def rl_types(closure: Graph) -> Graph:
    """The evkg-class memberships of evkg's own individuals in a full OWL 2 RL closure."""
    out = Graph()
    for s, o in closure.subject_objects(RDF.type):
        if str(s).startswith(str(RES)) and str(o).startswith(str(EVKG)):
            out.add((URIRef(s), RDF.type, URIRef(o)))
    return out


def owlrl_run(graph: Graph) -> Graph:
    import owlrl

    g = Graph() + _reasoner_input(graph, "hermit")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(g)
    return rl_types(g)


def reasonable_run(graph: Graph) -> Graph:
    import reasonable

    r = reasonable.PyReasoner()
    r.from_graph(_reasoner_input(graph, "hermit"))
    g = Graph()
    for triple in r.reason():
        g.add(triple)
    return rl_types(g)


def found(got: Graph, reference: Graph | None) -> str:
    if reference is None:
        return ""
    return f" ({len(set(reference) & set(got))}/{len(reference)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[20_000, 50_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hermit-up-to", type=int, default=25_000, help="whole-graph HermiT and Pellet up to this size")
    ap.add_argument("--modules-up-to", type=int, default=25_000, help="HermiT per module up to this size")
    ap.add_argument("--rl-up-to", type=int, default=10_000, help="owlrl up to this size (reasonable: all sizes)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    load = machine_load()
    rows = []
    with tempfile.TemporaryDirectory(prefix="evkg-bench-reason-") as tmp:
        for n in [0] + args.sizes:
            project = Project(ROOT)
            if n:
                (Path(tmp) / f"p{n}").mkdir()
                project = Project(synthetic_project(Path(tmp) / f"p{n}", ROOT, n))
            store = assemble_store(project)[0]
            graph = graph_of(store)
            runs = args.runs if n < 1_000_000 else 1
            t_rules, rules = median_time(lambda: reason(store, "rules"), runs)
            cells = [f"{t_rules:.2f}"]
            reference = None
            if n <= args.hermit_up_to:
                t_h, h = median_time(lambda: reason(graph, "hermit"), runs if not n else 1)
                t_p, p = median_time(lambda: reason(graph, "pellet"), 1)
                reference = h.inferred
                cells += [f"{t_h:.2f}", f"{t_p:.2f}{found(p.inferred, reference)}"]
            else:
                cells += ["not run", "not run"]
            cells[0] += found(rules.inferred, reference)
            if n <= args.modules_up_to:
                t_m, m = hermit_per_module(store, graph)
                cells.append(f"{t_m:.2f}{found(m, reference)}")
            else:
                cells.append("not run")
            for name, fn, limit in (("owlrl", owlrl_run, args.rl_up_to), ("reasonable", reasonable_run, 10 ** 9)):
                try:
                    __import__(name)
                except ImportError:
                    cells.append("not installed")
                    continue
                if n > limit:
                    cells.append("not run")
                    continue
                t, got = median_time(lambda: fn(graph), 1)
                cells.append(f"{t:.2f}{found(got, reference)}")
            label = "review graph" if not n else f"about {n:,}"
            rows.append(f"| {label} | {len(store):,} | {len(rules.inferred):,} | " + " | ".join(cells) + " |")
            print(rows[-1], file=sys.stderr, flush=True)
    out = ["# OWL reasoning: the candidates", "",
           f"Measured with `python benchmarks/reasoning.py --sizes {' '.join(map(str, args.sizes))}` on this machine "
           f"(2 cores, Java 17, owlready2 0.49; `uptime` at the start: {load}). Seconds (medians of {args.runs} for "
           "the rules reasoner and for HermiT on the review graph, else one run); in brackets, how many of HermiT's "
           "inferred triples a candidate finds, where HermiT ran. Graphs beyond the review are its sources plus "
           "SYNTHETIC data from `benchmarks/generate.py`, assembled as `evkg build` does.", "",
           "| graph | triples | inferred (rules) | rules | HermiT | Pellet | HermiT per module | owlrl | reasonable |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|", *rows, "",
           "Why the rules win. They find every triple HermiT infers (the tests check it on the review graph and at "
           "20k triples) in time linear in the data, in-process, with no Java. HermiT and Pellet realise every "
           "individual against nominal-heavy defined classes: fine on the review graph, tens of seconds at 20k, no "
           "answer within 17 minutes at about 50k (earlier run of this benchmark). HermiT per module (the TBox plus one "
           "jurisdiction's module, see src/evkg/modules.py) grows linearly but pays a JVM start per jurisdiction "
           "(seconds each, thousands of jurisdictions at 1M) and misses what belongs to no jurisdiction (the "
           "review's international positions). owlrl (pure Python on rdflib) is complete here but takes tens of "
           "seconds on the review graph alone; reasonable (Rust) is fast but does not implement the rules for "
           "owl:oneOf and owl:unionOf classes, so it misses every ATMP category. HermiT stays as the full OWL 2 DL "
           "check on demand (`--reasoner hermit`) and as the tests' oracle."]
    publish(out, args.out)


if __name__ == "__main__":
    main()
