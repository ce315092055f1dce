"""Tables 1 and 2 regenerated from the graph equal the review's tables, row by row.

Counts are compared exactly; text cells through the entities behind them."""

import pytest

from evkg.tables import table_1, table_2

from conftest import iri

# The review's Table 1: region, authority, status & classification, classification focus.
TABLE_1 = [
    ("United States", {"body:FDA"},
     {"cls:US-biologic", "cls:US-drug", "cv:req-premarket-review", "cv:approval-none-approved"},
     {"cv:focus-content-characterization", "cv:focus-physiological-function"}),
    ("European Union", {"body:EMA"}, {"cls:EU-atmp", "cv:ch-unclear-classification-criteria"},
     {"cv:focus-cargo-composition", "cv:focus-functional-rna-content"}),
    ("Japan", {"body:PMDA"}, {"body:PMDA-ev-subcommittees"},
     {"cv:focus-source-of-manufacture", "cv:focus-living-vs-nonliving"}),
    ("South Korea", {"body:MFDS"}, {"cv:guidance-ev-specific"}, {"cv:focus-manufacturing-source"}),
    ("Taiwan", {"body:TFDA"}, {"cv:scope-ev-products", "cv:cosmetic-permitted"},
     {"cv:focus-manufacturing-source", "cv:focus-regenerative-applications"}),
    ("India", {"body:CDSCO", "body:ICMR"}, {"cv:scope-stem-cell-therapies", "cv:guidance-none"}, {"cv:focus-nascent-evolving"}),
    ("Australia", {"body:TGA"}, {"cv:scope-stem-cell-and-tissue-therapies", "cv:guidance-none"}, {"cv:focus-nascent-evolving"}),
    ("China", {"body:NMPA"}, {"cls:CN-biological-new-drug"}, {"cv:focus-nascent-evolving"}),
    ("Switzerland", {"body:Swissmedic"}, {"cls:CH-biological-medicine", "cls:CH-atmp"}, {"cv:focus-nascent-evolving"}),
    ("United Kingdom", {"body:MHRA"}, {"cls:UK-biological-medicinal-product", "cls:UK-atmp"}, {"cv:focus-nascent-evolving"}),
]

# The review's Table 2: ICTRP row, trial count, classification, submission pathways (with legal bases named).
TABLE_2 = [
    ("U.S.A-FDA", 33, {"cls:US-biologic"}, {"pw:US-IND"}, ["21 CFR Part 312"]),
    ("EU-EMA (CTIS)", 3, {"cls:EU-atmp"}, {"pw:EU-CTA"}, ["1394/2007", "536/2014"]),
    ("Japan-PMDA", 14, {"cls:JP-regenerative-medical-product"}, {"pw:JP-CTN"}, ["PMD Act"]),
    ("South Korea-MFDS", 5, {"cls:KR-biologic"}, {"pw:KR-IND"}, []),
    ("Taiwan-TFDA", 3, {"cls:TW-new-drug", "cls:TW-biologic"}, {"pw:TW-IND", "pw:TW-CTN-MRCT"}, []),
    ("India-CDSCO", 8, {"cls:IN-biological-product", "cls:IN-new-drug"}, {"pw:IN-CTA"}, ["NDCTR 2019"]),
    ("Australia-TGA", 5, {"cls:AU-biological"}, {"pw:AU-CTN", "pw:AU-CTX"}, []),
    ("China-NMPA", 119, {"cls:CN-biologic", "cls:CN-cell-therapy-product"}, {"pw:CN-IND"}, ["Pharma Admin Law"]),
    ("Switzerland-Swissmedic", 1, {"cls:CH-medicinal-product"}, {"pw:CH-CTA"}, ["Therapeutic Products Act", "Human Research Act", "ClinO"]),
    ("United Kingdom", 5, {"cls:UK-atmp"}, {"pw:UK-CTA"}, ["Clinical Trials) Regulations 2004", "2024 amendment"]),
]


def iris(curies):
    return {iri(c) for c in curies}


@pytest.fixture(scope="module")
def t1(project, store):
    return table_1(project, store)


@pytest.fixture(scope="module")
def t2(project, store):
    return table_2(project, store)


def test_table_1_has_the_papers_rows_in_order(t1):
    assert [r[0] for r in t1.rows] == [row[0] for row in TABLE_1]


@pytest.mark.parametrize("expected", TABLE_1, ids=[r[0] for r in TABLE_1])
def test_table_1_cells(t1, expected):
    name, authority, status, focus = expected
    row = next(r for r in t1.rows if r[0] == name)
    assert set(row[1].entities) == iris(authority)
    assert set(row[2].entities) == iris(status)
    assert set(row[3].entities) == iris(focus)


def test_table_1_qualifiers(t1):
    cells = {r[0]: str(r[2]) for r in t1.rows}
    assert "extensively manipulated cells" in cells["Switzerland"]
    assert "manipulated cells" in cells["United Kingdom"]
    assert "since 2019" in cells["Australia"]
    assert "Regenerative Medicine Development Act" in cells["Taiwan"]
    assert "1394/2007" in cells["European Union"]


def test_table_2_rows_and_counts_exactly(t2):
    assert [(r[0], r[1]) for r in t2.rows] == [(row[0], row[1]) for row in TABLE_2]


@pytest.mark.parametrize("expected", TABLE_2, ids=[r[0] for r in TABLE_2])
def test_table_2_cells(t2, expected):
    region, count, classes, pathways, bases = expected
    row = next(r for r in t2.rows if r[0] == region)
    assert row[1] == count
    assert set(row[2].entities) == iris(classes)
    assert set(row[3].entities) == iris(pathways)
    text = str(row[2]) + " " + str(row[3])
    for b in bases:
        assert b in text, f"{region}: legal basis {b!r} missing from {text!r}"


def test_tables_cli_markdown(project, capsys):
    from evkg.cli import main

    assert main(["--root", str(project.root), "tables", "--table", "2", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| China-NMPA | 119 |" in out
    assert "| Switzerland-Swissmedic | 1 |" in out
