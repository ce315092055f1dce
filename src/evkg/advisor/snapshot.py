"""A product's regulatory snapshot, composed from canned queries: `advise` (every statement about the
targets with its verdict for the product), `pathways-by-jurisdiction` (who receives what, under which
law), `trial-authorization-matrix` (counterparts of trial routes), `contradictions` (both sides of every
contradiction touching an answer), `shared-guidelines` and `named-products-and-trials`. Python here only
groups rows; every verdict comes from SPARQL."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from rdflib import URIRef

from ..answers import badge, sort_sources, source_iris
from ..catalogue import get_query
from ..conflicts import mark
from ..namespaces import EVKG
from ..project import Project
from ..querying import Backend, execute, names_for
from ..resolve import local_name
from .profile import Profile, profile_fields

# The aspects of a jurisdiction's snapshot, in the order a sponsor reads them.
ASPECTS = OrderedDict([
    ("authority", "Authority"),
    ("classification", "Classification"),
    ("scope_of_law", "Scope of the law"),
    ("trial_routes", "Trial routes"),
    ("marketing_routes", "Marketing routes"),
    ("expedited_routes", "Conditional, time-limited or expedited routes"),
    ("other_routes", "Other procedures"),
    ("standards", "Standards"),
    ("requirements", "Requirements"),
    ("guidelines", "Guidelines"),
    ("ev_guidance", "EV-specific guidance"),
    ("cosmetic_use", "Cosmetic use"),
    ("market_status", "Market status"),
    ("named_products", "Named products, trials and decisions"),
    ("adverse_events", "Adverse-event tracking"),
])
_FROM_QUERY = {"authority": "authority", "classification": "classification", "scope of the law": "scope_of_law",
               "excluded from the law": "scope_of_law", "standards": "standards", "requirements": "requirements",
               "guidelines": "guidelines", "EV-specific guidance": "ev_guidance", "cosmetic use": "cosmetic_use",
               "market status": "market_status", "adverse-event tracking": "adverse_events"}
COSMETIC_USES = ("cosmetic-ingredient", "aesthetic-injection")
NOT_STATED = "the review says nothing about this here"
_INVERSE = {"broadMatch": "narrowMatch", "narrowMatch": "broadMatch"}


@dataclass
class Source:
    iri: str
    badge: str


@dataclass
class Item:
    """One answer line: what the review states, its verdict for this product, and where it says so."""

    label: str
    sources: list[Source] = field(default_factory=list)
    verdict: str | None = None
    because: str | None = None  # why it does not apply
    stated_for: str | None = None  # the products a "not addressed" statement is about
    open_questions: list[str] = field(default_factory=list)  # what the profile leaves open that decides it
    undetermined_because: str | None = None
    condition: str | None = None
    scope: str | None = None
    modality: str | None = None
    details: dict[str, str] = field(default_factory=dict)  # receiving authority, ethics body, legal basis ...
    counterparts: list[dict] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)  # ids C1, C2 ... of the snapshot
    iri: str | None = None

    def to_json(self) -> dict:
        out = {"label": self.label}
        for key in ("verdict", "because", "stated_for", "undetermined_because", "condition", "scope", "modality"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.open_questions:
            out["open_questions"] = self.open_questions
        out.update({k: v for k, v in self.details.items() if v})
        if self.counterparts:
            out["counterparts"] = self.counterparts
        if self.contradictions:
            out["contradictions"] = self.contradictions
        out["sources"] = [{"badge": s.badge, "iri": s.iri} for s in self.sources]
        if self.iri:
            out["iri"] = self.iri
        return out


@dataclass
class Contradiction:
    id: str
    iri: str
    topic: str
    note: str
    sides: list[Item] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"id": self.id, "topic": self.topic, "note": self.note, "sides": [s.to_json() for s in self.sides]}


@dataclass
class JurisdictionSnapshot:
    code: str
    iri: str
    label: str
    aspects: "OrderedDict[str, list[Item]]" = field(default_factory=OrderedDict)
    contradictions: list[Contradiction] = field(default_factory=list)

    @property
    def silent(self) -> list[str]:
        return [k for k, items in self.aspects.items() if not items]

    def to_json(self) -> dict:
        return {"label": self.label, "iri": self.iri,
                "aspects": {k: [i.to_json() for i in v] for k, v in self.aspects.items()},
                "silent": self.silent,
                "contradictions": [c.to_json() for c in self.contradictions]}


@dataclass
class Snapshot:
    profile: Profile
    profile_summary: list[tuple[str, str]]  # (question, answer) in reading order; "not answered" for open ones
    jurisdictions: list[JurisdictionSnapshot]
    shared_guidelines: list[Item]
    open_questions: list[dict]  # one per unanswered field: its question and the answers that depend on it
    review: dict

    def to_json(self) -> dict:
        """The documented, stable structure (version 1): see the module docstring of evkg.advisor."""
        return {"evkg_advise": 1,
                "profile": {"name": self.profile.name,
                            "answers": {q: a for q, a in self.profile_summary}},
                "source_document": self.review,
                "jurisdictions": {j.code: j.to_json() for j in self.jurisdictions},
                "shared_guidelines": [g.to_json() for g in self.shared_guidelines],
                "open_questions": self.open_questions}


def _rows(result) -> list[dict]:
    return [dict(zip(result.columns, r)) for r in result.rows]


def _s(term) -> str | None:
    return None if term is None else str(term)


def _split(text) -> list[str]:
    return [t for t in (str(text).split("; ") if text is not None else []) if t]


def compose(project: Project, backend: Backend, profile: Profile) -> Snapshot:
    """Run the canned queries for `profile` and group their rows into a Snapshot."""
    names = names_for(backend)
    fields = profile_fields(names)
    names.fetch_labels(str(t) for t in profile.targets)

    def run(name: str, bound: dict, silent_rows: bool = False):
        return execute(get_query(project, name), bound, backend, names, silent_rows=silent_rows)

    statements = _rows(run("advise", {"_targets": list(profile.targets), "_profile": profile.pairs(fields)}))
    pathways = {str(r["pw"]): r for r in _rows(run("pathways-by-jurisdiction", {}))}
    matrix = _rows(run("trial-authorization-matrix", {}))
    contradiction_rows = _rows(run("contradictions", {}))
    named = _rows(run("named-products-and-trials", {}))
    shared = _rows(run("shared-guidelines", {"_targets": list(profile.targets)})) if len(profile.targets) > 1 else []
    review = _rows(run("about-review", {}))[0]
    names.fetch_labels(s for r in statements + named + matrix + contradiction_rows for s in source_iris(r.get("source")))

    def sources(iris) -> list[Source]:
        return [Source(i, badge(i, names)) for i in sort_sources([i for x in iris for i in source_iris(x)])]

    show_cosmetic = "use" not in profile.answers or any(
        fields["use"].answers.get(u) in profile.answers["use"] for u in COSMETIC_USES)
    snapshots: dict[str, JurisdictionSnapshot] = OrderedDict()
    for t in profile.targets:
        aspects = OrderedDict((k, []) for k in ASPECTS if k != "cosmetic_use" or show_cosmetic)
        snapshots[str(t)] = JurisdictionSnapshot(local_name(str(t)), str(t), names.label(str(t)) or str(t), aspects)

    # statements, merged when they say the same thing with the same verdict (their sources joined)
    merged: dict[tuple, tuple[Item, list]] = OrderedDict()
    for r in statements:
        j = snapshots.get(str(r["_targets"])) if "_targets" in r else None
        j = j or next(s for s in snapshots.values() if s.label == str(r["jurisdiction"]))
        aspect = _FROM_QUERY.get(str(r["aspect"]))
        if str(r["aspect"]) == "pathways":
            aspect = _route_kind(pathways.get(str(r["value"])))
        if aspect not in j.aspects:
            continue
        label = str(r["item"])
        if str(r["aspect"]) == "excluded from the law":
            label = f"excluded from the law's scope: {label}"
        key = (j.iri, aspect, label, _s(r["verdict"]), _s(r["condition"]), _s(r["scope"]), _s(r["modality"]),
               _s(r["because"]), _s(r.get("statedFor")), _s(r["openQuestions"]), _s(r["legalBasis"]))
        if key not in merged:
            item = Item(label, verdict=_s(r["verdict"]), because=_s(r["because"]), stated_for=_s(r.get("statedFor")),
                        open_questions=_split(r["openQuestions"]), undetermined_because=_s(r["undeterminedBecause"]),
                        condition=_s(r["condition"]), scope=_s(r["scope"]),
                        modality=_modality(r["modality"]), iri=_s(r["value"]) if aspect.endswith("routes") else None)
            if r.get("legalBasis") is not None:
                item.details["legal_basis"] = "; ".join(sorted(_split(r["legalBasis"]), key=str.casefold))
            merged[key] = (item, [], set())
            j.aspects[aspect].append(item)
        merged[key][1].append(r["source"])
        merged[key][2].update(str(r["contradictions"]).split() if r.get("contradictions") else [])
    touched: dict[str, set[str]] = {}
    for key, (item, srcs, cts) in merged.items():
        item.sources = sources(srcs)
        for c in cts:
            touched.setdefault(key[0], set()).add(c)
        item.contradictions = sorted(cts)
        if item.iri and item.iri in pathways:
            item.details = {**item.details, **_route_details(pathways[item.iri])}
            item.counterparts = _counterparts(item.iri, matrix, sources)

    # named products, trials and decisions of each target
    for r in named:
        j = snapshots.get(str(r.get("_jurisdiction"))) or next(
            (s for s in snapshots.values() if s.label == str(r["jurisdiction"])), None)
        if j is None:
            continue
        items = j.aspects["named_products"]
        label = str(r["name"]) + (f" ({r['detail']})" if r.get("detail") else "")
        item = next((i for i in items if i.label == label), None)
        if item is None:
            item = Item(label)
            items.append(item)
        item.sources = sources([s.iri for s in item.sources] + [r["source"]])

    # every contradiction touching an answer, with both sides, numbered across the snapshot
    numbered: dict[str, Contradiction] = OrderedDict()
    for r in contradiction_rows:
        c = str(r["contradiction"])
        if not any(c in cs for cs in touched.values()):
            continue
        entry = numbered.setdefault(c, Contradiction("", c, str(r["topic"]), str(r["note"])))
        side = next((s for s in entry.sides if s.label == str(r["statement"])), None)
        if side is None:
            side = Item(str(r["statement"]))
            entry.sides.append(side)
        side.sources = sources([s.iri for s in side.sources] + [r["source"]])
    for c in numbered.values():  # the numbers every answer and page of the graph uses
        c.id = mark(names, c.iri)
    numbered = OrderedDict(sorted(numbered.items(), key=lambda kv: int(kv[1].id[1:])))
    ids = {c.iri: c.id for c in numbered.values()}
    for j in snapshots.values():
        j.contradictions = [numbered[c] for c in numbered if c in touched.get(j.iri, set())]
        for items in j.aspects.values():
            for item in items:
                item.contradictions = sorted((ids[c] for c in item.contradictions if c in ids), key=lambda i: int(i[1:]))

    shared_items = [Item(str(r["guideline"]), sources=sources([r["sources"]]),
                         details={"in_all_targets": str(r["inAllTargets"]),
                                  # GROUP_CONCAT's member order is the engine's: sorted, the same on every store
                                  "targets": "; ".join(sorted(_split(r["jurisdictions"]), key=str.casefold))})
                    for r in shared]
    summary = _profile_summary(profile, fields, names)
    return Snapshot(profile, summary, list(snapshots.values()), shared_items,
                    _open_questions(profile, fields, snapshots.values()),
                    {k: _s(review[k]) for k in ("title", "authors", "citation", "doi", "issued")})


def _route_kind(row: dict | None) -> str:
    types = str(row.get("types") or "") if row else ""
    if str(EVKG.ExpeditedPathway) in types:
        return "expedited_routes"
    if str(EVKG.ClinicalTrialPathway) in types:
        return "trial_routes"
    if str(EVKG.MarketingAuthorizationPathway) in types:
        return "marketing_routes"
    return "other_routes"


def _route_details(row: dict) -> dict[str, str]:
    def joined(term) -> str | None:  # members of a concatenation in a stable order
        return "; ".join(sorted(_split(term), key=str.casefold)) or None

    out = {"kind": _s(row.get("kind")), "receiving_authority": _s(row.get("receivingAuthority")),
           "review_body": joined(row.get("reviewBody")), "ethics_body": joined(row.get("ethicsBody")),
           "submission_system": _s(row.get("system")), "legal_basis": joined(row.get("legalBasis")),
           "note": _s(row.get("note"))}
    return {k: v for k, v in out.items() if v}


def _counterparts(route: str, matrix: list[dict], sources) -> list[dict]:
    """Mappings of a trial route to other jurisdictions' routes, read in both directions, one entry per
    counterpart and relation with all its sources."""
    found: dict[tuple, list] = OrderedDict()
    for r in matrix:
        if str(r["s"]) == route:
            other, jur, rel = r["to"], r["toJurisdiction"], str(r["relation"])
        elif str(r["o"]) == route:
            other, jur, rel = r["from"], r["fromJurisdiction"], _INVERSE.get(str(r["relation"]), str(r["relation"]))
        else:
            continue
        found.setdefault((str(jur), str(other), rel, _s(r.get("confidence"))), []).append(r["source"])
    return [{"label": label, "jurisdiction": jur, "relation": rel, "confidence": conf,
             "sources": [{"badge": s.badge, "iri": s.iri} for s in sources(srcs)]}
            for (jur, label, rel, conf), srcs in sorted(found.items())]


def _modality(term) -> str | None:
    text = _s(term)
    return None if text in (None, "stated as the rule") else text


FIELD_ORDER = ("source", "cell_type", "manipulation", "engineering", "cargo", "gene_therapy", "combination", "action", "use",
               "therapeutic_area", "targets")


def _profile_summary(profile: Profile, fields, names) -> list[tuple[str, str]]:
    out = []
    if profile.name:
        out.append(("name", profile.name))
    order = [f for f in FIELD_ORDER if f in fields] + [f for f in fields if f not in FIELD_ORDER]
    unasked = profile.unasked(fields)
    for name in order:
        f = fields[name]
        if name == "targets":
            out.append(("target jurisdictions", ", ".join(names.label(str(t)) or str(t) for t in profile.targets)))
        elif f in unasked:
            out.append((f.label, "not asked for " + ", ".join(a for fa in profile.answers.values() for v in fa
                                                              if v in f.unasked_by for a in [_answer_label(fields, v)])))
        elif f.choice:
            answers = profile.answers.get(name)
            out.append((f.label, ", ".join(f.answer_labels[a] for a in answers) if answers else "not answered"))
        elif name in profile.text:
            out.append((f.label, profile.text[name]))
    return out


def _answer_label(fields, iri: str) -> str:
    return next((f.answer_labels[iri] for f in fields.values() if iri in f.answer_labels), iri)


def _open_questions(profile: Profile, fields, snapshots) -> list[dict]:
    """Each unanswered question, and the answers whose verdict waits on it."""
    out = []
    for f in profile.open_fields(fields):
        waiting = [f"{j.label}: {i.label}" for j in snapshots for items in j.aspects.values() for i in items
                   if f.question in i.open_questions]
        out.append({"field": f.name, "question": f.question, "decides": sorted(set(waiting))})
    return out
