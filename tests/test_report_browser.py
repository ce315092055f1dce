"""The generated site in a real browser: Debian's chromium, driven headless by Playwright.

Skipped, with the reason, where chromium is not installed (.ci/run installs it with apt-get)."""

from __future__ import annotations

import shutil
from collections import deque
from urllib.parse import urldefrag

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
            pending.append((url, target, frag))
            if target not in seen:
                queue.append(target)
    for origin, target, frag in pending:
        assert target in ids, f"{origin}: broken link to {target}"
        if frag:
            assert frag in ids[target], f"{origin}: no #{frag} in {target}"
        checked += 1
    assert len(seen) == 21 and checked > 1000  # 18 pages and the 3 worked examples of evkg advise
    assert not [u for u in requests if u.startswith(("http:", "https:"))], "the site loaded something from the network"
    page.close()


def test_pages_fit_a_narrow_screen(browser_site):
    site, context, _ = browser_site
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    for rel in ("index.html", "jurisdictions/JP.html", "comparison.html", "trials.html", "sources.html",
                "ontology/index.html"):
        page.goto((site / rel).as_uri())
        # the page itself never scrolls sideways (wide tables scroll inside their own box)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{rel} is {width}px wide on a 375px screen"
    page.close()
