"""Usable without knowing RDF: names instead of identifiers, answers that fit a terminal, a source on
every fact-bearing answer, rows for silence, spreadsheets, dates as people write them."""

import csv
import io
import re

import pytest

from evkg.api import KnowledgeGraph
from evkg.catalogue import load_catalogue
from evkg.cli import main
from evkg.errors import EvkgError
from evkg.querying import NOT_IN_GRAPH, NOT_STATED, names_for

from conftest import ROOT, copy_project

CATALOGUE = load_catalogue(__import__("evkg.project").project.Project(ROOT))
CASES = [(name, ex) for name, q in sorted(CATALOGUE.items()) if not q.federated for ex in (q.examples or [{}])]
RES = "https://w3id.org/evkg/resource/"


@pytest.fixture(scope="module")
def kg(project, store):
    return KnowledgeGraph(project, store)


def run(capsys, project, *argv, width=None, monkeypatch=None):
    code = main(["--root", str(project.root), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# --- 1. names everywhere ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("Japan", "jurisdiction/JP"), ("JP", "jurisdiction/JP"), ("jp", "jurisdiction/JP"),
    ("GB", "jurisdiction/UK"), ("UK", "jurisdiction/UK"), ("United Kingdom", "jurisdiction/UK"),  # ISO 3166: GB
    ("U.S.A.", "jurisdiction/US"), ("usa", "jurisdiction/US"), ("Korea", "jurisdiction/KR"),
    ("Republic of Korea", "jurisdiction/KR"), ("jur:CH", "jurisdiction/CH"), (RES + "jurisdiction/EU", "jurisdiction/EU"),
    ("PMDA", "jurisdiction/JP"), ("MHRA", "jurisdiction/UK"),  # an authority stands for its jurisdiction
])
def test_jurisdiction_names_resolve(kg, typed, expected):
    assert str(kg.resolve(typed, "jurisdiction")) == RES + expected


@pytest.mark.parametrize("typed, expected", [
    ("PMDA", "body/PMDA"), ("US IND", "pathway/US-IND"), ("pw:US-IND", "pathway/US-IND"),
    ("IND, United States", "pathway/US-IND"), ("Korea IND", "pathway/KR-IND"), ("Japan CTN", "pathway/JP-CTN"),
    ("§3.4", "part/sec-3.4"), ("Table 1", "part/tab-1"), ("section 3.4", "part/sec-3.4"),
])
def test_term_names_resolve(kg, typed, expected):
    assert str(kg.resolve(typed)) == RES + expected


@pytest.mark.parametrize("typed, kind, expected", [
    ("Japn", "jurisdiction", "did you mean Japan (jur:JP)"),
    ("BR", "jurisdiction", "Brazil (ISO 3166 BR) is not one of the jurisdictions the review covers"),  # no guess
    ("pw:IND", None, "US IND (pw:US-IND)"),
    ("IND", None, "ambiguous"),
    ("ATMP", "class", "ambiguous"),
])
def test_unknown_and_ambiguous_names_say_what_to_type(kg, typed, kind, expected):
    with pytest.raises(EvkgError) as e:
        kg.resolve(typed, kind)
    assert expected in str(e.value) and "\n" not in str(e.value)


def test_every_jurisdiction_parameter_takes_names(kg):
    """Each parameterised query answers the same for a jurisdiction's code, ISO code and name."""
    for name, q in CATALOGUE.items():
        for p in q.params:
            if p.type != "jurisdiction" or q.federated:
                continue
            answers = [kg.query(name, {p.name: typed}).result.rows for typed in ("UK", "GB", "United Kingdom")]
            assert answers[0] == answers[1] == answers[2], name
            with pytest.raises(EvkgError, match="unknown jurisdiction 'Atlantis'"):
                kg.query(name, {p.name: "Atlantis"})


def test_lists_of_jurisdictions_take_names(kg):
    by_code = kg.query("sponsor-plan", targets="JP,AU").result.rows
    assert by_code == kg.query("sponsor-plan", targets="Japan, Australia").result.rows
    with pytest.raises(EvkgError, match=r"Brazil \(ISO 3166 BR\) is not one of the jurisdictions"):
        kg.query("sponsor-plan", targets="US,BR")


def test_find_ranks_whole_words_first(capsys, project):
    code, out, _ = run(capsys, project, "find", "IND", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    # Table 2's IND routes come before India, which merely contains the letters
    first_india = next(i for i, r in enumerate(rows) if "India" in r["label"])
    ind_routes = [i for i, r in enumerate(rows) if r["id"] in ("pw:US-IND", "pw:KR-IND", "pw:TW-IND", "pw:CN-IND")]
    assert len(ind_routes) == 4 and max(ind_routes) < first_india
    assert rows[0]["match"] == "exact name"


@pytest.mark.parametrize("kind, expected", [
    ("jurisdictions", "United Kingdom"), ("categories", "advanced therapy medicinal product (ATMP)"),
    ("modalities", "stated as a possibility (may)"), ("relations", "closeMatch"), ("parts", "Table 1"),
    ("scopes", "engineered (bioengineered) EVs"), ("statuses", "cosmetic use prohibited"),
])
def test_values_lists_the_allowed_values(capsys, project, kind, expected):
    code, out, _ = run(capsys, project, "values", kind, "--format", "csv")
    assert code == 0 and expected in out


def test_values_of_jurisdictions_show_every_accepted_form(capsys, project):
    code, out, _ = run(capsys, project, "values", "jurisdictions", "--format", "csv")
    uk = next(r for r in csv.DictReader(io.StringIO(out)) if r["name"] == "United Kingdom")
    assert "GB" in uk["also accepted"] and uk["identifier"] == "jur:UK"


# --- 2. answers a person can read -------------------------------------------------------------------

@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_default_output_fits_the_terminal(kg, name, params, width):
    text = kg.query(name, params).render("table", width=width)
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert not too_wide, f"{name}: {len(too_wide)} line(s) wider than {width}: {too_wide[0]!r}"


def test_the_readme_first_answer_fits_80_columns(capsys, project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, project, "query", "atmp-jurisdictions")
    assert code == 0 and max(map(len, out.splitlines())) <= 80
    # labels and badges, not IRIs
    assert "https://" not in out and "§3.9 [78]" in out and "Switzerland" in out


def test_labels_by_default_identifiers_on_request(kg):
    plain = kg.query("pathways-by-jurisdiction", jurisdiction="AU").render("csv")
    assert "Therapeutic Goods Administration (TGA)" in plain and "pw:" not in plain
    iris = kg.query("pathways-by-jurisdiction", jurisdiction="AU").render("csv", iris=True)
    assert "src:tab-2" in iris


def test_contradictions_are_marked_where_they_matter(kg):
    table = kg.query("classification-by-jurisdiction", jurisdiction="Japan").table()
    # §3.3 (biologic medicinal products) against Table 2 and §4 (regenerative-medical products)
    assert all(r[table.columns.index("conflict")] for r in table.rows)
    assert any("Japan: biologic medicinal product or regenerative-medical product?" in n for n in table.notes)


# --- 3. a source on every fact-bearing answer ----------------------------------------------------------

def test_every_fact_bearing_query_has_a_source_column():
    for name, q in CATALOGUE.items():
        if q.fact_bearing:
            select = q.text[q.text.index("SELECT"):q.text.index("WHERE")]
            assert "?source" in select, f"{name}: no ?source/?sources column (or '#+ sources: exempt -- why')"
        else:
            assert "--" in q.sources, f"{name}: an exemption says why"


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_every_stated_row_carries_its_source(kg, name, params):
    answer = kg.query(name, params)
    if not answer.query.fact_bearing:
        return
    cols = answer.result.columns
    src = [i for i, c in enumerate(cols) if c in ("source", "sources")]
    for row in answer.result.rows:
        stated = not any(v is not None and str(v) in (NOT_STATED, NOT_IN_GRAPH) for v in row)
        if stated:
            assert any(row[i] is not None and str(row[i]).strip() for i in src), f"{name}: a row without source: {row}"


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_no_answer_repeats_a_row(kg, name, params):
    # a repeated row is a join gone wrong (a parameter bound where the query did not read it), even when
    # the table hides it by merging
    rows = kg.query(name, params).result.rows
    repeated = [r for r in set(map(tuple, rows)) if list(map(tuple, rows)).count(r) > 1]
    assert not repeated, f"{name}: {len(repeated)} row(s) repeated, e.g. {repeated[0]}"


def test_silent_jurisdictions_get_a_row(kg):
    rows = kg.query("cosmetic-use").records()
    # §3.2, §3.5, §3.8 speak of cosmetic use in the EU, Taiwan and the UK; the review is silent on Japan
    japan = [r for r in rows if r["jurisdiction"] == "Japan"]
    assert [r["status"] for r in japan] == [NOT_STATED] and japan[0]["sources"] == ""
    [au] = kg.query("instruments-by-jurisdiction", jurisdiction="Australia").records()
    assert au["instrument"] == NOT_STATED


def test_a_jurisdiction_from_another_source_is_not_the_review_s_silence(tmp_path):
    from evkg.build import build
    from evkg.store import EmbeddedStore

    p = copy_project(tmp_path)
    (p.root / "data" / "added").mkdir()
    (p.root / "data" / "added" / "brazil.ttl").write_text(BRAZIL, encoding="utf-8")
    build(p, reason=False, progress=lambda m: None)
    kg = KnowledgeGraph(p, EmbeddedStore(p))
    rows = {r["jurisdiction"]: r["status"] for r in kg.query("cosmetic-use").records()}
    assert rows["Brazil"] == NOT_IN_GRAPH and rows["Japan"] == NOT_STATED
    assert str(kg.resolve("BR", "jurisdiction")).endswith("/jurisdiction/BR")


BRAZIL = """@prefix evkg: <https://w3id.org/evkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix jur: <https://w3id.org/evkg/resource/jurisdiction/> .
@prefix ent: <https://w3id.org/evkg/resource/entity/> .
jur:BR a evkg:Country ; rdfs:label "Brazil"@en ; skos:notation "BR" ; prov:wasDerivedFrom ent:example-source .
ent:example-source a evkg:BibliographicResource ; rdfs:label "An example source document (test fixture)"@en ;
    dcterms:title "An example source document (test fixture)" ; dcterms:date "2026-01-01"^^xsd:date .
"""


# --- 4. filters and dates ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["in-force-on", "shared-guidelines", "trial-counts", "expedited-routes",
                                  "classification-by-jurisdiction", "pathways-by-jurisdiction", "cosmetic-use"])
def test_per_jurisdiction_queries_take_a_filter(name):
    q = CATALOGUE[name]
    assert any(p.type in ("jurisdiction", "jurisdictions") for p in q.params), name


def test_trial_counts_for_one_jurisdiction_keep_the_total(kg):
    [tw] = kg.query("trial-counts", jurisdiction="Taiwan").records()
    # Table 2: 3 trials; Figure 2: 1%; 3 of all 196 is 1.5%
    assert (tw["count"], tw["stated share"], tw["recomputed share"], tw["total"]) == ("3", "1", "1.5", "196")


@pytest.mark.parametrize("typed, status", [
    ("2025-02-10", "comes into force within that period (exact day not comparable)"),
    ("2025-02", "comes into force within that period (exact day not comparable)"),
    ("2025", "comes into force within that period (exact day not comparable)"),
    ("2024", "not yet in force"), ("2025-03", "in force"), ("2026", "in force"),
])
def test_dates_as_people_write_them(kg, typed, status):
    # §3.4: Korea's act was set to take effect in February 2025
    [row] = kg.query("in-force-on", date=typed, jurisdiction="KR").records()
    assert row["status"] == status


@pytest.mark.parametrize("typed", ["2020-1-1", "2020-13", "2020-02-30", "yesterday", "20200101"])
def test_bad_dates_are_one_clear_line(capsys, project, typed):
    code, out, err = run(capsys, project, "query", "in-force-on", f"date={typed}")
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0 and "use YYYY, YYYY-MM or YYYY-MM-DD" in err and "isoformat" not in err


def test_scheduled_dates_and_currency_are_said(kg):
    table = kg.query("in-force-on", date="2025", jurisdiction="South Korea").table()
    assert any("30 July 2025" in n and "not checked against primary law" in n for n in table.notes)


# --- 5. spreadsheets -------------------------------------------------------------------------------------

def test_csv_is_readable_labels_and_sources(capsys, project):
    code, out, _ = run(capsys, project, "query", "classification-by-jurisdiction", "Switzerland", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows
    # Table 1: Swiss EV products may be ATMPs when cells are extensively manipulated
    ch = [r for r in rows if r["condition"] == "derived from extensively manipulated cells"]
    assert ch and ch[0]["modality"] == "stated as a possibility (may)" and ch[0]["sources"] == "Table 1"
    assert not any("https://" in v for r in rows for v in r.values())


def test_xlsx_opens_with_labels_sources_and_about(project, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "cosmetic.xlsx"
    assert main(["--root", str(project.root), "query", "cosmetic-use", "--format", "xlsx", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["jurisdiction", "status", "scope"] and header[-1] == "sources"
    rows = {(r[0], r[1]): r[-1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    # §3.2 [54]: human-derived EVs prohibited in EU cosmetics
    assert rows[("European Union", "cosmetic use prohibited")] == "§3.2 [54]"
    assert any("Verma" in (c.value or "") for c in wb["About"]["A"])


def test_xlsx_needs_a_file_on_a_terminal(capsys, project, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, err = run(capsys, project, "query", "trial-counts", "--format", "xlsx")
    assert code != 0 and "--out FILE.xlsx" in err


def test_tables_as_csv_and_xlsx(capsys, project, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    code, out, _ = run(capsys, project, "tables", "--table", "2", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0][-1] == "sources"
    china = next(r for r in rows if r[0] == "China-NMPA")
    assert china[1] == "119" and china[-1] == "Table 2"  # Table 2: 119 trials
    out = tmp_path / "tables.xlsx"
    assert main(["--root", str(project.root), "tables", "--format", "xlsx", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) == 3 and wb.worksheets[1].cell(row=2, column=2).value == 33  # U.S.A-FDA, 33 trials


def test_comparison_matrix_pivots_to_a_spreadsheet(capsys, project):
    code, out, _ = run(capsys, project, "compare", "US", "Japan", "EU", "--aspect", "cosmetic", "--format", "csv")
    rows = {r["jurisdiction"]: r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and list(rows) == ["United States", "Japan", "European Union"]
    assert rows["Japan"]["cosmetic use"] == NOT_STATED
    assert "cosmetic use prohibited" in rows["European Union"]["cosmetic use"] and "§3.2 [54]" in rows["European Union"]["cosmetic use"]


# --- 6. explained, not alarming --------------------------------------------------------------------------

@pytest.mark.parametrize("term, expected", [
    ("closeMatch", "close enough"), ("relatedMatch", "not interchangeable"), ("position", "claim"),
    ("source", "§3.4 [59] is Section 3.4"), ("stated as a possibility (may)", "may hold"),
    ("not stated in the review", "does not guess"), ("jurisdiction treating EVs as ATMPs", "ATMPs"),
    ("PMDA", "body:PMDA"),
])
def test_explain(capsys, project, term, expected):
    code, out, _ = run(capsys, project, "explain", term)
    assert code == 0 and expected in " ".join(out.split())


def test_explain_a_name_several_things_share(capsys, project):
    # "ATMP" is the generic class (abbreviations list) and the EU's and the UK's classes (Tables 1-2):
    # each is explained, with its jurisdiction and sources, rather than refused as ambiguous
    code, out, _ = run(capsys, project, "explain", "ATMP")
    assert code == 0 and out.startswith("'ATMP' names 3 things in the graph")
    assert all(i in out for i in ("cls:atmp", "cls:EU-atmp", "cls:UK-atmp", "Abbreviations", "Table 1"))


def test_build_says_little_and_explains_the_review_s_own_inconsistencies(capsys, tmp_path):
    p = copy_project(tmp_path)
    code, out, _ = run(capsys, p, "build", "--no-reason")
    assert code == 0 and len(out.splitlines()) <= 8
    # Figure 2 gives 1% for the EU and Taiwan; Table 2's counts give 1.5%: the review's own inconsistency
    assert "disagree with each other; both are kept on purpose" in out and "warning:" not in out
    code, out, _ = run(capsys, p, "build", "--no-reason", "-v")
    assert "Entities per class" in out


def test_a_contradiction_has_one_number_in_every_answer(kg):
    # Figure 2 gives the EU 1% where Table 2's 3 of 196 trials make 1.5%: that contradiction is marked on
    # the EU's trial-count row, and the list of contradictions shows it under the same number
    counts = kg.query("trial-counts").table()
    [eu] = [r for r in counts.records() if r["jurisdiction"] == "European Union"]
    mark = eu["conflict"]
    assert re.fullmatch(r"C\d+", mark)
    assert f"{mark} = the review contradicts itself: European Union: Figure 2 share vs Table 2 count" in counts.notes
    listed = kg.query("contradictions", jurisdiction="EU").table()
    assert f"{mark} European Union: Figure 2 share vs Table 2 count" in {r["topic"] for r in listed.records()}
    # the fast-track contradiction (§6 [110] against China §3.6 [67], Taiwan §3.5 [62], Japan §3.3) has
    # the same number on China's expedited route and in Japan's list of contradictions
    def number(answer, topic):
        return next(n.split(" = ")[0] for n in answer.table().notes if n.endswith(topic))
    topic = "Fast-track routes for EV therapies: still to be created, or already there?"
    routes = kg.query("expedited-routes")
    china = [r for r in routes.table().records() if r["jurisdiction"] == "China"]
    assert number(routes, topic) in china[0]["conflict"].split()
    japan = {r["topic"] for r in kg.query("contradictions", jurisdiction="Japan").table().records()}
    assert f"{number(routes, topic)} {topic}" in japan


@pytest.mark.parametrize("typed, jurisdiction", [
    ("United States of America", "United States"),  # ISO 3166 official name
    ("USA", "United States"),                       # ISO 3166 alpha-3
    ("England", "United Kingdom"),                  # ISO 3166-2 subdivision GB-ENG
    ("GBR", "United Kingdom"),
])
def test_iso_country_names_resolve(kg, typed, jurisdiction):
    assert kg.label(str(kg.resolve(typed, "jurisdiction"))) == jurisdiction


def test_a_country_the_review_does_not_cover_says_so_and_lists_those_it_does(kg):
    from evkg.errors import EvkgError

    with pytest.raises(EvkgError) as e:
        kg.resolve("Brazil", "jurisdiction")
    assert "Brazil (ISO 3166 BR) is not one of the jurisdictions the review covers" in str(e.value)
    # Tables 1 and 2 cover ten jurisdictions, each listed with the code to type
    assert "Japan (JP)" in str(e.value) and "United Kingdom (UK)" in str(e.value) and str(e.value).count("(") == 11
    with pytest.raises(EvkgError) as e:
        kg.resolve("Great Britain", "jurisdiction")  # no ISO name, no near spelling: the list, not silence
    assert "the review covers: Australia (AU)" in str(e.value)


# Queries that take a jurisdiction but give no "not stated in the review" rows, and why
NO_SILENT_ROWS = {
    "advise": "the snapshot says per aspect where the review is silent",
    "challenges": "rows are grouped by challenge, not by jurisdiction",
    "naive-vs-engineered": "rows are grouped by product scope",
    "changed-after": "rows are dated events, in date order",
    "classification-matrix": "a matrix: each jurisdiction is a row whatever it holds",
    "comparison-matrix": "evkg compare pivots it and writes 'not stated in the review' in silent cells",
    "trial-authorization-matrix": "a matrix of routes by pairs of jurisdictions",
    "contradiction-sides": "a jurisdiction without a contradiction is not a silence of the review",
    "contradictions": "a jurisdiction without a contradiction is not a silence of the review",
    "editorial-notes": "notes are the graph's, not statements of the review",
    "external-links": "links to other graphs are not statements of the review",
    "shared-guidelines": "one row per guideline across the targets",
    "statements-by-jurisdiction": "every jurisdiction has statements",
    "trial-counts": "Table 2 gives a count for each of the ten jurisdictions",
}


def test_every_jurisdiction_query_says_where_the_review_is_silent_or_why_not():
    for name, q in CATALOGUE.items():
        if any(p.type in ("jurisdiction", "jurisdictions") for p in q.params):
            assert bool(q.per_jurisdiction) != (name in NO_SILENT_ROWS), name


def test_a_silent_jurisdiction_is_said_not_left_out(kg):
    # the review dates no Australian instrument (Tables 1-2 name the TGA, §4 its two trial schemes)
    [row] = kg.query("in-force-on", date="2019", jurisdiction="Australia").records()
    assert row["instrument"] == "not stated in the review"
    named = {r["jurisdiction"]: r["name"] for r in kg.query("named-products-and-trials").records()}
    assert named["Japan"] == "not stated in the review"  # the review names no Japanese EV product or trial


def test_find_says_what_to_try_when_a_word_is_not_in_the_graph(kg):
    # the review never names the FDA's RMAT designation: the only hits hold the letters inside a word
    rmat = kg.query("find", text="RMAT").table()
    assert {r["match"] for r in rmat.records()} == {"part of a word"}
    assert any("No name has 'RMAT' as a word" in n for n in rmat.notes)
    none = kg.query("find", text="breakthrough").table()
    assert none.rows == [] and any("the review may not use that word" in n for n in none.notes)
    # Japan's conditional, time-limited authorization (§3.3) does not say "approval": the words one by one
    both = kg.query("find", text="conditional approval").table()
    assert "Names with only some of the words: evkg find conditional; evkg find approval" in both.notes
