"""The package's modules import each other without cycles: a module that needs something from a
module that needs it back shares a third module instead (as both command lines share
sitrep.cli_common). Read from the source with ast, every import counted wherever it is written
(inside a function too), except those only for type checkers (`if TYPE_CHECKING:`)."""

from __future__ import annotations

import ast
from pathlib import Path

from sitrep import PROJECT_ROOT

def module_name(path: Path, root: Path = PROJECT_ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, modules: set[str], root: Path = PROJECT_ROOT) -> set[str]:
    """The modules among `modules` that the file at `path` imports."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()

    def resolve(base: str, names: list[str]) -> None:
        for name in names:   # `from sitrep import queries` imports the module sitrep.queries
            found.add(f"{base}.{name}" if f"{base}.{name}" in modules else base)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            resolve(base, [a.name for a in node.names])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return {m for m in found if m in modules and m != here}


def import_graph(root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    paths = sorted((root / "sitrep").rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    return {module_name(p, root): imports_of(p, modules, root) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan), as a list of names."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_reader_sees_imports_in_functions_and_relative_ones_and_skips_type_checking(tmp_path):
    pkg = tmp_path / "sitrep"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from sitrep.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from .. import a\nfrom typing import TYPE_CHECKING\n"
                                      "if TYPE_CHECKING:\n    from sitrep.sub import c\n")
    (pkg / "sub" / "c.py").write_text("import sitrep.sub.b\n")
    graph = import_graph(tmp_path)
    assert set(graph) == {"sitrep", "sitrep.a", "sitrep.sub", "sitrep.sub.b", "sitrep.sub.c"}
    assert graph["sitrep.a"] == {"sitrep.sub.b"}
    assert graph["sitrep.sub.b"] == {"sitrep.a"}
    assert graph["sitrep.sub.c"] == {"sitrep.sub.b"}
    assert cycles(graph) == [["sitrep.a", "sitrep.sub.b"]]


def test_no_module_of_the_package_imports_itself_back_through_others():
    graph = import_graph()
    assert {"sitrep.cli", "sitrep.briefing.cli", "sitrep.cli_common"} <= set(graph)
    assert "sitrep.cli_common" in graph["sitrep.briefing.cli"] and "sitrep.cli" not in graph["sitrep.briefing.cli"]
    assert cycles(graph) == []
