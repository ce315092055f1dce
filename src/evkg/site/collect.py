"""What the report shows, gathered from the graph through the canned queries.

Everything on the site comes from a query in queries/; this module only groups rows into the
shapes the templates lay out (a jurisdiction's aspects, the comparison matrix, the equivalence grids),
ties each value to the contradictions of the review it is one side of, and picks the headline
values a compact cell or a one-page briefing shows."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..answers import badge, sort_sources
from ..conflicts import numbers
from ..namespaces import SRC
from ..project import Project
from ..provenance import parse_location
from ..querying import NOT_IN_GRAPH, NOT_STATED, names_for, run_query
from ..store import EmbeddedStore

JURISDICTION_NS = "https://w3id.org/evkg/resource/jurisdiction/"
LEAD = "lead regulatory authority"
# qualifiers that make a value less than the plain rule (a compact cell shows plain rules first)
_HEDGES = ("if ", "stated as a possibility", "still being decided", "one of the listed classes", "applies only if")


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

    @property
    def badge(self) -> str:
        """The CLI's compact badge ('§3.3 [47, 55, 56]'); a source outside the review by its label."""
        return badge(self.iri) if self.in_review else self.label


@dataclass
class Item:
    """One value in a cell (or list), with its qualifiers, every source that states it, the positions
    (claims) behind it, the graph's notes on it and the contradictions of the review it is one side of."""

    text: str
    qualifiers: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    conflicts: list["Conflict"] = field(default_factory=list)

    def cite(self, source: Source) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def note(self, text: str) -> None:
        if text and text not in self.notes:
            self.notes.append(text)

    def others(self, conflict: "Conflict") -> list["Item"]:
        """The sides of `conflict` that are not this value: what the review says instead."""
        return conflict.others(self.positions)


class Items(OrderedDict):
    """Items keyed by what they say, so the same value from several sources is one item with several links."""

    def add(self, text: str, qualifiers: list[str], source: Source | None, position: str | None = None) -> Item:
        key = (text, tuple(qualifiers))
        item = self.get(key)
        if item is None:
            item = self[key] = Item(text, list(qualifiers))
        if source is not None:
            item.cite(source)
        if position and position not in item.positions:
            item.positions.append(position)
        return item


@dataclass(eq=False)  # one object per contradiction: compared and hashed by identity
class Conflict:
    """One contradiction of the review: what disagrees, and each side with its source. Numbered C1, C2
    ... in the order of the contradictions page, the same number on every page of the site."""

    iri: str
    number: int
    topic: str
    note: str
    jurisdictions: list[str] = field(default_factory=list)
    sides: Items = field(default_factory=Items)

    @property
    def id(self) -> str:
        return self.iri.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return f"C{self.number}"

    @property
    def jurisdiction(self) -> str:
        return "; ".join(self.jurisdictions)

    def elsewhere(self, part: str) -> list[Item]:
        """The sides not stated in the part of the review `part` ('tab-1'): what a table's reader has not seen."""
        return [s for s in self.sides.values() if not any(src.anchor.split("_r")[0] == part for src in s.sources)]

    def others(self, positions: list[str]) -> list[Item]:
        """The sides that are not the value stated by `positions`."""
        return [s for s in self.sides.values() if not set(s.positions) & set(positions)]


@dataclass
class Headline:
    """A compact view of a cell: its leading values (short text, sources, conflicts), and how many more."""

    values: list[Item]
    more: int


@dataclass
class Mapping:
    """A cross-jurisdiction mapping seen from one side: `here` corresponds to `there` by `relation`."""

    here: str
    there: str
    relation: str  # SKOS relation from here's side (broad and narrow turned when the mapping points the other way)
    confidence: str
    justification: str
    sources: list[Source]
    stored: str  # the mapping as the graph stores it: "a closeMatch b"

    @property
    def phrase(self) -> str:
        return RELATION_PHRASES.get(self.relation, self.relation)


# How a relation reads from the side of the row's term ('A broadMatch B': B is the broader one).
RELATION_PHRASES = {"exactMatch": "the same as", "closeMatch": "close to", "broadMatch": "narrower than",
                    "narrowMatch": "broader than", "relatedMatch": "comparable to"}
INVERSE = {"broadMatch": "narrowMatch", "narrowMatch": "broadMatch"}

# The reasoner's categories (defined classes of the ontology) in words for readers.
CATEGORY_PHRASES = {
    "source-based regime": "classifies EV products by their source and how they are made",
    "cargo/function-based regime": "classifies EV products by their cargo and what it does",
    "jurisdiction treating EVs as ATMPs": "treats EV products as advanced therapies (ATMPs) in at least one statement",
    "jurisdiction treating EVs as ATMPs under a condition": "treats them as ATMPs under a condition in some statement",
    "jurisdiction treating EVs as ATMPs without condition": "treats them as ATMPs without condition in some statement",
    "jurisdiction with a conditional, time-limited or expedited route": "has a conditional, time-limited or expedited route",
    "jurisdiction with EV-specific guidance": "has guidance written for EV products",
    "jurisdiction prohibiting human-derived EVs in cosmetics": "prohibits human-derived EVs in cosmetics",
    "jurisdiction aligned with the EU ATMP regulation": "aligns with the EU regulation on advanced therapies",
}


@dataclass
class Body:
    """An authority, committee or ethics body with every role the review gives it."""

    name: str
    kind: str
    part_of: str
    roles: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)

    def others(self, conflict: Conflict) -> list[Item]:
        return conflict.others(self.positions)


@dataclass
class Jurisdiction:
    code: str
    iri: str
    label: str
    order: int
    aspects: "OrderedDict[str, Items]" = field(default_factory=OrderedDict)
    bodies: list[Body] = field(default_factory=list)
    instruments: Items = field(default_factory=Items)
    pathways: list[dict] = field(default_factory=list)
    products: Items = field(default_factory=Items)
    trials: dict | None = None
    categories: list[str] = field(default_factory=list)
    contradictions: list[Conflict] = field(default_factory=list)
    other: "OrderedDict[str, Items]" = field(default_factory=OrderedDict)  # statements no section above shows
    counterparts: "OrderedDict[str, list[Mapping]]" = field(default_factory=OrderedDict)  # other jurisdiction -> mappings
    external: list[dict] = field(default_factory=list)
    review_sources: int = 0  # statements (one per source location) from the review
    other_documents: list[Source] = field(default_factory=list)  # source locations outside the review
    other_statements: int = 0
    subjects: set[str] = field(default_factory=set)  # everything the graph states about it (statements' subjects)

    @property
    def page(self) -> str:
        return f"jurisdictions/{self.code}.html"

    @property
    def briefing(self) -> str:
        return f"briefing/{self.code}.html"

    @property
    def category_phrases(self) -> list[str]:
        return [CATEGORY_PHRASES.get(c, f"is in the category '{c}'") for c in self.categories]

    def short(self, text: str) -> str:
        """A value without the jurisdiction's name it ends with ('drug, United States' -> 'drug')."""
        suffix = f", {self.label}"
        return text[:-len(suffix)] if text.endswith(suffix) else text

    def headline(self, aspect: str, limit: int = 2) -> Headline:
        return headline(self.aspects.get(aspect, Items()), self, limit)

    def headline_of(self, items: Items, limit: int = 2) -> Headline:
        return headline(items, self, limit)

    def instruments_dates(self, text: str) -> str:
        """The dates the review gives for an instrument (by its name without the jurisdiction)."""
        return "; ".join(dict.fromkeys(q for i in self.instruments.values() if self.short(i.text) == text
                                       for q in i.qualifiers if q.startswith(("enacted", "in force"))))

    @property
    def silence(self) -> str:
        """What an empty section says: the review is silent, or (for a jurisdiction that came from another
        source) the graph holds nothing."""
        return NOT_STATED if self.review_sources else NOT_IN_GRAPH


def _s(term) -> str | None:
    return None if term is None else str(term)


class Collector:
    """Runs the canned queries once each on the embedded store and keeps their rows as dicts."""

    def __init__(self, project: Project, store: EmbeddedStore | None = None):
        self.project = project
        self.store = store or EmbeddedStore(project)
        self.names = names_for(self.store)
        self.queries_used: list[str] = []
        self._rows: dict[tuple, list[dict]] = {}

    def rows(self, name: str, **params: str) -> list[dict]:
        """The rows of a canned query as dicts; asked again, the same rows (the same objects)."""
        key = (name, tuple(sorted(params.items())))
        if key in self._rows:
            return self._rows[key]
        if name not in self.queries_used:
            self.queries_used.append(name)
        res = run_query(self.project, name, params, store=self.store, names=self.names, silent_rows=False)
        rows = self._rows[key] = [{c: _s(v) for c, v in zip(res.columns, r)} for r in res.rows]
        self.names.fetch_labels(i for r in rows for i in (r.get("source") or r.get("sources") or "").split())
        return rows

    def source(self, row: dict) -> "Source | None":
        """The source location of a row (its `source` column), with its label."""
        iri = row.get("source")
        return self.source_of(iri) if iri else None

    def source_of(self, iri: str) -> Source:
        return Source(iri, self.names.label(iri) or iri)

    def sources(self, row: dict) -> list[Source]:
        """The source locations of a row's `sources` column (several joined by spaces)."""
        return [self.source_of(i) for i in (row.get("sources") or "").split()]


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


def headline(items: Items, j: Jurisdiction, limit: int = 2) -> Headline:
    """The values a compact cell shows first: the lead authority, then plain rules before hedged ones,
    values the review's Tables 1-2 state before the others, then those stated in most places; the same
    value under several qualifiers counts once."""
    groups: OrderedDict[str, Item] = OrderedDict()
    rank: dict[str, tuple] = {}
    for n, item in enumerate(items.values()):
        text = j.short(item.text)
        g = groups.setdefault(text, Item(text))
        for s in item.sources:
            g.cite(s)
        g.positions += [p for p in item.positions if p not in g.positions]
        g.conflicts += [c for c in item.conflicts if c not in g.conflicts]
        hedged = any(q.startswith(h) or h in q for q in item.qualifiers for h in _HEDGES)
        tabled = any(s.anchor.startswith("tab-") for s in item.sources)
        key = (0 if LEAD in item.qualifiers else 1, 1 if hedged else 0, 0 if tabled else 1)
        rank[text] = min(rank.get(text, (9, 9, 9, n)), key + (n,))
    ordered = sorted(groups, key=lambda t: (*rank[t][:3], -len(groups[t].sources), rank[t][3]))
    return Headline([groups[t] for t in ordered[:limit]], max(0, len(ordered) - limit))


def jurisdictions(c: Collector) -> list[Jurisdiction]:
    """Every jurisdiction with its aspects (comparison-matrix) and its own sections."""
    found: dict[str, Jurisdiction] = {}
    aspect_order: dict[str, int] = {}
    shown: dict[str, set[str]] = {}  # jurisdiction -> subjects (positions, values) a section shows
    for r in c.rows("comparison-matrix"):
        j = found.get(r["j"])
        if j is None:
            j = found[r["j"]] = Jurisdiction(r["j"][len(JURISDICTION_NS):], r["j"], r["jurisdiction"], int(r["order"]))
        aspect_order[r["aspect"]] = int(r["aspectOrder"])
        j.aspects.setdefault(r["aspect"], Items()).add(r["item"], _qualifiers(r), c.source(r), r["position"])
        shown.setdefault(j.label, set()).update((r["position"], r["value"]))
    ordered = sorted(found.values(), key=lambda j: j.order)
    aspect_names = sorted(aspect_order, key=lambda a: (aspect_order[a], a))
    by_label = {j.label: j for j in ordered}
    for j in ordered:
        j.aspects = OrderedDict((a, j.aspects.get(a, Items())) for a in aspect_names)
    _bodies(c, by_label, shown)
    for r in c.rows("instruments-by-jurisdiction"):
        j = by_label.get(r["jurisdiction"])
        if j is None or not r.get("instrument"):
            continue
        quals = [r["kind"]]
        if r.get("enacted"):
            quals.append(f"enacted or adopted {r['enacted']}")
        if r.get("inForceFrom"):
            quals.append(f"in force from {r['inForceFrom']}" + (f" ({r['qualifier']})" if r.get("qualifier") else ""))
        j.instruments.add(r["instrument"], quals, c.source(r), r["l"])
        shown[j.label].add(r["l"])
    for r in c.rows("pathways-by-jurisdiction"):
        j = by_label.get(r["jurisdiction"])
        if j is not None and r.get("pathway"):
            r["source_list"] = c.sources(r)
            j.pathways.append(r)
            shown[j.label].add(r["pw"])
    for r in c.rows("named-products-and-trials"):
        if r["jurisdiction"] in by_label:
            quals = [q for q in (r["kind"], r.get("detail")) if q]
            by_label[r["jurisdiction"]].products.add(r["name"], quals, c.source(r), r.get("x"))
            shown[r["jurisdiction"]].add(r.get("x"))
    for r in c.rows("trial-counts"):
        if r["jurisdiction"] in by_label:
            by_label[r["jurisdiction"]].trials = r
    for r in c.rows("regime-categories"):
        if r["jurisdiction"] in by_label:
            by_label[r["jurisdiction"]].categories.append(r["category"])
    for j in ordered:
        j.external = c.rows("external-links", jurisdiction=j.code)
        _statements(c, j, shown[j.label])
    return ordered


def _bodies(c: Collector, by_label: dict[str, Jurisdiction], shown: dict[str, set[str]]) -> None:
    """One entry per body, with the roles the authority positions give it (merged, not listed twice)."""
    for r in c.rows("bodies-by-jurisdiction"):
        j = by_label.get(r["jurisdiction"])
        if j is not None and r.get("body"):
            j.bodies.append(Body(r["body"], r.get("kind") or "", r.get("partOf") or "", sources=c.sources(r)))
    for j in by_label.values():
        named = {b.name: b for b in j.bodies}
        for item in j.aspects.get("authority and bodies", Items()).values():
            body = named.get(item.text)
            if body is None:  # a body of another jurisdiction, or of none, in one of this one's roles
                body = named[item.text] = Body(item.text, "", "")
                j.bodies.append(body)
            body.roles += [q for q in item.qualifiers if q not in body.roles]
            body.sources += [s for s in item.sources if s not in body.sources]
            body.positions += item.positions
        for body in j.bodies:
            order = sort_sources([s.iri for s in body.sources])
            body.sources.sort(key=lambda s: order.index(s.iri))
        j.bodies.sort(key=lambda b: (0 if LEAD in b.roles else 1, b.name.casefold()))


def _statements(c: Collector, j: Jurisdiction, shown: set[str]) -> None:
    """Count where the jurisdiction's statements come from; keep those no section shows (challenges,
    recommendations, frameworks ...) for the page's last section."""
    bodies = {b.name for b in j.bodies}
    others: dict[str, Source] = {}
    for r in c.rows("statements-by-jurisdiction", jurisdiction=j.code):
        src = c.source(r)
        j.subjects.add(r["subject"])
        if src is not None and src.in_review:
            j.review_sources += 1
        elif src is not None:
            j.other_statements += 1
            others.setdefault(src.iri, src)
        if r["subject"] in shown or r["statement"] in bodies or r["kind"] == "contradiction in the source":
            continue
        kind = (r["kind"] or "statement").removesuffix(" position")
        j.other.setdefault(kind, Items()).add(r["statement"], [], src, r["subject"])
    j.other_documents = sorted(others.values(), key=lambda s: s.label)


def aspects(js: list[Jurisdiction]) -> list[str]:
    return list(js[0].aspects) if js else []


def trial_counts(c: Collector) -> list[dict]:
    return c.rows("trial-counts")


def contradictions(c: Collector) -> "OrderedDict[str, Conflict]":
    """Each contradiction once (by IRI), numbered in the query's order, with every jurisdiction it concerns
    (the query repeats it per jurisdiction; one about none is labelled "(the review as a whole)")."""
    out: OrderedDict[str, Conflict] = OrderedDict()
    for r in c.rows("contradictions"):
        entry = out.get(r["contradiction"])
        if entry is None:
            entry = out[r["contradiction"]] = Conflict(r["contradiction"], numbers(c.names)[r["contradiction"]][0],
                                                       r["topic"], r["note"])
        if r["jurisdiction"] not in entry.jurisdictions:
            entry.jurisdictions.append(r["jurisdiction"])
        entry.sides.add(r["statement"], [], c.source(r), r["position"])
    return out


class ConflictIndex:
    """Which contradictions a value is one side of: by the position (claim) behind it, or, for a cell of
    Tables 1-2, by the jurisdiction, the term it names and the table it comes from (contradiction-sides)."""

    def __init__(self, c: Collector, conflicts: "OrderedDict[str, Conflict]"):
        self.conflicts = conflicts
        self.by_position: dict[str, list[Conflict]] = {}
        for conflict in conflicts.values():
            for side in conflict.sides.values():
                for p in side.positions:
                    self.by_position.setdefault(p, []).append(conflict)
        self.by_term: dict[tuple[str, str, str], list[Conflict]] = {}
        self.by_place: dict[tuple[str, str], list[Conflict]] = {}
        for r in c.rows("contradiction-sides"):
            conflict = conflicts.get(r["contradiction"])
            if conflict is None:
                continue
            for key, table in (((r["jurisdiction"], r.get("term") or "", r["source"]), self.by_term),
                               ((r["jurisdiction"], r["source"]), self.by_place)):
                if conflict not in table.setdefault(key, []):
                    table[key].append(conflict)

    def of(self, positions: list[str]) -> list[Conflict]:
        out: list[Conflict] = []
        for p in positions:
            out += [c for c in self.by_position.get(p, []) if c not in out]
        return sorted(out, key=lambda c: c.number)

    def mark(self, js: list[Jurisdiction]) -> None:
        """Give every value of every jurisdiction the contradictions its positions are sides of."""
        for j in js:
            groups = [*j.aspects.values(), j.instruments, j.products, *j.other.values()]
            for items in groups:
                for item in items.values():
                    item.conflicts = self.of(item.positions)
            for body in j.bodies:
                body.conflicts = self.of(body.positions)
            pathway_items = {i.text: i for i in j.aspects.get("pathways", Items()).values()}
            for p in j.pathways:
                p["item"] = pathway_items.get(p["pathway"])
            j.contradictions = [c for c in self.conflicts.values() if j.label in c.jurisdictions]

    def in_table(self, jurisdiction: str, term: str, source: str) -> list[Conflict]:
        return sorted(self.by_term.get((jurisdiction, term, str(SRC) + source), []), key=lambda c: c.number)

    def of_trials(self, jurisdiction: str, count: str) -> list[Conflict]:
        """Contradictions a row of the trial counts is one side of: by its share in Figure 2 or its count in Table 2."""
        found = self.by_place.get((jurisdiction, str(SRC) + "fig-2"), []) + self.in_table(jurisdiction, count, "tab-2")
        return sorted(dict.fromkeys(found), key=lambda c: c.number)


def attach_notes(c: Collector, js: list[Jurisdiction]) -> None:
    """Show the graph's editorial notes with the value they qualify (a scheduled date, an inferred
    receiving authority, an act whose date may belong to another)."""
    notes: dict[str, list[str]] = {}
    for r in c.rows("editorial-notes"):
        notes.setdefault(r["subject"], []).append(r["note"])
        notes.setdefault(r["about"], []).append(r["note"])
    for j in js:
        for items in [*j.aspects.values(), j.instruments, j.products, *j.other.values()]:
            for item in items.values():
                for p in item.positions:
                    for n in notes.get(p, []):
                        item.note(n)
        for body in j.bodies:
            body.notes = list(dict.fromkeys(notes.get(body.name, [])))


def equivalences(c: Collector, query: str, js: list[Jurisdiction]) -> dict:
    """A symmetric jurisdiction x jurisdiction grid of the mappings a matrix query returns: each mapping
    appears in both cells, read from the row's side (broadMatch turned into narrowMatch the other way)."""
    mappings: OrderedDict[tuple, dict] = OrderedDict()
    for r in c.rows(query):
        m = mappings.setdefault((r["s"], r["relation"], r["o"]), {**r, "source_list": []})
        src = c.source(r)
        if src not in m["source_list"]:
            m["source_list"].append(src)
    cells: dict[tuple[str, str], list[Mapping]] = {}
    for m in mappings.values():
        stored = f"{m['from']} {m['relation']} {m['to']}"
        sides = ((m["fromJurisdiction"], m["toJurisdiction"], m["from"], m["to"], m["relation"]),
                 (m["toJurisdiction"], m["fromJurisdiction"], m["to"], m["from"], INVERSE.get(m["relation"], m["relation"])))
        for a, b, here, there, rel in sides:
            cells.setdefault((a, b), []).append(Mapping(here, there, rel, m.get("confidence") or "", m["justification"],
                                                        m["source_list"], stored))
    for v in cells.values():
        v.sort(key=lambda x: (x.here.casefold(), x.there.casefold(), x.relation))
    labels = [j.label for j in js if any(j.label == a for a, _ in cells)]
    return {"labels": labels, "cells": cells, "count": len(mappings)}


def attach_counterparts(js: list[Jurisdiction], grids: list[dict]) -> None:
    """Give each jurisdiction the mappings that link it to another, grouped by the other jurisdiction,
    each read from this jurisdiction's side."""
    by_label = {j.label: j for j in js}
    for grid in grids:
        for (a, b), ms in grid["cells"].items():
            if a in by_label and a != b:
                by_label[a].counterparts.setdefault(b, []).extend(ms)
    for j in js:
        j.counterparts = OrderedDict(sorted(j.counterparts.items(), key=lambda kv: by_label[kv[0]].order
                                            if kv[0] in by_label else 99))


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


def references(c: Collector, parts: list[dict]) -> list[dict]:
    """The reference list, each entry with the source locations that cite it."""
    cited: dict[int, list[Source]] = {}
    for part in parts:
        for loc in part["locations"]:
            for n in loc["references"]:
                cited.setdefault(n, []).append(loc["source"])
    rows = c.rows("references")
    for r in rows:
        r["cited_at"] = cited.get(int(r["number"]), [])
    return rows
