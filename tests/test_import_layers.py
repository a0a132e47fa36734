"""shape_engine's imports go one way: no cycle, counting imports made inside functions.

pyproject.toml's import-linter contracts (run by `lint-imports` in CI) fix the order of the
layers; modules on one line of that order may import each other, so this test checks that no
modules import each other in a ring at all. Imports made only for annotations
(`if TYPE_CHECKING:`) are not run, so they do not count.
"""

from __future__ import annotations

import grimp


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_shape_engine_has_no_import_cycle() -> None:
    graph = grimp.build_graph("shape_engine", exclude_type_checking_imports=True, cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "a.w")):
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["a.x", "a.y", "a.z"]]


def test_shape_engine_never_imports_the_server() -> None:
    graph = grimp.build_graph("shape_engine", "server", exclude_type_checking_imports=True,
                               cache_dir=None)
    assert graph.find_downstream_modules("server", as_package=True) & {
        m for m in graph.modules if m.startswith("shape_engine")} == set()


def test_every_module_of_the_keras_package_is_placed_in_the_layers_contract() -> None:
    # The contract is exhaustive over shape_engine's direct children, but `keras` is placed
    # module by module, so a new module there would otherwise go unchecked.
    from pathlib import Path

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the backport the engine uses there too
        import tomli as tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["type"] == "layers")["layers"]
    placed = {name.strip() for line in layers for name in line.replace("|", ":").split(":")}
    graph = grimp.build_graph("shape_engine", cache_dir=None)
    modules = {m.removeprefix("shape_engine.") for m in graph.find_children("shape_engine.keras")}
    assert modules - placed == set()
