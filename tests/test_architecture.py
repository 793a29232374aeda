"""The walls of ../shared/ARCHITECTURE.md, read from the code: every import of every module of the package
(at the top, inside functions, under TYPE_CHECKING alike), walked with `ast`.

- No import cycles among the project's modules.
- The store imports nothing of the build, the pages or the web: only itself and the base.
- The drafter imports only itself and the base.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from service.dumps import FORMATS_BY_KEY, WHOLE_GRAPH, file_name
from service.store.seam import WHOLE_GRAPH_NTRIPLES

PACKAGE = "service"
PACKAGE_DIR = Path(__file__).resolve().parent.parent / PACKAGE

BASE = frozenset({"service", "service.settings", "service.rdfterms", "service.logs", "service.logging"})
"""The base of ARCHITECTURE.md: settings, RDF term conversion, logging setup (and the package's version)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def imported_modules(name: str) -> Iterator[str]:
    """The project's modules that module `name` imports, anywhere in its text."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import x` and `from .a import b` may name submodules
                submodule = f"{target}.{alias.name}"
                if submodule in MODULES:
                    yield submodule
                else:
                    yield from _known(target)


def _known(target: str) -> Iterator[str]:
    """target if it is one of the project's modules, else its nearest enclosing one, else nothing."""
    while target:
        if target in MODULES:
            yield target
            return
        target = target.rpartition(".")[0]


GRAPH: dict[str, set[str]] = {name: set(imported_modules(name)) - {name} for name in MODULES}


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in GRAPH:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def in_part(name: str, part: str) -> bool:
    return name == part or name.startswith(part + ".")


def test_the_walk_sees_the_package() -> None:
    assert "service.store.seam" in MODULES and "service.app" in MODULES
    assert "service.store.seam" in GRAPH["service.store.embedded"]
    assert "service.store" in GRAPH["service.app"]


def test_no_import_cycles() -> None:
    assert cycles() == []


def test_the_store_imports_nothing_of_the_build_the_pages_or_the_web() -> None:
    crossings = {
        (name, imported)
        for name in MODULES
        if in_part(name, "service.store")
        for imported in GRAPH[name]
        if not in_part(imported, "service.store") and imported not in BASE
    }
    assert crossings == set()


def test_the_drafter_imports_only_itself_and_the_base() -> None:
    crossings = {
        (name, imported)
        for name in MODULES
        if in_part(name, "service.draft")
        for imported in GRAPH[name]
        if not in_part(imported, "service.draft") and imported not in BASE
    }
    assert crossings == set()


def test_the_store_reads_the_whole_graph_dump_the_build_writes() -> None:
    assert file_name(WHOLE_GRAPH, FORMATS_BY_KEY["nt"]) == WHOLE_GRAPH_NTRIPLES
