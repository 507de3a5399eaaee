"""The project's modules import each other without circles and without imports hidden in functions to dodge one."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("ingestion", "retrieval", "answers", "tuning", "ragsite", "demo")


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                modules[name] = path
    return modules


def imports_of(path: Path, known: set[str], *, local_only: bool = False) -> set[str]:
    """Project modules imported by the file (at its top level, or only inside functions with local_only)."""
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    found = set()
    for node in ast.walk(tree):
        if local_only == (id(node) in top):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def test_project_modules_import_each_other_without_circles() -> None:
    modules = project_modules()
    known = set(modules)
    graph = {
        name: (imports_of(path, known) | imports_of(path, known, local_only=True)) - {name}
        for name, path in modules.items()
    }
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for target in graph[name]:
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert cycles == []


def test_no_project_module_is_imported_inside_a_function() -> None:
    """A local import of our own module is how a circle hides; third-party heavy imports may be lazy.

    Allowed: an AppConfig registering its checks in ready() and wsgi loading models after Django's setup, the
    two places Django itself wants code to run late.
    """
    modules = project_modules()
    hidden = {
        f"{name} -> {target}"
        for name, path in modules.items()
        for target in imports_of(path, set(modules), local_only=True)
        if not name.endswith(".apps") and name != "ragsite.wsgi"
    }
    assert hidden == set()
