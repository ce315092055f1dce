"""The generated site in a real browser: Debian's chromium, driven headless by Playwright.

Skipped, with the reason, where chromium is not installed (.ci/run installs it with apt-get)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import unicodedata
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from evkg.site import generate_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")


@pytest.fixture(scope="module")
def browser_site(project, tmp_path_factory):
    site = generate_site(project, tmp_path_factory.mktemp("browser") / "site").out
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra (playwright) is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context()
        requests: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        yield site, context, requests
        context.close()
        browser.close()


def visible_text(page) -> str:
    return " ".join(page.inner_text("body").split())  # innerText: only what is rendered


def test_index_and_a_jurisdiction_page_show_the_review_s_facts(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    text = visible_text(page)
    assert "10 jurisdictions compared" in text
    assert "U.S. Food and Drug Administration (FDA)" in text and "119 EV trials in the ICTRP" in text
    page.click("text=South Korea")
    assert page.url.endswith("/jurisdictions/KR.html")
    text = visible_text(page)
    # §3.4: MFDS leads; the 2019 act took effect in February 2025; Table 2: 5 trials
    assert "Ministry of Food and Drug Safety (MFDS)" in text
    assert "in force from 2025-02" in text and "5 of 196 EV trials" in text
    # a source badge leads to its place on the sources page
    page.click("a.src >> text=Section 3.4 [59]")
    assert page.url.endswith("sources.html#sec-3.4_r59")
    assert page.locator("#sec-3\\.4_r59").is_visible()
    page.close()


def test_every_internal_link_works(browser_site):
    site, context, requests = browser_site
    page = context.new_page()
    root = site.resolve().as_uri()
    start = (site / "index.html").as_uri()
    queue, seen, ids, checked = deque([start]), set(), {}, 0
    pending: list[tuple[str, str, str]] = []
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        assert not page.url.startswith("chrome-error:"), f"cannot open {url}"
        assert page.title(), f"{url}: no title"
        ids[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            if not href.startswith(root):
                continue  # links out (doi.org, w3.org ...) are not followed offline
            target, frag = urldefrag(href)
            if not target.endswith(".html"):  # downloads, the licence: files to fetch, not pages to open
                assert Path(unquote(urlsplit(target).path)).is_file(), f"{url}: broken link to {target}"
                continue
            pending.append((url, target, frag))
            if target not in seen:
                queue.append(target)
    for origin, target, frag in pending:
        assert target in ids, f"{origin}: broken link to {target}"
        if frag:
            assert frag in ids[target], f"{origin}: no #{frag} in {target}"
        checked += 1
    assert len(seen) == len(list(site.rglob("*.html"))) == 35 and checked > 1000  # every page is reachable
    assert not [u for u in requests if u.startswith(("http:", "https:"))], "the site loaded something from the network"
    page.close()


def test_pages_fit_a_narrow_screen(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    for rel in ("index.html", "jurisdictions/JP.html", "comparison.html", "trials.html", "sources.html",
                "ontology/index.html", "tables.html", "equivalences.html", "contradictions.html", "glossary.html",
                "search.html?q=PMDA", "briefing/EU.html", "about.html"):
        page.goto((site / rel.split("?")[0]).as_uri() + ("?" + rel.split("?")[1] if "?" in rel else ""))
        # the page itself never scrolls sideways (wide tables scroll inside their own box)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{rel} is {width}px wide on a 375px screen"
    page.close()


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text of a PDF (whitespace removed, lower case: lines break anywhere; ligatures such as 'ﬁ' undone)
    and its number of pages."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return squeeze(" ".join(p.extract_text() for p in reader.pages)), len(reader.pages)


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s)).lower()


def test_search_finds_japan_s_pmda_and_the_eu_cosmetics_prohibition(browser_site):
    site, context, requests = browser_site
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    # typed into the search box of any page, the query opens the search page with its results
    page.fill("#site-q", "PMDA")
    page.press("#site-q", "Enter")
    page.wait_for_url(re.compile(r"search\.html\?q=PMDA"))
    first = page.locator("#results li a").first
    first.wait_for()
    assert first.inner_text() == "Pharmaceuticals and Medical Devices Agency (PMDA)"
    first.click()
    assert page.url.endswith("/jurisdictions/JP.html#authority")
    assert "Pharmaceuticals and Medical Devices Agency (PMDA)" in visible_text(page)
    # typing refines as one types; "cosmetics prohibition" finds the EU's "cosmetic use prohibited" (§3.2 [54])
    page.goto((site / "search.html").as_uri())
    page.fill("#q", "EU cosmetics prohibition")
    hit = page.locator("#results li a", has_text="European Union: cosmetic use prohibited")
    hit.wait_for()
    assert hit.get_attribute("href") == "jurisdictions/EU.html#cosmetic"
    page.fill("#q", "reference 59")
    page.locator("#results li a[href='sources.html#ref-59']").wait_for()
    assert not [u for u in requests if u.startswith(("http:", "https:"))]
    page.close()


def test_downloads_are_files_that_parse(browser_site, tmp_path):
    from openpyxl import load_workbook

    site, context, _ = browser_site
    page = context.new_page()
    page.goto((site / "comparison.html").as_uri())
    with page.expect_download() as got:
        page.click("p.dl a:text-is('CSV')")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_bytes().decode("utf-8"))))
    assert rows[0][0] == "jurisdiction" and len(rows[0]) == 13 and len(rows) >= 11
    page.goto((site / "jurisdictions" / "JP.html").as_uri())
    with page.expect_download() as got:
        page.click("#summary a:text-is('XLSX')")
    assert got.value.suggested_filename == "jurisdiction-JP.xlsx"
    got.value.save_as(tmp_path / "jp.xlsx")
    wb = load_workbook(tmp_path / "jp.xlsx")
    statements = [" ".join(str(v) for v in r if v) for r in wb["Statements"].iter_rows(values_only=True)]
    assert any("Japan: regenerative-medical product under the PMD Act (Table 2)" in r for r in statements)
    page.close()


def test_printed_matrix_keeps_every_aspect_and_every_value(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    page.goto((site / "comparison.html").as_uri())
    # what each column says, from the page's own full lists (inside the closed cells)
    values = page.eval_on_selector_all(
        "#comparison td[data-aspect]",
        "tds => tds.map(td => [td.dataset.aspect, [...td.querySelectorAll('li > span.v')].map(s => s.textContent)])")
    text, _ = pdf_text(page.pdf(format="A4"))
    aspects = {a for a, _ in values}
    assert len(aspects) == 12
    for aspect in aspects:
        assert squeeze(aspect) in text, f"aspect {aspect!r} is not on paper"
    missing = [v for _, vs in values for v in vs if squeeze(v) not in text]
    assert not missing, f"{len(missing)} values are not on paper, e.g. {missing[:3]}"
    # a source badge inside a closed cell is printed too (§3.2 [54]: the EU cosmetics prohibition)
    assert squeeze("Section 3.2 [54]") in text
    # a narrower choice prints only what is chosen: Japan alone
    page.click("button[data-none='j']")
    page.click("label[for='show-JP']")
    only_japan, _ = pdf_text(page.pdf(format="A4"))
    assert squeeze("Pharmaceuticals and Medical Devices Agency (PMDA)") in only_japan
    assert squeeze("Ministry of Food and Drug Safety (MFDS)") not in only_japan
    page.close()


def test_each_briefing_prints_on_one_page(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    briefings = sorted((site / "briefing").glob("[A-Z][A-Z].html"))
    assert len(briefings) == 10
    # as a browser's print dialog does by default: its date, title and address in margins of about 1 cm
    as_printed = {"format": "A4", "display_header_footer": True, "margin": dict.fromkeys(("top", "bottom", "left", "right"), "0.4in")}
    for path in briefings:
        page.goto(path.as_uri())
        text, pages = pdf_text(page.pdf(**as_printed))
        assert pages == 1, f"{path.name} prints on {pages} pages"
        assert squeeze("not checked against primary law") in text  # the banner goes to paper too
    page.goto((site / "briefing" / "index.html").as_uri())
    assert pdf_text(page.pdf(format="A4"))[1] == 10  # the pack: one sheet per jurisdiction
    page.close()


def test_japan_s_classification_shows_its_contradiction(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    page.goto((site / "jurisdictions" / "JP.html").as_uri())
    mark = page.locator("#classification + ul a.conflict").first
    assert mark.is_visible() and re.fullmatch(r"⚠ C\d+", mark.inner_text())
    # it names the other side, and leads to both sides
    note = page.locator("#classification + ul li", has_text="biologic medicinal product, Japan").locator(".conflict-note").first
    assert "regenerative-medical products" in note.inner_text()
    mark.click()
    assert page.url.endswith("contradictions.html#contradiction-JP-class")
    assert page.locator("#contradiction-JP-class").is_visible()
    page.close()


def test_banner_on_every_kind_of_page(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    for rel in ("index.html", "comparison.html", "jurisdictions/BR.html" if (site / "jurisdictions/BR.html").exists()
                else "jurisdictions/EU.html", "search.html", "briefing/JP.html", "ontology/index.html",
                "examples/msc-osteoarthritis.html"):
        page.goto((site / rel).as_uri())
        banner = page.locator("#banner")
        assert banner.is_visible(), rel
        assert "as one review states it" in banner.inner_text() and "30 July 2025" in banner.inner_text()
    page.close()


def test_choosing_jurisdictions_and_aspects_needs_no_script(browser_site):
    site, context, _ = browser_site
    browser = context.browser
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto((site / "comparison.html").as_uri())
    assert page.locator("tr.j-JP").is_visible() and page.locator("th.a7").is_visible()
    page.click("label[for='show-JP']")
    page.click("label[for='show-a7']")
    assert not page.locator("tr.j-JP").is_visible() and not page.locator("th.a7").is_visible()
    assert page.locator("tr.j-EU").is_visible()
    # a cell opens to its full list with sources
    cell = page.locator("tr.j-EU td.a7 details.cell")
    page.click("label[for='show-a7']")
    cell.locator("summary").click()
    assert cell.locator("a.src", has_text="Section 3.2 [54]").is_visible()
    # "every value" opens every cell
    page.click("label[for='full']")
    assert page.locator("tr.j-US td.a2 li").first.is_visible()
    plain.close()
