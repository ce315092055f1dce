"""Facts of the review, one test each, checked against the built graph (the paper is the oracle)."""

from decimal import Decimal

import pytest

from conftest import PREFIXES, iri


def values(select, query, var):
    return {r[var] for r in select(query)}


# --- dates as precise as the text -------------------------------------------------------------

@pytest.mark.parametrize("law, prop, value, datatype", [
    ("law:kr-advanced-regenerative-bio-act", "eli:date_document", "2019-08", "gYearMonth"),        # §3.4 enacted August 2019
    ("law:kr-advanced-regenerative-bio-act", "eli:first_date_entry_in_force", "2025-02", "gYearMonth"),  # in effect February 2025
    ("law:jp-asrm", "eli:date_document", "2014-11", "gYearMonth"),                                 # §3.3 ASRM, November 2014
    ("law:in-ndctr-2019", "eli:date_document", "2019", "gYear"),                                   # §3.7 NDCTR 2019
    ("law:in-dca-1940", "eli:date_document", "1940", "gYear"),                                     # Drugs and Cosmetics Act, 1940
    ("law:uk-mhctr-2004", "eli:date_document", "2004", "gYear"),                                   # Table 2 MHCTR 2004
    ("law:uk-mhctr-amendment-2024", "eli:date_document", "2024", "gYear"),                         # Table 2 amend 2024
    ("law:eu-reg-1394-2007", "eli:date_document", "2007-11-13", "date"),                           # reference 89 title
    ("law:eu-reg-536-2014", "eli:date_document", "2014-04-16", "date"),                            # reference 90 title
])
def test_instrument_dates(select, law, prop, value, datatype):
    rows = select(f"SELECT ?d (DATATYPE(?d) AS ?t) WHERE {{ <{iri(law)}> {prop} ?d }}")
    assert [(r["d"], r["t"]) for r in rows] == [(value, f"http://www.w3.org/2001/XMLSchema#{datatype}")]


def test_pmd_act_has_no_guessed_date(select):
    # §3.3 attaches "enacted in November 2014" to the ASRM; the PMD Act gets no date of its own.
    assert select(f"SELECT ?d WHERE {{ <{iri('law:jp-pmd-act')}> eli:date_document ?d }}") == []


def test_guideline_and_regime_years(select):
    assert values(select, "SELECT ?d WHERE { gl:icmr-stem-cell-guidelines-2017 <http://purl.org/dc/terms/date> ?d }", "d") == {"2017"}
    assert values(select, "SELECT ?d WHERE { pw:CN-dual-track evkg:since ?d }", "d") == {"2017"}
    assert values(select, "SELECT ?d WHERE { ?p a evkg:RegulatedScopePosition ; evkg:jurisdiction jur:AU ; evkg:since ?d }", "d") == {"2019"}


# --- authorities and sub-bodies ----------------------------------------------------------------

@pytest.mark.parametrize("unit, parent", [("body:CBER", "body:FDA"), ("body:CDER", "body:FDA"), ("body:CAT", "body:EMA")])
def test_units(select, unit, parent):
    assert select(f"SELECT * WHERE {{ <{iri(unit)}> org:unitOf <{iri(parent)}> }}") == [{}]


def test_india_bodies(select):
    assert select("SELECT * WHERE { body:CDSCO evkg:overseenBy body:MoHFW . body:DCGI evkg:headsOrganization body:CDSCO }") == [{}]
    ethics = values(select, "SELECT ?b WHERE { pos:IN-auth-sec3.7-ethics evkg:authority ?b }", "b")
    assert ethics == {iri("body:IN-IC-SCR"), iri("body:IN-IEC")}


def test_cber_cder_split_depends_on_application(select):
    rows = select("""SELECT ?b ?c WHERE { ?p a evkg:AuthorityPosition ; evkg:jurisdiction jur:US ;
                     evkg:authority ?b ; evkg:condition ?c ; prov:wasDerivedFrom src:sec-3_r42 }""")
    assert {r["b"] for r in rows} == {iri("body:CBER"), iri("body:CDER")}


def test_korea_nifds_issues_guidelines(select):
    assert values(select, "SELECT ?b WHERE { gl:kr-ev-guidelines evkg:issuedBy ?b }", "b") == {iri("body:MFDS"), iri("body:NIFDS")}


def test_taiwan_cde_supports_tfda(select):
    assert select("SELECT * WHERE { body:TFDA evkg:supportedBy body:TW-CDE }") == [{}]


# --- classification ------------------------------------------------------------------------------

def test_two_classification_strategies(select):
    assert values(select, "SELECT ?b WHERE { ?b a evkg:ClassificationBasis }", "b") == {
        iri("cv:basis-cargo-function"), iri("cv:basis-source-manufacture")}


def test_source_based_and_cargo_based_jurisdictions(select):
    q = "SELECT ?j WHERE { ?j evkg:followsClassificationBasis <%s> }"
    assert values(select, q % iri("cv:basis-source-manufacture"), "j") == {iri("jur:JP"), iri("jur:KR"), iri("jur:TW")}
    assert values(select, q % iri("cv:basis-cargo-function"), "j") == {iri("jur:US"), iri("jur:EU")}


def test_engineered_evs_risk_based(select):
    rows = select("""SELECT ?c WHERE { ?p a evkg:ClassificationPosition ; evkg:productScope cv:scope-engineered-ev ;
                     evkg:classifiedAs ?c ; evkg:modality cv:modality-possible }""")
    assert {r["c"] for r in rows} == {iri("cls:biologic"), iri("cls:combination-product"), iri("cls:gtmp")}
    assert select("""SELECT * WHERE { pos:US-class-sec3-engineered evkg:classifiedAs cls:US-biologic ;
                     evkg:legalBasis law:us-phs-act }""") == [{}]


def test_us_undecided_between_biologic_and_delivery_system(select):
    rows = select("SELECT ?c WHERE { ?p evkg:jurisdiction jur:US ; evkg:modality cv:modality-undecided ; evkg:classifiedAs ?c }")
    assert {r["c"] for r in rows} == {iri("cls:biologic"), iri("cls:drug-delivery-system")}


def test_conditions_are_data(select):
    rows = select("""SELECT ?j ?basis WHERE { ?p a evkg:ClassificationPosition ; evkg:jurisdiction ?j ;
                     evkg:classifiedAs/skos:broader* cls:atmp ; evkg:condition/evkg:conditionBasis ?basis ;
                     prov:wasDerivedFrom src:tab-1 }""")
    assert {(r["j"], r["basis"]) for r in rows} == {
        (iri("jur:CH"), iri("cv:basis-source-manufacture")), (iri("jur:UK"), iri("cv:basis-source-manufacture"))}


# --- pathways ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("pathway, authority", [
    ("pw:US-IND", "body:FDA"), ("pw:US-BLA", "body:FDA"), ("pw:EU-CTA", "body:EMA"), ("pw:JP-CTN", "body:PMDA"),
    ("pw:KR-IND", "body:MFDS"), ("pw:TW-IND", "body:TFDA"), ("pw:IN-CTA", "body:CDSCO"), ("pw:AU-CTN", "body:TGA"),
    ("pw:AU-CTX", "body:TGA"), ("pw:CN-IND", "body:NMPA"), ("pw:CH-CTA", "body:Swissmedic"), ("pw:UK-CTA", "body:MHRA"),
])
def test_pathway_receiving_authority(select, pathway, authority):
    assert values(select, f"SELECT ?a WHERE {{ <{iri(pathway)}> evkg:receivingAuthority ?a }}", "a") == {iri(authority)}


def test_pathway_details(select):
    assert select("SELECT * WHERE { pw:US-IND evkg:precedes pw:US-BLA ; evkg:reviewBody body:CBER }") == [{}]
    assert select("SELECT * WHERE { pw:EU-CTA evkg:submissionSystem pw:CTIS ; evkg:legalBasis law:eu-reg-536-2014 }") == [{}]
    assert select("SELECT * WHERE { pw:UK-CTA evkg:submissionSystem pw:IRAS ; evkg:ethicsReview body:UK-REC }") == [{}]
    assert select("SELECT * WHERE { pw:AU-CTN evkg:ethicsReview body:AU-HREC . pw:AU-CTX evkg:ethicsReview body:AU-HREC }") == [{}]
    assert select("SELECT * WHERE { pw:KR-IND evkg:ethicsReview body:KR-IRB ; evkg:pathwayStandard std:ich-gcp }") == [{}]
    assert values(select, "SELECT ?d WHERE { pw:CH-CTA evkg:dossierStructure ?d }", "d") == {"eDok_KLV"}


def test_expedited_routes(select):
    rows = select("SELECT ?j WHERE { ?p a evkg:ExpeditedPathway ; evkg:jurisdiction ?j }")
    assert {r["j"] for r in rows} == {iri("jur:JP"), iri("jur:TW"), iri("jur:CN")}
    assert values(select, "SELECT ?l WHERE { pw:JP-conditional-approval evkg:legalBasis ?l }", "l") == {
        iri("law:jp-pmd-act"), iri("law:jp-asrm")}


def test_china_dual_track_tracks(select):
    assert values(select, "SELECT ?t WHERE { pw:CN-dual-track evkg:hasComponent ?t }", "t") == {
        iri("pw:CN-investigator-initiated"), iri("pw:CN-commercial-trial")}


# --- market, cosmetics, named examples --------------------------------------------------------------

def test_cosmetic_use_status(select):
    rows = select("SELECT ?j ?s WHERE { ?j evkg:hasCosmeticUseStatus ?s }")
    got = {(r["j"], r["s"]) for r in rows}
    assert (iri("jur:EU"), iri("cv:cosmetic-prohibited")) in got
    assert (iri("jur:TW"), iri("cv:cosmetic-permitted")) in got
    assert (iri("jur:UK"), iri("cv:cosmetic-none-approved")) in got
    assert select("SELECT * WHERE { pos:EU-cosmetic-sec3.2 evkg:legalBasis law:eu-reg-1223-2009 ; prov:wasDerivedFrom src:sec-3.2_r54 }") == [{}]


def test_sne_bio_trial(select):
    rows = select("""SELECT ?phase ?sponsor ?by WHERE { ?d a evkg:RegulatoryDecision ; evkg:concerns ?t ; evkg:decisionBy ?by .
                     ?t a evkg:ClinicalTrial ; evkg:phase ?phase ; evkg:sponsor ?sponsor }""")
    assert {"phase": "1b", "sponsor": iri("body:SnE-Bio"), "by": iri("body:MFDS")} in rows


def test_exoone_cosmetic_approval(select):
    rows = select("""SELECT ?by WHERE { ent:decision-exoone-cosmetic evkg:decisionBy ?by ;
                     evkg:decisionKind cv:decision-cosmetic-ingredient-approval }""")
    assert {r["by"] for r in rows} == {iri("body:TW-MOHW"), iri("body:TFDA")}


def test_china_fast_track_count(select):
    rows = select("""SELECT ?n ?q ?y WHERE { ?c a evkg:ProductCount ; evkg:jurisdiction jur:CN ;
                     evkg:count ?n ; evkg:countQualifier ?q ; evkg:asOf ?y }""")
    assert rows == [{"n": "40", "q": "more than", "y": "2023"}]


def test_no_approved_products(select):
    rows = select("SELECT DISTINCT ?j WHERE { ?p evkg:approvalStatus cv:approval-none-approved ; evkg:jurisdiction ?j }")
    assert {r["j"] for r in rows} == {iri("jur:US"), iri("jur:UK")}


# --- alignments and harmonization ---------------------------------------------------------------

@pytest.mark.parametrize("jur, target", [
    ("jur:CH", "law:eu-reg-1394-2007"), ("jur:TW", "gl:misev2018"), ("jur:UK", "body:ISEV"), ("jur:CH", "body:ISEV"),
    ("jur:TW", "jur:JP"), ("jur:TW", "jur:KR"), ("jur:UK", "body:EMA"), ("jur:CN", "std:pics-gmp"),
])
def test_alignments(ask, jur, target):
    assert ask(f"ASK {{ ?p a evkg:AlignmentPosition ; evkg:jurisdiction <{iri(jur)}> ; evkg:alignsWith <{iri(target)}> }}")


def test_harmonization_instruments(select):
    rows = select("SELECT ?i WHERE { pos:INT-harm-sec3-ich-who evkg:instrument ?i }")
    assert {r["i"] for r in rows} == {iri("gl:ich-q5e"), iri("gl:who-draft-vesicle-guidance")}
    assert select("SELECT * WHERE { gl:who-draft-vesicle-guidance evkg:isDraft true ; evkg:issuedBy body:WHO }") == [{}]


def test_ich_core_guidelines_hold_in_all_ten(select):
    rows = select("SELECT ?j WHERE { ?j evkg:referencesGuideline gl:ich-e6 . ?j evkg:referencesGuideline gl:ich-q5a }")
    assert len({r["j"] for r in rows}) == 10


# --- §1 markers, trials and shares -------------------------------------------------------------------

def test_exosome_markers(select):
    labels = values(select, "SELECT ?l WHERE { ?m evkg:appliesTo cv:bio-exosome ; rdfs:label ?l }", "l")
    for marker in ("CD9", "CD63", "CD81", "Alix", "TSG101"):
        assert any(marker.lower() in l.lower() for l in labels), marker


def test_exosome_size(select):
    rows = select("SELECT ?a ?b WHERE { cv:bio-exosome evkg:sizeMinNm ?a ; evkg:sizeMaxNm ?b }")
    assert [(Decimal(r["a"]), Decimal(r["b"])) for r in rows] == [(Decimal(30), Decimal(100))]


FIGURE_2 = {"CN": 61, "US": 17, "JP": 7, "IN": 4, "KR": 3, "AU": 3, "UK": 3, "EU": 1, "TW": 1}


def test_figure_2_shares(select):
    rows = select("SELECT ?j ?s WHERE { ?p a evkg:TrialSharePosition ; evkg:jurisdiction ?j ; evkg:statedSharePercent ?s }")
    assert {r["j"].rsplit("/", 1)[1]: Decimal(r["s"]) for r in rows} == {k: Decimal(v) for k, v in FIGURE_2.items()}
    below = select("SELECT ?s WHERE { ?p evkg:jurisdiction jur:CH ; evkg:statedShareBelowPercent ?s }")
    assert [Decimal(r["s"]) for r in below] == [Decimal(1)]


def test_trial_total_is_the_sum_of_table_2(select):
    rows = select("SELECT (SUM(?n) AS ?total) WHERE { ?p a evkg:TrialCountPosition ; evkg:trialCount ?n }")
    assert rows == [{"total": "196"}]


# --- contradictions of the review -----------------------------------------------------------------

@pytest.mark.parametrize("contradiction, must_include", [
    ("ent:contradiction-EU-atmp", {"pos:EU-class-tab1", "pos:EU-class-sec3-gene-therapy-only"}),
    ("ent:contradiction-TW-act-name", {"pos:TW-scope-tab1-rmda", "pos:TW-scope-sec3.5-rma"}),
    ("ent:contradiction-UK-atmp", {"pos:UK-class-tab1-atmp", "pos:UK-class-sec3.8-atmp"}),
    ("ent:contradiction-EU-share", {"pos:EU-trials-tab2", "pos:EU-share-fig2"}),
    ("ent:contradiction-TW-share", {"pos:TW-trials-tab2", "pos:TW-share-fig2"}),
    ("ent:contradiction-JP-class", {"pos:JP-class-sec3.3", "pos:JP-class-tab2"}),
    # fourth audit: inconsistencies that were only editorial notes
    ("ent:contradiction-AU-fig3", {"pos:INT-harm-fig3-nine-pathways", "pos:AU-auth-tab1", "pos:AU-trials-tab2"}),
    ("ent:contradiction-INT-ev-authorizations", {"pos:CN-market-sec3.6-fast-track", "pos:US-market-sec3.9"}),
    ("ent:contradiction-INT-fast-track-call", {"pos:INT-rec-sec6-fast-track", "pos:CN-market-sec3.6-fast-track",
                                               "pos:TW-path-sec3.5-expedited"}),
    ("ent:contradiction-CN-dual-track", {"pos:CN-path-sec3.6-dual", "pos:CN-path-sec4"}),
    ("ent:contradiction-TW-class-basis", {"pos:TW-class-sec3.5-cell-derived", "pos:TW-class-sec4"}),
    ("ent:contradiction-EU-trial-route", {"pos:EU-req-sec3-atmp", "pos:EU-path-sec4"}),
    ("ent:contradiction-INT-ich-name", {"pos:INT-name-sec5-ich", "pos:INT-name-refs-r51-ich"}),
    ("ent:contradiction-TW-ref-61", {"pos:TW-auth-sec3.5-tfda", "pos:INT-name-refs-r61"}),
    # fifth audit: §3.3's first paragraph puts EV therapies under the PMD Act and the ASRM, its second
    # says no law addresses them beyond the general medical-practice acts
    ("ent:contradiction-JP-oversight", {"pos:JP-path-sec3.3-conditional", "pos:JP-scope-sec3.3-general-oversight"}),
])
def test_contradictions_keep_both_sides(select, contradiction, must_include):
    rows = select(f"""SELECT ?p ?src WHERE {{ <{iri(contradiction)}> evkg:conflictingPosition ?p .
                      ?p prov:wasDerivedFrom ?src }}""")
    sides = {r["p"] for r in rows}
    assert {iri(c) for c in must_include} <= sides
    assert len({r["src"] for r in rows}) >= 2, "each side keeps its own source"


# --- the review, references and abbreviations ----------------------------------------------------

def test_review_and_references(select):
    assert select("SELECT * WHERE { <https://w3id.org/evkg/resource/review> evkg:doi '10.3390/pharmaceutics17080990' }") == [{}]
    rows = select("SELECT (COUNT(?r) AS ?n) (MIN(?k) AS ?lo) (MAX(?k) AS ?hi) WHERE { ?r a evkg:BibliographicReference ; evkg:referenceNumber ?k }")
    assert rows == [{"n": "112", "lo": "1", "hi": "112"}]
    assert values(select, "SELECT ?t WHERE { ref:15 <http://purl.org/dc/terms/title> ?t }", "t") == {
        "Regulation of exosomes as biologic medicines: Regulatory challenges faced in exosome development and manufacturing processes"}


def test_abbreviations_name_entities(select):
    rows = select("SELECT DISTINCT ?n WHERE { ?e skos:notation ?n ; prov:wasDerivedFrom src:abbr }")
    assert len(rows) == 33  # the list in the review has 33 entries
    assert select("SELECT * WHERE { body:CBER skos:notation 'CBER' . law:jp-asrm skos:notation 'ASRM' . cv:kind-ctx skos:notation 'CTX' }") == [{}]


def test_a_contradiction_is_sourced_where_its_sides_are(select):
    """A contradiction is stated exactly where its conflicting positions are: no more, no fewer places."""
    rows = select("""SELECT ?c (GROUP_CONCAT(DISTINCT STR(?own); separator=" ") AS ?mine)
                                (GROUP_CONCAT(DISTINCT STR(?side); separator=" ") AS ?sides) WHERE {
        ?c a evkg:Contradiction ; prov:wasDerivedFrom ?own ; evkg:conflictingPosition ?p .
        ?p prov:wasDerivedFrom ?side } GROUP BY ?c""")
    assert len(rows) == 17
    for r in rows:
        assert set(r["mine"].split()) == set(r["sides"].split()), r["c"]


# --- third audit: where each statement comes from -------------------------------------------------

@pytest.mark.parametrize("node, source", [
    ("pos:EU-auth-sec3.2-recommendations", "src:sec-3.2"),     # uncited sentence on EMA recommendations
    ("pos:TW-scope-sec3.5-rma", "src:sec-3.5"),                # the RMA covers genes, cells and derivatives
    ("std:cn-gmp", "src:sec-3.6"),                             # GMP conforming to PIC/S GMP
    ("pos:IN-req-sec3.7-icmr-2017", "src:sec-3.7"),            # ICMR 2017: sanctioned trials only
    ("pos:IN-req-sec3.7-trials", "src:sec-3.7"),               # prior approval of CDSCO and ethics committees
    ("pos:UK-class-sec3.8-summary-atmp", "src:sec-3.8_r74"),   # the careful approach limits availability [74]
    # fourth audit: key sentences without a citation of their own
    ("pos:INT-challenge-sec2-summary-classification", "src:sec-2"),  # §2 summary: classification uncertainty
    ("pos:INT-challenge-sec2-summary-standardization", "src:sec-2"),  # same uncited sentence
    ("pos:IN-rec-sec3.7", "src:sec-3.7"),                      # India needs amendments and policy development
    ("pw:JP-dual-track", "src:sec-3.3"),                       # §3.3 opens with the dual-track system
    ("pos:CN-character-sec3.6-emerging", "src:sec-3.6"),       # §3.6 opening: a specialised framework is built
])
def test_uncited_sentences_are_sourced_to_their_section(select, node, source):
    assert iri(source) in values(select, f"SELECT ?s WHERE {{ <{iri(node)}> prov:wasDerivedFrom ?s }}", "s")


def test_china_ind_is_not_said_in_section_3_6(select):
    # §3.6 speaks of trial approvals and market authorization, never of an IND; §4 [96] and Table 2 do
    assert values(select, f"SELECT ?s WHERE {{ <{iri('pw:CN-IND')}> prov:wasDerivedFrom ?s }}", "s") == {
        iri("src:tab-2"), iri("src:sec-4_r96")}
    assert select(f"SELECT * WHERE {{ ?p evkg:pathway <{iri('pw:CN-IND')}> ; prov:wasDerivedFrom src:sec-3.6_r66 }}") == []


def test_only_section_4_says_the_fda_is_still_deciding(select):
    rows = select("""SELECT ?p ?s WHERE { ?p a evkg:ClassificationPosition ; evkg:jurisdiction jur:US ;
                     evkg:modality ?m ; prov:wasDerivedFrom ?s . FILTER(STRENDS(STR(?m), "undecided")) }""")
    assert {(r["p"], r["s"]) for r in rows} == {(iri("pos:US-class-sec4-undecided"), iri("src:sec-4_r9-37"))}


@pytest.mark.parametrize("jurisdiction, body, source", [
    ("KR", "body:KR-IRB", "src:sec-4_r92"),            # IRB approval
    ("TW", "body:TW-c-IRB", "src:sec-4_r93"),          # centralized IRB cooperation
    ("IN", "body:IN-registered-EC", "src:sec-3.7_r69"),  # each site needs a registered Ethics Committee
    ("UK", "body:UK-REC", "src:sec-4_r98"),            # combined MHRA and REC review through IRAS
    ("AU", "body:AU-HREC", "src:sec-4_r95"),           # HREC oversight
])
def test_ethics_bodies_review_trials(select, jurisdiction, body, source):
    rows = select(f"""SELECT ?s WHERE {{ ?p a evkg:AuthorityPosition ; evkg:jurisdiction jur:{jurisdiction} ;
                      evkg:authority <{iri(body)}> ; evkg:role cv:role-ethics-review ; prov:wasDerivedFrom ?s }}""")
    assert iri(source) in {r["s"] for r in rows}


def test_new_statements_of_the_third_audit(select, store):
    ask = lambda q: store.query(PREFIXES + q).boolean
    # §3.1 [53]: FDA warns against clinics promoting unapproved stem-cell and EV interventions
    assert ask("ASK { ?p a evkg:ChallengePosition ; evkg:jurisdiction jur:US ; "
                  "evkg:challenge cv:ch-unlicensed-clinics ; prov:wasDerivedFrom src:sec-3.1_r53 }")
    # §3.7: missing EV guidelines have left regulation ambiguous in India
    assert ask("ASK { ?p a evkg:ChallengePosition ; evkg:jurisdiction jur:IN ; "
                  "evkg:challenge cv:ch-regulatory-ambiguity ; prov:wasDerivedFrom src:sec-3.7 }")
    # §3.5: supportive government initiatives in Taiwan; further adaptations needed
    kinds = values(select, "SELECT ?t WHERE { ?p evkg:jurisdiction jur:TW ; a ?t ; prov:wasDerivedFrom src:sec-3.5 }", "t")
    assert {"https://w3id.org/evkg/ontology#PolicySupportPosition",
            "https://w3id.org/evkg/ontology#RecommendationPosition"} <= kinds
    # §6: existing regulations often lack specificity for EVs
    assert ask("ASK { ?p a evkg:ChallengePosition ; evkg:challenge cv:ch-regulatory-ambiguity ; "
                  "prov:wasDerivedFrom src:sec-6 }")
    # reference 51 names the ICH by its current name; the text by the older one
    labels = values(select, "SELECT ?l WHERE { body:ICH rdfs:label|skos:altLabel ?l }", "l")
    assert {"International Conference on Harmonization (ICH)",
            "International Council for Harmonisation of Technical Requirements for Pharmaceuticals for Human Use"} <= labels


def test_section_2_trial_and_closing_statements(select, store):
    ask = lambda q: store.query(PREFIXES + q).boolean
    # §2 [25]: a trial of nebulized MSC-derived exosomes for severe SARS-CoV-2 lung complications has begun
    assert ask("ASK { ?t a evkg:ClinicalTrial ; evkg:indication cv:area-sars-cov-2-pulmonary-complications ; "
               "prov:wasDerivedFrom src:sec-2_r25 }")
    # §2: exosome complexity calls for stringent frameworks; §7: an evolving regulatory environment
    assert ask("ASK { ?p a evkg:RecommendationPosition ; prov:wasDerivedFrom src:sec-2 }")
    assert ask("ASK { ?p a evkg:RegimeCharacterizationPosition ; evkg:characterizedAs cv:character-evolving ; "
               "prov:wasDerivedFrom src:sec-7 }")


# --- fourth audit ---------------------------------------------------------------------------------

def test_exoone_approval_is_one_product_not_a_rule(select, ask, project, store):
    """§3.5 [65]: ExoOne Bio obtained approval for its human-derived EVs as cosmetic ingredients after a
    review by the Ministry of Health and Welfare and TFDA. One company's approval, not a class for all EVs."""
    from evkg.querying import run_query

    assert not ask("ASK { jur:TW evkg:classifiesEVsAs ?c . ?p a evkg:ClassificationPosition ; evkg:classifiedAs ?c ; "
                   "prov:wasDerivedFrom src:sec-3.5_r65 }")
    assert select("SELECT ?c WHERE { ?c a evkg:ProductClass FILTER(CONTAINS(STR(?c), 'cosmetic')) }") == []
    rows = run_query(project, "classification-by-jurisdiction", {"jurisdiction": "TW"}, store=store)
    assert rows.rows and not any("cosmetic" in str(v).lower() for r in rows.rows for v in r)
    # the approval of the named product stays findable
    named = run_query(project, "named-products-and-trials", store=store)
    i, k = named.columns.index("name"), named.columns.index("detail")
    assert ("Approval of ExoOne Bio's human-derived EVs as cosmetic ingredients",
            "by Ministry of Health and Welfare, Taiwan") in {(str(r[i]), str(r[k])) for r in named.rows}
    cosmetic = run_query(project, "cosmetic-use", store=store)
    j, s, src = (cosmetic.columns.index(c) for c in ("jurisdiction", "status", "source"))
    assert ("Taiwan", "a named product approved for cosmetic use") in {
        (str(r[j]), str(r[s])) for r in cosmetic.rows if str(r[src]).startswith("https://w3id.org/evkg/resource/source/sec-3.5")}
    # Table 1 still states the general permission, from Table 1 only
    assert values(select, "SELECT ?src WHERE { ?p a evkg:CosmeticUsePosition ; evkg:jurisdiction jur:TW ; "
                          "evkg:cosmeticStatus cv:cosmetic-permitted ; prov:wasDerivedFrom ?src }", "src") == {iri("src:tab-1")}


def test_korea_act_date_is_the_scheduled_one(select):
    # §3.4 [59]: enacted August 2019 and "set to take effect in February 2025", in a review published 30 July 2025
    rows = select("""SELECT ?d ?q ?scheme WHERE { law:kr-advanced-regenerative-bio-act eli:first_date_entry_in_force ?d ;
                     evkg:entryIntoForceQualifier ?q ; prov:wasDerivedFrom src:sec-3.4_r59 . ?q skos:inScheme ?scheme }""")
    assert rows == [{"d": "2025-02", "q": iri("cv:date-scheduled"), "scheme": iri("cv:scheme-date-qualifier")}]
    assert values(select, "SELECT ?d WHERE { <https://w3id.org/evkg/resource/review> <http://purl.org/dc/terms/issued> ?d }",
                  "d") == {"2025-07-30"}
    # no other instrument carries a qualifier the review does not warrant
    assert values(select, "SELECT ?l WHERE { ?l evkg:entryIntoForceQualifier ?q }", "l") == {
        iri("law:kr-advanced-regenerative-bio-act")}


def test_contradictions_about_no_single_jurisdiction_are_listed(project, store):
    from evkg.querying import run_query

    res = run_query(project, "contradictions", store=store)
    t, j = res.columns.index("topic"), res.columns.index("jurisdiction")
    by_topic = {}
    for r in res.rows:
        by_topic.setdefault(str(r[t]), set()).add(str(r[j]))
    assert by_topic["ICH: a Conference or a Council?"] == {"(the review as a whole)"}
    # §3.6 fast-track approvals in China against §3.9's "no specific authorizations by major regulators such as the FDA"
    assert by_topic["Have major regulators authorized EV products?"] == {"China", "United States"}
    china = run_query(project, "contradictions", {"jurisdiction": "CN"}, store=store)
    assert "Have major regulators authorized EV products?" in {str(r[t]) for r in china.rows}
    assert "ICH: a Conference or a Council?" not in {str(r[t]) for r in china.rows}


def test_the_review_names_ich_two_ways(select):
    rows = select("SELECT ?p ?n WHERE { ?p a evkg:NamingPosition ; evkg:aboutEntity body:ICH ; evkg:statedName ?n }")
    assert {r["n"] for r in rows} == {
        "International Conference on Harmonization",  # §5 and the abbreviations list
        "International Council for Harmonisation of Technical Requirements for Pharmaceuticals for Human Use"}  # ref. 51


def test_reference_61_is_placed_in_tanzania(select):
    # reference 61: "TFDA. Association for the Advancement of Blood & Biotherapies; TFDA: Dares Salaam, Tanzania, 2025."
    assert values(select, "SELECT ?n WHERE { ?p evkg:aboutEntity ref:61 ; evkg:statedName ?n ; prov:wasDerivedFrom src:refs_r61 }",
                  "n") == {"TFDA: Dares Salaam, Tanzania"}


def test_china_law_keeps_the_reviews_short_name(select):
    # Table 2 writes only "IND submission (Pharma Admin Law)"; the review never expands the name
    assert values(select, "SELECT ?l WHERE { law:cn-pharma-admin-law rdfs:label|skos:altLabel ?l }", "l") == {
        "Pharma Admin Law, China", "Pharma Admin Law"}


def test_china_opening_of_section_3_6(select):
    rows = select("""SELECT ?c WHERE { pos:CN-character-sec3.6-emerging evkg:jurisdiction jur:CN ;
                     evkg:characterizedAs ?c ; prov:wasDerivedFrom src:sec-3.6 }""")
    assert [r["c"] for r in rows] == [iri("cv:character-evolving")]


def test_trial_route_mappings_follow_the_confidence_scale(select):
    """mappings/README.md: Korea's IND is equated with the US IND and EU CTA (0.8) and with Japan's CTN (0.7, a
    notification, not an authorization); the US IND and Japan's CTN are only related (0.6), justified from the
    US and Japanese sources of §4 (refs. 88, 91), not Australia's (ref. 95)."""
    def mapping(s, o):
        rows = select(f"""SELECT ?pred ?conf (GROUP_CONCAT(STR(?src); separator=" ") AS ?srcs) WHERE {{
            ?m evkg:mappingSubject <{iri(s)}> ; evkg:mappingObject <{iri(o)}> ; evkg:mappingPredicate ?pred ;
               evkg:mappingConfidence ?conf ; prov:wasDerivedFrom ?src }} GROUP BY ?pred ?conf""")
        assert len(rows) == 1, (s, o)
        return rows[0]["pred"].rsplit("#", 1)[1], Decimal(rows[0]["conf"]), set(rows[0]["srcs"].split())
    assert mapping("pw:KR-IND", "pw:US-IND")[:2] == ("closeMatch", Decimal("0.8"))
    assert mapping("pw:KR-IND", "pw:EU-CTA")[:2] == ("closeMatch", Decimal("0.8"))
    assert mapping("pw:KR-IND", "pw:JP-CTN")[:2] == ("closeMatch", Decimal("0.7"))
    pred, conf, sources = mapping("pw:US-IND", "pw:JP-CTN")
    assert (pred, conf) == ("relatedMatch", Decimal("0.6"))
    assert iri("src:sec-4_r91") in sources and iri("src:sec-4_r95") not in sources


def test_figure_3_maps_nine_jurisdictions_without_australia(select):
    # Figure 3's caption: USA, EU, South Korea, Japan, India, Taiwan, China, UK, Switzerland; Tables 1-2 add Australia
    got = values(select, "SELECT ?j WHERE { pos:INT-harm-fig3-nine-pathways evkg:jurisdiction ?j ; prov:wasDerivedFrom src:fig-3 }", "j")
    assert got == {iri(f"jur:{c}") for c in ("US", "EU", "KR", "JP", "IN", "TW", "CN", "UK", "CH")}
    assert values(select, "SELECT ?j WHERE { ent:contradiction-AU-fig3 evkg:jurisdiction ?j }", "j") == {iri("jur:AU")}


# --- fifth audit: readings of the review that are not contradictions, and a citation that does not fit --

def test_india_lacks_an_ev_class_but_not_a_classification(select):
    # §3.7 [23]: no drug classification made for EV products; §3.7 [71] and Table 2: they are handled
    # as biological products or new drugs. Read together these agree, so the graph records no conflict.
    assert select("SELECT * WHERE { ?c a evkg:Contradiction ; evkg:jurisdiction jur:IN }") == []
    notes = values(select, "SELECT ?n WHERE { pos:IN-challenge-sec3.7-classification skos:editorialNote ?n }", "n")
    assert len(notes) == 1 and "general classes still apply" in notes.pop()


def test_mhra_statement_cites_a_clinic_page(select):
    # §3.8 attributes the ban on aesthetic exosome injections to the MHRA but cites ref. 75, a web page of
    # a laser clinic in Sydney (reference list, entry 75)
    notes = values(select, "SELECT ?n WHERE { pos:UK-cosmetic-sec3.8-injections skos:editorialNote ?n }", "n")
    assert len(notes) == 1 and "ref. 75" in notes.pop()
    assert values(select, "SELECT ?v WHERE { ref:75 <http://purl.org/dc/terms/publisher> ?v }", "v") == {"Premier Laser Clinic"}


def test_misev_2018_is_not_sourced_to_figure_3(select):
    # Figure 3 names ISEV/MISEV guidelines without an edition; MISEV2018 comes from §3.5 [15]
    assert values(select, "SELECT ?s WHERE { gl:misev2018 prov:wasDerivedFrom ?s }", "s") == {iri("src:sec-3.5_r15"), iri("src:abbr")}
