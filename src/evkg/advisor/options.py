"""The product profile as command-line options (`evkg advise --targets US,EU --engineered ...`), on
their own or over a profile file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EvkgError
from ..resolve import Names
from .profile import Profile, _Where, build_profile, read_profile

EXAMPLES = Path(__file__).parent / "examples"
OPTIONS = {  # option -> profile field; choices come from the graph when the profile is checked
    "source": "source", "cell_type": "cell_type", "manipulation": "manipulation", "engineering": "engineering",
    "cargo": "cargo", "gene_therapy": "gene_therapy", "combination": "combination", "use": "use",
    "therapeutic_area": "therapeutic_area", "targets": "targets", "name": "name", "action": "action",
}


def examples() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def add_profile_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", nargs="?", metavar="PROFILE", help="a profile file: .yaml, .json or .ttl")
    p.add_argument("--example", metavar="NAME", help=f"a worked example profile: {', '.join(examples())}")
    p.add_argument("--targets", metavar="LIST", help="target jurisdictions, e.g. US,EU,Japan")
    p.add_argument("--source", help="what the vesicles come from: human, animal, plant, microbial, non-living")
    p.add_argument("--cell-type", dest="cell_type", metavar="TEXT", help="the cells the vesicles come from (free text)")
    p.add_argument("--manipulation", help="how the source cells are handled: none, minimal, manipulated, extensive")
    p.add_argument("--engineering", action="append", metavar="KIND",
                   help="naive, engineered, cargo-loaded, surface-modified (repeatable)")
    p.add_argument("--engineered", dest="engineered", action="store_const", const=True, help="engineered vesicles")
    p.add_argument("--naive", dest="engineered", action="store_const", const=False, help="naive vesicles")
    p.add_argument("--cargo", help="what the cargo does: functional-rna, recombinant-nucleic-acid, none")
    p.add_argument("--gene-therapy", dest="gene_therapy", action="store_const", const="yes", help="part of a gene therapy")
    p.add_argument("--no-gene-therapy", dest="gene_therapy", action="store_const", const="no", help="not part of a gene therapy")
    p.add_argument("--action", help="where the product acts: systemic, local")
    p.add_argument("--combination", help="combined with: device, drug, none")
    p.add_argument("--use", help="therapy, cosmetic-ingredient, aesthetic-injection, diagnostic, drug-delivery")
    p.add_argument("--therapeutic-area", dest="therapeutic_area", metavar="TEXT", help="indication (free text)")
    p.add_argument("--name", metavar="TEXT", help="a name for the product")


def profile_from_args(args, names: Names, root: Path | None = None) -> Profile:
    """The profile of a file (or example), then the options given on the command line over it."""
    if args.example and args.profile:
        raise EvkgError("give a profile file or --example, not both")
    base = Profile(origin="options")
    if args.example:
        path = EXAMPLES / f"{args.example}.yaml"
        if not path.is_file():
            raise EvkgError(f"unknown example '{args.example}'; examples: {', '.join(examples())}")
        base = read_profile(path, names)
    elif args.profile:
        path = Path(args.profile)
        if not path.is_file():
            raise EvkgError(f"{args.profile}: no such profile file")
        base = read_profile(path, names, project_root=root)
    items = []
    for option, fname in OPTIONS.items():
        value = getattr(args, option, None)
        if value is not None:
            flag = "--" + option.replace("_", "-")
            items.append((fname, value if not isinstance(value, list) or len(value) > 1 else value[0], _Where(flag)))
    if args.engineered is not None and args.engineering is None:
        items.append(("engineered", args.engineered, _Where("--engineered" if args.engineered else "--naive")))
    if not items:
        return base
    over = build_profile(items, names, "options")
    merged = Profile({**base.answers, **over.answers}, {**base.text, **over.text}, over.targets or base.targets,
                     base.origin if base.origin != "options" or not args.profile else "options")
    return merged
