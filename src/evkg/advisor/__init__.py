"""The advisor: a product profile in, a sourced per-jurisdiction regulatory snapshot out.

    >>> import evkg
    >>> from evkg.advisor import advise, read_profile
    >>> kg = evkg.open()
    >>> snap = advise(kg, "source=human; manipulation=minimal; engineering=naive; use=therapy; targets=US,EU,JP")
    >>> snap.to_json()["jurisdictions"]["JP"]["aspects"]["classification"][0]["verdict"]

The evaluation is SPARQL (queries/advise.rq, with the criteria of data/advisor.ttl): the same snapshot
comes from the embedded store or from any endpoint holding the graph (`evkg.open(endpoint=URL)`).

JSON structure (`Snapshot.to_json()`, version 1, stable):

    {"evkg_advise": 1,
     "profile": {"name": str, "answers": {question: answer or "not answered"}},
     "source_document": {"title", "authors", "citation", "doi", "issued"},
     "jurisdictions": {CODE: {
         "label": str, "iri": str,
         "aspects": {ASPECT: [ITEM, ...]},   # authority, classification, scope_of_law, trial_routes,
                                             # marketing_routes, expedited_routes, other_routes, standards,
                                             # requirements, guidelines, ev_guidance, cosmetic_use (when the
                                             # use is cosmetic or unanswered), market_status, named_products,
                                             # adverse_events
         "silent": [ASPECT, ...],            # aspects the review says nothing about here
         "contradictions": [{"id": "C1", "topic", "note", "sides": [ITEM, ...]}]}},
     "shared_guidelines": [ITEM, ...],       # with in_all_targets and targets
     "open_questions": [{"field", "question", "decides": ["Jurisdiction: statement", ...]}]}
    (a question the profile's other answers leave unasked, such as cell handling for vesicles from plants,
    is no open question; its answer reads "not asked for ...")

The first screen of the other formats (report.glance: one row per jurisdiction) is composed from this
structure, from the items with a verdict that puts them on the product.

    ITEM: {"label": str, "sources": [{"badge": "§3.4 [59]", "iri": str}, ...]   (never empty)
           "verdict": "applies" | "may apply" | "applies if" | "may apply if" | "does not apply" |
                      "undetermined" | "undecided by the regulator" | "not addressed"
                                                                               (statements with a verdict)
           "because" (why it does not apply), "stated_for" (the products a "not addressed" statement is
           about: the review says nothing either way for this one), "open_questions", "undetermined_because", "condition", "scope", "modality",
           "kind", "receiving_authority", "review_body", "ethics_body", "submission_system", "legal_basis",
           "note", "counterparts": [{"label", "jurisdiction", "relation", "confidence", "sources"}],
           "contradictions": ["C1", ...], "iri"}                                      (where they apply)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import EvkgError
from .profile import Profile, parse_inline, profile_fields, read_profile, validate
from .snapshot import Snapshot, compose

__all__ = ["Profile", "Snapshot", "advise", "parse_inline", "read_profile"]


def advise(kg, profile: Profile | str | Path, validate_profile: bool = False) -> Snapshot:
    """The snapshot for `profile` (a Profile, a profile file, or `field=answer; ...` text) on `kg`
    (an evkg.open() graph): checked, validated, evaluated in SPARQL, composed.

    A Turtle profile is validated with the SHACL shapes of shapes/profile-shapes.ttl (pySHACL) before
    use. Profiles read from YAML, JSON, text or options are built by evkg from answers checked one by
    one against the graph's own questions and answers, the same rules those shapes state (the test
    suite validates such profiles with the shapes); `validate_profile=True` runs pySHACL on them too."""
    if isinstance(profile, Path):
        profile = read_profile(profile, kg.names, project_root=kg.project.root)
    elif isinstance(profile, str):
        profile = parse_inline(profile, kg.names)
    if not profile.targets:
        raise EvkgError(f"{profile.origin}: no target jurisdictions: give targets (e.g. targets: [US, EU, Japan])")
    if validate_profile:  # a Turtle profile was validated when it was read
        validate(profile, kg.names, kg.project.root)
    profile_fields(kg.names)
    return compose(kg.project, kg.backend, profile)
