"""The layers import only downward: an import graph of gradcheck/ built with ast.

spec → sandbox → check → submission → diagnose → render → orchestration → front ends. Every
import statement counts, also one inside a function (a lazy import is still a dependency);
only ``if TYPE_CHECKING:`` blocks are left out, since they never run. The graph must have no
cycle, no edge to a higher layer, and no private name (``_name``) imported from another
subpackage. The rules are checked on a made-up package too, so that this test can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

# Layer of each module, by its dotted name's first component under the package (a subpackage,
# or a top-level module). Lower numbers are lower layers; a module may import its own layer
# (without cycles) and every layer below it.
LAYERS: dict[str, int] = {
    # shared data and errors, read by every layer
    "_version": 0, "errors": 0, "findings": 0, "report": 0,
    # assignments as data: the spec loader, the built-in catalog (finds the specs), [tool.gradcheck] settings
    "spec": 1, "catalog": 1, "config": 1,
    # running student code in a child process
    "sandbox": 2,
    # trials, observations, numeric comparisons
    "check": 3,
    # the submission as read: a .py, a notebook's kept cells, an input history
    "submission": 4,
    # problems found in the observations, and their words
    "diagnose": 5,
    # reports for humans and machines; explain pages
    "render": 6, "explain": 6,
    # grading one or many submissions; the Jupyter front end; check_grads on the caller's function
    "grade": 7, "combine": 7, "api": 7, "fixes": 7, "batch": 7, "workers": 7, "gradebook": 7, "notebook": 7, "grads": 7, "grads_words": 7,
    # command line, pytest plugin, the package's public face
    "cli": 8, "cli_base": 8, "cli_check": 8, "__main__": 8, "pytest_plugin": 8, "": 8,
}

# Imports allowed for now, each with its reason. Remove an entry when its reason is gone.
ALLOWED: set[tuple[str, str]] = set()


def _module_name(package_dir: Path, path: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Import statements that run (anywhere, also in functions), skipping TYPE_CHECKING blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph(package_dir: Path) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """(module -> modules it imports within the package, [(module, imported module, private name)])."""
    files = {_module_name(package_dir, p): p for p in package_dir.rglob("*.py")}
    root = package_dir.name
    edges: dict[str, set[str]] = {m: set() for m in files}
    private: list[tuple[str, str, str]] = []
    for mod, path in files.items():
        is_pkg = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [(f"{base}.{a.name}" if f"{base}.{a.name}" in files else base, a.name) for a in node.names]
            for target, name in targets:
                if target != root and not target.startswith(root + "."):
                    continue
                while target not in files and "." in target:  # `import a.b.c` of a non-module attribute
                    target = target.rsplit(".", 1)[0]
                edges[mod].add(target)
                if name and name.startswith("_") and not name.startswith("__") and _unit(target) != _unit(mod):
                    private.append((mod, target, name))
    return edges, private


def _unit(module: str) -> str:
    """The subpackage (or top-level module) a module belongs to: '' for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def problems(package_dir: Path, layers: dict[str, int], allowed: set[tuple[str, str]] = frozenset()) -> list[str]:
    edges, private = import_graph(package_dir)
    out = []
    for mod in sorted(edges):
        if _unit(mod) not in layers:
            out.append(f"{mod}: no layer (add it to LAYERS)")
            continue
        for target in sorted(edges[mod]):
            if _unit(target) in layers and layers[_unit(target)] > layers[_unit(mod)]:
                out.append(f"{mod} imports {target}, a higher layer")
    for comp in cycles(edges):
        out.append("import cycle: " + " <-> ".join(comp))
    for mod, target, name in private:
        if (mod, f"{target}.{name}") not in allowed:
            out.append(f"{mod} imports the private {name} from {target}")
    return out


def test_gradcheck_imports_only_downward():
    assert problems(ROOT / "gradcheck", LAYERS, ALLOWED) == []


def test_allowed_exceptions_are_still_needed():
    _, private = import_graph(ROOT / "gradcheck")
    found = {(mod, f"{target}.{name}") for mod, target, name in private}
    assert found >= ALLOWED, f"no longer imported, remove from ALLOWED: {ALLOWED - found}"


def test_render_modules_never_import_each_other():
    """Renderers share render/common.py; only formats.py (the {format: renderer} table) imports them."""
    edges, _ = import_graph(ROOT / "gradcheck")
    helpers = {"gradcheck.render", "gradcheck.render.common", "gradcheck.render.console", "gradcheck.render.heatmap", "gradcheck.render.axis_views"}
    for mod in sorted(m for m in edges if m.startswith("gradcheck.render.") and m != "gradcheck.render.formats"):
        inside = {t for t in edges[mod] if t.startswith("gradcheck.render")}
        assert inside <= helpers, f"{mod} imports {sorted(inside - helpers)}"


def test_the_rules_catch_what_they_are_for(tmp_path):
    pkg = tmp_path / "pkg"
    for rel, text in {
        "__init__.py": "",
        "low.py": "def f():\n    from .high import g  # lazy, still upward\n",
        "high.py": "from .low import f\nfrom .sub.a import _secret\n",
        "sub/__init__.py": "",
        "sub/a.py": "from . import b\n_secret = 1\n",
        "sub/b.py": "from .a import _secret  # same subpackage: fine\nimport pkg.sub.a\n",
        "typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .high import g\n",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    layers = {"": 9, "low": 0, "high": 1, "sub": 0, "typed": 0}
    found = problems(pkg, layers)
    assert "pkg.low imports pkg.high, a higher layer" in found
    assert "import cycle: pkg.high <-> pkg.low" in found
    assert "import cycle: pkg.sub.a <-> pkg.sub.b" in found
    assert "pkg.high imports the private _secret from pkg.sub.a" in found
    assert not any("typed" in p for p in found)  # TYPE_CHECKING imports never run
    assert not any("pkg.sub.b imports the private" in p for p in found)
    assert problems(pkg, layers, {("pkg.high", "pkg.sub.a._secret")}) == [p for p in found if "private" not in p]
