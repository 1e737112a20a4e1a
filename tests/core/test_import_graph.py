"""The packages import one way: every import (at module level or inside a function) is an
arrow that backoffice/core/layers.py declares, and no package imports one that imports it
back. A new circle fails here, naming the modules that make it."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from backoffice.core import layers

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "backoffice"


@dataclass(frozen=True)
class Import:
    importer: str  # module that imports, e.g. backoffice.reviews.timeline
    imported: str  # module (or package) it names, e.g. backoffice.letters.services
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def module_names(root: Path, top: str) -> dict[str, Path]:
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [top, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(name: str, path: Path, known: set[str], top: str) -> list[Import]:
    """Every import of a module of ``top`` in the file, wherever it stands in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(name, path.name == "__init__.py", node)
            # ``from backoffice import admin`` names the module backoffice.admin
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module
                       for a in node.names]
        else:
            continue
        found += [Import(name, target, node.lineno) for target in dict.fromkeys(targets)
                  if target == top or target.startswith(f"{top}.")]
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    first = parts[1] if len(parts) > 1 else "__init__"
    return layers.MODULE_PACKAGES.get(first, first)


def all_imports(root: Path = PACKAGE_DIR, top: str = "backoffice") -> list[Import]:
    names = module_names(root, top)
    return [item for name, path in names.items()
            for item in imports_of(name, path, set(names), top)]


def arrows(imports: list[Import]) -> dict[tuple[str, str], list[Import]]:
    """Package → package, with the imports that make each arrow."""
    found: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for item in imports:
        pair = (package_of(item.importer), package_of(item.imported))
        if pair[0] != pair[1]:
            found[pair].append(item)
    return found


def cycles(edges: dict[tuple[str, str], list[Import]]) -> list[list[str]]:
    """For each group of packages that reach each other: its packages, sorted, the first
    repeated at the end (a circle through all of them need not exist; see explain_group)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in edges:
        graph[src].add(dst)

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reachable = {node: reach(node) for node in list(graph)}
    groups = {frozenset(n for n in reachable if n in reachable[node] and node in reachable[n])
              for node in reachable if node in reachable[node]}
    return [[*sorted(group), min(group)] for group in sorted(groups, key=sorted)]


def circle_from(edges: dict[tuple[str, str], list[Import]], group: list[str],
                start: str) -> list[str]:
    """A shortest path inside the group from ``start`` back to itself."""
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in edges:
        graph[src].add(dst)
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(graph[node] & set(group)):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                todo.append(nxt)
    raise AssertionError("a group of packages that reach each other has a circle")


def explain_circle(circle: list[str], edges: dict[tuple[str, str], list[Import]]) -> str:
    lines = [" → ".join(circle) + ":"]
    for src, dst in zip(circle, circle[1:], strict=False):
        lines += [f"  {item}" for item in edges[(src, dst)]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


def _pending(item: Import) -> bool:
    return (item.importer, item.imported) in layers.PENDING


def _undeclared(item: Import) -> str | None:
    src, dst = package_of(item.importer), package_of(item.imported)
    allowed = layers.ALLOWED.get(src, set())
    if src == dst or dst in allowed or _pending(item):
        return None
    return f"{item} ({src} may import: {', '.join(sorted(allowed)) or 'nothing'})"


def test_every_import_between_packages_is_an_arrow_the_table_declares(imports):
    undeclared = [text for text in map(_undeclared, imports) if text]
    assert not undeclared, ("imports that backoffice/core/layers.py does not allow:\n"
                            + "\n".join(undeclared))


def test_every_package_is_in_the_table(imports):
    packages = {package_of(name) for name in module_names(PACKAGE_DIR, "backoffice")}
    assert packages - set(layers.ALLOWED) == set()


def test_core_imports_no_feature(imports):
    assert [str(item) for item in imports if package_of(item.importer) == layers.CORE
            and package_of(item.imported) != layers.CORE] == []


def explain_group(group: list[str], edges: dict[tuple[str, str], list[Import]]) -> str:
    """The shortest circle through each package of the group, with the imports that make it."""
    members = group[:-1]
    circles = []
    for start in members:
        circle = circle_from(edges, members, start)
        if not any(set(circle) == set(seen) for seen in circles):
            circles.append(circle)
    return "\n".join(explain_circle(circle, edges) for circle in circles)


def test_no_package_imports_one_that_imports_it_back(imports):
    edges = arrows([item for item in imports if not _pending(item)])
    found = cycles(edges)
    assert not found, "packages that import each other in a circle:\n" + "\n".join(
        explain_group(circle, edges) for circle in found)


def test_the_declared_table_has_no_circle():
    declared = {(src, dst): [] for src, allowed in layers.ALLOWED.items() for dst in allowed}
    assert cycles(declared) == []


def test_read_models_never_import_a_staff_screen(imports):
    def is_screen(module: str) -> bool:
        return package_of(module) == layers.ASSEMBLER or module.rsplit(".", 1)[-1] == "admin"

    found = [str(item) for item in imports if package_of(item.importer) in layers.READ_MODELS
             and not is_screen(item.importer) and is_screen(item.imported)]
    assert found == []


def test_nothing_imports_the_demo_but_the_command_that_offers_it(imports):
    found = [str(item) for item in imports if package_of(item.imported) == layers.DEMO
             and package_of(item.importer) != layers.DEMO
             and item.importer not in layers.DEMO_IMPORTED_BY]
    assert found == []


def test_each_pending_exception_is_still_needed(imports):
    made = {(item.importer, item.imported) for item in imports}
    assert [pair for pair in layers.PENDING if pair not in made] == [], (
        "remove these from layers.PENDING: the import is gone")


def test_a_new_circle_fails_naming_the_modules_that_make_it(tmp_path):
    """The checker itself, on a small package where reviews imports letters back."""
    root = tmp_path / "shop"
    for folder, files in {"reviews": {"timeline.py": "def page():\n"
                                                    "    from shop.letters import services\n"},
                          "letters": {"services.py": "from shop.reviews.timeline import page\n"},
                          "core": {"db.py": "import os\n"}}.items():
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
        for name, text in files.items():
            (root / folder / name).write_text(text)
    edges = arrows(all_imports(root, "shop"))
    found = cycles(edges)
    assert found == [["letters", "reviews", "letters"]]
    message = explain_group(found[0], edges)
    assert "shop.letters.services (line 1) imports shop.reviews.timeline" in message
    assert "shop.reviews.timeline (line 2) imports shop.letters.services" in message
