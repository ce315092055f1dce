"""The evkg command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import EvkgError
from .project import Project


def _cmd_build(args, project: Project) -> int:
    from .build import build

    result = build(project, reason=not args.no_reason, reasoner=args.reasoner)
    s = result.summary()
    print(f"built {project.dist}: {s['triples']} triples from {s['files']} files, "
          f"{s['source_locations']} source locations"
          + (", consistent under " + args.reasoner if s["consistent"] else ", reasoning skipped"))
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
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise EvkgError(f"{arg}: cannot read query file: {e.strerror}") from None
    return arg


def _cmd_sparql(args, project: Project) -> int:
    from .results import render
    from .store import EmbeddedStore

    result = EmbeddedStore(project).query(_read_query(args.query))
    sys.stdout.write(render(result, args.format))
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evkg", description=__doc__)
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
    q.set_defaults(func=_cmd_sparql)

    t = sub.add_parser("tables", help="regenerate Tables 1 and 2 of the review from the graph")
    t.add_argument("--table", type=int, choices=(1, 2), help="only this table")
    t.add_argument("--format", choices=("text", "markdown"), default="text")
    t.set_defaults(func=_cmd_tables)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        project = Project.locate(args.root)
        return args.func(args, project)
    except EvkgError as e:
        print(f"evkg: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("evkg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
