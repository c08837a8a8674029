"""The package's shape: capability packages over a shared core, no import cycles, and
domain modules that import without Flask or click (the export's writer child and the
question-file check start fast and can be tested without an app)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "debrief"

# Web and command-line modules: the only ones allowed to import Flask or click.
WEB_CORE = {
    "debrief.app",
    "debrief.cli",
    "debrief.errors",
    "debrief.extensions",
    "debrief.form_fields",
    "debrief.keeping",
    "debrief.navigation",
    "debrief.request_log",
    "debrief.security",
    "debrief.server",
    "debrief.web",
}
WEB_FILE_NAMES = {"common.py", "routes.py", "views.py", "forms.py", "cli.py"}

CAPABILITIES = {
    "questions", "debriefs", "review", "exports", "compliance", "auth", "admin", "demo",
    "notifications",
}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "versions" in relative.parts or relative.parts[1:2] == ("data",):
            continue
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def is_web(module: str) -> bool:
    if module in WEB_CORE or module.startswith("debrief.migrations"):
        return True
    name = module.rsplit(".", 1)[-1] + ".py"
    return name in WEB_FILE_NAMES or name.endswith("_views.py")


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(module: str) -> set[str]:
    """The package's own modules that `module` imports, anywhere in it (deferred imports
    too: a cycle broken by a function-level import is still a cycle)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if _in_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            targets = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != module)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle in `graph` as a list of modules, or None."""
    colour = dict.fromkeys(graph, 0)  # 0 unvisited, 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == 1:
                return path[path.index(nxt) :] + [nxt]
            if colour[nxt] == 0 and (cycle := visit(nxt)):
                return cycle
        path.pop()
        colour[node] = 2
        return None

    for start in sorted(graph):
        if colour[start] == 0 and (cycle := visit(start)):
            return cycle
    return None


def import_graph() -> dict[str, set[str]]:
    # A package's __init__ that only defers `create_app` is not an arrow to app.py.
    graph = {module: imports_of(module) for module in MODULES}
    graph["debrief"] = set()
    return graph


def test_the_package_has_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_top_level_holds_only_the_shared_core():
    top = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert CAPABILITIES <= packages
    flat = sorted(name for name in top if name not in packages)
    core = {
        "app", "audit", "cli", "config", "db", "errors", "extensions", "form_fields", "keeping",
        "models", "navigation", "pending_forms", "periods", "rate_limits", "recommendation2",
        "references", "request_log", "roles", "schema", "summaries",
        "security", "server", "text_input", "timeutil", "vocabulary", "web", "workflow", "xlsx",
    }  # fmt: skip
    assert set(flat) <= core, f"modules outside a capability package: {set(flat) - core}"


def test_capability_packages_init_defines_nothing_that_imports_flask():
    for name in CAPABILITIES:
        assert "flask" not in (PACKAGE / name / "__init__.py").read_text().lower()


def test_view_modules_import_no_private_helpers_from_each_other():
    """A blueprint's `bp` and shared view helpers live in its common.py (or routes.py where
    that is its only view module); view files import from there, never from each other."""
    for module, path in MODULES.items():
        if not (path.name == "routes.py" or path.name.endswith("_views.py")):
            continue
        siblings = {
            other
            for other in imports_of(module)
            if other.rsplit(".", 1)[0] == module.rsplit(".", 1)[0]
            and (other.endswith(".routes") or other.endswith("_views"))
        }
        assert not siblings, f"{module} imports view modules {siblings}"
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{module} imports private {private} from .{node.module}"


_BLOCK_WEB = """
import importlib, sys
BLOCKED = ("flask", "flask_login", "flask_wtf", "flask_limiter", "click", "werkzeug",
           "wtforms", "govuk_frontend_wtf", "govuk_frontend_jinja", "jinja2")
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked: domain modules must not import it")
sys.meta_path.insert(0, Block())
failed = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def domain_modules() -> list[str]:
    return sorted(m for m in MODULES if not is_web(m))


def test_domain_modules_import_without_flask_or_click():
    modules = domain_modules()
    assert "debrief.exports.workbook" in modules and "debrief.debriefs.drafting" in modules
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_WEB, *modules], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["debrief.security", "debrief.cli"])
def test_the_layer_check_notices_a_module_that_needs_flask(module):
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_WEB, module], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "is blocked" in result.stdout


def test_from_debrief_import_create_app_still_works():
    import debrief
    from debrief.app import create_app

    assert debrief.create_app is create_app


def _print_structure() -> None:
    """Print each module's imports within the package, and the totals."""
    graph = import_graph()
    for module in sorted(graph):
        print(f"{module} -> {', '.join(sorted(graph[module])) or '(nothing)'}")
    lines = {m: len(MODULES[m].read_text().splitlines()) for m in MODULES}
    longest = max(lines, key=lines.__getitem__)
    arrows = sum(len(targets) for targets in graph.values())
    print(f"\n{len(MODULES)} modules, {arrows} import arrows")
    print(f"longest: {longest} ({lines[longest]} lines)")


if __name__ == "__main__":
    _print_structure()
