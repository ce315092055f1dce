"""The site's search: one document per thing a reader may look for, written as a script that MiniSearch
(vendored in static/vendor/) indexes in the browser. No server, no fetch(): it works from file://."""

from __future__ import annotations

import json
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"
MINISEARCH_VERSION = "7.2.0"


def _doc(docs: list[dict], url: str, title: str, kind: str, jurisdiction: str = "", text: str = "",
         names: str = "") -> None:
    docs.append({"id": len(docs), "url": url, "title": title, "kind": kind, "jurisdiction": jurisdiction,
                 "names": names, "text": " ".join(text.split())})


def documents(js, conflicts, parts, references, glossary_rows, examples, pages, names) -> list[dict]:
    """Jurisdictions, their bodies, instruments, classes, pathways and every other value of their pages,
    contradictions, source locations, references, glossary terms and pages, each with the URL (page and
    anchor) where it is shown. `names` gives each jurisdiction's codes and other names to search by."""
    docs: list[dict] = []
    for url, title, blurb in pages:
        _doc(docs, url, title, "page", text=blurb)
    for j in js:
        ent = names.entities.get(j.iri)
        also = " ".join(dict.fromkeys((ent.codes + ent.alt) if ent else [j.code]))
        page = j.page
        own: list[tuple[str, str, str, str]] = []  # (url, title, kind, text) of this jurisdiction's page
        lead = [b.name for b in j.bodies if "lead regulatory authority" in b.roles]
        classes = [i.text for i in j.headline("classification", 3).values]
        own.append((page, j.label, "jurisdiction", "authority " + "; ".join(lead) + "; classified as " + "; ".join(classes)))
        own.append((j.briefing, f"{j.label}: one-page briefing", "briefing", ""))
        own += [(f"{page}#authority", b.name, b.kind or "body", "; ".join(b.roles + [b.part_of])) for b in j.bodies]
        own += [(f"{page}#instruments", i.text, "legal instrument", "; ".join(i.qualifiers)) for i in j.instruments.values()]
        own += [(f"{page}#pathways", p["pathway"], "pathway",
                 "; ".join(x for x in (p.get("kind"), p.get("receivingAuthority"), p.get("legalBasis")) if x)) for p in j.pathways]
        for aspect, items in j.aspects.items():
            if aspect not in ("authority and bodies", "pathways"):  # the bodies and pathways above
                own += [(f"{page}#{ASPECT_ANCHORS.get(aspect, 'summary')}", f"{j.label}: {i.text}", aspect,
                         "; ".join(i.qualifiers)) for i in items.values()]
        own += [(f"{page}#trials", i.text, "named product or trial", "; ".join(i.qualifiers)) for i in j.products.values()]
        own += [(f"{page}#other", i.text, kind, "") for kind, items in j.other.items() for i in items.values()]
        for url, title, kind, text in own:
            _doc(docs, url, title, kind, j.label, text, also)
    for c in conflicts.values():
        _doc(docs, f"contradictions.html#{c.id}", f"{c.label} {c.topic}", "contradiction", c.jurisdiction,
             c.note + " " + " ".join(s.text for s in c.sides.values()))
    for part in parts:
        for loc in part["locations"]:
            _doc(docs, f"sources.html#{loc['source'].anchor}", loc["source"].label, "place in the review", "",
                 (f"{loc['source'].badge} " + "; ".join(d["statement"] for d in loc["derived"]))[:300])
    for r in references:
        _doc(docs, f"sources.html#ref-{r['number']}", f"[{r['number']}] {r.get('title') or r.get('authors') or ''}",
             "reference", "", " ".join(x for x in (r.get("authors"), r.get("venue"), r.get("year"), r.get("citation")) if x))
    for term, meaning in glossary_rows:
        _doc(docs, f"glossary.html#{slug(term)}", term, "glossary", "", meaning)
    for name, title in examples:
        _doc(docs, f"examples/{name}.html", f"Worked example: {title}", "worked example")
    return docs


ASPECT_ANCHORS = {"classification": "classification", "classification focus": "classification",
                  "standards, requirements and guidelines": "standards", "EV-specific guidance": "standards",
                  "adverse-event tracking": "standards", "cosmetic use": "cosmetic", "market status": "market",
                  "trials (WHO ICTRP)": "trials", "alignment with other frameworks": "alignment",
                  "how the review characterizes the regime": "alignment"}


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def index_js(docs: list[dict]) -> str:
    """The documents as a script defining window.EVKG_SEARCH_DOCS (sorted keys: the same graph, the same file)."""
    return "window.EVKG_SEARCH_DOCS = " + json.dumps(docs, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + ";\n"


def vendor_files() -> dict[str, str]:
    return {"static/minisearch.js": (VENDOR / "minisearch.js").read_text(encoding="utf-8"),
            "static/minisearch-LICENSE.txt": (VENDOR / "minisearch.LICENSE.txt").read_text(encoding="utf-8")}
