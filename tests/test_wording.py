"""Our own words: no prose literal of the built graph shares a run of 8 or more consecutive words with the
review's text (case, punctuation and accents ignored).

Exempt, because they must be given exactly as the source writes them:
- names: rdfs:label, skos:prefLabel, skos:altLabel and dcterms:title of laws (eli:LegalResource), bodies
  (org:Organization), guidelines, the review and its references (evkg:BibliographicResource), its sections
  and source locations (their labels are the section titles), and evkg:statedName (a name as printed);
- the reference list's bibliographic data (titles, authors, venues, addresses);
- quoted proper names: a span in quotation marks ('...', "...", ‘...’, “...”) inside any prose literal,
  and any exempt name above where it recurs inside prose. These spans are cut out before comparing, so the
  words on either side are still checked, but never joined into one run across the cut."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from evkg.namespaces import EVKG
from evkg.validation import built_graph

REVIEW = Path(__file__).resolve().parents[1] / ".." / "shared" / "seed" / "000_403535bebbed31d3.txt"
RUN = 8
ELI = "http://data.europa.eu/eli/ontology#"
ORG = "http://www.w3.org/ns/org#"
PROSE = {RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition, SKOS.note,
         SKOS.editorialNote, SKOS.scopeNote, SKOS.example, SKOS.historyNote, SKOS.changeNote, DCTERMS.title,
         DCTERMS.description, EVKG.mappingJustification, EVKG.tableCell}
NAMING = {RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, DCTERMS.title}
NAMED = {URIRef(ELI + "LegalResource"), URIRef(ORG + "Organization"), EVKG.Guideline, EVKG.BibliographicResource,
         EVKG.DocumentPart, EVKG.SourceLocation}
# quotation marks that open and close a quoted name; an apostrophe inside a word (Korea's) is not one
QUOTED = re.compile(r"(?<![\w])'[^']+'(?![\w])|\"[^\"]+\"|‘[^’]+’|“[^”]+”")


def words(text: str) -> list[str]:
    """Lower case, accents and punctuation dropped: 'Naïve EV-based' -> ['naive', 'ev', 'based']."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def runs(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


@pytest.fixture(scope="module")
def review_runs() -> set[tuple[str, ...]]:
    if not REVIEW.is_file():
        pytest.skip(f"the review's text is not at {REVIEW.resolve()} (it lives beside the project, in ../shared/seed/)")
    return runs(words(REVIEW.read_text(encoding="utf-8")))


def named_things(graph) -> set:
    classes, frontier = set(NAMED), set(NAMED)
    while frontier:  # subclasses, as far down as the ontology goes
        frontier = {s for c in frontier for s in graph.subjects(RDFS.subClassOf, c)} - classes
        classes |= frontier
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


def segments(text: str, names: dict[str, list[list[str]]]) -> list[list[str]]:
    """The literal's words, split where a quoted span or a known name stood (those are left out).
    `names` maps a first word to the names starting with it, longest first."""
    out = []
    for part in QUOTED.split(text):
        tokens, start, i = words(part), 0, 0
        while i < len(tokens):
            hit = next((len(n) for n in names.get(tokens[i], ()) if tokens[i:i + len(n)] == n), 0)
            if hit:
                out.append(tokens[start:i])
                i = start = i + hit
            else:
                i += 1
        out.append(tokens[start:])
    return [s for s in out if len(s) >= RUN]


def copied(graph, review_runs) -> list[str]:
    named = named_things(graph)
    bibliographic = set(graph.subjects(RDF.type, EVKG.BibliographicReference)) | set(
        graph.subjects(RDF.type, EVKG.BibliographicResource))
    printed = [str(o) for s in named for p in NAMING for o in graph.objects(s, p)]
    printed += [str(o) for o in graph.objects(None, EVKG.statedName)]
    # a name also recurs in prose without the jurisdiction or acronym our label adds: "Human Research Act, Taiwan"
    printed += [re.sub(r"\s*\([^)]*\)\s*$", "", n.rsplit(", ", 1)[0]) for n in printed]
    names: dict[str, list[list[str]]] = {}
    # only names long enough to matter, longest first under each first word
    for n in sorted({tuple(words(n)) for n in printed}, key=len, reverse=True):
        if len(n) >= 3:
            names.setdefault(n[0], []).append(list(n))
    found = []
    for s, p, o in graph:
        if p not in PROSE or not isinstance(o, Literal) or o.datatype not in (None, URIRef(
                "http://www.w3.org/2001/XMLSchema#string")):
            continue
        if (p in NAMING and s in named) or (s in bibliographic and p not in (SKOS.note, SKOS.editorialNote,
                                                                          SKOS.scopeNote, RDFS.comment)):
            continue
        for seg in segments(str(o), names):
            shared = runs(seg) & review_runs
            if shared:
                found.append(f"{s} {graph.namespace_manager.normalizeUri(p)}: "
                             f"'{' '.join(sorted(shared)[0])}' in \"{o}\"")
                break
    return sorted(found)


@pytest.fixture(scope="module")
def graph(project):
    return built_graph(project)


def test_no_prose_literal_copies_eight_words_of_the_review(graph, review_runs):
    found = copied(graph, review_runs)
    assert not found, "rephrase in our own words:\n" + "\n".join(found)


def test_the_check_catches_a_copied_run_and_spares_quoted_names(graph, review_runs):
    """The check itself: a copied sentence is found; the same words inside quotation marks are not."""
    from rdflib import Graph

    g = Graph()
    for t in graph.triples((None, RDF.type, None)):
        g.add(t)
    for t in graph.triples((None, RDFS.subClassOf, None)):
        g.add(t)
    x = URIRef("https://w3id.org/evkg/resource/position/XX-copy")
    # §3.8, verbatim apart from case and punctuation
    g.add((x, SKOS.note, Literal("Currently NO EV-based therapies have received approval for clinical or cosmetic use.",
                                 lang="en")))
    y = URIRef("https://w3id.org/evkg/resource/position/XX-quote")
    g.add((y, SKOS.note, Literal("The review says 'no EV-based therapies have received approval for clinical or "
                                 "cosmetic use' of the UK.", lang="en")))
    found = copied(g, review_runs)
    assert len(found) == 1 and "XX-copy" in found[0]
