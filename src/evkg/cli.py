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

    result = build(project, reason=not args.no_reason, reasoner=args.reasoner)
    s = result.summary()
    warnings = [f for f in s["shacl_findings"] if f["severity"] == "Warning"]
    print(f"built {project.dist}: {s['triples']} triples from {s['files']} files, "
          f"{s['source_locations']} source locations"
          + (", consistent under " + args.reasoner if s["consistent"] else ", reasoning skipped")
          + f", conforms to the SHACL shapes ({len(warnings)} warning(s))")
    for f in warnings:
        print(f"  warning: {f['focus']}: {f['message']}")
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
    from .results import render
    from .store import EmbeddedStore

    text = _read_query(args.query)
    if args.endpoint:
        from .remote import remote_query

        result = remote_query(args.endpoint, text, timeout=args.timeout)
    else:
        from .query_safety import DEFAULT_LIMITS

        store = EmbeddedStore(project, timeout=args.timeout, limits=DEFAULT_LIMITS.allowing(args.allow_service or []))
        result = store.query(text)
    sys.stdout.write(render(result, args.format))
    return 0


def _cmd_queries(args, project: Project) -> int:
    from .catalogue import load_catalogue
    from .results import aligned

    rows = [[q.name, q.summary, ", ".join(p.usage() for p in q.params) or "-"] for q in load_catalogue(project).values()]
    print(aligned(["name", "title", "parameters"], rows))
    return 0


def _cmd_query(args, project: Project) -> int:
    from .catalogue import parse_params
    from .querying import run_query
    from .results import render

    services = dict(pair.split("=", 1) for pair in args.service or [] if "=" in pair)
    if len(services) != len(args.service or []):
        raise EvkgError("--service expects ORIGINAL=REPLACEMENT, e.g. https://query.wikidata.org/sparql=http://127.0.0.1:7879/query")
    result = run_query(project, args.name, parse_params(args.param), endpoint=args.endpoint, timeout=args.timeout,
                       services=services)
    sys.stdout.write(render(result, args.format))
    return 0


def _cmd_mappings(args, project: Project) -> int:
    from .mappings import sssom_tsv

    text = sssom_tsv(project)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
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
    from .remote import load_graph_store

    nt = project.dist / "evkg.nt"
    if not nt.is_file():
        raise EvkgError(f"no built graph at {nt}; run 'evkg build' first")
    status = load_graph_store(args.endpoint, nt, args.graph)
    print(f"loaded {nt.relative_to(project.root)} into {args.endpoint} ({'graph ' + args.graph if args.graph else 'default graph'}; HTTP {status})")
    inferred = project.dist / "evkg-inferred.nt"
    if inferred.is_file() and inferred.stat().st_size:
        from .reasoning import INFERRED_GRAPH

        status = load_graph_store(args.endpoint, inferred, str(INFERRED_GRAPH))
        print(f"loaded {inferred.relative_to(project.root)} into graph {INFERRED_GRAPH} (HTTP {status})")
    return 0


def _cmd_tables(args, project: Project) -> int:
    from .store import EmbeddedStore
    from .tables import table_1, table_2

    store = EmbeddedStore(project)
    wanted = [args.table] if args.table else [1, 2]
    out = []
    for n in wanted:
        out.append((table_1 if n == 1 else table_2)(project, store).render(args.format))
    print("\n".join(out), end="")
    return 0


def _cmd_report(args, project: Project) -> int:
    from .site import generate_site

    result = generate_site(project, Path(args.out) if args.out else None)
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
        print(f"added {args.file} as {result.path.relative_to(project.root)}; rebuilt {project.dist.relative_to(project.root)}/")
    return 0


def _cmd_recover(args, project: Project) -> int:
    from .transaction import recover_if_needed

    print(recover_if_needed(project, wait=True, force=True) or "nothing to recover")
    return 0


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
    b.add_argument("--reasoner", choices=("hermit", "pellet"), default="hermit")
    b.set_defaults(func=_cmd_build)

    q = sub.add_parser("sparql", help="run a SPARQL SELECT/ASK query (text or .rq file) on the built graph")
    q.add_argument("query", help="query text or path to a .rq file")
    q.add_argument("--format", choices=("table", "csv", "tsv", "json", "markdown"), default="table")
    q.add_argument("--allow-service", action="append", metavar="URL",
                   help="let the query call this SERVICE endpoint (repeatable; by default SERVICE is refused)")
    _endpoint_options(q)
    q.set_defaults(func=_cmd_sparql)

    ql = sub.add_parser("queries", help="list the canned queries with their parameters")
    ql.set_defaults(func=_cmd_queries)

    qq = sub.add_parser("query", help="run a canned query by name")
    qq.add_argument("name")
    qq.add_argument("--param", action="append", metavar="KEY=VALUE", help="a query parameter (repeatable)")
    qq.add_argument("--format", choices=("table", "csv", "tsv", "json", "markdown"), default="table")
    qq.add_argument("--service", action="append", metavar="ORIGINAL=URL",
                    help="send a federated query's SERVICE calls to another endpoint (mirror or local stand-in)")
    _endpoint_options(qq)
    qq.set_defaults(func=_cmd_query)

    rs = sub.add_parser("reason", help="check OWL consistency and show the inferred categories (explains an inconsistency)")
    rs.add_argument("--reasoner", choices=("hermit", "pellet"), default="hermit")
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

    ld = sub.add_parser("load", help="push dist/ into a SPARQL store through the Graph Store HTTP Protocol")
    ld.add_argument("--endpoint", required=True, help="the store's Graph Store Protocol URL, e.g. http://host:7878/store")
    ld.add_argument("--graph", help="a named graph IRI (default: the default graph)")
    ld.set_defaults(func=_cmd_load)

    m = sub.add_parser("mappings", help="export the cross-jurisdiction mappings")
    m.add_argument("--format", choices=("sssom",), default="sssom")
    m.add_argument("--out", help="write to this file instead of standard output")
    m.set_defaults(func=_cmd_mappings)

    t = sub.add_parser("tables", help="regenerate Tables 1 and 2 of the review from the graph")
    t.add_argument("--table", type=int, choices=(1, 2), help="only this table")
    t.add_argument("--format", choices=("text", "markdown"), default="text")
    t.set_defaults(func=_cmd_tables)

    rp = sub.add_parser("report", help="generate the static HTML site (comparison, equivalences, Figure 2, sources, ontology docs)")
    rp.add_argument("--out", metavar="DIR", help="where to write the site (default dist/site); an earlier report there is replaced")
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
