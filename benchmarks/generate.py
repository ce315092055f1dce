"""Generate graphs in evkg's model at a chosen size, for benchmarks.

Starts from the built review graph (dist/evkg.nt) and adds SYNTHETIC jurisdictions (each with an
authority, instruments with dates, pathways, national product classes and the usual positions) and
SYNTHETIC trial records. Everything synthetic has an IRI under resource/synthetic/ and a label that
says "synthetic": none of it is a claim about any real regulator.

    python benchmarks/generate.py 100000 > /tmp/evkg-100k.nt
"""

from __future__ import annotations

import sys
from pathlib import Path

R = "https://w3id.org/evkg/resource/"
E = "https://w3id.org/evkg/ontology#"
S = R + "synthetic/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
PROV = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
BROADER = "<http://www.w3.org/2004/02/skos/core#broader>"
NOTATION = "<http://www.w3.org/2004/02/skos/core#notation>"
ELI = "http://data.europa.eu/eli/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SRC = f"<{R}source/sec-1>"
CLASSES = ["atmp", "biologic", "regenerative-medical-product", "cell-therapy-product", "new-drug"]
KINDS = ["kind-ind", "kind-cta", "kind-ctn", "kind-marketing-authorization"]
STATUSES = ["cosmetic-prohibited", "cosmetic-permitted", "cosmetic-none-approved"]
FOCI = ["focus-manufacturing-source", "focus-cargo-composition", "focus-nascent-evolving"]
# ISO 3166-1 keeps these alpha-2 codes for user assignment: no real jurisdiction has them. They repeat.
CODES = [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + ["AA", "ZZ"]
AREAS = ["area-cancer", "area-osteoarthritis", "area-ischemic-stroke", "area-diabetic-wounds"]


def iri(x: str) -> str:
    return f"<{x}>"


def lit(text: str) -> str:
    return f'"{text}"@en'


def typed(value, dtype: str) -> str:
    return f'"{value}"^^<{XSD}{dtype}>'


def jurisdiction(n: int) -> list[str]:
    j, a = iri(f"{S}jurisdiction/{n}"), iri(f"{S}body/{n}-agency")
    e = lambda p: iri(E + p)
    t = [f"{j} {RDF_TYPE} {e('Country')} .", f"{j} {LABEL} {lit(f'Synthetic jurisdiction {n} (synthetic)')} .",
         f"{j} {e('sortOrder')} {typed(100 + n, 'integer')} .", f"{j} {PROV} {SRC} .",
         f'{j} {NOTATION} "{CODES[n % len(CODES)]}" .',
         f"{a} {RDF_TYPE} {e('RegulatoryAuthority')} .", f"{a} {LABEL} {lit(f'Synthetic agency {n} (synthetic)')} .",
         f"{a} {e('jurisdiction')} {j} .", f"{a} {PROV} {SRC} ."]
    laws = []
    for k in range(3):
        law = iri(f"{S}law/{n}-{k}")
        laws.append(law)
        t += [f"{law} {RDF_TYPE} {e('Act')} .", f"{law} {LABEL} {lit(f'Synthetic act {n}-{k} (synthetic)')} .",
              f"{law} {e('jurisdiction')} {j} .", f"{law} <{ELI}date_document> {typed(f'{2000 + (n + k) % 24}-{1 + k * 4:02d}', 'gYearMonth')} .",
              f"{law} <{ELI}first_date_entry_in_force> {typed(2001 + (n + k) % 24, 'gYear')} .", f"{law} {PROV} {SRC} ."]
    for k, kind in enumerate(KINDS):
        pw = iri(f"{S}pathway/{n}-{k}")
        cls = "ClinicalTrialPathway" if k < 3 else "MarketingAuthorizationPathway"
        pos = iri(f"{S}position/{n}-path-{k}")
        t += [f"{pw} {RDF_TYPE} {e(cls)} .", f"{pw} {LABEL} {lit(f'Synthetic pathway {n}-{k} (synthetic)')} .",
              f"{pw} {e('jurisdiction')} {j} .", f"{pw} {e('pathwayKind')} {iri(R + 'concept/' + kind)} .",
              f"{pw} {e('receivingAuthority')} {a} .", f"{pw} {e('legalBasis')} {laws[k % 3]} .", f"{pw} {PROV} {SRC} .",
              f"{pos} {RDF_TYPE} {e('PathwayPosition')} .", f"{pos} {LABEL} {lit(f'Synthetic pathway position {n}-{k}')} .",
              f"{pos} {e('jurisdiction')} {j} .", f"{pos} {e('pathway')} {pw} .", f"{pos} {PROV} {SRC} ."]
    for k, generic in enumerate(CLASSES[n % 3: n % 3 + 2]):
        c, pos = iri(f"{S}class/{n}-{k}"), iri(f"{S}position/{n}-class-{k}")
        t += [f"{c} {RDF_TYPE} {e('ProductClass')} .", f"{c} {LABEL} {lit(f'synthetic class {n}-{k} (synthetic)')} .",
              f"{c} {e('jurisdiction')} {j} .", f"{c} {BROADER} {iri(R + 'class/' + generic)} .", f"{c} {PROV} {SRC} .",
              f"{pos} {RDF_TYPE} {e('ClassificationPosition')} .", f"{pos} {LABEL} {lit(f'Synthetic classification {n}-{k}')} .",
              f"{pos} {e('jurisdiction')} {j} .", f"{pos} {e('classifiedAs')} {c} .", f"{pos} {e('legalBasis')} {laws[0]} .",
              f"{pos} {e('productScope')} {iri(R + 'concept/scope-ev-products')} .",
              f"{pos} {e('modality')} {iri(R + 'concept/' + ('modality-conditional' if k else 'modality-asserted'))} .",
              f"{pos} {PROV} {SRC} ."]
        if k:
            t.append(f"{pos} {e('condition')} {iri(R + 'concept/cond-manipulated-cells')} .")
    extra = [("AuthorityPosition", [("authority", a), ("role", iri(R + "concept/role-lead-regulator"))]),
             ("ClassificationFocusPosition", [("focus", iri(R + "concept/" + FOCI[n % 3]))]),
             ("CosmeticUsePosition", [("cosmeticStatus", iri(R + "concept/" + STATUSES[n % 3]))]),
             ("StandardPosition", [("standard", iri(R + "standard/gmp"))]),
             ("TrialCountPosition", [("trialCount", typed(n % 50, "integer")),
                                     ("registrySearch", iri(R + "entity/search-ictrp-ev")), ("registry", iri(R + "entity/registry-ictrp"))])]
    for k, (cls, props) in enumerate(extra):
        pos = iri(f"{S}position/{n}-x-{k}")
        t += [f"{pos} {RDF_TYPE} {e(cls)} .", f"{pos} {LABEL} {lit(f'Synthetic position {n}-{k}')} .",
              f"{pos} {e('jurisdiction')} {j} .", f"{pos} {PROV} {SRC} ."]
        t += [f"{pos} {e(p)} {o} ." for p, o in props]
    return t


def trial(n: int, jurisdictions: int) -> list[str]:
    x, sponsor = iri(f"{S}trial/{n}"), iri(f"{S}body/sponsor-{n % 500}")
    e = lambda p: iri(E + p)
    return [f"{x} {RDF_TYPE} {e('ClinicalTrial')} .", f"{x} {LABEL} {lit(f'Synthetic EV trial {n} (synthetic)')} .",
            f"{x} {e('jurisdiction')} {iri(f'{S}jurisdiction/{n % max(jurisdictions, 1)}')} .",
            f"{x} {e('sponsor')} {sponsor} .", f"{x} {e('phase')} \"{1 + n % 3}\" .",
            f"{x} {e('indication')} {iri(R + 'concept/' + AREAS[n % 4])} .", f"{x} {PROV} {SRC} .",
            f"{sponsor} {RDF_TYPE} {e('Company')} .", f"{sponsor} {LABEL} {lit(f'Synthetic sponsor {n % 500} (synthetic)')} .",
            f"{sponsor} {PROV} {SRC} ."]


def generate(review_nt: Path, target: int):
    """Yield N-Triples lines: the review graph, then synthetic data until about `target` triples."""
    base = review_nt.read_text(encoding="utf-8").splitlines()
    yield from base
    yield from synthetic(target - len(base))


def synthetic(count: int):
    """Yield about `count` distinct SYNTHETIC triples: 45% in jurisdictions, the rest trial records."""
    per_jurisdiction = len(jurisdiction(0))
    n_jur = max(0, count) * 45 // 100 // per_jurisdiction
    for n in range(n_jur):
        yield from jurisdiction(n)
    produced = n_jur * per_jurisdiction
    n = 0
    while produced < count:
        yield from trial(n, n_jur)
        produced += 7 + (3 if n < 500 else 0)  # a sponsor is described once, by its first trial
        n += 1


def synthetic_project(dest: Path, review_root: Path, target: int) -> Path:
    """A copy of the project's sources in `dest` whose build holds about `target` triples: the
    review's sources plus data/synthetic.ttl (N-Triples, which is Turtle). Returns `dest`."""
    import shutil

    for d in ("ontology", "data", "mappings", "queries", "shapes"):
        shutil.copytree(review_root / d, dest / d)
    review = sum(1 for _ in (review_root / "dist" / "evkg.nt").open(encoding="utf-8"))
    with (dest / "data" / "synthetic.ttl").open("w", encoding="utf-8") as f:
        for line in synthetic(target - review):
            f.write(line + "\n")
    return dest


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    for line in generate(root / "dist" / "evkg.nt", int(sys.argv[1])):
        print(line)
