"""integration-kg: an open knowledge graph of integration policy, published as Linked Data.

Data flows one way: data/ → build (load, check, validate) → store → service (HTTP, CLI).
"""

__version__ = "0.1.0"
