"""Derivation rules: SPARQL CONSTRUCT files that add shortcut triples from the positions."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from .errors import BuildFailure


def apply_rules(graph: Graph, rule_dir: Path) -> dict[str, int]:
    """Run every rule file in name order and add its triples; returns triples added per rule."""
    added: dict[str, int] = {}
    for rule in sorted(rule_dir.glob("*.rq")):
        try:
            result = graph.query(rule.read_text(encoding="utf-8"))
        except Exception as e:  # a broken rule file is a build failure, not a crash
            raise BuildFailure(f"{rule}: cannot run rule: {e}") from None
        before = len(graph)
        for triple in result:
            graph.add(triple)
        added[rule.stem] = len(graph) - before
    return added
