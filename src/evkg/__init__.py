"""evkg: a knowledge graph of the global regulatory landscape for extracellular-vesicle therapeutics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evkg")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
