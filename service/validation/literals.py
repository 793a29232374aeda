"""Literal semantics the engine takes from pyshacl and rdflib: truth values, well-typed datatypes,
value ranges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from owlrl.DatatypeHandling import AltXSDToPYTHON
from pyshacl.rdfutil.compare import compare_literal
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node, XSDToPython

from ..rdfterms import to_rdflib
from .shapes import Term


def truthy(term: Term | None) -> bool:
    """rdflib's truth value of a term (pyshacl tests result variables with `if p or v or t`)."""
    return term is not None and bool(to_rdflib(term))


# The lexical checks owlrl's RDFS closure (which pyshacl runs) installs into rdflib for datatypes that
# rdflib itself does not check (xsd:gYear, xsd:gYearMonth, xsd:gDay, …), and leaves installed: from
# the first closure of a process on, rdflib and so pyshacl judge "2022-03-01"^^xsd:gYear ill-typed.
# The engine applies them itself, so its verdict does not depend on what ran before in the process.
OWLRL_LEXICAL_CHECKS: dict[URIRef, Callable[[str], object]] = {
    URIRef(datatype): convert for datatype, convert in AltXSDToPYTHON.items() if datatype not in XSDToPython
}


def ill_typed(literal: Literal) -> bool:
    """Whether pyshacl, after owlrl's first RDFS closure in the process, finds the literal ill-typed."""
    check = OWLRL_LEXICAL_CHECKS.get(literal.datatype) if literal.datatype is not None else None
    if check is None:
        return literal.ill_typed is True
    try:
        return check(str(literal)) is None
    except Exception:  # owlrl's checks raise whatever their parsing raises, as rdflib then catches
        return True


def datatype_matches(term: ox.Literal, datatype: URIRef) -> bool:
    """pyshacl's DatatypeConstraintComponent for a literal whose datatype is the rule's."""
    literal = to_rdflib(term)
    assert isinstance(literal, Literal)
    if ill_typed(literal):
        return False
    value = literal.value
    checks: dict[URIRef, type | tuple[type, ...]] = {
        XSD.string: (str, bytes),
        RDF.langString: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    expected = checks.get(datatype)
    return True if expected is None else isinstance(value, expected)


def in_range(value: Node, kind: str, bound: Literal) -> bool:
    """pyshacl's value range constraint components, with pyshacl's own literal comparison."""
    if not isinstance(value, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    try:
        order = compare_literal(value, bound)
    except (TypeError, NotImplementedError):
        return False
    return {
        "minExclusive": order > 0,
        "minInclusive": order >= 0,
        "maxExclusive": order < 0,
        "maxInclusive": order <= 0,
    }[kind]
