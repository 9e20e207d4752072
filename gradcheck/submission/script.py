"""A ``.py`` file as handed in: a notebook export (nbconvert), a file with course imports, a module of a package.

The rule (docs/loading.md):

- A ``.py`` file is loaded **like the notebook it came from** when it carries evidence of one
  (``evidence``): nbconvert's cell markers (``# In[3]:``), ``get_ipython()``, an import of a
  course helper module or of a library a grader need not have (``planar_utils``,
  ``public_tests``, ``testCases*``, matplotlib, h5py, scipy, PIL, sklearn, IPython,
  ``past`` …), or a top-level call to a name the file neither defines nor imports (a course
  test function). Its top-level statements then go through the notebook's keep/drop rules
  (``select.decide``): definitions and imports are kept, top-level calls, plots, dataset
  loading and training loops are commented out (``build``), each with its reason. The lines
  keep their numbers. Modules it imports that are missing become stand-ins in the child.
- A file inside a package (its folder holds ``__init__.py``) is loaded as a module of that
  package (``package_of``), as it is: the package's other modules import it by name.
- Any other ``.py`` runs as written: what it raises at import is a finding (GC002).
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings
from pathlib import Path

from ..check import parsed
from ..spec import pyast
from .select import DROP, Env, decide, stmt_end, stmt_start

# Course helper modules and libraries whose import marks a course file (and may be stood in).
COURSE_MODULES = re.compile(
    r"^(planar_utils|dnn_utils\w*|dnn_app_utils\w*|testCases\w*|test_cases\w*|public_tests|reg_utils|gc_utils|lr_utils|"
    r"test_utils|init_utils|opt_utils\w*|cs231n|past)$"
)
LIBRARIES = frozenset({"matplotlib", "h5py", "scipy", "PIL", "sklearn", "IPython", "pylab", "seaborn", "imageio", "skimage"})
_CELL_MARKER = re.compile(r"^# In\[[ \d]*\]:\s*$", re.MULTILINE)
_GRADED = re.compile(r"^\s*#+\s*(GRADED[ _-]?(FUNCTION|CELL|CLASS|CODE)\b|UNQ_C\d+\b)", re.IGNORECASE)
_BUILTINS = frozenset(dir(builtins))


def package_of(path: Path) -> tuple[Path, str] | None:
    """(package root, dotted module name) for a file whose folder is a package; None otherwise."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        parts.insert(0, folder.name)
        folder = folder.parent
    return (folder, ".".join(parts)) if len(parts) > 1 and path.stem.isidentifier() else None


def _parse(source: str) -> ast.Module | None:
    found = parsed.tree(source)
    if found is not None:
        return found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def evidence(source: str) -> list[str]:
    """Why the file looks like a notebook export or a course file (empty: a plain .py)."""
    tree = _parse(source)
    if tree is None:
        return []  # a syntax error is reported as it is (GC001)
    found = []
    if _CELL_MARKER.search(source):
        found.append("nbconvert cell markers (# In[ ]:)")
    names, roots, defined = _read(tree)
    if "get_ipython" in names:
        found.append("get_ipython() calls")
    course = sorted(r for r in roots if COURSE_MODULES.match(r) or r in LIBRARIES)
    if course:
        found.append("imports " + ", ".join(course))
    unknown = _calls_to_undefined(tree, defined)
    if unknown:
        found.append("top-level calls to " + ", ".join(unknown) + ", which the file does not define")
    return found


def _read(tree: ast.Module) -> tuple[set[str], set[str], set[str]]:
    """In one walk: every name used, the root of every absolute import, and every name the
    file defines (functions, classes, imports, assignments) or Python does (builtins)."""
    names: set[str] = set()
    roots: set[str] = set()
    defined = set(_BUILTINS)
    for n in parsed.nodes(tree):
        if isinstance(n, ast.Name):
            names.add(n.id)
            if isinstance(n.ctx, ast.Store):
                defined.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            defined |= {a.asname or a.name.split(".")[0] for a in n.names}
            if isinstance(n, ast.Import):
                roots |= {a.name.split(".")[0] for a in n.names}
            elif n.level == 0 and n.module:
                roots.add(n.module.split(".")[0])
    return names, roots, defined


def _calls_to_undefined(tree: ast.Module, defined: set[str]) -> list[str]:
    out = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id not in defined and n.func.id not in out:
                out.append(n.func.id)
    return out[:3]


def build(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The module the child imports, line for line, and (line, why) for each top-level statement left out."""
    tree = _parse(source)
    lines = source.split("\n")
    if tree is None:
        return source, []
    graded_from = _graded_lines(lines)
    env = Env()
    decisions = []
    for stmt in tree.body:
        action, why = decide(stmt, env, graded_from[stmt_start(stmt) - 1])
        env.record(stmt, action)
        decisions.append((stmt, action, why))
    dropped = []
    for group in _groups(decisions):
        actions = {a for _, a, _ in group}
        if actions != {DROP} and DROP in actions and stmt_start(group[0][0]) == stmt_end(group[-1][0]):
            _drop_within_line(lines, source, group)  # a; b on one line with different fates
        elif actions == {DROP}:
            for line in range(stmt_start(group[0][0]), max(stmt_end(s) for s, _, _ in group) + 1):
                if lines[line - 1].strip():
                    lines[line - 1] = "# (skipped) " + lines[line - 1]
        dropped += [(stmt_start(s), why) for s, a, why in group if a == DROP]
    return "\n".join(lines), dropped


def _graded_lines(lines: list[str]) -> list[bool]:
    """For each line: is it after a GRADED marker of its nbconvert cell (the notebook's graded-cell rule)."""
    out, graded = [], False
    for text in lines:
        if _CELL_MARKER.match(text):
            graded = False
        elif _GRADED.match(text):
            graded = True
        out.append(graded)
    return out


def _groups(decisions: list) -> list[list]:
    groups: list[list] = []
    for d in decisions:  # statements sharing a line (a; b) form one group
        if groups and stmt_start(d[0]) <= stmt_end(groups[-1][-1][0]):
            groups[-1].append(d)
        else:
            groups.append([d])
    return groups


def _drop_within_line(lines: list[str], source: str, group: list) -> None:
    parts = [(ast.get_source_segment(source, s) or "pass") if a != DROP else "pass" for s, a, _ in group]
    number = stmt_start(group[0][0])
    indent = lines[number - 1][: len(lines[number - 1]) - len(lines[number - 1].lstrip())]
    lines[number - 1] = indent + "; ".join(parts)
