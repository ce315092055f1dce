"""What the report shows, gathered from the graph through the canned queries.

Everything on the site comes from a query in queries/; this module only groups rows into the
shapes the templates lay out (a jurisdiction's aspects, the comparison matrix, the equivalence grids)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..namespaces import SRC
from ..project import Project
from ..provenance import parse_location
from ..querying import names_for, run_query
from ..store import EmbeddedStore

JURISDICTION_NS = "https://w3id.org/evkg/resource/jurisdiction/"


@dataclass(frozen=True)
class Source:
    """Where a statement comes from: a location in the review (listed on the sources page) or, for
    facts added later from another document, that document's own location."""

    iri: str
    label: str

    @property
    def in_review(self) -> bool:
        return self.iri.startswith(str(SRC))

    @property
    def anchor(self) -> str:
        return self.iri[len(str(SRC)):] if self.in_review else ""

    @property
    def short(self) -> str:
        """'Section 3.3 [47, 55, 56]', 'Table 1': the part's name and the references cited there."""
        if not self.in_review:
            return self.label
        part = self.label.split(":", 1)[0]
        _, refs = parse_location(self.iri)
        return part + (f" [{', '.join(map(str, refs))}]" if refs else "")


@dataclass
class Item:
    """One value in a cell (or list), with its qualifiers and every source that states it."""

    text: str
    qualifiers: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def cite(self, source: Source) -> None:
        if source not in self.sources:
            self.sources.append(source)


class Items(OrderedDict):
    """Items keyed by what they say, so the same value from several sources is one item with several links."""

    def add(self, text: str, qualifiers: list[str], source: Source | None) -> Item:
        key = (text, tuple(qualifiers))
        item = self.get(key)
        if item is None:
            item = self[key] = Item(text, list(qualifiers))
        if source is not None:
            item.cite(source)
        return item


@dataclass
class Jurisdiction:
    code: str
    iri: str
    label: str
    order: int
    aspects: "OrderedDict[str, Items]" = field(default_factory=OrderedDict)
    bodies: list[dict] = field(default_factory=list)
    instruments: Items = field(default_factory=Items)
    pathways: list[dict] = field(default_factory=list)
    expedited: Items = field(default_factory=Items)
    products: Items = field(default_factory=Items)
    trials: dict | None = None
    categories: list[str] = field(default_factory=list)
    contradictions: "OrderedDict[str, dict]" = field(default_factory=OrderedDict)
    statements: "OrderedDict[str, Items]" = field(default_factory=OrderedDict)
    sources_of: dict[str, list[Source]] = field(default_factory=dict)
    counterparts: "OrderedDict[str, Items]" = field(default_factory=OrderedDict)  # other jurisdiction -> mappings
    external: list[dict] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"jurisdictions/{self.code}.html"


def _s(term) -> str | None:
    return None if term is None else str(term)


class Collector:
    """Runs the canned queries once each on the embedded store and keeps their rows as dicts."""

    def __init__(self, project: Project, store: EmbeddedStore | None = None):
        self.project = project
        self.store = store or EmbeddedStore(project)
        self.names = names_for(self.store)
        self.queries_used: list[str] = []

    def rows(self, name: str, **params: str) -> list[dict]:
        if name not in self.queries_used:
            self.queries_used.append(name)
        res = run_query(self.project, name, params, store=self.store, names=self.names, silent_rows=False)
        rows = [{c: _s(v) for c, v in zip(res.columns, r)} for r in res.rows]
        self.names.fetch_labels(r["source"] for r in rows if r.get("source"))
        return rows

    def source(self, row: dict) -> "Source | None":
        """The source location of a row (its `source` column), with its label."""
        iri = row.get("source")
        return Source(iri, self.names.label(iri) or iri) if iri else None


def _qualifiers(row: dict) -> list[str]:
    out = []
    if row.get("role"):
        out.append(row["role"])
    if row.get("scope"):
        out.append(f"for {row['scope']}")
    if row.get("condition"):
        out.append(f"if {row['condition']}")
    if row.get("modality"):
        out.append(row["modality"])
    if row.get("alignment"):
        out.append(row["alignment"])
    return out


def jurisdictions(c: Collector) -> list[Jurisdiction]:
    """Every jurisdiction with its aspects (comparison-matrix) and its own sections."""
    found: dict[str, Jurisdiction] = {}
    aspect_order: dict[str, int] = {}
    for r in c.rows("comparison-matrix"):
        j = found.get(r["j"])
        if j is None:
            j = found[r["j"]] = Jurisdiction(r["j"][len(JURISDICTION_NS):], r["j"], r["jurisdiction"], int(r["order"]))
        aspect_order[r["aspect"]] = int(r["aspectOrder"])
        j.aspects.setdefault(r["aspect"], Items()).add(r["item"], _qualifiers(r), c.source(r))
    ordered = sorted(found.values(), key=lambda j: j.order)
    aspect_names = sorted(aspect_order, key=lambda a: (aspect_order[a], a))
    by_label = {j.label: j for j in ordered}
    for j in ordered:
        j.aspects = OrderedDict((a, j.aspects.get(a, Items())) for a in aspect_names)
        for r in c.rows("statements-by-jurisdiction", jurisdiction=j.code):
            src = c.source(r)
            j.statements.setdefault(r["kind"] or "statement", Items()).add(r["statement"], [], src)
            j.sources_of.setdefault(r["statement"], [])
            if src not in j.sources_of[r["statement"]]:
                j.sources_of[r["statement"]].append(src)
        j.bodies = c.rows("bodies-by-jurisdiction", jurisdiction=j.code)
        j.external = c.rows("external-links", jurisdiction=j.code)
        j.pathways = c.rows("pathways-by-jurisdiction", jurisdiction=j.code)
        for r in c.rows("instruments-by-jurisdiction", jurisdiction=j.code):
            quals = [r["kind"]]
            if r.get("enacted"):
                quals.append(f"enacted or adopted {r['enacted']}")
            if r.get("inForceFrom"):
                quals.append(f"in force from {r['inForceFrom']}")
            j.instruments.add(r["instrument"], quals, c.source(r))
        for r in c.rows("contradictions", jurisdiction=j.code):
            entry = j.contradictions.setdefault(r["topic"], {"note": r["note"], "sides": Items()})
            entry["sides"].add(r["statement"], [], c.source(r))
    for r in c.rows("expedited-routes"):
        if r["jurisdiction"] in by_label:
            quals = [q for q in (r.get("kind"), r.get("legalBasis") and f"under {r['legalBasis']}",
                                 r.get("condition") and f"if {r['condition']}") if q]
            by_label[r["jurisdiction"]].expedited.add(r["route"], quals, c.source(r))
    for r in c.rows("named-products-and-trials"):
        if r["jurisdiction"] in by_label:
            quals = [q for q in (r["kind"], r.get("detail")) if q]
            by_label[r["jurisdiction"]].products.add(r["name"], quals, c.source(r))
    for r in c.rows("trial-counts"):
        if r["jurisdiction"] in by_label:
            by_label[r["jurisdiction"]].trials = r
    for r in c.rows("regime-categories"):
        if r["jurisdiction"] in by_label:
            by_label[r["jurisdiction"]].categories.append(r["category"])
    return ordered


def aspects(js: list[Jurisdiction]) -> list[str]:
    return list(js[0].aspects) if js else []


def trial_counts(c: Collector) -> list[dict]:
    return c.rows("trial-counts")


def equivalence_grid(c: Collector, query: str, js: list[Jurisdiction]) -> dict:
    """A jurisdiction x jurisdiction grid of the mappings a matrix query returns (both directions shown)."""
    labels = [j.label for j in js]
    cells: dict[tuple[str, str], Items] = {}
    rows = c.rows(query)
    for r in rows:
        text = f"{r['from']} {r['relation']} {r['to']}"
        quals = ([f"confidence {r['confidence']}"] if r.get("confidence") else []) + [r["justification"]]
        cells.setdefault((r["fromJurisdiction"], r["toJurisdiction"]), Items()).add(text, quals, c.source(r))
    used = [l for l in labels if any(l in k for k in cells)]
    return {"labels": used, "cells": cells, "count": len({(r["from"], r["relation"], r["to"]) for r in rows})}


def attach_counterparts(js: list[Jurisdiction], grids: list[dict]) -> None:
    """Give each jurisdiction the mappings that link it to another, grouped by the other jurisdiction."""
    by_label = {j.label: j for j in js}
    for grid in grids:
        for (a, b), its in grid["cells"].items():
            for here, there in ((a, b), (b, a)):
                if here in by_label and there != here:
                    target = by_label[here].counterparts.setdefault(there, Items())
                    for item in its.values():
                        copy = target.add(item.text, item.qualifiers, None)
                        for src in item.sources:
                            copy.cite(src)
    for j in js:
        j.counterparts = OrderedDict(sorted(j.counterparts.items(), key=lambda kv: by_label[kv[0]].order
                                            if kv[0] in by_label else 99))


def contradictions(c: Collector) -> "OrderedDict[str, dict]":
    """Each contradiction once, with every jurisdiction it concerns (the query repeats it per jurisdiction;
    one about none is labelled "(the review as a whole)")."""
    out: OrderedDict[str, dict] = OrderedDict()
    for r in c.rows("contradictions"):
        entry = out.setdefault(r["topic"], {"jurisdictions": [], "note": r["note"], "sides": Items()})
        if r["jurisdiction"] not in entry["jurisdictions"]:
            entry["jurisdictions"].append(r["jurisdiction"])
        entry["sides"].add(r["statement"], [], c.source(r))
    for entry in out.values():
        entry["jurisdiction"] = "; ".join(entry["jurisdictions"])
    return out


def sources(c: Collector) -> list[dict]:
    """Parts in reading order, each with its source locations and what the graph takes from each."""
    parts: OrderedDict[str, dict] = OrderedDict()
    for r in c.rows("source-locations"):
        part = parts.setdefault(r["partLabel"], {"label": r["partLabel"], "locations": OrderedDict()})
        loc = part["locations"].setdefault(r["source"], {"source": c.source(r), "derived": []})
        loc["derived"].append({"kind": r.get("kind") or "", "statement": r["statement"]})
    for part in parts.values():
        part["locations"] = list(part["locations"].values())
        for loc in part["locations"]:
            loc["references"] = parse_location(loc["source"].iri)[1]
    return list(parts.values())


def references(c: Collector) -> list[dict]:
    return c.rows("references")
