"""What the words mean: the allowed values of each kind of parameter (`evkg values`) and the glossary of
the answers' vocabulary (`evkg explain`), both read from the graph so they hold on any back end."""

from __future__ import annotations

from rdflib import URIRef

from .answers import Table, badge, sort_sources
from .errors import EvkgError
from .namespaces import RES
from .resolve import KINDS, PREFIX_BLOCK, Entity, Names, _plural, curie, squash

GLOSSARY = RES + "concept/scheme-glossary"
# The kinds `evkg values` lists, in the order a newcomer meets them, with the parameters that take them.
VALUE_KINDS = {
    "jurisdiction": "jurisdiction parameters (and --targets lists): name, code, ISO code or abbreviation",
    "category": "category of classification-by-category: the generic product classes",
    "class": "every product class, generic and national (term parameters such as counterparts)",
    "pathway": "trial and marketing routes (term parameters such as counterparts: 'US IND', 'Japan CTN')",
    "body": "authorities, committees, ethics bodies",
    "instrument": "acts, regulations, directives",
    "guideline": "guidelines and guidance",
    "standard": "quality standards (GMP, GCP ...)",
    "scope": "product scopes (EV products, naive or engineered EVs ...)",
    "condition": "conditions of classifications",
    "modality": "how firmly a position is stated",
    "status": "status values (cosmetic use, approval, guidance, adverse events)",
    "character": "how the review characterizes an approach (character parameter)",
    "part": "parts of the review (part parameter of source-locations): '§3.4', 'Table 1'",
    "relation": "mapping relations (the relation column of counterparts and the matrices)",
}
_ALIASES = {squash(_plural(k)): k for k in VALUE_KINDS} | {squash(k): k for k in VALUE_KINDS} | {
    "jurisdictions": "jurisdiction", "categories": "category", "classes": "class", "parts": "part",
    "relations": "relation", "mappingrelations": "relation", "statuses": "status", "modalities": "modality",
    "characters": "character", "characterizations": "character", "scopes": "scope", "productscopes": "scope",
    "countries": "jurisdiction"}


def _describe(names: Names, iris: list[str]) -> dict[str, dict]:
    """Definition (or scope note), notes and sources of each IRI, in one query."""
    out: dict[str, dict] = {i: {"definition": "", "sources": []} for i in iris}
    if not iris:
        return out
    values = " ".join(f"<{i}>" for i in iris)
    res = names.backend.query(PREFIX_BLOCK + f"""SELECT ?e ?d ?loc WHERE {{ VALUES ?e {{ {values} }}
        OPTIONAL {{ ?e skos:definition|skos:scopeNote ?d }} OPTIONAL {{ ?e prov:wasDerivedFrom ?loc }} }}""")
    for e, d, loc in res.rows:
        entry = out[str(e)]
        if d is not None and (not entry["definition"] or len(str(d)) < len(entry["definition"])):
            entry["definition"] = str(d)
        if loc is not None and str(loc) not in entry["sources"]:
            entry["sources"].append(str(loc))
    return out


def value_kind(text: str) -> str:
    kind = _ALIASES.get(squash(text))
    if kind is None:
        raise EvkgError(f"unknown kind of value '{text}'; kinds: {', '.join(VALUE_KINDS)}")
    return kind


def values(names: Names, kind: str | None = None) -> Table:
    """The allowed values of a kind (or, without a kind, the kinds): what to type, its identifier, what it means."""
    if kind is None:
        return Table(["kind", "what it is for"], [[k, v] for k, v in VALUE_KINDS.items()],
                     "Kinds of values: evkg values KIND lists one kind")
    kind = value_kind(kind)
    if kind == "relation":
        ents = [e for e in glossary_entries(names) if e.iri.split("-")[-1] == "match"]
        about = _describe(names, [e.iri for e in ents])
        return Table(["relation", "meaning"], [[e.label, about[e.iri]["definition"]] for e in ents],
                     "Mapping relations (SKOS): what each says of a counterpart")
    ents = names.of_kind(kind)
    about = _describe(names, [e.iri for e in ents])
    rows = []
    for e in ents:
        also = [a for a in dict.fromkeys(e.codes + e.alt) if a != e.label]
        row = [e.label, ", ".join(also), e.curie]
        if kind == "jurisdiction":
            row.append(", ".join(badge(s, names) for s in sort_sources(about[e.iri]["sources"])))
        else:
            row.append(about[e.iri]["definition"])
        rows.append(row)
    last = "sources" if kind == "jurisdiction" else "meaning"
    return Table(["name", "also accepted", "identifier", last], rows,
                 f"{KINDS_TITLE.get(kind, kind.capitalize() + 's')}: {VALUE_KINDS[kind]}")


KINDS_TITLE = {"jurisdiction": "Jurisdictions", "category": "Generic product categories", "class": "Product classes",
               "body": "Bodies", "scope": "Product scopes", "part": "Parts of the review", "status": "Status values",
               "character": "Characterizations", "modality": "Modalities"}


def glossary_entries(names: Names) -> list[Entity]:
    res = names.backend.query(PREFIX_BLOCK + f"""SELECT ?e WHERE {{ ?e skos:inScheme <{GLOSSARY}> ;
        evkg:sortOrder ?o }} ORDER BY ?o""")
    return [names.entities[str(r[0])] for r in res.rows if str(r[0]) in names.entities]


def glossary(names: Names) -> Table:
    ents = glossary_entries(names)
    about = _describe(names, [e.iri for e in ents])
    return Table(["term", "meaning"], [[e.label, about[e.iri]["definition"]] for e in ents],
                 "Glossary: evkg explain TERM explains one term, or anything the graph names")


def explain_all(names: Names, term: str) -> list[Table]:
    """What `term` means: its glossary entry, or each thing the graph calls so ('ATMP': the generic class
    and the EU's and the UK's), or the one thing it resolves to; an unknown term is an error with suggestions."""
    glossary_iris = {e.iri for e in glossary_entries(names)}
    if not any(squash(term) in {squash(n) for n in names.entities[i].names()} for i in glossary_iris):
        hits = names.named(term)
        if len(hits) > 1:
            return [explain(names, names.entities[i].curie) for i in hits]
    return [explain(names, term)]


def explain(names: Names, term: str) -> Table:
    """A glossary entry, or whatever the graph calls `term`: what it is, what it means, where the review says so."""
    glossary_iris = {e.iri for e in glossary_entries(names)}
    key = squash(term)
    entry = next((names.entities[i] for i in glossary_iris
                  if key in {squash(n) for n in names.entities[i].names()}), None)
    target = URIRef(entry.iri) if entry is not None else names.resolve(term, None, "term")
    ent = names.entities[str(target)]
    about = _describe(names, [ent.iri])[ent.iri]
    kinds = sorted({names.label(t) or curie(t) for t in ent.types if t.startswith("https://w3id.org/evkg/ontology#")
                    and names.label(t)}, key=len)
    rows = [["meaning", about["definition"]]] if about["definition"] else []
    if ent.iri not in glossary_iris:
        rows.insert(0, ["kind", kinds[0] if kinds else "entry"])
        if ent.jurisdiction:
            rows.append(["jurisdiction", names.label(ent.jurisdiction) or curie(ent.jurisdiction)])
        also = [a for a in dict.fromkeys(ent.codes + ent.alt) if a != ent.label]
        if also:
            rows.append(["also called", ", ".join(also)])
        rows.append(["identifier", ent.curie])
        if about["sources"]:
            rows.append(["sources", ", ".join(badge(s, names) for s in sort_sources(about["sources"]))])
    return Table(["", ""], rows, ent.label)


def glossary_markdown(names: Names) -> str:
    """The glossary as the README shows it (a definition list in Markdown)."""
    table = glossary(names)
    return "\n".join(f"- **{term}**: {meaning}" for term, meaning in table.rows) + "\n"
