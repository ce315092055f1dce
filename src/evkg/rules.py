"""Derivation rules: SPARQL CONSTRUCT files that add shortcut triples from the positions."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import BuildFailure


def apply_rules(store: ox.Store, rule_dir: Path, collect: set | None = None) -> dict[str, int]:
    """Run every rule file in name order on the store's default graph and add its triples (a rule sees
    what the earlier ones added); returns the number of triples added per rule, and puts them in
    `collect` if given. Oxigraph runs them in
    milliseconds where rdflib took seconds at 100k triples."""
    added: dict[str, int] = {}
    for rule in sorted(rule_dir.glob("*.rq")):
        try:
            triples = list(store.query(rule.read_text(encoding="utf-8")))
        except (SyntaxError, ValueError, OSError, TypeError) as e:  # a broken rule file fails the build
            raise BuildFailure(f"{rule}: cannot run rule: {str(e).splitlines()[0] if str(e) else e}") from None
        new = {ox.Quad(t.subject, t.predicate, t.object) for t in triples}
        new = {q for q in new if q not in store}
        store.extend(new)
        if collect is not None:
            collect |= new
        added[rule.stem] = len(new)
    return added
