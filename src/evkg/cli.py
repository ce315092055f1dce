"""The evkg command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import EvkgError, printable
from .project import Project


def _cmd_build(args, project: Project) -> int:
    from .build import build

    result = build(project, reason=not args.no_reason, reasoner=args.reasoner,
                   progress=_progress if args.verbose or sys.stderr.isatty() else (lambda m: None))
    s = result.summary()
    where = project.dist.relative_to(project.root) if project.dist.is_relative_to(Path.cwd()) else project.dist
    print(f"built {where}/: {s['triples']:,} triples from {s['files']} source files, citing "
          f"{s['source_locations']} places in the review; "
          + (f"consistent ({REASONERS[args.reasoner]})" if s["consistent"] else "OWL reasoning skipped (--no-reason)")
          + "; conforms to the SHACL shapes")
    warnings = [f for f in s["shacl_findings"] if f["severity"] == "Warning"]
    if warnings:
        review = [f for f in warnings if _from_review(result.store, f["focus"])]
        if review:
            print(f"  {len(review)} value(s) of the review disagree with each other; both are kept on purpose "
                  "(evkg query trial-counts shows them):")
            for f in review:
                print(f"    - {f['focus']}: {f['message']}")
        for f in warnings:
            if f not in review:
                print(f"  warning: {f['focus']}: {f['message']}")
    if s["consistent"]:
        print(f"  the reasoner inferred {s['inferred_triples']} triples: evkg query regime-categories lists the categories")
    if not args.verbose:
        print("  (evkg build -v shows progress and statistics)")
        return 0
    if s["consistent"]:
        print(f"\nInferred by {args.reasoner}: {s['inferred_triples']} triples (dist/evkg-inferred.ttl); categories:")
        for k, v in s["inferred_memberships"].items():
            print(f"  {k:<34} {', '.join(v)}")
    print("\nEntities per class:")
    for k, v in sorted(s["entities_per_class"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {k:<34} {v:>5}")
    print("\nPositions per jurisdiction:")
    for k, v in s["positions_per_jurisdiction"].items():
        print(f"  {k:<34} {v:>5}")
    print("\nSourced resources per part of the review:")
    for k, v in s["facts_per_part"].items():
        print(f"  {k:<34} {v:>5}")
    return 0


REASONERS = {"rules": "the ontology's axioms as rules; --reasoner hermit for the full OWL 2 DL check",
             "hermit": "HermiT, OWL 2 DL", "pellet": "Pellet, OWL 2 DL"}


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _from_review(store, focus: str) -> bool:
    """Is the node a SHACL finding is about stated by the review itself (all its sources in the review)?"""
    import pyoxigraph as ox

    from .namespaces import PREFIXES, PROV, SRC

    prefix, _, local = focus.partition(":")
    if prefix not in PREFIXES:
        return False
    sources = [q.object.value for q in store.quads_for_pattern(ox.NamedNode(PREFIXES[prefix][local]),
                                                               ox.NamedNode(str(PROV.wasDerivedFrom)), None)]
    return bool(sources) and all(x.startswith(str(SRC)) for x in sources)


def _read_query(arg: str) -> str:
    path = Path(arg)
    if arg.endswith((".rq", ".sparql")) or (len(arg) < 256 and path.is_file()):
        try:
            if path.exists() and not path.is_file():  # a FIFO or a device would never end
                raise EvkgError(f"{arg}: not a regular file")
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise EvkgError(f"{arg}: cannot read query file: {e.strerror}") from None
        except UnicodeDecodeError as e:
            raise EvkgError(f"{arg}: the query file is not UTF-8 (byte {e.object[e.start]:#04x} at offset {e.start})") from None
    return arg


def _cmd_sparql(args, project: Project) -> int:
    from .answers import present
    from .querying import names_for, open_backend

    text = _read_query(args.query)
    if args.endpoint:
        backend = open_backend(project, args.endpoint, args.timeout)
    else:
        from .query_safety import DEFAULT_LIMITS
        from .store import EmbeddedStore

        backend = EmbeddedStore(project, timeout=args.timeout, limits=DEFAULT_LIMITS.allowing(args.allow_service or []))
    result = backend.query(text)
    if result.boolean is not None or args.format in ("json", "tsv"):
        from .results import render

        sys.stdout.write(render(result, args.format if args.format in ("json", "tsv", "csv") else "table"))
        if result.boolean is not None and args.format != "json":
            sys.stdout.write("\n")
        return 0
    # written SPARQL asks for IRIs: show them (as CURIEs) unless --labels
    table = present(result, names_for(backend), iris=not args.labels, merge=False)
    _emit(table, args, None)
    return 0


def _emit(table, args, query, answer=None) -> None:
    """Print (or write with --out) a table in the chosen format for people."""
    from .render import to_csv, to_markdown, to_text, to_xlsx, write_binary, write_text

    fmt = args.format
    if fmt == "xlsx":
        from .api import about_lines

        where = write_binary(to_xlsx([table], about_lines(query, table.title)), args.out, "an XLSX workbook")
        if where != "standard output":
            said = ("sources in the 'sources' column" if "sources" in table.columns
                    else "sources in brackets after each value")
            print(f"wrote {where} ({len(table.rows)} rows, {said}; sheet 'About' says where the data comes from)")
        return
    text = {"table": lambda: to_text(table), "csv": lambda: to_csv(table), "markdown": lambda: to_markdown(table),
            "json": lambda: answer.render("json"), "tsv": lambda: answer.render("tsv")}[fmt]()
    write_text(text, getattr(args, "out", None))


def _cmd_queries(args, project: Project) -> int:
    from .answers import Table
    from .catalogue import load_catalogue
    from .render import to_text

    rows = [[q.name, q.summary, ", ".join(p.usage() for p in q.params) or "-"] for q in load_catalogue(project).values()]
    sys.stdout.write(to_text(Table(["name", "question", "parameters"], rows,
                                   "Canned queries: run one with evkg query NAME [VALUE | name=VALUE ...]"), count=False))
    return 0


def _query_params(args, query) -> dict[str, str]:
    """--param k=v, positional k=v, and bare values (for the query's first parameter not given yet:
    several words are joined, with commas for a list of jurisdictions)."""
    from .catalogue import parse_params

    values = parse_params(args.param)
    values.update(parse_params([a for a in args.args if "=" in a and not a.startswith("=")]))
    free = [a for a in args.args if "=" not in a or a.startswith("=")]
    if free:
        rest = [p for p in query.params if p.name not in values]
        if not rest:
            raise EvkgError(f"query '{query.name}' takes no further parameter; unexpected '{free[0]}'"
                            + (f" (parameters: {', '.join(p.name for p in query.params)})" if query.params else ""))
        p = rest[0]
        values[p.name] = (",".join(free) if p.type == "jurisdictions" else " ".join(free))
    return values


def _cmd_query(args, project: Project) -> int:
    from .api import Answer
    from .catalogue import bind, get_query
    from .querying import execute, names_for, open_backend

    services = dict(pair.split("=", 1) for pair in args.service or [] if "=" in pair)
    if len(services) != len(args.service or []):
        raise EvkgError("--service expects ORIGINAL=REPLACEMENT, e.g. https://query.wikidata.org/sparql=http://127.0.0.1:7879/query")
    query = get_query(project, args.name)
    params = _query_params(args, query)
    backend = open_backend(project, args.endpoint, args.timeout)
    names = names_for(backend)
    bound = bind(query, params, names)
    answer = Answer(query, params, bound, execute(query, bound, backend, names, services, limit=args.limit,
                                                  offset=args.offset), names)
    if answer.result.total is not None and args.format not in ("table", "markdown"):
        print(answer.query_notes()[-1], file=sys.stderr)  # a machine format has no notes: where the page is
    if args.format in ("json", "tsv"):
        sys.stdout.write(answer.render(args.format))
        return 0
    _emit(answer.table(iris=args.iris), args, query, answer)
    return 0


def _cmd_find(args, project: Project) -> int:
    args.name, args.args, args.param, args.service = "find", [" ".join(args.text)], [], []
    args.limit, args.offset = getattr(args, "limit", None), getattr(args, "offset", 0)
    return _cmd_query(args, project)


def _cmd_values(args, project: Project) -> int:
    from .glossary import values
    from .querying import names_for, open_backend

    table = values(names_for(open_backend(project, args.endpoint, args.timeout)), args.kind)
    _emit(table, args, None)
    return 0


def _cmd_explain(args, project: Project) -> int:
    from .glossary import explain_all, glossary
    from .querying import names_for, open_backend
    from .render import to_fields, to_text

    names = names_for(open_backend(project, args.endpoint, args.timeout))
    if args.markdown:
        from .glossary import glossary_markdown

        sys.stdout.write(glossary_markdown(names))
        return 0
    if not args.term:
        sys.stdout.write(to_text(glossary(names), count=False, mode="records"))
        return 0
    tables = explain_all(names, " ".join(args.term))
    if len(tables) > 1:
        print(f"'{' '.join(args.term)}' names {len(tables)} things in the graph:\n")
    text = "\n".join(to_fields(t) for t in tables)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _cmd_compare(args, project: Project) -> int:
    from .matrix import comparison
    from .querying import open_backend

    jurisdictions = [j for arg in args.jurisdictions for j in arg.split(",") if j.strip()]
    table = comparison(project, open_backend(project, args.endpoint, args.timeout), jurisdictions, args.aspect or [])
    _emit(table, args, None)
    return 0


def _cmd_advise(args, project: Project) -> int:
    from .advisor import advise
    from .advisor.options import profile_from_args
    from .advisor.report import to_csv_text, to_html, to_markdown_text, to_spreadsheet, to_text
    from .api import KnowledgeGraph
    from .querying import open_backend
    from .render import write_binary, write_text

    kg = KnowledgeGraph(project, open_backend(project, args.endpoint, args.timeout))
    snap = advise(kg, profile_from_args(args, kg.names, project.root))
    if args.format == "xlsx":
        where = write_binary(to_spreadsheet(snap), args.out, "an XLSX workbook")
        if where != "standard output":
            print(f"wrote {where}")
        return 0
    import json

    text = {"text": lambda: to_text(snap), "markdown": lambda: to_markdown_text(snap), "csv": lambda: to_csv_text(snap),
            "json": lambda: json.dumps(snap.to_json(), indent=2, ensure_ascii=False) + "\n",
            "html": lambda: to_html(snap)}[args.format]()
    write_text(text, args.out)
    return 0


def _cmd_mappings(args, project: Project) -> int:
    from .mappings import sssom_tsv
    from .render import write_text

    write_text(sssom_tsv(project), args.out)
    return 0


def _cmd_reason(args, project: Project) -> int:
    from .build import assemble
    from .reasoning import reason

    graph, *_ = assemble(project)
    report = reason(graph, args.reasoner)
    if not report.consistent:
        print(f"inconsistent under {args.reasoner}:")
        for line in report.explanations:
            print(f"  - {line}")
        return 1
    from .build import inferred_memberships

    print(f"consistent under {args.reasoner}; {len(report.inferred)} triples inferred")
    for k, v in inferred_memberships(report.inferred).items():
        print(f"  {k:<34} {', '.join(v)}")
    return 0


def _cmd_links(args, project: Project) -> int:
    from .links import check_links
    from .validation import built_graph

    report = check_links(built_graph(project))
    for p in report.problems:
        print(f"problem: {p}")
    if report.unlinked:
        print(f"without a checked external identifier ({len(report.unlinked)}): " + "; ".join(report.unlinked))
    print(f"{report.checked} external identifiers checked, {len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def _cmd_serve(args, project: Project) -> int:
    from .serve import serve

    serve(project, args.host, args.port, args.timeout, allow_service=args.allow_service or [],
          memory_mb=args.max_memory, max_request=args.max_request * 1024)
    return 0


def _cmd_load(args, project: Project) -> int:
    from .reasoning import INFERRED_GRAPH
    from .remote import ASSERTED_GRAPH, load_graph_store, query_url_for, triples_in

    nt, inferred = project.dist / "evkg.nt", project.dist / "evkg-inferred.nt"
    if not nt.is_file():
        raise EvkgError(f"no built graph at {nt}; run 'evkg build' first")
    graphs = (args.graph or ASSERTED_GRAPH, args.inferred_graph or str(INFERRED_GRAPH))
    if graphs[0] == graphs[1]:
        raise EvkgError(f"--graph and --inferred-graph are both <{graphs[0]}>: the two graphs must differ")
    files = dict(zip(graphs, (nt, inferred if inferred.is_file() else None)))
    counts = load_graph_store(args.endpoint, files, args.query_endpoint, args.replace, args.timeout)
    print(f"loaded into {args.endpoint}; triples per graph, as counted by {args.query_endpoint or query_url_for(args.endpoint)}:")
    for graph, n in counts.items():
        path = files[graph]
        lines = triples_in(path) if path else 0
        source = f"{path.relative_to(project.root)}" if path else "nothing inferred"
        print(f"  {graph:<44} {n:>9}  ({source}{'' if lines == n else f'; the file has {lines} triple lines'})")
    return 0


def _cmd_tables(args, project: Project) -> int:
    from .store import EmbeddedStore
    from .tables import table_1, table_2

    store = EmbeddedStore(project)
    wanted = [args.table] if args.table else [1, 2]
    tables = [(table_1 if n == 1 else table_2)(project, store).as_table() for n in wanted]
    if args.format == "xlsx":
        from .api import about_lines
        from .render import to_xlsx, write_binary

        where = write_binary(to_xlsx(tables, about_lines(None, "Tables 1 and 2 of the review, regenerated from the graph")),
                             args.out, "an XLSX workbook")
        if where != "standard output":
            print(f"wrote {where} ({len(tables)} sheet(s) and 'About')")
        return 0
    from .render import to_csv, to_markdown, to_text, write_text

    if args.format == "csv" and len(tables) > 1:
        raise EvkgError("CSV holds one table: choose it with --table 1 or --table 2 (or use --format xlsx for both)")
    render = {"text": lambda t: to_text(t, count=False), "markdown": to_markdown, "csv": to_csv}[args.format]
    text = "\n".join(render(t) for t in tables)
    write_text(text, args.out)
    return 0


def _cmd_report(args, project: Project) -> int:
    from .querying import open_backend
    from .site import generate_site

    backend = open_backend(project, args.endpoint, args.timeout) if args.endpoint else None
    result = generate_site(project, Path(args.out) if args.out else None, backend)
    print(f"wrote {len(result.pages)} pages to {result.out} from {len(result.queries)} canned queries; "
          f"open {result.out / 'index.html'}")
    return 0


OUTPUT_FORMATS = ("text", "json")
RDF_FORMATS = ("turtle", "trig", "nt", "nquads", "json-ld", "xml")


def _split_formats(values: list[str] | None) -> tuple[str, str | None]:
    """--format may be given twice: once for the report (text, json), once to override the RDF syntax."""
    out, rdf = "text", None
    for v in values or []:
        if v in OUTPUT_FORMATS:
            out = v
        else:
            rdf = v
    return out, rdf


def _cmd_validate(args, project: Project) -> int:
    from .validation import validate_submission

    out, rdf = _split_formats(args.format)
    report, _ = validate_submission(project, [Path(f) for f in args.files], rdf, reason=not args.no_reason)
    sys.stdout.write(report.to_json() + "\n" if out == "json" else report.render())
    return 0 if report.conforms else 1


def _cmd_add(args, project: Project) -> int:
    from .adding import add_facts

    out, rdf = _split_formats(args.format)
    result = add_facts(project, Path(args.file), rdf, reason=not args.no_reason)
    if out == "json":
        print(result.report.to_json())
    elif result.path is None:
        sys.stdout.write(result.report.render())
    if result.path is None:
        print(f"evkg: rejected {args.file}: it does not conform; nothing was changed", file=sys.stderr)
        return 1
    if out != "json":
        sys.stdout.write(result.report.render())
        print(f"added {args.file} as {result.path.relative_to(project.root)}; {result.how}")
    return 0


def _cmd_recover(args, project: Project) -> int:
    from .transaction import recover_if_needed

    print(recover_if_needed(project, wait=True, force=True) or "nothing to recover")
    return 0


def _count(text: str) -> int:
    """A whole number of rows, 0 or more (argparse turns the ValueError into one line and exit 2)."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of rows (0 or more)")
    return int(text)


def _output_options(p: argparse.ArgumentParser, formats: tuple[str, ...], iris: bool = True) -> None:
    p.add_argument("--format", choices=formats, default=formats[0],
                   help="table (fits the terminal), csv, markdown, xlsx: labels and sources for people; "
                        "json, tsv: the SPARQL results formats for machines")
    p.add_argument("--out", metavar="FILE", help="write the answer to FILE (needed for xlsx on a terminal)")
    if iris:
        p.add_argument("--iris", action="store_true", help="show identifiers (CURIEs) instead of labels, and every column")


def _endpoint_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", help="run on this SPARQL endpoint (through SPARQLWrapper) instead of the embedded store; "
                                      "HTTP basic auth from EVKG_ENDPOINT_USER / EVKG_ENDPOINT_PASSWORD")
    p.add_argument("--timeout", type=_seconds, default=30.0,
                   help="seconds a query may take, on the endpoint or the embedded store (default 30)")


def _seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got '{text}'")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got '{text}'")
    return int(text)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got '{text}'")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evkg", description="evkg: the global regulatory landscape of extracellular-vesicle therapeutics as a knowledge graph (Verma & Arora 2025).")
    p.add_argument("--version", action="version", version=f"evkg {__version__}")
    p.add_argument("--root", help="project folder (default: nearest folder holding ontology/evkg.ttl)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="parse, check and reason over the sources; write dist/")
    b.add_argument("--no-reason", action="store_true", help="skip the OWL consistency check (no Java needed)")
    b.add_argument("--reasoner", choices=("rules", "hermit", "pellet"), default="rules",
                   help="rules: the ontology's axioms as rules, linear in the data (default); hermit, pellet: full OWL 2 DL check")
    b.add_argument("-v", "--verbose", action="store_true", help="show progress and the graph's statistics")
    b.set_defaults(func=_cmd_build)

    qq = sub.add_parser("query", help="answer a question: run a canned query by name (evkg queries lists them)",
                        description="Run a canned query. Parameters take names as people write them: "
                                    "'Japan', 'JP', 'GB', 'PMDA', 'US IND', a date as 2024, 2024-06 or 2024-06-01.",
                        epilog="examples: evkg query classification-by-jurisdiction Japan; "
                               "evkg query sponsor-plan US EU Japan; evkg query counterparts 'US IND' --format csv")
    qq.add_argument("name", help="the query's name, e.g. classification-by-jurisdiction")
    qq.add_argument("args", nargs="*", metavar="VALUE|NAME=VALUE",
                    help="parameter values; a bare value goes to the query's first parameter")
    qq.add_argument("--param", action="append", metavar="NAME=VALUE", help="a query parameter (repeatable)")
    _output_options(qq, ("table", "csv", "markdown", "xlsx", "json", "tsv"))
    qq.add_argument("--service", action="append", metavar="ORIGINAL=URL",
                    help="send a federated query's SERVICE calls to another endpoint (mirror or local stand-in)")
    qq.add_argument("--limit", type=_count, metavar="N", help="show N rows of a long answer (a page; the total is shown)")
    qq.add_argument("--offset", type=_count, default=0, metavar="N", help="skip the first N rows (the next page)")
    _endpoint_options(qq)
    qq.set_defaults(func=_cmd_query)

    fd = sub.add_parser("find", help="find anything by words in its name ('IND' finds the IND routes before India)")
    fd.add_argument("text", nargs="+", help="the words to look for")
    _output_options(fd, ("table", "csv", "markdown", "xlsx", "json", "tsv"))
    _endpoint_options(fd)
    fd.set_defaults(func=_cmd_find)

    vl = sub.add_parser("values", help="the allowed values of a kind of parameter (jurisdictions, categories, modalities ...)")
    vl.add_argument("kind", nargs="?", help="jurisdictions, categories, classes, pathways, bodies, instruments, guidelines, "
                                           "standards, scopes, conditions, modalities, statuses, characters, parts, relations")
    _output_options(vl, ("table", "csv", "markdown", "xlsx"), iris=False)
    _endpoint_options(vl)
    vl.set_defaults(func=_cmd_values)

    ex = sub.add_parser("explain", help="what a word of the answers means (modality, closeMatch, confidence, position ...)")
    ex.add_argument("term", nargs="*", help="the word, or anything the graph names; nothing lists the glossary")
    ex.add_argument("--markdown", action="store_true", help="the whole glossary in Markdown (as in the README)")
    _endpoint_options(ex)
    ex.set_defaults(func=_cmd_explain)

    cp = sub.add_parser("compare", help="jurisdictions side by side, aspect by aspect, each value with its sources",
                        epilog="examples: evkg compare US EU Japan; evkg compare --aspect classification --aspect "
                               "pathways; evkg compare --format xlsx --out matrix.xlsx")
    cp.add_argument("jurisdictions", nargs="*", metavar="JURISDICTION", help="names or codes (default: all)")
    cp.add_argument("--aspect", action="append", metavar="ASPECT",
                    help="only this aspect (repeatable; part of its name is enough, e.g. class, pathway, cosmetic)")
    _output_options(cp, ("table", "csv", "markdown", "xlsx"), iris=False)
    _endpoint_options(cp)
    cp.set_defaults(func=_cmd_compare)

    ad = sub.add_parser("advise", help="a product's regulatory snapshot: classification, routes, standards, "
                                       "contradictions, per target jurisdiction, every line sourced",
                        description="Describe the product in a profile file (YAML, JSON or Turtle) or with options "
                                    "(options override the file); every question is optional, and an unanswered one "
                                    "that a verdict depends on is reported, not guessed.",
                        epilog="examples: evkg advise my-product.yaml; evkg advise --example msc-osteoarthritis; "
                               "evkg advise --targets US,EU,JP --engineered --cargo recombinant-nucleic-acid --use therapy")
    from .advisor.options import add_profile_options

    add_profile_options(ad)
    ad.add_argument("--format", choices=("text", "markdown", "json", "html", "csv", "xlsx"), default="text",
                    help="text (the terminal), markdown, json (a stable structure), html (a printable page), csv or xlsx")
    ad.add_argument("--out", metavar="FILE", help="write to FILE (needed for xlsx on a terminal)")
    _endpoint_options(ad)
    ad.set_defaults(func=_cmd_advise)

    ql = sub.add_parser("queries", help="list the canned queries with their parameters")
    ql.set_defaults(func=_cmd_queries)

    q = sub.add_parser("sparql", help="run a SPARQL SELECT/ASK query (text or .rq file) on the built graph")
    q.add_argument("query", help="query text or path to a .rq file")
    q.add_argument("--labels", action="store_true", help="show labels instead of IRIs (CURIEs) in the table")
    q.add_argument("--allow-service", action="append", metavar="URL",
                   help="let the query call this SERVICE endpoint (repeatable; by default SERVICE is refused)")
    _output_options(q, ("table", "csv", "markdown", "xlsx", "json", "tsv"), iris=False)
    _endpoint_options(q)
    q.set_defaults(func=_cmd_sparql)

    rs = sub.add_parser("reason", help="check OWL consistency and show the inferred categories (explains an inconsistency)")
    rs.add_argument("--reasoner", choices=("rules", "hermit", "pellet"), default="rules",
                    help="rules: the ontology's axioms as rules, linear in the data (default); hermit, pellet: full OWL 2 DL check")
    rs.set_defaults(func=_cmd_reason)

    lk = sub.add_parser("links", help="check the external identifiers (offline)")
    lk.add_argument("action", choices=("check",))
    lk.set_defaults(func=_cmd_links)

    sv = sub.add_parser("serve", help="serve the built graph as a read-only SPARQL endpoint (Ctrl-C stops it)")
    sv.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: loopback only)")
    sv.add_argument("--port", type=_port, default=7878)
    sv.add_argument("--timeout", type=_seconds, default=10.0, help="seconds a query may run (default 10)")
    sv.add_argument("--allow-service", action="append", metavar="URL",
                    help="let queries call this SERVICE endpoint (repeatable; by default SERVICE is refused)")
    sv.add_argument("--max-memory", type=_positive_int, default=2048, metavar="MB",
                    help="memory limit of the SPARQL engine (default 2048)")
    sv.add_argument("--max-request", type=_positive_int, default=1024, metavar="KB",
                    help="largest request accepted (default 1024)")
    sv.set_defaults(func=_cmd_serve)

    ld = sub.add_parser("load", help="copy dist/ into named graphs of a SPARQL store (Graph Store HTTP Protocol); "
                                     "never touches other graphs, replaces its own only with --replace")
    ld.add_argument("--endpoint", required=True, help="the store's Graph Store Protocol URL, e.g. http://host:7878/store "
                                                      "(Oxigraph) or http://host:8890/sparql-graph-crud-auth (Virtuoso); "
                                                      "Basic or Digest auth from EVKG_ENDPOINT_USER / EVKG_ENDPOINT_PASSWORD")
    ld.add_argument("--query-endpoint", help="the store's SPARQL query URL, to count the graphs before and after "
                                             "(default: beside --endpoint: /store -> /query, /sparql-graph-crud[-auth] -> /sparql, "
                                             "/data -> /sparql, /rdf-graphs/service -> the repository)")
    ld.add_argument("--graph", help="named graph for the asserted triples (default https://w3id.org/evkg/graph/asserted)")
    ld.add_argument("--inferred-graph", help="named graph for the inferred triples (default https://w3id.org/evkg/graph/inferred)")
    ld.add_argument("--replace", action="store_true", help="replace the target graphs when they already hold triples")
    ld.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for each request (default 300)")
    ld.set_defaults(func=_cmd_load)

    m = sub.add_parser("mappings", help="export the cross-jurisdiction mappings")
    m.add_argument("--format", choices=("sssom",), default="sssom")
    m.add_argument("--out", help="write to this file instead of standard output")
    m.set_defaults(func=_cmd_mappings)

    t = sub.add_parser("tables", help="regenerate Tables 1 and 2 of the review from the graph")
    t.add_argument("--table", type=int, choices=(1, 2), help="only this table")
    t.add_argument("--format", choices=("text", "markdown", "csv", "xlsx"), default="text")
    t.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    t.set_defaults(func=_cmd_tables)

    rp = sub.add_parser("report", help="generate the static HTML site (comparison, equivalences, Figure 2, sources, ontology docs)")
    rp.add_argument("--out", metavar="DIR", help="where to write the site (default dist/site); an earlier report there is replaced")
    _endpoint_options(rp)
    rp.set_defaults(func=_cmd_report)
    fmt_help = "report format (text, json) and/or RDF syntax override (turtle, trig, nt, nquads, json-ld, xml); may be repeated"
    v = sub.add_parser("validate", help="validate new facts (with the graph) against the SHACL shapes")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--format", action="append", choices=OUTPUT_FORMATS + RDF_FORMATS, help=fmt_help)
    v.add_argument("--no-reason", action="store_true", help="skip the OWL consistency check (as 'add --no-reason')")
    v.set_defaults(func=_cmd_validate)

    a = sub.add_parser("add", help="validate a file of new facts and, if it conforms, add it to data/ and rebuild")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--format", action="append", choices=OUTPUT_FORMATS + RDF_FORMATS, help=fmt_help)
    a.add_argument("--no-reason", action="store_true", help="skip the OWL consistency check of the rebuilt graph")
    a.set_defaults(func=_cmd_add)

    r = sub.add_parser("recover", help="repair the state an interrupted build or add left (every command does this first)")
    r.set_defaults(func=_cmd_recover)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command. Exit codes: 0 done, 1 the input does not conform (or a build check failed),
    2 a user's mistake or the machine's state (one line on stderr, never a traceback), 130 interrupted."""
    argv = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(argv, 1):
        if any(0xDC80 <= ord(c) <= 0xDCFF for c in arg):  # bytes that are not UTF-8 (surrogateescape)
            print(f"evkg: error: argument {i} ({printable(arg, 80)}) is not valid UTF-8", file=sys.stderr)
            return 2
    args = parser().parse_args(argv)
    try:
        project = Project.locate(args.root)
        if args.command != "recover":
            from .transaction import recover_if_needed

            done = recover_if_needed(project)
            if done:
                print(f"evkg: {done}", file=sys.stderr)
        return args.func(args, project)
    except EvkgError as e:
        if getattr(e, "details", ""):
            print(e.details, file=sys.stderr, end="" if e.details.endswith("\n") else "\n")
        print(f"evkg: error: {printable(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("evkg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # the machine's state: read-only or full disk, missing folder, name too long ...
        where = f"{e.filename}: " if e.filename else ""
        print(f"evkg: error: {printable(where + (e.strerror or str(e)))}", file=sys.stderr)
        return 2
    except UnicodeError as e:
        print(f"evkg: error: input is not valid UTF-8 ({printable(str(e), 200)})", file=sys.stderr)
        return 2
    except MemoryError:
        print("evkg: error: out of memory", file=sys.stderr)
        return 2
    except Exception as e:  # a bug: still one line, and where to look
        import traceback

        last = traceback.extract_tb(e.__traceback__)[-1]
        print(f"evkg: internal error: {type(e).__name__}: {printable(str(e), 300)} "
              f"(at {Path(last.filename).name}:{last.lineno}; please report it)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
