"""SHACL validation of graph data against shapes/integration.ttl, with reports a person can read.

Used by the build (the whole store, or the resources an incremental build changed), the `validate`
command and `POST /validate`. One entry for a graph (validate_graph) and one for a store the caller
has loaded (validate_store); both give pyshacl's results as pyshacl is run here (ontology graph,
RDFS inference, SHACL-AF, allow_warnings), pyshacl itself answering what the engine cannot.

The parts, each one job: shapes.py (the compiled form), compile.py (shapes graph → compiled),
sparql_text.py (the SPARQL of SPARQL-based constraints), entailment.py (RDFS), run.py (one run over a
store), results.py and literals.py (what a run works with), report.py (the report), validate.py (a
graph in, through the engine or pyshacl). The package imports only base modules (rdfterms).
"""

from .compile import compile_shapes
from .report import ValidationReport, ValidationResult, count_shapes, read_results
from .shapes import RESERVED_PREFIX, CompiledShapes, Unsupported, UnsupportedData, UnsupportedShapes
from .validate import (
    SHAPES_FILE,
    compiled_shapes,
    load_graph,
    ontology_graph,
    shapes_graph,
    store_of,
    validate_graph,
    validate_graph_with_pyshacl,
    validate_store,
)

__all__ = [
    "RESERVED_PREFIX",
    "SHAPES_FILE",
    "CompiledShapes",
    "Unsupported",
    "UnsupportedData",
    "UnsupportedShapes",
    "ValidationReport",
    "ValidationResult",
    "compile_shapes",
    "compiled_shapes",
    "count_shapes",
    "load_graph",
    "ontology_graph",
    "read_results",
    "shapes_graph",
    "store_of",
    "validate_graph",
    "validate_graph_with_pyshacl",
    "validate_store",
]
