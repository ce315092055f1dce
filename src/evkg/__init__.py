"""evkg: a knowledge graph of the global regulatory landscape for extracellular-vesicle therapeutics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evkg")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"


def open(root=None, endpoint=None, timeout=30.0):  # noqa: A001 - the package's front door, like io.open
    """Open the built graph of the project at `root` (or the SPARQL `endpoint` holding it); see evkg.api."""
    from .api import open as _open

    return _open(root, endpoint, timeout)
