"""Names to terms: what a person types (a code, a name, an abbreviation, a label, a CURIE) resolved to the
graph's IRIs, with "did you mean" suggestions. Every command resolves through this one place.

The index is read from the graph itself (labels, alternative labels, notations, ISO codes), through
whichever back end answers queries (the embedded store or a SPARQL endpoint), so a name resolves the same
way everywhere. Matching ignores case, accents and punctuation ("U.S.A." = "USA"); a term of one
jurisdiction can be qualified by it ("US IND", "IND (Japan)", "Korea IND").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Protocol

from rdflib import URIRef

from .errors import EvkgError
from .namespaces import EVKG, PREFIXES, RES
from .store import QueryResult

PREFIX_BLOCK = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

# What a name may resolve to: a kind is a class of the ontology (instances of it and of its subclasses).
KINDS = {
    "jurisdiction": EVKG.Jurisdiction,
    "body": URIRef("http://www.w3.org/ns/org#Organization"),
    "instrument": EVKG.LegalInstrument,
    "guideline": EVKG.Guideline,
    "standard": EVKG.QualityStandard,
    "pathway": EVKG.RegulatoryPathway,
    "class": EVKG.ProductClass,
    "scope": EVKG.ProductScope,
    "condition": EVKG.Condition,
    "modality": EVKG.Modality,
    "status": EVKG.StatusValue,
    "character": EVKG.RegimeCharacter,
    "part": EVKG.DocumentPart,
    "category": EVKG.ProductClass,  # a generic product class: one of no jurisdiction
}
GENERIC = {"category"}  # kinds whose members belong to no jurisdiction
# Statements and bookkeeping nodes are reached by their identifiers, never by a name: their labels are
# sentences, and matching them would make short names ambiguous.
NOT_BY_NAME = (EVKG.RegulatoryPosition, EVKG.SourceLocation, EVKG.BibliographicReference, EVKG.Mapping,
               EVKG.Contradiction)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")

_KEYS = PREFIX_BLOCK + """SELECT ?e ?key ?how WHERE {
  { ?e rdfs:label ?key BIND ("label" AS ?how) } UNION { ?e skos:prefLabel ?key BIND ("label" AS ?how) }
  UNION { ?e skos:altLabel ?key BIND ("alt" AS ?how) } UNION { ?e skos:notation ?key BIND ("code" AS ?how) }
  UNION { ?e evkg:iso3166Alpha2 ?key BIND ("iso" AS ?how) }
}"""
_INFO = PREFIX_BLOCK + """SELECT ?e ?type ?jur WHERE {
  ?e rdfs:label ?l . OPTIONAL { ?e a ?type } OPTIONAL { ?e evkg:jurisdiction ?jur }
}"""
_CLASSES = PREFIX_BLOCK + "SELECT ?c ?super WHERE { ?c rdfs:subClassOf ?super FILTER (isIRI(?super)) }"


class Backend(Protocol):
    """Anything that answers SPARQL: the embedded store, a remote endpoint."""

    def query(self, text: str) -> QueryResult: ...


def tokens(text: str) -> list[str]:
    """Lower-case ASCII words of `text`: accents dropped, punctuation a separator ("FD&C" -> fd, c)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.findall(r"[a-z0-9]+", plain)


def squash(text: str) -> str:
    """The matching key of a name: its words run together, so "U.S.A.", "USA" and "usa" meet."""
    return "".join(tokens(text))


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def curie(iri: str) -> str:
    """`pw:US-IND` for a resource IRI in a known namespace, else the IRI itself."""
    best = max(((p, str(ns)) for p, ns in PREFIXES.items() if iri.startswith(str(ns))
                and re.fullmatch(r"[A-Za-z0-9._~-]*", iri[len(str(ns)):])), key=lambda x: len(x[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


@dataclass
class Entity:
    iri: str
    label: str = ""
    types: set[str] = field(default_factory=set)  # asserted types and their superclasses
    jurisdiction: str | None = None
    codes: list[str] = field(default_factory=list)  # notations and ISO codes
    alt: list[str] = field(default_factory=list)

    @property
    def curie(self) -> str:
        return curie(self.iri)

    def is_a(self, cls: URIRef) -> bool:
        return str(cls) in self.types

    def names(self) -> list[str]:
        return [self.label, *self.alt, *self.codes]


class Names:
    """The graph's names; `resolve` turns what a person typed into an IRI or raises a helpful EvkgError."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._entities: dict[str, Entity] | None = None
        self._scope: str | None = None  # "jurisdiction" (a small index, enough for most commands) or "all"
        self._by_key: dict[str, set[str]] = {}
        self._by_local: dict[str, set[str]] = {}
        self._labels: dict[str, str] = {}
        self.cache: dict[str, object] = {}  # what other modules derive once per graph (conflicts.numbers)

    # -- the index -------------------------------------------------------------------------------
    @property
    def entities(self) -> dict[str, Entity]:
        return self._ensure("all")

    def _ensure(self, scope: str) -> dict[str, Entity]:
        if self._scope != "all" and self._scope != scope:
            self._load(scope)
        return self._entities

    def _load(self, scope: str = "all") -> None:
        """Read the index: every named thing, or (scope 'jurisdiction') only the jurisdictions."""
        supers: dict[str, set[str]] = {}
        info, keys = _INFO, _KEYS
        if scope == "jurisdiction":
            only = "?e a ?jtype . ?jtype rdfs:subClassOf* evkg:Jurisdiction ."
            info = info.replace("WHERE {", "WHERE { " + only, 1)
            keys = keys.replace("WHERE {", "WHERE { " + only, 1)
            supers = {str(EVKG.Country): {str(EVKG.Jurisdiction)}, str(EVKG.SupranationalUnion): {str(EVKG.Jurisdiction)}}
        else:
            for c, s in self.backend.query(_CLASSES).rows:
                supers.setdefault(str(c), set()).add(str(s))

        def closure(t: str) -> set[str]:
            seen, todo = {t}, [t]
            while todo:
                for s in supers.get(todo.pop(), ()):
                    if s not in seen:
                        seen.add(s)
                        todo.append(s)
            return seen

        ents: dict[str, Entity] = {}
        for e, t, j in self.backend.query(info).rows:
            ent = ents.setdefault(str(e), Entity(str(e)))
            if t is not None:
                ent.types |= closure(str(t))
            if j is not None:
                ent.jurisdiction = str(j)
        for e, key, how in self.backend.query(keys).rows:
            ent = ents.get(str(e))
            if ent is None:
                continue
            text = str(key)
            if str(how) == "label":
                if not ent.label or getattr(key, "language", None) == "en":
                    ent.label = text
            elif str(how) == "alt":
                ent.alt.append(text)
            elif str(how) == "code":
                ent.codes.insert(0, text)  # the graph's own code before an ISO code
            else:
                ent.codes.append(text)
        self._entities, self._scope = ents, scope
        self._by_key, self._by_local = {}, {}
        if scope == "jurisdiction":
            for ent in ents.values():
                ent.types.add(str(EVKG.Jurisdiction))
        for ent in ents.values():
            self._labels[ent.iri] = ent.label
            if any(ent.is_a(c) for c in NOT_BY_NAME):
                continue
            for name in ent.names():
                self._by_key.setdefault(squash(name), set()).add(ent.iri)
            for name in part_aliases(ent) + jurisdiction_aliases(ent):
                self._by_key.setdefault(squash(name), set()).add(ent.iri)
            self._by_local.setdefault(squash(local_name(ent.iri)), set()).add(ent.iri)

    def of_kind(self, kind: str | URIRef | None) -> list[Entity]:
        """Every nameable entity of a kind, in label order."""
        cls = _kind_class(kind)
        ents = self._ensure("jurisdiction" if kind == "jurisdiction" else "all")
        out = [e for e in ents.values() if (cls is None or e.is_a(cls)) and e.iri in self._generic_only({e.iri}, kind)
               and not any(e.is_a(c) for c in NOT_BY_NAME) and e.label]
        return sorted(out, key=lambda e: (e.label.casefold(), e.iri))

    # -- labels ----------------------------------------------------------------------------------
    def label(self, iri: str) -> str | None:
        """The label of any IRI of the graph (statements and sources included), None if it has none."""
        iri = str(iri)
        if iri not in self._labels:
            self.fetch_labels([iri])
        return self._labels.get(iri) or None

    def fetch_labels(self, iris: Iterable[str]) -> None:
        """Look up the labels of `iris` in one query (a result's IRIs, say), without loading the index."""
        wanted = sorted({str(i) for i in iris if str(i) not in self._labels and not str(i).startswith("_:")})
        for start in range(0, len(wanted), 400):
            chunk = wanted[start:start + 400]
            values = " ".join(f"<{i}>" for i in chunk if _IRI.match(i) and ">" not in i)
            if not values:
                continue
            res = self.backend.query(PREFIX_BLOCK + f"SELECT ?e ?l WHERE {{ VALUES ?e {{ {values} }} ?e rdfs:label ?l }}")
            for e, l in res.rows:
                if str(e) not in self._labels or getattr(l, "language", None) == "en":
                    self._labels[str(e)] = str(l)
            for i in chunk:
                self._labels.setdefault(i, "")

    # -- resolution ------------------------------------------------------------------------------
    def resolve(self, text: str, kind: str | URIRef | None = None, what: str | None = None) -> URIRef:
        """The IRI `text` names, among entities of `kind` (a name of KINDS or a class IRI; None: any).

        Raises EvkgError with the closest candidates when the name is unknown or ambiguous."""
        what = what or _kind_word(kind)
        raw = text.strip()
        if not raw:
            raise EvkgError(f"empty {what}; {self._hint(kind)}")
        cls = _kind_class(kind)
        entities = self._ensure("jurisdiction" if kind == "jurisdiction" else "all")
        iri = _as_iri(raw)
        if iri is not None:
            ent = entities.get(iri)
            if ent is not None and (cls is None or ent.is_a(cls)) and self._generic_only({iri}, kind):
                return URIRef(iri)
            found = "is not a " + what if ent is not None else "is not in the graph"
            raise EvkgError(f"{raw} {found}{self._suggest(local_name(iri), cls, kind)}")
        hits = self._generic_only(self._exact(raw, cls), kind)
        if not hits and len(tokens(raw)) > 1 and kind not in GENERIC:
            hits = self._qualified(raw, cls)
        if not hits and cls is not None and cls == EVKG.Jurisdiction:
            hits = self._whole_word(raw, cls) or self._jurisdiction_of_authority(raw) or self._iso_country(raw)
        if len(hits) == 1:
            return URIRef(next(iter(hits)))
        if len(hits) > 1:
            shown = "; ".join(self.describe(self._entities[i]) for i in sorted(hits, key=lambda i: self._entities[i].label))
            raise EvkgError(f"'{raw}' is ambiguous, {len(hits)} {_plural(what)} have that name: {shown}; "
                            "type one of these names or identifiers")
        if cls == EVKG.Jurisdiction and not self.suggestions(raw, cls, n=1):
            raise EvkgError(f"unknown {what} '{raw}'; the review covers: {self._covered()}")
        raise EvkgError(f"unknown {what} '{raw}'{self._suggest(raw, cls, kind)}")

    def resolve_list(self, text: str, kind: str | URIRef | None = None, what: str | None = None) -> list[URIRef]:
        """A comma-separated list of names ("US, EU, Japan"), each resolved; duplicates dropped."""
        items = [t for t in (p.strip() for p in text.split(",")) if t]
        if not items:
            raise EvkgError(f"expected one or more {_plural(what or _kind_word(kind))}, separated by commas")
        out: list[URIRef] = []
        for item in items:
            iri = self.resolve(item, kind, what)
            if iri not in out:
                out.append(iri)
        return out

    def named(self, text: str) -> list[str]:
        """Every entity one of whose names is exactly `text` (as `resolve` compares names), by label."""
        self._ensure("all")
        return sorted(self._exact(text.strip(), None), key=lambda i: self._entities[i].label)

    def _candidates(self, cls: URIRef | None) -> Iterable[Entity]:
        return (e for e in self._entities.values() if (cls is None or e.is_a(cls)) and not any(e.is_a(c) for c in NOT_BY_NAME))

    def _generic_only(self, hits: set[str], kind) -> set[str]:
        return {i for i in hits if self._entities[i].jurisdiction is None} if kind in GENERIC else hits

    def _exact(self, text: str, cls: URIRef | None, within: str | None = None) -> set[str]:
        key = squash(text)
        for index in (self._by_key, self._by_local):  # local names ("US-IND") only when no name matches
            hits = {i for i in index.get(key, ()) if (cls is None or self._entities[i].is_a(cls))
                    and (within is None or self._entities[i].jurisdiction == within)}
            if hits:
                return hits
        return set()

    def _jurisdiction_of_authority(self, text: str) -> set[str]:
        """An authority's name stands for its jurisdiction ('PMDA' for Japan, 'MHRA' for the UK)."""
        self._ensure("all")
        bodies = self._exact(text, KINDS["body"])
        return {self._entities[b].jurisdiction for b in bodies if self._entities[b].jurisdiction
                and self._entities[b].is_a(EVKG.RegulatoryAuthority)}

    def _iso_country(self, text: str) -> set[str]:
        """A country by an ISO 3166 name or code ('United States of America', 'USA', 'England'); one the
        review does not cover is an error that says so and lists those it covers."""
        from .countries import iso_country

        found = iso_country(text)
        if found is None:
            return set()
        code, name = found
        hits = self._exact(code, EVKG.Jurisdiction)
        if not hits:
            raise EvkgError(f"{name} (ISO 3166 {code}) is not one of the jurisdictions the review covers: "
                            f"{self._covered()}")
        return hits

    def _covered(self) -> str:
        js = sorted(self._candidates(EVKG.Jurisdiction), key=lambda e: e.label)
        return ", ".join(f"{e.label} ({e.codes[0]})" if e.codes else e.label for e in js)

    def _qualified(self, text: str, cls: URIRef | None) -> set[str]:
        """'US IND', 'IND, United States', 'Korea IND': a jurisdiction's name before or after a term of it."""
        words = tokens(text)
        hits: set[str] = set()
        for i in range(1, len(words)):
            for jur_words, rest in ((words[:i], words[i:]), (words[i:], words[:i])):
                jur_text = " ".join(jur_words)
                jurs = self._exact(jur_text, EVKG.Jurisdiction) or self._whole_word(jur_text, EVKG.Jurisdiction)
                if len(jurs) == 1:
                    hits |= self._exact(" ".join(rest), cls, within=next(iter(jurs)))
        return hits

    def _whole_word(self, text: str, cls: URIRef | None) -> set[str]:
        """Entities one of whose names contains all the typed words as whole words ('Korea')."""
        want = tokens(text)
        return {e.iri for e in self._candidates(cls)
                if want and any(_contains_run(tokens(n), want) for n in e.names())}

    def _suggest(self, text: str, cls: URIRef | None, kind=None) -> str:
        found = [e for e in self.suggestions(text, cls, n=8) if self._generic_only({e.iri}, kind)][:4]
        if not found:
            return f"; {self._hint(kind if kind is not None else cls)}"
        return "; did you mean " + " or ".join(self.describe(e) for e in found) + "?"

    def suggestions(self, text: str, kind: str | URIRef | None = None, n: int = 4) -> list[Entity]:
        """The entities closest to `text`: word matches first, then near spellings."""
        cls = _kind_class(kind)
        self._ensure("jurisdiction" if kind == "jurisdiction" else "all")
        cands = list(self._candidates(cls))
        want = tokens(text)
        scored: dict[str, float] = {}
        for e in cands:
            for name in e.names() + [local_name(e.iri)]:
                have = tokens(name)
                if want and all(w in have for w in want):
                    scored[e.iri] = max(scored.get(e.iri, 0), 2 + (1 if name in e.codes else 0) - len(have) / 100)
                ratio = difflib.SequenceMatcher(None, squash(text), squash(name)).ratio()
                if ratio >= 0.75:
                    scored[e.iri] = max(scored.get(e.iri, 0), ratio)
                elif len(want) == 1 and len(want[0]) >= 3 and any(h.startswith(want[0]) or want[0].startswith(h)
                                                                  for h in have if len(h) >= 3):
                    scored[e.iri] = max(scored.get(e.iri, 0), 0.7)
        best = sorted(scored, key=lambda i: (-scored[i], self._entities[i].label))
        return [self._entities[i] for i in best[:n]]

    def describe(self, e: Entity) -> str:
        """How a candidate is shown in a message: a name that resolves when typed back, and its identifier."""
        return f"{self.short_name(e)} ({e.curie})"

    def short_name(self, e: Entity) -> str:
        if e.is_a(EVKG.Jurisdiction):
            return e.label
        code = next((c for c in e.codes + e.alt if len(c) <= 12), None)
        jur = self._entities.get(e.jurisdiction) if e.jurisdiction else None
        if code and jur is not None:
            jur_code = next((c for c in jur.codes), local_name(jur.iri))
            candidate = f"{jur_code} {code}"
            if self._exact(candidate, None) == {e.iri} or self._qualified(candidate, None) == {e.iri}:
                return candidate
        return e.label

    def _hint(self, kind) -> str:
        word = _kind_word(kind)
        if _kind_class(kind) is not None and _kind_name(kind):
            return f"'evkg values {_kind_name(kind)}' lists the {_plural(word)}"
        return "'evkg find WORDS' searches every name"


def part_aliases(e: Entity) -> list[str]:
    """Ways people name a part of the review: '§3.4', 'section 3.4', '3.4', 'table 1', 'fig 2'."""
    if not e.is_a(EVKG.DocumentPart):
        return []
    m = re.match(r"(sec|tab|fig)-(\d+(?:\.\d+)?)$", local_name(e.iri))
    if not m:
        return [local_name(e.iri)]
    kind, num = m.groups()
    words = {"sec": ["section", "sec", "§"], "tab": ["table", "tab"], "fig": ["figure", "fig"]}[kind]
    return [f"{w} {num}" for w in words] + [f"§{num}"] * (kind == "sec") + [num] * (kind == "sec")


def jurisdiction_aliases(e: Entity) -> list[str]:
    """A jurisdiction is also found by its identifier's code (jur:UK -> 'UK')."""
    return [local_name(e.iri)] if e.is_a(EVKG.Jurisdiction) else []


def _contains_run(have: list[str], want: list[str]) -> bool:
    n = len(want)
    return any(have[i:i + n] == want for i in range(len(have) - n + 1))


def _as_iri(text: str) -> str | None:
    """The IRI a typed identifier stands for (full IRI, <IRI> or a CURIE of a known prefix), else None."""
    t = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if _IRI.match(t):
        return t
    prefix, sep, local = t.partition(":")
    if sep and prefix in PREFIXES and local and not local.startswith("//") and " " not in local:
        return str(PREFIXES[prefix]) + local
    return None


def _kind_class(kind) -> URIRef | None:
    if kind is None or kind == "term":
        return None
    if isinstance(kind, URIRef):
        return kind
    if kind in KINDS:
        return KINDS[kind]
    iri = _as_iri(kind)
    if iri is None:
        raise EvkgError(f"unknown kind '{kind}' (kinds: {', '.join(KINDS)})")
    return URIRef(iri)


def _kind_name(kind) -> str | None:
    if isinstance(kind, str) and kind in KINDS:
        return kind
    cls = _kind_class(kind)
    return next((k for k, v in KINDS.items() if v == cls), None)


def _kind_word(kind) -> str:
    name = _kind_name(kind)
    if name:
        return {"class": "product class", "scope": "product scope", "part": "part of the review",
                "character": "characterization", "category": "generic product category"}.get(name, name)
    return "name" if kind in (None, "term") else local_name(str(_kind_class(kind)))


def _plural(word: str) -> str:
    if word == "name":
        return "entries"
    if word.endswith("y") and not word.endswith("ay"):
        return word[:-1] + "ies"
    if word.startswith("part of"):
        return "parts of the review"
    return word + ("es" if word.endswith(("s", "sh", "ch")) else "s")


def is_resource(iri: str) -> bool:
    return str(iri).startswith(str(RES))
