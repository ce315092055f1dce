"""evkg advise: a product profile in, a sourced per-jurisdiction snapshot out. The expected verdicts are
written from the review's text (the section each case cites), not from running the code."""

import csv
import io
import json

from pathlib import Path

import pytest

from evkg.advisor import advise
from evkg.advisor.profile import parse_inline, profile_fields, validate
from evkg.api import KnowledgeGraph
from evkg.cli import main
from evkg.errors import EvkgError


@pytest.fixture(scope="module")
def kg(project, store):
    return KnowledgeGraph(project, store)


def snap(kg, text):
    return advise(kg, text).to_json()


def items(s, code, aspect):
    return s["jurisdictions"][code]["aspects"][aspect]


def verdicts(s, code, aspect, label_part):
    return {i["verdict"] for i in items(s, code, aspect) if label_part in i["label"]}


def find(s, code, aspect, label_part, **where):
    return [i for i in items(s, code, aspect) if label_part in i["label"]
            and all(i.get(k) == v for k, v in where.items())]


# --- cases written from the review ------------------------------------------------------------------

def test_eu_recombinant_cargo_may_be_a_gene_therapy_product(kg):
    # §3.2 [15]: products that encapsulate recombinant nucleic acids may be regulated as gene therapy medicinal products
    s = snap(kg, "engineering=cargo-loaded; cargo=recombinant-nucleic-acid; use=therapy; targets=EU")
    [gtmp] = find(s, "EU", "classification", "gene therapy medicinal product")
    assert gtmp["verdict"] == "may apply" and [x["badge"] for x in gtmp["sources"]] == ["§3.2 [15]"]


def test_eu_prohibits_human_derived_evs_in_cosmetics(kg):
    # §3.2 [54]: human-derived EVs prohibited in cosmetic products under Regulation (EC) No 1223/2009
    s = snap(kg, "source=human; use=cosmetic-ingredient; targets=EU")
    [ban] = find(s, "EU", "cosmetic_use", "cosmetic use prohibited")
    assert ban["verdict"] == "applies" and "1223/2009" in ban["legal_basis"]
    assert [x["badge"] for x in ban["sources"]] == ["§3.2 [54]"]


def test_taiwan_permits_the_cosmetic_use(kg):
    # Table 1: cosmetic use explicitly permitted; §3.5 [65]: ExoOne Bio's approval as a cosmetic ingredient
    s = snap(kg, "source=human; use=cosmetic-ingredient; targets=Taiwan")
    [permitted] = find(s, "TW", "cosmetic_use", "cosmetic use explicitly permitted")
    assert permitted["verdict"] == "applies" and permitted["sources"][0]["badge"] == "Table 1"
    assert any("ExoOne Bio" in i["label"] for i in items(s, "TW", "named_products"))


def test_uk_manipulated_cells_fall_under_the_atmp_framework(kg):
    # Table 1: the ATMP framework applies if EV therapies derive from manipulated cells
    s = snap(kg, "source=human; manipulation=manipulated; use=therapy; targets=UK")
    table1 = [i for i in find(s, "UK", "classification", "ATMP") if i["sources"][0]["badge"] == "Table 1"]
    assert [i["verdict"] for i in table1] == ["applies"] and table1[0]["condition"] == "derived from manipulated cells"


def test_uk_without_manipulation_information_reports_the_open_question(kg):
    s = snap(kg, "source=human; use=therapy; targets=UK")
    [table1] = [i for i in find(s, "UK", "classification", "ATMP") if i["sources"][0]["badge"] == "Table 1"]
    assert table1["verdict"] == "applies if" and table1["open_questions"] == ["how the source cells are handled"]
    assert {"field": "manipulation", "question": "how the source cells are handled",
            "decides": ["United Kingdom: advanced therapy medicinal product (ATMP), United Kingdom"]} in s["open_questions"]


def test_uk_minimal_manipulation_is_left_undetermined(kg):
    # Table 1 says "manipulated cells" and no more: whether minimal manipulation counts is not decided
    s = snap(kg, "manipulation=minimal; use=therapy; targets=UK")
    [table1] = [i for i in find(s, "UK", "classification", "ATMP") if i["sources"][0]["badge"] == "Table 1"]
    assert table1["verdict"] == "undetermined" and "minimally manipulated" in table1["undetermined_because"]


def test_swiss_extensively_manipulated_cells_may_be_atmps(kg):
    # Table 1: may be regulated as ATMPs when cells are extensively manipulated
    s = snap(kg, "manipulation=extensive; use=therapy; targets=Switzerland")
    [table1] = [i for i in find(s, "CH", "classification", "ATMP") if i["sources"][0]["badge"] == "Table 1"]
    assert table1["verdict"] == "may apply"
    s = snap(kg, "manipulation=minimal; use=therapy; targets=CH")
    [table1] = [i for i in find(s, "CH", "classification", "ATMP") if i["sources"][0]["badge"] == "Table 1"]
    assert table1["verdict"] == "does not apply" and "extensively manipulated" in table1["because"]


def test_japan_shows_both_contradictory_classifications(kg):
    # §3.3: biologic medicinal products; Table 2 and §4 [91]: regenerative-medical products under the PMD Act
    s = snap(kg, "source=human; use=therapy; targets=Japan")
    classes = {i["label"]: i for i in items(s, "JP", "classification")}
    biologic, regen = classes["biologic medicinal product, Japan"], classes["regenerative-medical product, Japan"]
    assert biologic["verdict"] == regen["verdict"] == "applies"
    shared = set(biologic["contradictions"]) & set(regen["contradictions"])
    [c] = [c for c in s["jurisdictions"]["JP"]["contradictions"] if c["id"] in shared]
    assert c["topic"] == "Japan: biologic medicinal product or regenerative-medical product?"
    assert {b["badge"] for side in c["sides"] for b in side["sources"]} >= {"§3.3", "§4 [91]", "Table 2"}


def test_korea_excludes_minimally_manipulated_cells(kg):
    # §3.4 [59]: minimally manipulated cells such as cord blood are excluded from the advanced regenerative pathway
    s = snap(kg, "manipulation=minimal; use=therapy; targets=KR")
    [excluded] = find(s, "KR", "scope_of_law", "excluded")
    assert excluded["verdict"] == "applies" and excluded["sources"][0]["badge"] == "§3.4 [59]"
    s = snap(kg, "manipulation=extensive; use=therapy; targets=KR")
    assert verdicts(s, "KR", "scope_of_law", "excluded") == {"does not apply"}


def test_eu_functional_rna_and_gene_therapy_conditions(kg):
    # §3.2: EVs carrying functionally translated RNA with an expected therapeutic effect are ATMPs;
    # §3 [42]: EVs are not ATMPs unless incorporated into gene therapies
    s = snap(kg, "cargo=functional-rna; gene_therapy=no; use=therapy; targets=EU")
    rna = find(s, "EU", "classification", "ATMP", condition="carries functionally translated RNA with an expected therapeutic effect")
    assert [i["verdict"] for i in rna] == ["applies"]
    only_if = find(s, "EU", "classification", "ATMP", condition="incorporated into a gene therapy")
    assert [i["verdict"] for i in only_if] == ["does not apply"]
    s = snap(kg, "cargo=functional-rna; gene_therapy=yes; use=therapy; targets=EU")
    assert [i["verdict"] for i in find(s, "EU", "classification", "ATMP", condition="incorporated into a gene therapy")] == ["applies"]


def test_eu_gene_therapy_class_is_undetermined_for_functional_rna(kg):
    # §3.2 [15]: EVs encapsulating "recombinant nucleic acids or gene-modulating components" may be gene
    # therapy medicinal products. Whether a functional RNA cargo (an siRNA, say) is a gene-modulating
    # component the review does not say: undetermined, never "does not apply"
    s = snap(kg, "engineering=cargo-loaded; cargo=functional-rna; use=therapy; targets=EU")
    [gtmp] = find(s, "EU", "classification", "gene therapy medicinal product")
    assert gtmp["verdict"] == "undetermined" and "gene-modulating" in gtmp["undetermined_because"]
    s = snap(kg, "engineering=naive; cargo=none; use=therapy; targets=EU")
    assert verdicts(s, "EU", "classification", "gene therapy medicinal product") == {"does not apply"}


def test_us_trial_and_marketing_routes(kg):
    # §4 [88], Table 2: an IND to FDA's CBER or CDER under 21 CFR Part 312; §3.1 [52]: a BLA after the trials
    s = snap(kg, "use=therapy; targets=US")
    [ind] = items(s, "US", "trial_routes")
    assert ind["receiving_authority"] == "U.S. Food and Drug Administration (FDA)"
    assert "21 CFR Part 312" in ind["legal_basis"] and "Center for Biologics Evaluation and Research (CBER)" in ind["review_body"]
    assert {x["badge"] for x in ind["sources"]} >= {"§4 [88]", "Table 2"}
    # Table 2: Korea's IND authorization is the equivalent of a CTN or CTA (closeMatch)
    assert any(c["jurisdiction"] == "South Korea" and c["relation"] == "closeMatch" for c in ind["counterparts"])
    assert [i["label"] for i in items(s, "US", "marketing_routes")] == ["Biologics License Application (BLA), United States"]


def test_us_engineered_evs_carry_extra_requirements(kg):
    # §3 [15, 49]: engineered EVs need an IND, CMC documentation, potency assays and viral safety testing.
    # The paragraph speaks of engineered EVs only: for naive EVs it neither requires nor waives them, so
    # the verdict for a naive product is "not addressed", never "does not apply" (no CMC for naive EVs?
    # the review never says that).
    engineered = snap(kg, "engineering=surface-modified; use=therapy; targets=US")
    naive = snap(kg, "engineering=naive; use=therapy; targets=US")
    for req in ("potency assays", "viral safety testing", "chemistry, manufacturing and controls (CMC) documentation"):
        assert verdicts(engineered, "US", "requirements", req) == {"applies"}
        [item] = find(naive, "US", "requirements", req)
        assert item["verdict"] == "not addressed" and item["stated_for"] == "engineered (bioengineered) EVs"
        assert "because" not in item and [x["badge"] for x in item["sources"]] == ["§3 [15, 49]"]
    # the same for the class that paragraph states: PHS Act biologic "for engineered EVs" is not a
    # "does not apply" beside §3's "applies" for naive EVs [§3 [48]]
    classes = find(naive, "US", "classification", "biologic (biological product)")
    assert {i["verdict"] for i in classes if i["sources"][0]["badge"] == "§3 [15, 49]"} == {"not addressed"}
    assert {i["verdict"] for i in classes if i["sources"][0]["badge"] == "§3"} == {"applies"}
    assert "does not apply" not in {i["verdict"] for i in classes}


def test_a_failed_condition_still_does_not_apply(kg):
    # §3 [42]: EVs are not ATMPs in the EU unless incorporated into gene therapies: a stated condition that
    # fails is a real exclusion, and says why
    s = snap(kg, "source=human; gene_therapy=no; use=therapy; targets=EU")
    [only_if] = find(s, "EU", "classification", "ATMP", condition="incorporated into a gene therapy")
    assert only_if["verdict"] == "does not apply" and "part of a gene therapy" in only_if["because"]
    # §3.4 [59]: Korea's act covers advanced regenerative treatments; a cosmetic falls outside the law's scope
    s = snap(kg, "source=human; use=cosmetic-ingredient; targets=KR")
    assert verdicts(s, "KR", "scope_of_law", "advanced regenerative treatments") == {"does not apply"}


def test_japan_conditional_time_limited_route(kg):
    # §3 [44] and §3.3: the PMD Act and ASRM allow conditional, time-limited approvals
    s = snap(kg, "use=therapy; targets=JP")
    [route] = items(s, "JP", "expedited_routes")
    assert route["label"] == "Conditional, time-limited marketing authorization, Japan" and route["verdict"] == "applies"


def test_taiwan_expedited_route_for_minimal_manipulation(kg):
    # §3.5 [62]: products with minimal manipulation or systemic effects may qualify for expedited approval
    minimal = snap(kg, "manipulation=minimal; use=therapy; targets=TW")
    assert verdicts(minimal, "TW", "expedited_routes", "Expedited or conditional approval") == {"applies"}
    # ... "or systemic effects": extensively manipulated, the product's site of action decides
    extensive = snap(kg, "manipulation=extensive; use=therapy; targets=TW")
    [route] = find(extensive, "TW", "expedited_routes", "Expedited or conditional approval")
    assert route["verdict"] == "applies if" and route["open_questions"] == ["whether the product acts systemically or locally"]
    systemic = snap(kg, "manipulation=extensive; action=systemic; use=therapy; targets=TW")
    assert verdicts(systemic, "TW", "expedited_routes", "Expedited or conditional approval") == {"applies"}
    local = snap(kg, "manipulation=extensive; action=local; use=therapy; targets=TW")
    [route] = find(local, "TW", "expedited_routes", "Expedited or conditional approval")
    assert route["verdict"] == "does not apply" and "systemic effects" in route["because"]
    # minimal manipulation suffices whatever the site of action
    local_minimal = snap(kg, "manipulation=minimal; action=local; use=therapy; targets=TW")
    assert verdicts(local_minimal, "TW", "expedited_routes", "Expedited or conditional approval") == {"applies"}


def test_taiwan_cell_therapy_fast_track_is_only_the_analogue(kg):
    # §3.5 [62]: EV products may qualify for expedited or conditional approval *analogous to* the fast track
    # Taiwan has for certain cell therapies: that fast track is about cell therapies, not this EV product
    s = snap(kg, "source=human; manipulation=minimal; engineering=naive; use=therapy; targets=TW")
    [fast] = find(s, "TW", "expedited_routes", "Fast track for certain cell therapies")
    assert fast["verdict"] == "not addressed" and "cell therapies" in fast["stated_for"]
    assert [x["badge"] for x in fast["sources"]] == ["§3.5 [62]"]
    assert verdicts(s, "TW", "expedited_routes", "Expedited or conditional approval") == {"applies"}


def test_australia_notification_or_full_review_with_hrec(kg):
    # Table 2 and §4 [95]: TGA's CTN or CTX scheme, with Human Research Ethics Committee oversight
    s = snap(kg, "use=therapy; targets=AU")
    routes = {i["kind"]: i for i in items(s, "AU", "trial_routes")}
    assert set(routes) == {"clinical trial notification (CTN)", "clinical trial exemption (CTX)"}
    assert all("Human Research Ethics Committees" in r["ethics_body"] for r in routes.values())


def test_india_cta_under_the_ndct_rules(kg):
    # §4 [94], Table 2: CTA submissions under the NDCT Rules 2019 with ethics-committee review
    s = snap(kg, "use=therapy; targets=India")
    [cta] = items(s, "IN", "trial_routes")
    assert cta["kind"] == "clinical trial application (CTA)" and "Central Drugs Standard Control" in cta["receiving_authority"]


def test_uk_aesthetic_injections_may_not_be_given(kg):
    # §3.8 [75]: the MHRA says exosome injections for aesthetic ends may not legally be administered
    s = snap(kg, "use=aesthetic-injection; targets=UK")
    assert verdicts(s, "UK", "cosmetic_use", "may not legally be administered") == {"applies"}


def test_china_fast_track_approvals_and_the_contradiction_they_carry(kg):
    # §3.6 [67]: more than 40 EV-based therapies approved on a fast track by 2023; §3.9 [72]: no major regulator has
    s = snap(kg, "use=therapy; targets=China")
    [status] = items(s, "CN", "market_status")
    assert status["label"] == "EV therapies granted fast-track approval" and status["contradictions"]
    topics = {c["topic"] for c in s["jurisdictions"]["CN"]["contradictions"]}
    assert "Have major regulators authorized EV products?" in topics


def test_guidelines_shared_by_every_target(kg):
    # §4: across all jurisdictions, ICH Q5A/Q5B and E6 give a common foundation
    s = snap(kg, "use=therapy; targets=US,EU,JP")
    shared = {g["label"]: g for g in s["shared_guidelines"]}
    assert all(shared[g]["in_all_targets"] == "yes" for g in ("ICH Q5A", "ICH Q5B", "ICH E6"))


def test_silence_is_said_not_hidden(kg):
    # the review says nothing about cosmetic use in Japan, nor about expedited routes in the US
    s = snap(kg, "use=cosmetic-ingredient; targets=JP,US")
    assert "cosmetic_use" in s["jurisdictions"]["JP"]["silent"] and items(s, "JP", "cosmetic_use") == []
    assert "expedited_routes" in s["jurisdictions"]["US"]["silent"]


# --- the snapshot's promises -------------------------------------------------------------------------

def all_items(s):
    for j in s["jurisdictions"].values():
        for its in j["aspects"].values():
            yield from its
        for c in j["contradictions"]:
            yield from c["sides"]
    yield from s["shared_guidelines"]


@pytest.mark.parametrize("example", ["msc-osteoarthritis", "engineered-nucleic-acid", "cosmetic-ingredient"])
def test_no_line_without_a_source(kg, example):
    from evkg.advisor.options import EXAMPLES
    from evkg.advisor.profile import read_profile

    s = advise(kg, read_profile(EXAMPLES / f"{example}.yaml", kg.names)).to_json()
    lines = list(all_items(s))
    assert len(lines) > 30
    assert [i["label"] for i in lines if not i["sources"] or not all(x["badge"] and x["iri"] for x in i["sources"])] == []
    assert json.loads(json.dumps(s)) == s and s["evkg_advise"] == 1


def test_yaml_profiles_conform_to_the_profile_shapes(kg):
    """Profiles built from YAML, text and options pass the same SHACL shapes a Turtle profile must."""
    from evkg.advisor.options import EXAMPLES, examples
    from evkg.advisor.profile import read_profile

    for name in examples():
        validate(read_profile(EXAMPLES / f"{name}.yaml", kg.names), kg.names, kg.project.root)
    validate(parse_inline("engineering=cargo-loaded,surface-modified; cargo=none; targets=GB", kg.names),
             kg.names, kg.project.root)


def test_a_turtle_profile_is_validated_with_shacl(kg, tmp_path):
    good = tmp_path / "p.ttl"
    good.write_text(TTL.format(extra=""), encoding="utf-8")
    s = advise(kg, good).to_json()
    assert s["profile"]["answers"]["handling of the source cells"] == "manipulated (more than minimally, not extensively)"
    bad = tmp_path / "bad.ttl"
    bad.write_text(TTL.format(extra="evkg:cellManipulation cv:manipulation-extensive ;"), encoding="utf-8")
    with pytest.raises(EvkgError, match="at most one answer to how the source cells are handled"):
        advise(kg, bad)


TTL = """@prefix evkg: <https://w3id.org/evkg/ontology#> .
@prefix cv: <https://w3id.org/evkg/resource/concept/> .
@prefix jur: <https://w3id.org/evkg/resource/jurisdiction/> .
<https://example.org/my-product> a evkg:ProductProfile ; {extra}
    evkg:cellManipulation cv:manipulation-manipulated ; evkg:intendedUse cv:intended-therapy ;
    evkg:targetJurisdiction jur:UK .
"""


def test_the_same_snapshot_over_a_sparql_endpoint(project, kg):
    from evkg.querying import RemoteEndpoint
    from evkg.serve import Endpoint

    text = "source=human; manipulation=manipulated; engineering=naive; use=therapy; targets=UK,EU,JP"
    with Endpoint(project, port=0, limit_s=20) as ep:
        remote = KnowledgeGraph(project, RemoteEndpoint(ep.query_url, 30))
        assert advise(remote, text).to_json() == advise(kg, text).to_json()


@pytest.mark.parametrize("profile, message", [
    ("source: human\nmanipulatoin: minimal\ntargets: [UK]\n", "p.yaml:2:15: unknown field 'manipulatoin'"),
    ("source: human\nmanipulation: lots\ntargets: [UK]\n", "p.yaml:2:15: 'lots' is not an answer to 'manipulation'"),
    ("use: therapy\ntargets: [UK, Atlantis]\n", "p.yaml:2:10: targets: unknown jurisdiction 'Atlantis'"),
    ("use: [therapy, diagnostic]\ntargets: [UK]\n", "'use' takes one answer"),
    ("source: human\n  manipulation: - x\n", "p.yaml:2:"),
    ("- source: human\n", "a profile is a mapping"),
    ("use: therapy\n", "no target jurisdictions"),
])
def test_bad_profiles_are_one_clear_line_and_write_nothing(project, capsys, tmp_path, profile, message):
    path = tmp_path / "p.yaml"
    path.write_text(profile, encoding="utf-8")
    out = tmp_path / "snap.html"
    code = main(["--root", str(project.root), "advise", str(path), "--format", "html", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and message in err and err.count("\n") == 0
    assert not out.exists()


def test_bad_json_names_line_and_column(project, capsys, tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"use": "therapy",\n "targets": ["UK",]}', encoding="utf-8")
    assert main(["--root", str(project.root), "advise", str(path)]) != 0
    assert "p.json:2:" in capsys.readouterr().err


def test_options_alone_and_over_a_file(project, capsys):
    code = main(["--root", str(project.root), "advise", "--targets", "US,EU,JP", "--engineered",
                 "--cargo", "recombinant-nucleic-acid", "--use", "therapy", "--format", "json"])
    s = json.loads(capsys.readouterr().out)
    assert code == 0 and list(s["jurisdictions"]) == ["US", "EU", "JP"]
    assert s["profile"]["answers"]["engineering of the vesicles"] == "engineered (how is not said)"
    code = main(["--root", str(project.root), "advise", "--example", "msc-osteoarthritis", "--targets", "KR",
                 "--format", "json"])
    s = json.loads(capsys.readouterr().out)
    assert list(s["jurisdictions"]) == ["KR"] and s["profile"]["answers"]["handling of the source cells"] == "minimally manipulated"


@pytest.mark.parametrize("width", [80, 100])
def test_the_terminal_report_fits(project, capsys, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["--root", str(project.root), "advise", "--example", "msc-osteoarthritis"]) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= width
    flat = " ".join(out.split())
    assert "the review says nothing about this here" in flat and "not checked against primary law" in flat


def test_spreadsheet_and_csv_rows(project, capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    assert main(["--root", str(project.root), "advise", "--example", "cosmetic-ingredient", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    eu = [r for r in rows if r["jurisdiction"] == "European Union" and r["aspect"] == "Cosmetic use"]
    assert eu and eu[0]["statement"] == "cosmetic use prohibited" and eu[0]["sources"] == "§3.2 [54]"
    assert not any("https://" in v for r in rows for v in r.values())
    out = tmp_path / "s.xlsx"
    assert main(["--root", str(project.root), "advise", "--example", "cosmetic-ingredient", "--format", "xlsx",
                 "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-2:] == ["Profile", "About"] and wb.worksheets[1].max_row > 20
    # the first sheet is the bottom line: one row per jurisdiction
    glance = [[c.value for c in r] for r in wb.worksheets[0].iter_rows()]
    assert glance[0][:5] == ["jurisdiction", "authority", "classification", "trial filing", "expedited route"]
    assert {r[0] for r in glance[1:] if r[0]} >= {"European Union", "Taiwan"}


def test_html_snapshot_is_offline_and_printable(project, capsys, tmp_path):
    from bs4 import BeautifulSoup

    out = tmp_path / "s.html"
    assert main(["--root", str(project.root), "advise", "--example", "engineered-nucleic-acid", "--format", "html",
                 "--out", str(out)]) == 0
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert not soup.find_all(src=True) and not soup.find_all("link")
    assert "@media print" in soup.style.text
    # the site's stylesheet as written (escaped quotes would make the browser drop the font rules)
    site_css = (Path(__file__).resolve().parents[1] / "src/evkg/site/static/site.css").read_text(encoding="utf-8")
    assert site_css.strip() in out.read_text(encoding="utf-8") and "&#34;" not in out.read_text(encoding="utf-8")
    assert soup.find(id="EU") and soup.select("a.conflict")


def test_profile_fields_come_from_the_graph(kg):
    fields = profile_fields(kg.names)
    assert set(fields) >= {"source", "manipulation", "engineering", "cargo", "gene_therapy", "combination", "use",
                           "targets", "cell_type", "therapeutic_area"}
    assert list(fields["manipulation"].answers) == ["extensive", "manipulated", "minimal", "none"] or \
        set(fields["manipulation"].answers) == {"none", "minimal", "manipulated", "extensive"}


def test_every_condition_and_scope_in_use_rests_on_criteria(store):
    """A new condition or product scope needs criteria (data/advisor.ttl) before the advisor can judge it."""
    rows = store.query("""PREFIX evkg: <https://w3id.org/evkg/ontology#>
        SELECT DISTINCT ?x WHERE { ?p evkg:productScope|evkg:condition|evkg:excludedScope ?x .
        FILTER NOT EXISTS { ?x evkg:criterion ?k } }""").rows
    assert [str(r[0]) for r in rows] in ([], ["https://w3id.org/evkg/resource/concept/scope-biotech-proteins"])


@pytest.mark.parametrize("verdict", ["applies", "may apply", "applies if", "may apply if", "undetermined",
                                     "undecided by the regulator", "does not apply", "not addressed"])
def test_evkg_explain_knows_every_verdict(project, capsys, verdict):
    from evkg.advisor.report import _ORDER

    assert verdict in _ORDER  # the verdicts the advisor emits are the ones explained
    assert main(["--root", str(project.root), "explain", verdict]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "advise" in out and verdict.split()[0] in out


def test_a_cosmetic_or_diagnostic_use_gets_no_medicinal_route(kg):
    # The review's trial and marketing routes (§4, Table 2; §3.1 [52]; §3.2 [15]) are for EV therapeutics.
    # It says nothing on plant-derived EVs in cosmetics, nor on EV diagnostics: nothing medicinal applies,
    # and the EU's ban (§3.2 [54], Regulation 1223/2009) is shown as stated for human-derived EVs only.
    s = snap(kg, "source=plant; use=cosmetic-ingredient; targets=KR,EU")
    for code in ("KR", "EU"):
        for aspect in ("classification", "trial_routes", "marketing_routes", "requirements"):
            assert {i["verdict"] for i in items(s, code, aspect)} <= {"not addressed", "does not apply"}, (code, aspect)
    [ctis] = find(s, "EU", "trial_routes", "CTIS")
    assert ctis["verdict"] == "not addressed" and ctis["stated_for"] == "EV-based therapeutic products"
    [ban] = find(s, "EU", "cosmetic_use", "cosmetic use prohibited")
    assert ban["verdict"] == "not addressed" and ban["stated_for"] == "human-derived EVs in cosmetics"
    # questions that make no sense for a plant source are not asked
    assert {o["field"] for o in s["open_questions"] if o["decides"]} & {"manipulation", "gene_therapy"} == set()
    # human-derived: the ban applies (§3.2 [54])
    s = snap(kg, "source=human; use=cosmetic-ingredient; targets=EU")
    assert verdicts(s, "EU", "cosmetic_use", "cosmetic use prohibited") == {"applies"}
    s = snap(kg, "use=diagnostic; targets=US,EU")
    for code, route in (("US", "Investigational New Drug"), ("US", "Biologics License"), ("EU", "CTIS"),
                        ("EU", "Marketing authorization with CAT")):
        aspect = "trial_routes" if "Investigational" in route or "CTIS" in route else "marketing_routes"
        assert verdicts(s, code, aspect, route) == {"not addressed"}, route


def test_the_first_screen_is_one_line_per_jurisdiction(project, capsys, monkeypatch):
    # Table 2 / §4: the US files an IND with the FDA; Japan a CTN with the PMDA; its class is contested (§3.3
    # vs Table 2 and §4 [91]), so the class carries its contradiction id
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["--root", str(project.root), "advise", "--example", "msc-osteoarthritis", "--targets", "US,JP"]) == 0
    out = capsys.readouterr().out
    first = out[:out.index("\nProfile\n")]
    assert first.count("\n  United States | ") == 1 and first.count("\n  Japan | ") == 1
    us = first[first.index("United States |"):first.index("\n  Japan")]
    assert "Investigational New Drug application (IND)" in us and "U.S. Food and Drug Administration (FDA)" in us
    jp = " ".join(first[first.index("Japan |"):].split())
    assert "Clinical Trial Notification (CTN)" in jp and "regenerative-medical product C" in jp
    assert all(len(line) <= 100 for line in out.splitlines())
    assert main(["--root", str(project.root), "advise", "--example", "msc-osteoarthritis", "--targets", "US,JP",
                 "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("**At a glance**")
    assert main(["--root", str(project.root), "advise", "--example", "msc-osteoarthritis", "--targets", "US,JP",
                 "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["jurisdiction"] for r in rows[:2]] == ["United States", "Japan"] and rows[0]["aspect"] == "at a glance"
    assert "Investigational New Drug application (IND)" in rows[0]["statement"]


def test_html_shows_the_first_screen_and_sets_apart_what_is_not_addressed(project, capsys, tmp_path):
    # §3 [15, 49]: the US requirements stated for engineered EVs are listed apart for a naive product
    out = tmp_path / "s.html"
    assert main(["--root", str(project.root), "advise", "--example", "msc-osteoarthritis", "--targets", "US",
                 "--format", "html", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.index("At a glance") < html.index("<h2>Profile</h2>")
    apart = html[html.index("Not addressed for this product"):]
    assert "potency assays" in apart and "engineered (bioengineered) EVs" in apart
