"""The package's layout holds: no import cycles, and the pipeline's direction
curate -> release -> store -> web (a stage imports only the stages before it, and the shared
top-level modules import no stage; `netkg.cli` wires everything)."""

from __future__ import annotations

import ast
from pathlib import Path

import netkg

PACKAGE = Path(netkg.__file__).parent
STAGES = ("curate", "release", "store", "web")

STILL_TO_MOVE = {
    # `netkg query` must refuse what the service refuses (UPDATE, SERVICE, a query nested deep
    # enough to overflow pyoxigraph's parser), with the same messages: it calls the one guard,
    # netkg.store.guard.check_query. The guard stays in store/ (issue 13's layout): moving only
    # its token analysis (inspect_query) beside netkg.sparql_tokens would leave curate writing a
    # second refusal, and that analysis carries the store's light-query rule (LIGHT_LIMIT …);
    # moving check_query too would take the whole guard out of the store.
    ("netkg.curate.query", "netkg.store"),
}
"""Imports against the direction that are known and kept, each with its reason."""


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's netkg modules, wherever it imports them (functions too)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package
                    package = name if is_package else name.rsplit(".", 1)[0]
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else "top"


def test_no_module_imports_itself_through_others() -> None:
    graph = _imports(_modules())
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, path)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert cycles == []


def test_stages_import_only_the_stages_before_them() -> None:
    graph = _imports(_modules())
    against: set[tuple[str, str]] = set()
    for module, imported in graph.items():
        if module == "netkg.cli":
            continue
        stage = _stage(module)
        for other in imported:
            other_stage = _stage(other)
            if other_stage == "top":
                continue  # config, errors, prefixes, sparql_tokens: shared by every stage
            if stage == "top" or STAGES.index(other_stage) > STAGES.index(stage):
                against.add((module, other))
    assert against == STILL_TO_MOVE
