"""The layers of the code, checked on every module's imports (those inside functions too).

- `core` imports no capability app: every app builds on it, not the other way round;
- `routing` (the travel-time engine) imports no Django, so it runs and is benchmarked on its own;
- a capability app imports only apps listed before its own in settings.YINGJI_APPS;
- no two modules import each other, directly or round a longer loop.

Test support (`tests/`, `testing.py`, conftest) and migrations may import anything;
the project modules (settings, urls, api, asgi, cli) wire the apps together.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]  # yingji/
APPS = [name.removeprefix("yingji.") for name in settings.YINGJI_APPS]


def _is_support(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or "migrations" in parts or path.name in ("testing.py", "conftest.py")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module or name this file imports, at the top or inside a function (relative imports
    resolved; not what `if TYPE_CHECKING:` imports for annotations only, which never runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _code() -> dict[str, Path]:
    return {_module(p): p for p in ROOT.rglob("*.py") if not _is_support(p) and "node_modules" not in p.parts}


def _app_of(module: str) -> str | None:
    """The app (or the routing package) a module belongs to; None for the project modules and libraries."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "yingji" and parts[1] in APPS + ["routing"] else None


def test_core_imports_no_capability_app():
    wrong = sorted(f"{module} imports {name}" for module, path in _code().items() if _app_of(module) == "core"
                   for name in _imports(path) if _app_of(name) not in (None, "core", "routing"))
    assert wrong == []


def test_routing_imports_no_django():
    wrong = sorted(f"{module} imports {name}" for module, path in _code().items() if _app_of(module) == "routing"
                   for name in _imports(path) if name.split(".")[0] in ("django", "channels", "ninja"))
    assert wrong == []


def test_apps_import_only_apps_listed_before_them():
    order = {app: i for i, app in enumerate(APPS)}
    wrong = []
    for module, path in _code().items():
        app = _app_of(module)
        if app not in order:
            continue
        for name in _imports(path):
            other = _app_of(name)
            if other in order and order[other] > order[app]:
                wrong.append(f"{module} imports {name} ({other} comes after {app} in YINGJI_APPS)")
    assert sorted(set(wrong)) == []


def test_no_module_imports_itself_round_a_loop():
    code = _code()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in code.items():
        for name in _imports(path):
            # "from a.b import c" imports the module a.b.c when there is one, else the name c of a.b.
            target = name if name in code else name.rpartition(".")[0]
            if target in code and target != module:
                graph[module].add(target)
    assert _cycles(graph) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
