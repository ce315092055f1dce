"""The static site of `evkg report`: pages parsed from the HTML and compared with what the review says."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from evkg.cli import main
from evkg.errors import EvkgError
from evkg.site import MARKER, generate_site


@pytest.fixture(scope="session")
def site(project, tmp_path_factory) -> Path:
    return generate_site(project, tmp_path_factory.mktemp("site") / "site").out


def page(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def item_containing(soup, words: str):
    """The list item whose value contains `words` (the value is the span.v of an item)."""
    for li in soup.select("li"):
        v = li.select_one("span.v")
        if v is not None and words in v.get_text():
            return li
    raise AssertionError(f"no item with {words!r}")


def badges(node) -> list[str]:
    """The source badges of a value (not those naming the other side of a contradiction)."""
    return [text(a) for a in node.select("a.src") if not a.find_parent(class_="conflict-note")]


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- the pages hold what the review says ---------------------------------------------------------

def test_index_lists_the_ten_jurisdictions_with_their_lead_authority(site):
    soup = page(site, "index.html")
    cards = {text(li.find("a")): text(li) for li in soup.select("ul.cards li")}
    assert set(cards) == {"United States", "European Union", "Japan", "South Korea", "Taiwan", "India",
                          "Australia", "China", "Switzerland", "United Kingdom"}
    # Table 1 and Table 2: FDA leads in the US, 33 trials; NMPA in China, 119 trials
    assert "U.S. Food and Drug Administration (FDA)" in cards["United States"] and "33 EV trials" in cards["United States"]
    assert "National Medical Products Administration (NMPA)" in cards["China"] and "119 EV trials" in cards["China"]
    assert "doi:10.3390/pharmaceutics17080990" in text(soup)
    # Tables 1-2 and §3.3/§4: the cards show how each jurisdiction classifies EV products; Japan's two
    # classes are the two sides of one of the review's contradictions, marked on the card
    japan = next(li for li in soup.select("ul.cards li") if text(li.find("a")) == "Japan")
    assert "regenerative-medical product" in text(japan.select_one(".cls")) and "biologic medicinal product" in text(japan)
    assert japan.select_one("a.conflict")["href"] == "contradictions.html#contradiction-JP-class"
    assert "advanced therapy medicinal product (ATMP)" in cards["United Kingdom"]
    # the canned queries moved to the page for technical readers
    assert not soup.find(id="queries")
    assert "comparison-matrix" in text(page(site, "about.html").find(id="queries").find_next("ul"))


def test_japan_page(site):
    soup = page(site, "jurisdictions/JP.html")
    assert text(soup.h1) == "Japan"
    auth = soup.find(id="authority").find_next("ul")
    pmda = item_containing(auth, "Pharmaceuticals and Medical Devices Agency (PMDA)")
    assert "lead regulatory authority" in text(pmda) and "Table 1" in badges(pmda)
    # Section 3.3 handles EV therapies as biologic medicinal products; Table 2 and §4 [91] as
    # regenerative-medical products under the PMD Act: both sides are shown with their sources
    cls = soup.find(id="classification").find_next("ul")
    assert "Section 3.3" in badges(item_containing(cls, "biologic medicinal product, Japan"))
    assert {"Table 2", "Section 4 [91]"} <= set(badges(item_containing(cls, "regenerative-medical product, Japan")))
    # ASRM: November 2014 (Section 3.3, refs 47, 55, 56)
    asrm = item_containing(soup.find(id="instruments").find_next("ul"), "Act on the Safety of Regenerative Medicine")
    assert "2014-11" in text(asrm) and "Section 3.3 [47, 55, 56]" in badges(asrm)
    # Table 2: the Clinical Trial Notification is filed with the PMDA
    rows = [[text(td) for td in tr.find_all("td")] for tr in soup.find(id="pathways").find_next("table").select("tbody tr")]
    ctn = next(r for r in rows if r[0].startswith("Clinical Trial Notification (CTN)"))
    assert "Pharmaceuticals and Medical Devices Agency (PMDA)" in ctn[2] and "Table 2" in ctn[5]
    # conditional, time-limited approval is Japan's expedited route (§3.3), shown once, among the pathways
    assert any(r[0].startswith("Conditional, time-limited marketing authorization, Japan") and "conditional, time-limited" in r[1]
               for r in rows)
    trials = text(soup.find(id="trials").find_next("p"))
    assert "14 of 196" in trials and "7%" in trials
    assert "biologic medicinal product or regenerative-medical product?" in text(soup.find(id="contradictions").parent)


def test_korea_page_dates_and_guidance(site):
    soup = page(site, "jurisdictions/KR.html")
    act = item_containing(soup.find(id="instruments").find_next("ul"), "Advanced Regenerative Medicine")
    # enacted August 2019, in force February 2025 (Section 3.4, refs 15 and 59)
    assert "enacted or adopted 2019-08" in text(act) and "in force from 2025-02" in text(act)
    assert "Section 3.4 [59]" in badges(act)
    assert "EV-specific guidance published" in text(soup.find(id="standards").parent)
    # Table 2: Korea's IND authorization is the equivalent of Japan's CTN; the mapping shows on both pages
    def counterparts(soup):
        return [[text(td) for td in tr.find_all("td")] for tr in soup.find(id="counterparts").find_next("table").select("tbody tr")]

    row = next(r for r in counterparts(soup) if r[0] == "IND authorization, South Korea" and r[2] == "Clinical Trial Notification (CTN), Japan")
    assert row[1] == "close to (closeMatch, confidence 0.7)" and "Table 2" in row[3]
    # the same mapping on Japan's page, read from Japan's side
    jp = page(site, "jurisdictions/JP.html")
    assert ["Clinical Trial Notification (CTN), Japan", "close to (closeMatch, confidence 0.7)", "IND authorization, South Korea"] in \
        [r[:3] for r in counterparts(jp)]


def test_jurisdiction_pages_say_each_thing_once_with_its_source(site):
    for rel in [p.relative_to(site).as_posix() for p in (site / "jurisdictions").glob("*.html")]:
        soup = page(site, rel)
        assert not soup.find(id="statements") and "Organisation" not in [text(h) for h in soup.find_all("h3")]
        bodies = [text(li.select_one("span.v")) for li in soup.find(id="authority").find_next("ul").find_all("li", recursive=False)]
        assert bodies and len(bodies) == len(set(bodies)), f"{rel}: a body listed twice"
        # what no section shows (challenges, recommendations ...) is listed last, each with its source
        other = []
        for el in soup.find(id="other").find_next_siblings():
            if el.get("id") in ("contradictions", "external"):
                break
            other += el.find_all("li") if el.name == "ul" else []
        assert all(li.select("a.src") for li in other), f"{rel}: a statement without a source"
    # §3.3 [15]: Japan's regulators face calls for dedicated EV guidelines; a recommendation, shown once
    jp = page(site, "jurisdictions/JP.html")
    assert "growing calls for dedicated EV guidelines" in text(jp.find(id="other").parent)
    assert text(jp).count("growing calls for dedicated EV guidelines") == 1
    # Japan's categories in words, not the reasoner's class names
    groups = text(jp.select_one("p.groups"))
    assert "classifies EV products by their source and how they are made" in groups and "source-based regime" not in groups


def test_a_value_on_one_side_of_a_contradiction_is_marked_where_it_is_shown(site):
    # §3.3: biologic medicinal product; Table 2 and §4 [91]: regenerative-medical product (contradiction JP-class)
    jp = page(site, "jurisdictions/JP.html")
    li = item_containing(jp.find(id="classification").find_next("ul"), "biologic medicinal product, Japan")
    marks = {a["href"]: text(a) for a in li.select("a.conflict")}
    assert "../contradictions.html#contradiction-JP-class" in marks
    note = text(li.select_one(".conflict-note"))
    assert "regenerative-medical products under the 'PMDA Act'" in note and "§4 [91]" in note  # the other side, named
    # the same value in the matrix, with the same number
    number = marks["../contradictions.html#contradiction-JP-class"]
    row = next(tr for tr in page(site, "comparison.html").select("#comparison tbody tr") if text(tr.th) == "Japan")
    cell = next(td for td in row.find_all("td") if td["data-aspect"] == "classification")
    assert number in [text(a) for a in cell.select("summary a.conflict")]
    contradictions = page(site, "contradictions.html")
    assert number.split()[-1] in text(contradictions.find(id="contradiction-JP-class").h2)
    # Tables 1-2: Table 1 names Taiwan's act the Regenerative Medicine Development Act, §3.5 the Regenerative
    # Medicine Act; Table 2 puts Japan's EV products among regenerative-medical products
    tables = page(site, "tables.html")
    tw = next(tr for tr in tables.find(id="tab-1").select("tbody tr") if text(tr.td) == "Taiwan")
    rmda = next(s for s in tw.select("span.cv") if "Regenerative Medicine Development Act" in text(s))
    assert rmda.select_one("a.conflict")["href"] == "contradictions.html#contradiction-TW-act-name"
    jp2 = next(tr for tr in tables.find(id="tab-2").select("tbody tr") if text(tr.td).startswith("Japan-PMDA"))
    regen = next(s for s in jp2.select("span.cv") if "regenerative-medical product" in text(s))
    assert regen.select_one("a.conflict")["href"] == "contradictions.html#contradiction-JP-class"
    # Table 1: the US is settled as biologics and drugs, §4 says the FDA is still deciding
    us = next(tr for tr in tables.find(id="tab-1").select("tbody tr") if text(tr.td) == "United States")
    assert "contradictions.html#contradiction-US-class" in {a["href"] for a in us.select("a.conflict")}
    # under each table, every contradiction it marks, with what the review says elsewhere (also on paper):
    # Table 1's Taiwanese act against §3.5's name for it
    legend = tables.find(id="tab-1").find_parent("div").find_next_sibling("ul", class_="conflicts-legend")
    tw_note = next(li for li in legend.select("li") if "contradiction-TW-act-name" in li.a["href"])
    assert text(tw_note.a) == rmda.select_one("a.conflict").get_text(" ", strip=True)
    assert "the review also says" in text(tw_note) and "Regenerative Medicine Act covers" in text(tw_note) and "§3.5" in text(tw_note)


def test_editorial_notes_are_shown_with_the_value_they_qualify(site):
    kr = page(site, "jurisdictions/KR.html")
    act = item_containing(kr.find(id="instruments").find_next("ul"), "Advanced Regenerative Medicine")
    # §3.4 [59]: due to apply from February 2025, so the date is shown as scheduled, with the graph's note
    assert "in force from 2025-02 (scheduled date" in text(act) and "evkg’s note:" in text(act.select_one(".enote"))
    eu = page(site, "jurisdictions/EU.html")
    # the review names EU-EMA (CTIS) only: the graph's note says so beside the route
    cta = next(tr for tr in eu.find(id="pathways").find_next("table").select("tbody tr")
               if text(tr.td).startswith("Clinical Trial Application via CTIS"))
    assert "does not name the national bodies" in text(cta.select_one(".enote"))


def test_comparison_matrix_has_a_source_in_every_filled_cell(site):
    soup = page(site, "comparison.html")
    table = soup.find(id="comparison")
    header = [text(th) for th in table.select("thead th")][1:]
    assert "classification" in header and "cosmetic use" in header and len(header) == 12
    rows = {text(tr.th): tr for tr in table.select("tbody tr")}
    assert len(rows) == 10
    filled = 0
    for name, tr in rows.items():
        for li in tr.select("td li"):
            filled += 1
            assert li.select("a.src"), f"{name}: {text(li)} has no source link"
    assert filled > 150

    def cell(j, aspect):
        return tr_cell(rows[j], aspect)

    def tr_cell(tr, aspect):
        return next(td for td in tr.find_all("td") if td["data-aspect"] == aspect)

    # Section 3.2 [54]: the EU prohibits human-derived EVs in cosmetics (Regulation 1223/2009)
    eu = item_containing(cell("European Union", "cosmetic use"), "cosmetic use prohibited")
    assert "Section 3.2 [54]" in badges(eu)
    # Table 1: Taiwan explicitly permits cosmetic use; Section 3.5 [65]: one named product (ExoOne Bio) approved
    tw = [li for li in cell("Taiwan", "cosmetic use").select("li") if "explicitly permitted" in text(li)]
    assert {b for li in tw for b in badges(li)} == {"Table 1"}
    exoone = item_containing(cell("Taiwan", "cosmetic use"), "a named product approved for cosmetic use")
    assert "Section 3.5 [65]" in badges(exoone)
    # the review says nothing of cosmetic use in Japan
    assert text(cell("Japan", "cosmetic use")) == "—"
    # Table 1: Switzerland's ATMP classification is stated as a possibility
    ch = [li for li in cell("Switzerland", "classification").select("li") if "ATMP" in text(li) and "Table 1" in badges(li)]
    assert ch and all("possibility (may)" in text(li) for li in ch)
    assert "119 trials" in text(cell("China", "trials (WHO ICTRP)"))
    # each filled cell opens from a one-line summary: the lead authority first (Table 1: the PMDA)
    assert text(cell("Japan", "authority and bodies").summary).startswith("Pharmaceuticals and Medical Devices Agency (PMDA)")
    assert all(td.select_one("details.cell > summary") for tr in rows.values() for td in tr.find_all("td") if td.select("li"))
    # a choice of jurisdictions and aspects that works without script: one checkbox each, and a CSS rule
    # hiding the row or column of an unticked box
    boxes = {i["id"] for i in soup.select(".chooser > input[type=checkbox]")}
    assert {"show-JP", "show-EU", "show-a2", "show-a12", "full"} <= boxes and len(boxes) == 10 + 12 + 1
    style = soup.find("style").get_text()
    assert "#show-JP:not(:checked) ~ .matrix-wrap .j-JP" in style and "#show-a7:not(:checked) ~ .matrix-wrap .a7" in style


def test_trials_page_sets_stated_shares_beside_the_counts(site):
    soup = page(site, "trials.html")
    trs = {text(tr.td.a): tr for tr in soup.find(id="trial-shares").select("tbody tr")}
    rows = {k: [text(td) for td in tr.find_all("td")[1:]] for k, tr in trs.items()}
    # Table 2 counts and Figure 2 shares
    assert rows["China-NMPA"][:2] == ["119", "61%"]
    assert rows["U.S.A-FDA"][:2] == ["33", "17%"]
    assert rows["Switzerland-Swissmedic"][:2] == ["1", "<1%"]
    # Figure 2 gives the EU and Taiwan 1%, but 3 of 196 is 1.5%: those rows (and only those) are highlighted,
    # marked as contradictions and explained in words
    assert rows["EU-EMA (CTIS)"] == ["3", "1% (!)", "1.5%"]
    assert {k for k, tr in trs.items() if "disagree" in (tr.get("class") or [])} == {"EU-EMA (CTIS)", "Taiwan-TFDA"}
    assert trs["EU-EMA (CTIS)"].select_one("a.conflict")["href"] == "contradictions.html#contradiction-EU-share"
    explained = text(soup.find(id="disagreements").find_next("ul"))
    assert "European Union" in explained and "Taiwan" in explained and "Figure 2 says 1%" in explained
    # the total is ours, and says so
    assert len(rows) == 10 and "196" in text(soup.select_one("#trial-shares tfoot"))
    assert "the review states no total" in text(soup.select_one("#trial-shares tfoot"))
    svg = (site / "figure-2.svg").read_text(encoding="utf-8")
    assert soup.select_one(".figure img")["src"] == "figure-2.svg"
    # horizontal bars, each with its count, the share the counts give and the stated one; flagged rows marked
    assert "119: 60.7% of 196 (review: 61%)" in svg and "EU-EMA (CTIS) (!)" in svg and "Taiwan-TFDA (!)" in svg
    assert "China-NMPA (!)" not in svg and "evkg&#39;s sum" in svg or "evkg's sum" in svg


def test_figure_is_the_same_for_the_same_graph(project, site, tmp_path):
    again = generate_site(project, tmp_path / "again").out
    assert checksums(again) == checksums(site)  # every file: pages, figure, search index, CSV and XLSX


def test_equivalence_matrix_of_trial_routes(site):
    soup = page(site, "equivalences.html")
    table = soup.find(id="trial-routes-matrix")
    cols = [text(th) for th in table.select("thead th")][1:]
    rows = {text(tr.th): tr.find_all("td") for tr in table.select("tbody tr")}
    # Table 2: Korea's IND authorization is the equivalent of a CTN (Japan) or CTA; shown from both sides
    kr_jp = text(rows["South Korea"][cols.index("Japan")])
    assert "IND authorization, South Korea is close to Clinical Trial Notification (CTN), Japan" in kr_jp
    assert "Clinical Trial Notification (CTN), Japan is close to IND authorization, South Korea" in text(rows["Japan"][cols.index("South Korea")])
    # the mapping Korea -> US stored one way shows in the US row too
    assert "Investigational New Drug application (IND), United States" in text(rows["United States"][cols.index("South Korea")])
    # the relations and the confidence scale are explained (the glossary's own definitions)
    scale = text(soup.find(id="scale").find_next("dl"))
    assert "closeMatch" in scale and "0.5 only comparable functions" in scale


def test_a_broader_match_reads_as_narrower_from_the_other_side():
    """The review's mappings are close or related only; the turn of broad/narrow is checked on one made up here."""
    from evkg.site.collect import equivalences

    class Rows:
        def rows(self, query):
            return [{"s": "x", "o": "y", "from": "class x, A", "to": "class y, B", "relation": "broadMatch",
                     "fromJurisdiction": "A", "toJurisdiction": "B", "confidence": "0.7", "justification": "why",
                     "source": None}]

        def source(self, row):
            return None

    grid = equivalences(Rows(), "classification-matrix", [])
    (ab,), (ba,) = grid["cells"][("A", "B")], grid["cells"][("B", "A")]
    assert (ab.here, ab.phrase, ab.there) == ("class x, A", "narrower than", "class y, B")  # y is the broader one
    assert (ba.here, ba.relation, ba.phrase, ba.there) == ("class y, B", "narrowMatch", "broader than", "class x, A")
    assert grid["count"] == 1


def test_contradictions_page(site):
    soup = page(site, "contradictions.html")
    sections = {text(s.h2).split(" ", 1)[1]: s for s in soup.select("section.contradiction")}
    assert len(sections) == 17
    assert [text(s.select_one(".clabel")) for s in soup.select("section.contradiction")] == [f"C{n}" for n in range(1, 18)]
    eu = sections["Are EVs ATMPs in the EU?"]
    sides = eu.select("li")
    assert len(sides) >= 3 and all(li.select("a.src") for li in sides)
    assert any("Section 3 [42]" in badges(li) for li in sides)
    # one about no single jurisdiction, one about two: every jurisdiction it concerns is linked
    assert "(the review as a whole)" in text(sections["ICH: a Conference or a Council?"])
    several = sections["Have major regulators authorized EV products?"]
    assert {a.get_text() for a in several.select("a[href^='jurisdictions/']")} == {"China", "United States"}


def test_tables_page_regenerates_table_2(site):
    soup = page(site, "tables.html")
    rows = [[text(td) for td in tr.find_all("td")] for tr in soup.find(id="tab-2").select("tbody tr")]
    china = next(r for r in rows if r[0].startswith("China-NMPA"))
    assert china[1].startswith("119")


def test_every_source_link_lands_on_a_described_location(site):
    sources = page(site, "sources.html")
    ids = {el["id"] for el in sources.select("[id]")}
    assert "tab-1" in ids and "sec-3.4_r59" in ids and "ref-112" in ids
    loc = sources.find(id="sec-3.4_r59")
    assert "Section 3.4" in text(loc.h3) and loc.find("a", href="#ref-59")
    # the reference list's own web address where it gives one: [51] (ICH) points to the Q5E guideline's PDF
    assert sources.find(id="ref-51").find("a", href="https://database.ich.org/sites/default/files/Q5E_Guideline.pdf")
    for p in html_pages(site):
        for a in page(site, p.relative_to(site).as_posix()).select("a.src"):
            frag = urlsplit(a["href"]).fragment
            assert not frag or frag in ids, f"{p.name}: {a['href']}"


def test_internal_links_resolve_on_disk(site):
    for p in html_pages(site):
        soup = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")):
            for el in soup.find_all(tag):
                ref = el.get(attr)
                if not ref or re.match(r"^[a-z][a-z0-9+.-]*:", ref) or ref.startswith("#"):
                    continue
                target = (p.parent / unquote(urlsplit(ref).path)).resolve()
                assert target.is_file(), f"{p.relative_to(site)}: broken link {ref}"


def test_offline_and_narrow_screen_ready(site):
    remote = re.compile(r"^(https?:)?//", re.I)
    for p in html_pages(site):
        soup = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        rel = p.relative_to(site)
        assert soup.find("meta", attrs={"name": "viewport"}), f"{rel}: no viewport"
        for el in soup.find_all(["link", "script", "img", "iframe", "source", "video", "audio"]):
            for attr in ("href", "src"):
                assert not remote.match(el.get(attr) or ""), f"{rel}: loads {el.get(attr)}"
        for style in soup.find_all("style"):
            assert not re.search(r"@import|url\((['\"]?)(https?:)?//", style.get_text()), f"{rel}: remote CSS"
    css = (site / "static" / "site.css").read_text(encoding="utf-8")
    assert "@media (max-width" in css and not re.search(r"@import|url\(", css)


def test_ontology_documentation(site):
    soup = page(site, "ontology/index.html")
    assert "evkg: ontology of the global regulatory landscape" in text(soup.h1)
    body = text(soup)
    for term in ("jurisdiction treating EVs as ATMPs", "regulatory authority", "clinical-trial pathway"):
        assert term in body, term
    assert soup.find(id="evkg-back").a["href"] == "../index.html"


# --- bad input loses nothing -----------------------------------------------------------------------

def checksums(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_refuses_to_replace_a_directory_it_did_not_make(project, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("keep me")
    with pytest.raises(EvkgError, match="not a report made by 'evkg report'"):
        generate_site(project, mine)
    assert checksums(mine) == {"todo.txt": hashlib.sha256(b"keep me").hexdigest()}


def test_a_failure_leaves_the_earlier_report_as_it_was(project, tmp_path, monkeypatch):
    out = generate_site(project, tmp_path / "site").out
    before = checksums(out)
    assert MARKER in before

    def broken(rows, flagged=()):
        raise RuntimeError("matplotlib exploded")

    monkeypatch.setattr("evkg.site.figure_2_svg", broken)
    with pytest.raises(RuntimeError):
        generate_site(project, out)
    assert checksums(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging directory left behind


def test_report_without_a_build_says_so(tmp_path, capsys):
    from conftest import copy_project

    p = copy_project(tmp_path)
    assert main(["--root", str(p.root), "report"]) != 0
    err = capsys.readouterr().err
    assert "evkg build" in err and not (p.root / "dist" / "site").exists()


def test_cli_report(project, tmp_path, capsys):
    assert main(["--root", str(project.root), "report", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "wrote 35 pages" in out and (tmp_path / "r" / "index.html").is_file()


def test_a_full_disk_leaves_the_earlier_report_as_it_was(project, tmp_path, monkeypatch):
    out = generate_site(project, tmp_path / "site").out
    before = checksums(out)
    real_write = Path.write_text

    def write_text(self, *args, **kwargs):
        if ".site.new-" in str(self) and self.name == "sources.html":
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(EvkgError, match="cannot write the report to .*No space left on device"):
        generate_site(project, out)
    assert checksums(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_jurisdiction_added_later_gets_its_page(tmp_path):
    """New facts entered with `evkg add` reach the site: the example jurisdiction (test data) gets a page,
    a row of the comparison matrix and a card on the overview."""
    from conftest import copy_project

    from evkg.adding import add_facts

    p = copy_project(tmp_path / "proj")
    add_facts(p, Path(__file__).parent / "shapes" / "accept-example-jurisdiction.ttl", reason=False)
    out = generate_site(p, tmp_path / "site").out
    br = page(out, "jurisdictions/BR.html")
    assert text(br.h1) == "Brazil (example data)"
    assert "Example health regulatory agency of Brazil" in text(br.find(id="authority").find_next("ul"))
    rows = [text(tr.th) for tr in page(out, "comparison.html").select("#comparison tbody tr")]
    assert rows[-1] == "Brazil (example data)" and len(rows) == 11
    assert "Brazil (example data)" in text(page(out, "index.html").select_one("ul.cards"))
    # the page says truthfully where its facts come from: not the review, but the example document
    origin = text(br.find(id="origin"))
    assert "Nothing on this page comes from the review" in origin and "Example summary, section 2" in origin
    assert "Everything the review states" not in text(br) and "every fact on this site comes from it" not in text(br.footer)
    assert "Example summary, section 2" in text(br.find(id="banner")) and "Example summary, section 2" in text(br.footer)
    assert "(not the review)" in text(br.find(id="authority").find_next("ul"))
    assert text(br.find(id="cosmetic").find_next("p")) == "no statement in the graph"
    # a page about the review's own jurisdictions still says the review
    assert "What the review states about Japan" in text(page(out, "jurisdictions/JP.html").find(id="origin"))


def test_jurisdiction_pages_link_to_other_graphs(site):
    soup = page(site, "jurisdictions/CH.html")
    links = {a["href"] for a in soup.find(id="external").find_next("ul").find_all("a")}
    # Switzerland is Wikidata Q39; Swissmedic has no checked QID, but a ROR record and its website, each with evidence
    assert links == {"http://www.wikidata.org/entity/Q39", "https://ror.org/03hdjmh87", "https://www.swissmedic.ch/"}


# --- a working tool: downloads, search, glossary, briefings, trust -------------------------------------

def test_every_table_downloads_as_csv_and_xlsx_made_by_the_cli_s_exports(project, site, capsys):
    import csv
    import io

    from openpyxl import load_workbook

    hrefs = {a["href"] for p in ("comparison.html", "tables.html", "equivalences.html", "trials.html",
                                 "contradictions.html") for a in page(site, p).select("p.dl a[href]")}
    jp = {a["href"] for a in page(site, "jurisdictions/JP.html").select("#summary a[download]")}
    assert {"downloads/comparison-matrix.csv", "downloads/table-1.xlsx", "downloads/table-2.csv",
            "downloads/classification-matrix.csv", "downloads/trial-authorization-matrix.xlsx",
            "downloads/trial-counts.csv", "downloads/contradictions.xlsx"} <= hrefs
    assert jp == {"../downloads/jurisdiction-JP.csv", "../downloads/jurisdiction-JP.xlsx"}
    # the comparison matrix is what `evkg compare --format csv` prints, byte for byte
    assert main(["--root", str(project.root), "compare", "--format", "csv"]) == 0
    assert (site / "downloads" / "comparison-matrix.csv").read_bytes().decode("utf-8") == capsys.readouterr().out
    rows = list(csv.reader(io.StringIO((site / "downloads" / "comparison-matrix.csv").read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["jurisdiction", "authority and bodies", "classification"] and len(rows[0]) == 13
    eu = next(r for r in rows if r[0] == "European Union")
    assert "cosmetic use prohibited (human-derived EVs in cosmetics) [§3.2 [54]]" in eu[rows[0].index("cosmetic use")]
    # Table 2 as a spreadsheet: China's 119 trials as a number, the sources column, the About sheet
    wb = load_workbook(site / "downloads" / "table-2.xlsx")
    sheet = wb[wb.sheetnames[0]]
    header = [c.value for c in sheet[1]]
    china = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "China-NMPA")
    assert header[-1] == "sources" and china[1] == 119 and "About" in wb.sheetnames
    # a jurisdiction's workbook: one sheet per kind of fact, each row with its sources
    wb = load_workbook(site / "downloads" / "jurisdiction-KR.xlsx")
    assert wb.sheetnames == ["Statements", "Instruments", "Pathways", "Bodies", "Contradictions", "About"]
    instruments = [r for r in wb["Instruments"].iter_rows(values_only=True)]
    act = next(r for r in instruments if any("Advanced Regenerative Medicine" in str(v) for v in r))
    assert "2025-02" in act and "§3.4 [59]" in " ".join(str(v) for v in act)


def test_search_index_finds_what_readers_type(site):
    import json

    script = (site / "static" / "search-index.js").read_text(encoding="utf-8")
    assert script.startswith("window.EVKG_SEARCH_DOCS = ")
    docs = json.loads(script[len("window.EVKG_SEARCH_DOCS = "):].rstrip().rstrip(";"))
    by_title = {}
    for d in docs:
        by_title.setdefault(d["title"], []).append(d)
    # Table 1: the PMDA is Japan's regulator; its entry leads to Japan's page
    pmda = by_title["Pharmaceuticals and Medical Devices Agency (PMDA)"][0]
    assert pmda["url"] == "jurisdictions/JP.html#authority" and pmda["jurisdiction"] == "Japan"
    # §3.2 [54]: the EU prohibits human-derived EVs in cosmetics
    eu = by_title["European Union: cosmetic use prohibited"][0]
    assert eu["url"] == "jurisdictions/EU.html#cosmetic" and "EU" in eu["names"].split()
    kinds = {d["kind"] for d in docs}
    assert {"jurisdiction", "legal instrument", "pathway", "classification", "reference", "contradiction",
            "glossary", "place in the review"} <= kinds
    assert sum(d["kind"] == "reference" for d in docs) == 112
    html = page(site, "search.html")
    assert [s["src"] for s in html.find_all("script", src=True)] == [
        "static/site.js", "static/minisearch.js", "static/search-index.js", "static/search.js"]


def test_the_search_library_is_the_recorded_release(site):
    vendored = site / "static" / "minisearch.js"
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == \
        "03c27931eb603af1d3358579e9885eafdb6a2f5fa9929557b3e77d7e99d06d03"  # MiniSearch 7.2.0, dist/umd/index.js
    assert "MIT" in (site / "static" / "minisearch-LICENSE.txt").read_text(encoding="utf-8") or \
        "Permission is hereby granted" in (site / "static" / "minisearch-LICENSE.txt").read_text(encoding="utf-8")


def test_glossary_page_is_the_cli_s_glossary(site, store):
    from evkg.glossary import glossary
    from evkg.querying import names_for

    expected = glossary(names_for(store)).rows
    soup = page(site, "glossary.html")
    shown = [(text(dt), text(dt.find_next_sibling("dd"))) for dt in soup.select("dl.glossary dt")]
    assert shown == [(t, " ".join(m.split())) for t, m in expected]
    assert soup.find(id="confidence") and "0.5 only comparable functions" in text(soup.find(id="confidence").find_next("dd"))


def test_every_page_says_what_it_is_and_which_build(site, project):
    import json

    report = json.loads((project.dist / "build-report.json").read_text(encoding="utf-8"))
    for p in html_pages(site):
        soup = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        banner = soup.find(id="banner")
        assert banner is not None, f"{p.relative_to(site)}: no banner"
        assert "as one review states it" in text(banner) and "published 30 July 2025" in text(banner)
        assert "not checked against primary law" in text(banner) and "name their own sources" in text(banner)
    stamp = text(page(site, "index.html").find(id="stamp"))
    assert "evkg 0.1.0" in stamp and "graph built 20" in stamp and f"{report['triples']} triples" in stamp
    assert "10 jurisdictions" in stamp and "17 contradictions" in stamp and "112 references" in stamp
    assert "every fact on this site comes from it" in stamp  # no fact from another document in the review's graph


def test_briefings_one_per_jurisdiction(site):
    pack = page(site, "briefing/index.html")
    assert len(pack.select("section.briefing")) == 10
    jp = page(site, "briefing/JP.html")
    rows = {text(tr.th): text(tr.td) for tr in jp.select("table.glance tr")}
    assert rows["Authority"].startswith("Pharmaceuticals and Medical Devices Agency (PMDA)")
    # Table 2: 14 of 196 trials; Figure 2: 7%
    assert rows["Trials (WHO ICTRP)"].startswith("14 of 196")
    assert "biologic medicinal product or regenerative-medical product?" in rows["Contradictions"]
    assert page(site, "jurisdictions/JP.html").find("a", href="../briefing/JP.html")
