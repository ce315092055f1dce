"""Canned queries: each has a test whose expected answer is written from the review."""

from decimal import Decimal

import pytest

from evkg.catalogue import load_catalogue
from evkg.cli import main
from evkg.querying import NOT_IN_GRAPH, NOT_STATED, run_query

COVERED: set[str] = set()


def covers(name):
    COVERED.add(name)
    return lambda f: f


@pytest.fixture(scope="module")
def q(project, store):
    def run(name, **params):
        res = run_query(project, name, {k: str(v) for k, v in params.items()}, store)
        return [{c: (None if v is None else str(v)) for c, v in zip(res.columns, r)} for r in res.rows]
    return run


def col(rows, name):
    return {r[name] for r in rows}


def stated(rows, column):
    """The rows that state something (not the rows saying the review is silent on a jurisdiction)."""
    return [r for r in rows if r[column] not in (NOT_STATED, NOT_IN_GRAPH)]


def silent(rows, column):
    return {r["jurisdiction"] for r in rows if r[column] == NOT_STATED}


SRC = "https://w3id.org/evkg/resource/source/"


@covers("classification-by-jurisdiction")
def test_classification_by_jurisdiction(q):
    rows = q("classification-by-jurisdiction", jurisdiction="KR")
    # §3.4, §4 and Table 2: Korea classifies EV products as biologics, said in three places.
    assert col(rows, "class") == {"biologic, South Korea"}
    assert len(rows) == 3
    uk = q("classification-by-jurisdiction", jurisdiction="UK")
    conditional = [r for r in uk if r["condition"]]
    assert [(r["class"], r["condition"]) for r in conditional] == [
        ("advanced therapy medicinal product (ATMP), United Kingdom", "derived from manipulated cells")]


@covers("atmp-jurisdictions")
def test_atmp_jurisdictions(q):
    rows = q("atmp-jurisdictions")
    # EU, Switzerland and the UK classify EVs as ATMPs (Tables 1-2, §3.2, §3.8, §3.9); the US does not.
    assert col(rows, "jurisdiction") == {"European Union", "Switzerland", "United Kingdom"}
    ch = {(r["modality"], r["condition"]) for r in rows if r["jurisdiction"] == "Switzerland"}
    assert ("stated as a possibility (may)", "derived from extensively manipulated cells") in ch  # Table 1: "may ... when"


@covers("classification-by-category")
def test_classification_by_category(q):
    regen = q("classification-by-category", category="cls:regenerative-medical-product")
    assert col(regen, "jurisdiction") == {"Japan", "Taiwan"}
    cell = q("classification-by-category", category="https://w3id.org/evkg/resource/class/cell-therapy-product")
    assert col(cell, "jurisdiction") == {"China"}


@covers("classification-strategy")
def test_classification_strategy(q):
    rows = {r["jurisdiction"]: r["basis"] for r in q("classification-strategy")}
    assert rows["United States"] == rows["European Union"] == "cargo / function"
    assert rows["Japan"] == rows["South Korea"] == rows["Taiwan"] == "source / manufacture"
    for j in ("India", "Australia", "China", "Switzerland", "United Kingdom"):
        assert rows[j] is None  # Table 1: nascent and evolving


@covers("classification-conditions")
def test_classification_conditions(q):
    rows = q("classification-conditions")
    pairs = {(r["jurisdiction"], r["condition"], r["conditionBasis"]) for r in rows}
    assert ("Switzerland", "derived from extensively manipulated cells", "source / manufacture") in pairs
    assert ("United Kingdom", "derived from manipulated cells", "source / manufacture") in pairs
    assert ("European Union", "incorporated into a gene therapy", "cargo / function") in pairs


@covers("naive-vs-engineered")
def test_naive_vs_engineered(q):
    rows = q("naive-vs-engineered")
    engineered_us = [r for r in rows if r["scope"] == "engineered (bioengineered) EVs" and r["jurisdiction"] == "United States"]
    assert any("IND" in r["statement"] for r in engineered_us)  # §3: IND, CMC, potency, viral safety
    assert any(r["scope"] == "naive EVs" for r in rows)


@covers("pathways-by-jurisdiction")
def test_pathways_by_jurisdiction(q):
    au = q("pathways-by-jurisdiction", jurisdiction="AU")
    assert {(r["kind"], r["receivingAuthority"], r["ethicsBody"]) for r in au} == {
        ("clinical trial notification (CTN)", "Therapeutic Goods Administration (TGA)", "Human Research Ethics Committees (HREC), Australia"),
        ("clinical trial exemption (CTX)", "Therapeutic Goods Administration (TGA)", "Human Research Ethics Committees (HREC), Australia")}
    uk = q("pathways-by-jurisdiction", jurisdiction="UK")
    cta = next(r for r in uk if r["kind"] == "clinical trial application (CTA)")
    assert cta["system"] == "IRAS, United Kingdom" and "Research Ethics Committees" in cta["ethicsBody"]


@covers("expedited-routes")
def test_expedited_routes(q):
    rows = q("expedited-routes")
    assert col(stated(rows, "route"), "jurisdiction") == {"Japan", "Taiwan", "China"}
    # the other seven appear, saying the review names no such route there
    assert silent(rows, "route") == {"United States", "European Union", "South Korea", "India", "Australia",
                                     "Switzerland", "United Kingdom"}
    jp = q("expedited-routes", jurisdiction="Japan")
    assert all("PMD Act" in r["legalBasis"] and "ASRM" in r["legalBasis"] for r in jp)


@covers("ethics-review")
def test_ethics_review(q):
    rows = q("ethics-review")
    assert col(stated(rows, "ethicsBody"), "jurisdiction") == {"Australia", "South Korea", "Taiwan", "India", "United Kingdom"}
    assert "United States" in silent(rows, "ethicsBody")


@covers("counterparts")
def test_counterparts(q):
    rows = q("counterparts", term="pw:KR-IND")
    # Table 2: Korea's IND authorization is the equivalent of a CTN/CTA.
    got = {(r["counterpart"], r["relation"]) for r in rows}
    assert ("Clinical Trial Notification (CTN), Japan", "closeMatch") in got
    assert ("Clinical Trial Application via CTIS, European Union", "closeMatch") in got
    assert all(r["justification"] and r["source"] for r in rows)


@covers("trial-authorization-matrix")
def test_trial_authorization_matrix(q):
    rows = q("trial-authorization-matrix")
    pairs = {(r["fromJurisdiction"], r["toJurisdiction"]) for r in rows}
    assert ("South Korea", "Japan") in pairs and ("Australia", "Japan") in pairs
    assert all(r["fromJurisdiction"] != r["toJurisdiction"] for r in rows)


@covers("classification-matrix")
def test_classification_matrix(q):
    rows = q("classification-matrix")
    ch = next(r for r in rows if r["from"].startswith("advanced therapy medicinal product (ATMP), Switzerland"))
    assert ch["toJurisdiction"] == "European Union" and Decimal(ch["confidence"]) >= Decimal("0.8")


@covers("sponsor-plan")
def test_sponsor_plan(q):
    rows = q("sponsor-plan", targets="Japan,AU")
    routes = [r for r in rows if r["what"] == "trial route"]
    assert {(r["jurisdiction"], r["receivingAuthority"]) for r in routes} == {
        ("Japan", "Pharmaceuticals and Medical Devices Agency (PMDA)"),
        ("Australia", "Therapeutic Goods Administration (TGA)")}
    assert all(r["sources"] for r in rows)
    tw = q("sponsor-plan", targets="TW")
    standards = {r["name"] for r in tw if r["what"] == "required standard"}
    assert {"Good Tissue Practice (GTP)", "Good Clinical Practice (GCP)"} <= standards  # §3.5: GTP, GMP, GCP
    # a target the review says nothing about is not dropped
    assert q("sponsor-plan", targets="CH,AU")


@covers("shared-guidelines")
def test_shared_guidelines(q):
    rows = {r["guideline"]: r for r in q("shared-guidelines", targets="US,KR,CH")}
    # §4: across all jurisdictions, ICH Q5A/Q5B and E6 give a common basis.
    for g in ("ICH Q5A", "ICH Q5B", "ICH E6"):
        assert rows[g]["inAllTargets"] == "yes" and rows[g]["targetsReferencing"] == "3"
    assert rows["MFDS/NIFDS guidelines for EV therapeutics, South Korea"]["inAllTargets"] == "no"


@covers("guidelines-by-jurisdiction")
def test_guidelines_by_jurisdiction(q):
    tw = q("guidelines-by-jurisdiction", jurisdiction="TW")
    assert "MISEV2018" in col(tw, "guideline")  # §3.5: Taiwan incorporates MISEV2018
    india = col(q("guidelines-by-jurisdiction", jurisdiction="IN"), "guideline")
    assert {"ICMR guidelines of 2017 on stem-cell research",
            "National guidelines on gene therapy product development and clinical trials, India (2019)"} <= india


@covers("standards-by-jurisdiction")
def test_standards_by_jurisdiction(q):
    rows = q("standards-by-jurisdiction")
    by = {}
    for r in rows:
        by.setdefault(r["jurisdiction"], set()).add(r["standard"])
    assert {"Good Tissue Practice (GTP)", "Good Manufacturing Practice (GMP)", "Good Clinical Practice (GCP)"} <= by["Taiwan"]
    assert "current Good Manufacturing Practice (cGMP)" in by["United States"]
    assert "GMP conforming to international guidelines, China" in by["China"]


@covers("cosmetic-use")
def test_cosmetic_use(q):
    all_rows = q("cosmetic-use")
    rows = {(r["jurisdiction"], r["status"]) for r in stated(all_rows, "status")}
    assert rows >= {("European Union", "cosmetic use prohibited"), ("Taiwan", "cosmetic use explicitly permitted"),
                    ("United Kingdom", "no product approved for cosmetic use")}
    assert {j for j, _ in rows} == {"European Union", "Taiwan", "United Kingdom"}
    assert "Japan" in silent(all_rows, "status")


@covers("named-products-and-trials")
def test_named_products_and_trials(q):
    rows = q("named-products-and-trials")
    names = col(rows, "name")
    assert "S&E Bio Phase 1b trial of an EV-based stroke therapy" in names
    assert "Approval of ExoOne Bio's human-derived EVs as cosmetic ingredients" in names
    count = next(r for r in rows if r["kind"] == "product count")
    assert count["detail"] == "more than 40 by 2023"


@covers("trial-counts")
def test_trial_counts(q):
    rows = {r["jurisdiction"]: r for r in q("trial-counts")}
    assert rows["China"]["count"] == "119" and rows["China"]["statedShare"] == "61"
    assert rows["Switzerland"]["statedShare"] == "<1"
    assert {r["total"] for r in rows.values()} == {"196"}
    assert Decimal(rows["European Union"]["recomputedShare"]) == Decimal("1.5")  # Figure 2 states 1%


@covers("approval-status")
def test_approval_status(q):
    rows = q("approval-status")
    assert {(r["jurisdiction"], r["status"]) for r in rows} >= {
        ("United States", "no EV product approved"), ("United Kingdom", "no EV product approved"),
        ("China", "EV therapies granted fast-track approval")}
    # §3.5 [65]: Taiwan's TFDA cleared ExoOne Bio's human-derived EVs as a cosmetic ingredient; §3.2 [54]:
    # the EU prohibits human-derived EVs in cosmetics. "Is anything approved?" is answered in one place.
    taiwan = [r for r in rows if r["jurisdiction"] == "Taiwan" and r["status"] == "a named product approved for cosmetic use"]
    assert [(r["use"], r["source"].rsplit("/", 1)[-1]) for r in taiwan] == [("cosmetic use", "sec-3.5_r65")]
    assert ("European Union", "cosmetic use prohibited") in {(r["jurisdiction"], r["status"]) for r in rows}


@covers("gaps-ev-guidance")
def test_gaps_ev_guidance(q):
    rows = q("gaps-ev-guidance")
    none = {r["jurisdiction"] for r in rows if r["status"] == "no EV-specific guidance"}
    assert {"India", "Australia"} <= none
    assert {r["jurisdiction"] for r in rows if r["status"] == "EV-specific guidance published"} == {"South Korea"}


@covers("gaps-adverse-events")
def test_gaps_adverse_events(q):
    rows = {r["jurisdiction"]: r["duty"] for r in q("gaps-adverse-events")}
    assert rows["Japan"] == "no mandated adverse-event tracking and reporting"  # §3.3 [58]
    assert rows["Taiwan"] == "adverse-event reporting mandated"
    assert rows["United Kingdom"] == "adverse-event reporting mandated, surveillance has gaps"
    assert rows["China"] == "not stated in the review"


@covers("gaps-no-approved-product")
def test_gaps_no_approved_product(q):
    assert col(q("gaps-no-approved-product"), "jurisdiction") == {"United States", "United Kingdom"}


@covers("contradictions")
def test_contradictions(q):
    rows = q("contradictions")
    topics = col(rows, "topic")
    assert {"Are EVs ATMPs in the EU?", "Taiwan: name of the act that covers EVs",
            "European Union: Figure 2 share vs Table 2 count"} <= topics
    uk = q("contradictions", jurisdiction="UK")
    assert col(uk, "jurisdiction") == {"United Kingdom"}


@covers("in-force-on")
def test_in_force_on(q):
    before = {r["instrument"]: r["status"] for r in q("in-force-on", date="2024-06-01")}
    korea = "Act on the Safety of and Support for Advanced Regenerative Medicine and Advanced Biological Products"
    assert before[korea] == "not yet in force"  # enacted August 2019, in effect February 2025
    # §3.3 gives the ASRM only an enactment (November 2014): enacted, its entry into force not stated
    assert before["Act on the Safety of Regenerative Medicine (ASRM)"] == "enacted; entry into force not stated"
    during = {r["instrument"]: r["status"] for r in q("in-force-on", date="2025-02-10")}
    assert during[korea] == "comes into force within that period (exact day not comparable)"
    year = {r["instrument"]: r["status"] for r in q("in-force-on", date="2025", jurisdiction="South Korea")}
    assert year == {korea: "comes into force within that period (exact day not comparable)"}
    after = {r["instrument"]: r["status"] for r in q("in-force-on", date="2025-06-01")}
    assert after[korea] == "in force"


@covers("changed-after")
def test_changed_after(q):
    rows = q("changed-after", date="2023-12-31")
    assert {(r["when"], r["what"][:30]) for r in rows} == {
        ("2024", "2024 amendment of the UK clini"), ("2025-02", "Act on the Safety of and Suppo")}


@covers("sources-of")
def test_sources_of(q):
    rows = q("sources-of", subject="law:kr-advanced-regenerative-bio-act")
    # §3.4 names the act, citing references 59 and 15
    assert {r["source"] for r in rows} >= {SRC + "sec-3.4_r59", SRC + "sec-3.4_r15"}
    assert all(r["source"].startswith(SRC + "sec-3.4") for r in rows)


@covers("facts-by-reference")
def test_facts_by_reference(q):
    rows = q("facts-by-reference", reference=65)
    facts = col(rows, "fact")
    assert "ExoOne Bio" in facts and "Approval of ExoOne Bio's human-derived EVs as cosmetic ingredients" in facts
    assert col(rows, "source") == {SRC + "sec-3.5_r65"}


@covers("bodies-by-jurisdiction")
def test_bodies_by_jurisdiction(q):
    us = {r["body"]: r["partOf"] for r in q("bodies-by-jurisdiction", jurisdiction="US")}
    assert us["Center for Biologics Evaluation and Research (CBER)"] == "U.S. Food and Drug Administration (FDA)"
    india = {r["body"]: r["partOf"] for r in q("bodies-by-jurisdiction", jurisdiction="IN")}
    assert india["Central Drugs Standard Control Organization (CDSCO)"] == "Ministry of Health and Family Welfare (MoHFW)"


@covers("harmonization")
def test_harmonization(q):
    rows = q("harmonization")
    ich_who = [r for r in rows if r["instruments"] and "ICH Q5E" in r["instruments"]]
    assert ich_who and "WHO draft guidelines on vesicle therapeutics" in ich_who[0]["instruments"]


@covers("challenges")
def test_challenges(q):
    rows = q("challenges")
    japan = {r["challenge"] for r in rows if r["jurisdiction"] == "Japan"}
    assert "clinical use without validation" in japan  # §3.3
    india = {r["challenge"] for r in rows if r["jurisdiction"] == "India"}
    assert {"no dedicated EV guidelines", "no specific drug classification for EVs"} <= india  # §3.7 [23]
    general = {r["challenge"] for r in rows if r["jurisdiction"] == "(general)"}
    assert any("scal" in c for c in general)  # §4: scaling up EV production


@covers("table-1")
@covers("table-2")
def test_table_queries_feed_the_tables(q):
    assert len({r["j"] for r in q("table-1")}) == 10
    assert sum({r["j"]: int(r["count"]) for r in q("table-2")}.values()) == 196


@covers("wikidata-jurisdiction-facts")
@covers("wikidata-authority-websites")
def test_federated_queries_are_tested_in_test_links():
    import test_links
    assert hasattr(test_links, "test_federated_jurisdiction_facts_embedded")


@covers("find")
def test_find(q):
    rows = q("find", text="regenerative medicine act")
    assert "Regenerative Medicine Act (RMA), Taiwan" in col(rows, "label")


@covers("editorial-notes")
def test_editorial_notes(q):
    kr = {r["about"]: r["note"] for r in q("editorial-notes", jurisdiction="KR")}
    # §3.4 [59]: the 2019 Korean act was due to apply from February 2025; the review does not report it took effect
    act = kr["Act on the Safety of and Support for Advanced Regenerative Medicine and Advanced Biological Products"]
    assert "February 2025" in act and "scheduled" in act
    jp = {r["about"]: r for r in q("editorial-notes", jurisdiction="Japan")}
    # §3.3 gives November 2014 right after naming both acts: recorded for the ASRM, said to be uncertain
    assert "November 2014" in jp["Act on the Safety of Regenerative Medicine (ASRM)"]["note"]
    assert set(jp["Act on the Safety of Regenerative Medicine (ASRM)"]["sources"].split()) >= {SRC + "sec-3.3_r47-55-56"}
    everything = q("editorial-notes")
    # the EU row of Table 2 names EU-EMA (CTIS) only, not the national bodies: a note on the CTA route
    assert any(r["about"] == "Clinical Trial Application via CTIS, European Union" and "national bodies" in r["note"]
               for r in everything)
    assert not any("/reference/" in r["subject"] for r in everything)  # the reference list shows its own notes


@covers("contradiction-sides")
def test_contradiction_sides(q):
    rows = q("contradiction-sides", jurisdiction="Taiwan")
    # Table 1 calls the act the Regenerative Medicine Development Act, §3.5 the Regenerative Medicine Act
    act = {(r["value"], r["source"]) for r in rows if r["topic"] == "Taiwan: name of the act that covers EVs"
           and r["property"] == "legal basis"}
    assert act == {("Regenerative Medicine Development Act, Taiwan", SRC + "tab-1"),
                   ("Regenerative Medicine Act (RMA), Taiwan", SRC + "sec-3.5"),
                   ("Regenerative Medicine Act (RMA), Taiwan", SRC + "sec-3.5_r47")}
    jp = q("contradiction-sides", jurisdiction="Japan")
    # §3.3: biologic medicinal products; Table 2 and §4 [91]: regenerative-medical products
    classes = {(r["value"], r["source"]) for r in jp if r["topic"].startswith("Japan: biologic")
               and r["property"] == "classified as"}
    assert classes == {("biologic medicinal product, Japan", SRC + "sec-3.3"),
                       ("regenerative-medical product, Japan", SRC + "sec-4_r91"),
                       ("regenerative-medical product, Japan", SRC + "tab-2")}
    # Figure 2 gives Taiwan 1%, Table 2 three trials: both sides carry their number
    share = {(r["property"], r["value"]) for r in rows if r["topic"] == "Taiwan: Figure 2 share vs Table 2 count"}
    assert {("stated share (percent)", "1"), ("trial count", "3")} <= share


# --- the catalogue and the CLI -----------------------------------------------------------------------

def test_catalogue_is_documented_and_tested(project):
    catalogue = load_catalogue(project)
    assert len(catalogue) >= 25
    for name, query in catalogue.items():
        assert query.summary and query.description and query.row, f"{name}: header lacks summary/description/row"
        assert name in COVERED, f"{name}: no test with an expected answer from the review"
        for p in query.params:
            assert f"?_{p.name}" in query.text, f"{name}: parameter {p.name} not used as ?_{p.name}"


def test_injection_is_a_literal(project, store, q):
    before = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    assert q("find", text='x" } DROP ALL #') == []
    assert store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == before


@pytest.mark.parametrize("argv, message", [
    (["query", "no-such-query"], "unknown query 'no-such-query'"),
    (["query", "counterparts"], "needs --param term="),
    (["query", "in-force-on", "--param", "date=yesterday"], "is not a valid date"),
    (["query", "facts-by-reference", "--param", "reference=five"], "is not a valid integer"),
    (["query", "sponsor-plan", "--param", "targets=US;EU"], "unknown jurisdiction 'US;EU'"),
    (["query", "contradictions", "--param", "nope=1"], "has no parameter 'nope'"),
    (["query", "contradictions", "--param", "jurisdiction"], "expects key=value"),
])
def test_query_errors_are_one_line(project, capsys, argv, message):
    assert main(["--root", str(project.root), *argv]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_query_cli_formats(project, capsys):
    assert main(["--root", str(project.root), "query", "trial-counts", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "region,jurisdiction,count,stated share,recomputed share,total,sources,conflict"
    assert out[1] == "China-NMPA,China,119,61,60.7,196,\"Table 2, Fig. 2\","
    # Figure 2's 1% for the EU against Table 2's 3 of 196: one side of a contradiction, marked
    eu = next(line for line in out if line.startswith("EU-EMA"))
    assert eu.endswith(",C7")
    assert main(["--root", str(project.root), "queries"]) == 0
    assert "sponsor-plan" in capsys.readouterr().out


def test_sssom_export_parses_and_validates(project, tmp_path):
    sssom = pytest.importorskip("sssom", reason="the sssom package is in the test extra")
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    out = tmp_path / "mappings.sssom.tsv"
    assert main(["--root", str(project.root), "mappings", "--format", "sssom", "--out", str(out)]) == 0
    msdf = parse_sssom_table(str(out))
    validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness])
    df = msdf.df
    assert len(df) >= 30
    row = df[(df.subject_id == "pw:KR-IND") & (df.object_id == "pw:JP-CTN")].iloc[0]
    assert row.predicate_id == "skos:closeMatch" and "equivalent of a CTN or CTA" in row.comment


@covers("regime-categories")
def test_regime_categories(q):
    rows = q("regime-categories")
    by = {}
    for r in rows:
        by.setdefault(r["category"], set()).add(r["jurisdiction"])
    assert by["source-based regime"] == {"Japan", "South Korea", "Taiwan"}
    assert by["jurisdiction with EV-specific guidance"] == {"South Korea"}
    assert by["jurisdiction aligned with the EU ATMP regulation"] == {"Switzerland"}


@covers("about-review")
def test_about_review(q):
    [row] = q("about-review")
    assert row["title"].startswith("Navigating the Global Regulatory Landscape for Exosome-Based Therapeutics")
    assert row["doi"] == "10.3390/pharmaceutics17080990"
    assert row["authors"] == "Verma, N.; Arora, S." and row["venue"] == "Pharmaceutics"
    assert (row["submitted"], row["accepted"], row["issued"]) == ("2025-06-26", "2025-07-25", "2025-07-30")


@covers("comparison-matrix")
def test_comparison_matrix(q):
    uk = q("comparison-matrix", jurisdiction="UK")
    assert col(uk, "jurisdiction") == {"United Kingdom"}
    cosmetic = {(r["item"], r["scope"], r["source"]) for r in uk if r["aspect"] == "cosmetic use"}
    # §3.8: no EV product approved for cosmetic use [74]; aesthetic exosome injections may not legally be given [75]
    assert cosmetic == {
        ("no product approved for cosmetic use", "EVs in cosmetic use", SRC + "sec-3.8_r74"),
        ("may not legally be administered", "exosome injections for aesthetic purposes", SRC + "sec-3.8_r75")}
    everything = q("comparison-matrix")
    assert len(col(everything, "jurisdiction")) == 10
    # Table 2: trial counts, one per jurisdiction, 196 in all
    trials = {r["jurisdiction"]: r["item"] for r in everything if r["aspect"] == "trials (WHO ICTRP)"}
    assert trials["Taiwan"] == "3 trials" and trials["China"] == "119 trials" and len(trials) == 10
    assert all(r["source"].startswith(SRC) for r in everything)
    # Table 1 and §3.7: India's lead authority is the CDSCO
    india = {r["item"] for r in everything if r["jurisdiction"] == "India" and r["role"] == "lead regulatory authority"}
    assert "Central Drugs Standard Control Organization (CDSCO)" in india


@covers("statements-by-jurisdiction")
def test_statements_by_jurisdiction(q):
    rows = q("statements-by-jurisdiction", jurisdiction="KR")
    act = [r for r in rows if r["statement"].startswith("Act on the Safety of and Support for Advanced Regenerative")]
    # §3.4 cites refs 15 and 59 for the 2019 act
    assert {r["source"] for r in act} == {SRC + "sec-3.4_r15", SRC + "sec-3.4_r59"}
    assert {r["kind"] for r in act} == {"act"}
    # Japan's own statements are not Korea's; §1's sentence on Korea, Japan and Taiwan is both
    assert not any("PMDA" in r["statement"] or r["statement"].startswith("Japan:") for r in rows)
    assert any(r["statement"].startswith("South Korea, Japan and Taiwan") for r in rows)
    assert all(r["source"] and r["kind"] for r in rows)


@covers("instruments-by-jurisdiction")
def test_instruments_by_jurisdiction(q):
    kr = q("instruments-by-jurisdiction", jurisdiction="KR")
    # §3.4: enacted in August 2019, in force from February 2025
    assert {(r["enacted"], r["inForceFrom"]) for r in kr} == {("2019-08", "2025-02")}
    eu = {r["instrument"]: r for r in q("instruments-by-jurisdiction", jurisdiction="EU")}
    assert eu["Regulation (EC) No 1394/2007 on advanced therapy medicinal products"]["enacted"] == "2007-11-13"
    assert "Regulation (EC) No 1223/2009 on cosmetic products" in eu
    # the review names no Australian instrument: the answer says so instead of coming back empty
    [au] = q("instruments-by-jurisdiction", jurisdiction="AU")
    assert (au["jurisdiction"], au["instrument"], au["source"]) == ("Australia", NOT_STATED, None)


@covers("source-locations")
def test_source_locations(q, store):
    rows = q("source-locations", part="part:sec-3.4")
    derived = {r["statement"] for r in rows if r["source"].endswith("/sec-3.4_r59")}
    assert "Act on the Safety of and Support for Advanced Regenerative Medicine and Advanced Biological Products" in derived
    assert col(rows, "partLabel") == {"Section 3.4: South Korea regulatory framework"}
    everything = q("source-locations")
    assert everything[0]["partLabel"].startswith("Front matter") and everything[-1]["partLabel"] == "References"
    used = store.query("SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?x <http://www.w3.org/ns/prov#wasDerivedFrom> ?l . "
                       "FILTER(STRSTARTS(STR(?l), 'https://w3id.org/evkg/resource/source/')) }").rows[0][0]
    assert len(col(everything, "source")) == int(used) > 140  # every location a fact is derived from


@covers("references")
def test_references(q):
    rows = q("references")
    assert [int(r["number"]) for r in rows] == list(range(1, 113))
    [fujita] = q("references", number=52)
    assert fujita["authors"].startswith("Fujita, M.") and fujita["citation"] == "Stem Cell Rep. 2024, 19, 1517–1519"
    assert int(fujita["citedAt"]) >= 1
    # the list gives a web address for some entries: [51] (ICH) points to the Q5E guideline's PDF
    [ich] = q("references", number=51)
    assert ich["url"] == "https://database.ich.org/sites/default/files/Q5E_Guideline.pdf" and fujita["url"] is None


@covers("regime-characterizations")
def test_regime_characterizations(q):
    stringent = q("regime-characterizations", character="cv:character-stringent")
    # §3.8: the UK framework is notably stringent; §3.9 [77]: Swiss oversight as stringent as for cell and gene therapies
    assert {(r["jurisdiction"], r["source"]) for r in stringent if r["source"]} == {
        ("United Kingdom", SRC + "sec-3.8"), ("Switzerland", SRC + "sec-3.9_r77")}
    # the eight others are not called stringent: each says so rather than being left out
    assert sorted(r["jurisdiction"] for r in stringent if r["character"] == "not stated in the review") == [
        "Australia", "China", "European Union", "India", "Japan", "South Korea", "Taiwan", "United States"]
    rows = [r for r in q("regime-characterizations") if r["source"]]
    by = {}
    for r in rows:
        by.setdefault(r["character"], set()).add(r["jurisdiction"])
    assert by["cautious"] == {"China", "United Kingdom"}          # §3.6 [66]; §3.8 summary
    assert by["proactive"] == {"China", "Taiwan"}                 # §3.6 [67]; §3.5
    assert "South Korea" in by["a leader in developing and commercializing EV therapeutics"]  # §3.4 [15]
    # the abstract: a fragmented, fast-evolving landscape (no single jurisdiction)
    assert by["fragmented"] == {"(all jurisdictions)"}


@covers("external-links")
def test_external_links(q):
    jp = {(r["entity"], r["relation"], r["target"]) for r in q("external-links", jurisdiction="JP")}
    assert jp == {("https://w3id.org/evkg/resource/jurisdiction/JP", "sameAs", "http://www.wikidata.org/entity/Q17"),
                  ("https://w3id.org/evkg/resource/body/PMDA", "sameAs", "http://www.wikidata.org/entity/Q932661"),
                  ("https://w3id.org/evkg/resource/body/PMDA", "exactMatch", "https://ror.org/03mpkb302"),
                  ("https://w3id.org/evkg/resource/body/PMDA", "homepage", "https://www.pmda.go.jp/")}
    eu = q("external-links", jurisdiction="EU")
    # the EU acts link to their ELI; EMA to Wikidata
    assert ("Regulation (EC) No 1394/2007 on advanced therapy medicinal products", "sameAs",
            "http://data.europa.eu/eli/reg/2007/1394/oj") in {(r["label"], r["relation"], r["target"]) for r in eu}
    assert all(r["justification"] for r in eu)


@covers("advise")
def test_advise_query_gives_verdicts(q):
    rows = q("advise", targets="UK", profile="manipulation=manipulated; use=therapy")
    # Table 1: the ATMP framework applies if EV therapies derive from manipulated cells
    table1 = [r for r in rows if r["aspect"] == "classification" and r["condition"] == "derived from manipulated cells"]
    assert [r["verdict"] for r in table1] == ["applies"]
    rows = q("advise", targets="UK", profile="use=therapy")
    table1 = [r for r in rows if r["aspect"] == "classification" and r["condition"] == "derived from manipulated cells"]
    assert [(r["verdict"], r["openQuestions"]) for r in table1] == [("applies if", "how the source cells are handled")]


def test_parameters_bound_in_union_branches():
    """A UNION branch that reads a parameter gets its own VALUES block (branches are planned before the
    block around them is joined); one that BINDs the variable itself, or a profile's rows, does not."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from evkg.binding import Rows, with_values

    a, b = URIRef("http://example.org/a"), URIRef("http://example.org/b")
    text = ("SELECT ?_s ?o WHERE { { ?_s <http://example.org/p> ?o } UNION { ?o <http://example.org/p> ?x BIND (?x AS ?_s) }"
            " UNION { ?_s <http://example.org/q> ?o . ?_r <http://example.org/q> ?o } }")
    bound = with_values(text, {"_s": [a, b], "_r": Rows(("_r",), [(a,)])})
    branches = bound.split("UNION")
    assert bound.count("VALUES (?_s ?_r)") == 1  # the block around the branches
    assert [br.count("VALUES (?_s)") for br in branches] == [1, 0, 1] and "VALUES (?_r)" not in bound
    store = ox.Store()
    p, q = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/q")
    for s, pred, o in [("a", p, "1"), ("b", p, "2"), ("c", p, "3"), ("a", q, "4")]:
        store.add(ox.Quad(ox.NamedNode("http://example.org/" + s), pred, ox.Literal(o)))
    got = sorted((str(r["_s"].value), str(r["o"].value)) for r in store.query(bound))
    assert got == [("http://example.org/a", "1"), ("http://example.org/a", "4"), ("http://example.org/b", "2")]
