"""One result of a validation run, before it becomes a report: its shape, focus node, value, path
and messages, with nested (sh:detail) results."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.term import Node

from .shapes import Shape, Term


@dataclass(eq=False)
class Result:
    shape: Shape
    component: Node
    focus: Term
    value: Term | None
    path: Node | Term | None  # the shape's path node (rdflib), or a path a SPARQL query returned
    messages: tuple[Node, ...]
    source_constraint: Node | None = None
    details: list[Result] = field(default_factory=list)

    @property
    def severity(self) -> Node:
        return self.shape.severity


@dataclass
class Outcome:
    """A shape's results on a set of focus nodes, and which of them do not conform."""

    reports: dict[Term, list[Result]] = field(default_factory=lambda: defaultdict(list))
    nonconforming: set[Term] = field(default_factory=set)


def copy_result(result: Result) -> Result:
    return Result(
        shape=result.shape,
        component=result.component,
        focus=result.focus,
        value=result.value,
        path=result.path,
        messages=result.messages,
        source_constraint=result.source_constraint,
        details=[copy_result(d) for d in result.details],
    )


def formatted_messages(
    own: Sequence[Literal], shape_messages: Sequence[Node], variables: dict[str, Node]
) -> tuple[Node, ...]:
    """pyshacl's make_v_result with bound variables: {?name} and {$name} replaced, language dropped."""

    def format_message(m: Node) -> Node:
        if not isinstance(m, Literal):
            return m
        text = str(m.value)
        for name, value in variables.items():
            text = re.sub(f"{{[?$]{name}}}", str(value), text)
        return Literal(text)

    messages = [format_message(m) for m in own if m not in shape_messages]
    messages += [format_message(m) for m in shape_messages]
    return tuple(dict.fromkeys(messages))
