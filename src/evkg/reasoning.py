"""OWL 2 consistency checking with owlready2's HermiT (Java)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from .errors import BuildFailure, EvkgError


@dataclass
class ReasonerReport:
    consistent: bool
    reasoner: str
    detail: str = ""


def check_consistency(graph: Graph, reasoner: str = "hermit") -> ReasonerReport:
    """Load the graph into a fresh owlready2 world and ask the reasoner whether it is consistent.

    HermiT does not know xsd:date, xsd:gYear or xsd:gYearMonth (outside the OWL 2 datatype
    map); those literals are skipped by the reasoner, not dropped from the graph."""
    if shutil.which("java") is None:
        raise EvkgError("OWL reasoning needs Java (java not found on PATH); install a JRE 11+ or skip with --no-reason")
    import owlready2  # imported here: only the build needs it

    with tempfile.TemporaryDirectory(prefix="evkg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        graph.serialize(destination=path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            if reasoner == "hermit":
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                               ignore_unsupported_datatypes=True)
            elif reasoner == "pellet":
                owlready2.sync_reasoner_pellet(world, infer_property_values=False, debug=0)
            else:
                raise EvkgError(f"unknown reasoner '{reasoner}' (use hermit or pellet)")
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(False, reasoner, "the ontology and data are inconsistent")
        except owlready2.base.OwlReadyJavaError as e:
            raise BuildFailure(f"{reasoner} failed: {str(e).strip().splitlines()[-1]}") from None
        finally:
            world.close()
        del onto
    return ReasonerReport(True, reasoner)
