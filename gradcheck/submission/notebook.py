"""Notebooks as submissions: take the code to grade out of an ``.ipynb`` file or an input history.

``extract(path)`` reads an ``.ipynb`` file (nbformat 4 JSON; standard library only) and
builds one Python module from its code cells, in order, with a map from every line of
that module back to (cell, line within the cell). ``extract_cells(history_cells(In))`` does
the same with IPython's input history (the Jupyter front end is ``gradcheck.notebook``).
Statement by statement, ``select.py`` decides what is kept.

Cells are numbered as Jupyter shows them: code cells counted from 1 (markdown and raw
cells are not counted); ``CellInfo.index`` keeps the cell's position in the file. For
history, cell n is ``In[n]``.

Which code is kept
------------------
A notebook mixes the functions being graded with cells that load data, train, plot and
run tests. Only what defines things is kept; the module must import without running
anything expensive and without the names that only existed in the student's session.

1. Magics and shell lines (``%matplotlib inline``, ``!pip install …``, ``x = !ls``,
   ``np.dot?``) are commented out (``pass  # …`` inside an indented block) before
   parsing, so they never make a cell fail. A cell magic whose body is Python
   (``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``) loses only its first line; any
   other cell magic (``%%bash``, ``%%writefile``, ``%%html`` …) skips the cell.
2. A cell that still does not parse is skipped; the error is kept in
   ``Extracted.syntax_errors`` as (cell, line in the cell, message), and ``CellInfo.functions``
   lists the functions the cell appears to define (so a missing graded function can be
   reported as the syntax error it is).
3. Top-level statements of a cell are kept or dropped one by one (nothing inside a
   function or class body is ever changed):

   - kept: ``def`` and ``class`` (with their decorators), ``pass``, string literals
     (docstrings), ``import numpy`` in every form;
   - imports of plotting, test and notebook modules are dropped: matplotlib, seaborn,
     plotly, pylab, sklearn, IPython, ipywidgets, tqdm, unittest, pytest, doctest,
     ``testCases*``, ``test_cases*``, ``public_tests``, ``test_utils``, ``*_test(s)``,
     ``test_*``, ``*unittest`` and gradcheck itself; a ``from __future__`` import is
     dropped (it is only valid at the top of a file);
   - every other import is kept inside ``try: … / except ImportError: pass``, so a
     course module that is missing (``from planar_utils import …``, ``from dnn_utils
     import …``) does not stop the module from loading — gradcheck supplies the course
     helpers (``sigmoid`` …) that the file does not define;
   - simple constant assignments are kept: the value makes no call except to numpy
     constructors (``np.array``, ``np.zeros``, ``np.float32`` …) and harmless builtins
     (``int``, ``range``, ``len`` …), and reads only names the kept code defines;
   - dropped: expression statements (``train(...)``, ``plt.plot(...)``, ``print(...)``,
     ``backward_propagation_test(backward_propagation)``, ``np.random.seed(1)``, a bare
     name shown as the cell's value), ``assert``, top-level loops and ``with`` blocks,
     ``del``, ``global``, ``raise``, ``if __name__ == "__main__":``, assignments whose
     value calls anything else (``X, Y = load_planar_dataset()``, ``parameters =
     nn_model(X, Y)``), and any statement that reads a name only a dropped statement
     defined (``shape_X = X.shape`` after ``X`` was dropped);
   - ``if`` and ``try`` blocks are kept whole when everything in them would be kept (a
     ``try`` that catches ImportError may hold any import), and dropped whole otherwise.

4. Graded cells. From a marker such as ``# GRADED FUNCTION: backward_propagation``
   (also ``# GRADED CELL``, ``# GRADED_FUNCTION``, ``# UNQ_C3``) to the end of the cell,
   the student's code is kept as written with fewer exceptions: assignments may call
   numpy, builtins and the notebook's own functions and classes, and ``if`` / ``try``
   blocks are kept unless they train, plot, print or test. Still dropped there:
   expression statements, ``assert``, loops, ``with``, ``del``, the ``__main__`` guard,
   calls to training, plotting, printing and test functions, calls into course modules
   (which may be missing when grading), and reads of names no kept code defines.

In IPython's input history, magics have already become ``get_ipython().run_line_magic(…)``
calls, which are dropped like any call; the code of a ``%%time`` cell is a string argument
there and is not graded (the reason says so).

A cell with nothing kept is skipped, with the reason (``CellInfo.reason``). In kept cells,
dropped statements stay in the module as comments (``# (skipped) …``), so the module's
lines follow the cell's lines; each kept cell starts with a ``# %% cell [n]`` line.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from ..spec import pyast
from .magics import _strip_magics
from .select import DROP, GUARD, KEEP, Env, bound, decide, stmt_end, stmt_start

MAX_NOTEBOOK = 64 << 20  # bytes read from an .ipynb (outputs with images make notebooks large)

SKIPPED_PREFIX = "# (skipped) "

_MARKER = re.compile(r"^\s*#+\s*(GRADED[ _-]?(FUNCTION|CELL|CLASS|CODE)\b|UNQ_C\d+\b)", re.IGNORECASE)
_DEF_LINE = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)", re.MULTILINE)


class SyntaxIssue(NamedTuple):
    """A code cell that does not parse: its number, the line within the cell, the message."""

    cell: int
    line: int | None
    message: str


@dataclass(frozen=True)
class CellInfo:
    number: int  # as Jupyter shows it: code cells counted from 1 (history: n of In[n])
    index: int  # position in the notebook's cells (history: n of In[n])
    first_line: int | None  # line of the built source holding the cell's line 1 (None: skipped)
    line_count: int  # lines of the built source that come from this cell (0: skipped)
    cell_lines: int  # lines in the cell itself
    kept: bool
    reason: str  # why it was kept or skipped
    dropped: tuple[tuple[int, str], ...] = ()  # (line in the cell, why) for each dropped statement
    functions: tuple[str, ...] = ()  # functions the cell defines at top level
    graded: bool = False  # the cell carries a "# GRADED FUNCTION"-style marker


@dataclass
class Extracted:
    source: str
    cells: list[CellInfo]
    syntax_errors: list[SyntaxIssue] = field(default_factory=list)
    path: str | None = None
    origins: list[tuple[int, int] | None] = field(default_factory=list, repr=False)  # per built line
    texts: dict[int, str] = field(default_factory=dict, repr=False)  # cell number -> the cell's text
    counts: dict[int, int] = field(default_factory=dict, repr=False)  # cell number -> its saved execution count (In [N])

    def origin(self, line: int | None) -> tuple[int, int] | None:
        """(cell number, line within the cell) for a line of ``source``; None for lines gradcheck added."""
        if line is None or not isinstance(line, int) or not 1 <= line <= len(self.origins):
            return None
        return self.origins[line - 1]

    def cell(self, number: int) -> CellInfo | None:
        return next((c for c in self.cells if c.number == number), None)

    def cell_text(self, number: int) -> str | None:
        """The cell's code as the student wrote it (None for an unknown cell)."""
        return self.texts.get(number)

    def defined_twice(self) -> list[tuple[str, tuple[tuple[int, int], ...], int]]:
        """(function, ((cell, line of its def), …), the cell graded) for each function defined at top level in
        more than one cell; the cell graded is the one ``superseded`` keeps (docs/loading.md)."""
        return [(name, tuple(places), _ran_last([c for c, _ in places], self.counts))
                for name, places in _definitions(self.texts).items() if len(places) > 1]  # fmt: skip

    @property
    def functions(self) -> list[str]:
        """Functions defined by the kept cells, in order."""
        return [f for c in self.cells if c.kept for f in c.functions]

    def relocate(self, location: Any, file: str | None = None) -> Any:
        """A ``findings.Location`` in the built source, moved to (cell, line within the cell), with
        the cell's execution count; its ``via`` is moved the same way."""
        if location is None:
            return None
        via = self.relocate(location.via, file) if getattr(location, "via", None) is not None else None
        start = self.origin(location.line)
        if start is None:
            return replace(location, via=via) if file is None else replace(location, file=file, via=via)
        end = self.origin(location.end_line) if location.end_line is not None else None
        end_line = end[1] if end is not None and end[0] == start[0] else start[1]
        return replace(location, file=file if file is not None else (self.path or location.file), line=start[1], end_line=end_line,
                       cell=start[0], execution_count=self.counts.get(start[0]), via=via)  # fmt: skip

    def relocate_report(self, report: Any, file: str | None = None) -> Any:
        """A copy of ``report`` whose findings point at notebook cells (``Location.cell``); ``file`` also names the report's file."""
        findings = [replace(f, location=self.relocate(f.location, file)) if f.location is not None else f for f in report.findings]
        return replace(report, findings=findings) if file is None else replace(report, findings=findings, file=file)


# ---------------------------------------------------------------------------------------
# Reading the notebook file


def extract(path: str | Path) -> Extracted:
    """Build a module from a notebook's code cells (see the module docstring for the rules)."""
    path = Path(path)
    counts: dict[int, int] = {}
    cells = read_notebook(path, counts)
    out = extract_cells(cells, label=path.name, counts=counts)
    out.path = str(path)
    return out


def read_notebook(path: Path, counts: dict[int, int] | None = None) -> list[tuple[int, int, str]]:
    """(number, raw index, text) of each code cell; ValueError when the file is not an nbformat 4 notebook.
    ``counts`` receives each cell's execution count, where the notebook was saved with one."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_NOTEBOOK + 1)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the notebook ({exc.strerror or exc})") from None
    if len(data) > MAX_NOTEBOOK:
        raise ValueError(f"{path}: the notebook is larger than {MAX_NOTEBOOK >> 20} MiB (clear its outputs and try again)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a Jupyter notebook: the file is not UTF-8 text") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (is this a Python file? pass the .py file instead)" if path.suffix != ".ipynb" or _looks_like_python(text) else ""
        raise ValueError(
            f"{path}: not a Jupyter notebook: the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}){hint}"
        ) from None
    except RecursionError:
        raise ValueError(f"{path}: not a Jupyter notebook: the JSON is nested too deeply") from None
    if not isinstance(nb, dict):
        raise ValueError(f"{path}: not a Jupyter notebook: the JSON is a {type(nb).__name__}, not an object with 'cells'")
    version = nb.get("nbformat")
    if isinstance(version, int) and not isinstance(version, bool) and version < 4:
        raise ValueError(
            f"{path}: notebook format {version} is not supported; gradcheck reads nbformat 4 "
            "(open and save the notebook in Jupyter, or run `jupyter nbconvert --to notebook --inplace` on it)"
        )
    if "cells" not in nb:
        if "worksheets" in nb:
            raise ValueError(f"{path}: notebook format 3 is not supported; gradcheck reads nbformat 4 (open and save it in Jupyter)")
        raise ValueError(f"{path}: not a Jupyter notebook: the JSON has no 'cells' list")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"{path}: not a Jupyter notebook: 'nbformat' is missing or not a number")
    if not isinstance(nb["cells"], list):
        raise ValueError(f"{path}: not a Jupyter notebook: 'cells' is not a list")
    out = []
    number = 0
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"{path}: not a valid notebook: cell {index} has no 'cell_type'")
        if cell["cell_type"] != "code":
            continue
        number += 1
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        elif not isinstance(source, str):
            raise ValueError(f"{path}: not a valid notebook: the source of code cell {number} is neither a string nor a list of strings")
        out.append((number, index, source))
        count = cell.get("execution_count")
        if counts is not None and isinstance(count, int) and not isinstance(count, bool):
            counts[number] = count
    return out


def _looks_like_python(text: str) -> bool:
    return bool(re.search(r"^\s*(import\s|from\s+\S+\s+import\s|def\s)", text, re.MULTILINE))


# ---------------------------------------------------------------------------------------
# Building the module


@dataclass
class _Builder:
    label: str
    lines: list[str] = field(default_factory=list)
    origins: list[tuple[int, int] | None] = field(default_factory=list)

    def add(self, text: str, origin: tuple[int, int] | None) -> None:
        self.lines.append(text)
        self.origins.append(origin)


def extract_cells(cells: list[tuple[int, int, str]], label: str = "notebook", counts: dict[int, int] | None = None) -> Extracted:
    """Build the module from (number, raw index, text) code cells, in order; ``counts``: execution counts."""
    b = _Builder(label)
    b.add(f"# Built by gradcheck from {label}: the code cells that define things, in order.", None)
    env = Env()
    infos: list[CellInfo] = []
    issues: list[SyntaxIssue] = []
    texts = {number: raw.replace("\r\n", "\n").replace("\r", "\n") for number, _, raw in cells}
    env.superseded = superseded(texts, counts or {})
    for number, index, _ in cells:
        text = texts[number]
        info, issue = _cell(b, env, number, index, text)
        infos.append(info)
        if issue is not None:
            issues.append(issue)
    source = "\n".join(b.lines) + "\n"
    return Extracted(source=source, cells=infos, syntax_errors=issues, origins=b.origins, texts=texts, counts=dict(counts or {}))


def _split(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _cell(b: _Builder, env: Env, number: int, index: int, text: str) -> tuple[CellInfo, SyntaxIssue | None]:
    lines = _split(text)
    marker = next((i + 1 for i, ln in enumerate(lines) if _MARKER.match(ln)), None)

    def skipped(reason: str, functions: tuple[str, ...] = (), dropped: tuple[tuple[int, str], ...] = ()) -> CellInfo:
        return CellInfo(number, index, None, 0, len(lines), False, reason, dropped, functions, marker is not None)

    if not any(ln.strip() and not ln.strip().startswith("#") for ln in lines):
        return skipped("empty" if not any(ln.strip() for ln in lines) else "only comments"), None
    lines, magic = _strip_magics(lines)
    if magic is not None:
        return skipped(f"cell magic %%{magic}: the cell is not Python", _guess_functions(text)), None
    code = "\n".join(lines) + "\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = pyast.parse(code)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return skipped(f"syntax error{where}: {msg}", _guess_functions(text)), SyntaxIssue(number, exc.lineno, msg)
    except (ValueError, RecursionError, MemoryError) as exc:
        msg = f"the cell cannot be parsed ({type(exc).__name__}: {exc})"
        return skipped(msg, _guess_functions(text)), SyntaxIssue(number, None, msg)

    functions = tuple(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    decisions = []  # (stmt, action, reason)
    for stmt in tree.body:
        graded = marker is not None and stmt_start(stmt) > marker
        action, reason = decide(stmt, env, graded)
        later = env.superseded.get((number, getattr(stmt, "name", None)))
        if later is not None:
            action, reason = DROP, later
        decisions.append((stmt, action, reason))
        env.record(stmt, action)
    kept = [(s, a) for s, a, _ in decisions if a != DROP]
    dropped = tuple((stmt_start(s), r) for s, a, r in decisions if a == DROP)
    meaningful = [s for s, _ in kept if not _is_noop(s)]
    if not tree.body:
        return skipped("only IPython magics and comments"), None
    if not meaningful:
        reasons = _unique(r for _, r in dropped)
        why = "runs code only: " + "; ".join(reasons[:3]) + ("; …" if len(reasons) > 3 else "") if reasons else "nothing to keep"
        return skipped(why, functions, dropped), None

    first = len(b.lines) + 1
    b.add(f"# %% cell [{number}]", None)
    _emit(b, number, lines, code, decisions)
    return CellInfo(number, index, first + 1, len(b.lines) - first, len(lines), True, _kept_reason(meaningful),
                    dropped, functions, marker is not None), None  # fmt: skip


def superseded(texts: dict[int, str], counts: dict[int, int]) -> dict[tuple[int, str], str]:
    """{(cell, function): why} for each definition of a function that another cell defines again and
    Jupyter ran later: the highest execution count, when every such cell has one (else the last
    cell wins, as it does when the module runs)."""
    out: dict[tuple[int, str], str] = {}
    for name, places in _definitions(texts).items():
        cells = [c for c, _ in places]
        if len(cells) < 2 or not all(c in counts for c in cells):
            continue  # file order: the later cell's definition replaces the earlier one when the module runs
        winner = _ran_last(cells, counts)
        for c in cells:
            if c != winner:
                out[(c, name)] = (f"defines {name} again: cell [{winner}] also defines it and ran last "
                                  f"(execution count [{counts[winner]}], this cell [{counts[c]}])")
    return out


def _ran_last(cells: list[int], counts: dict[int, int]) -> int:
    """The cell whose definition stands: the highest execution count when every cell has one, else the last cell."""
    return max(cells, key=lambda c: counts[c]) if all(c in counts for c in cells) else cells[-1]


def _definitions(texts: dict[int, str]) -> dict[str, list[tuple[int, int]]]:
    """{function: [(cell, first line of its def in the cell), …]} over the cells that parse, in cell order."""
    where: dict[str, list[tuple[int, int]]] = {}
    for number, text in texts.items():
        lines, magic = _strip_magics(_split(text))
        if magic is not None:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = pyast.parse("\n".join(lines) + "\n")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                places = where.setdefault(stmt.name, [])
                if not places or places[-1][0] != number:
                    places.append((number, stmt_start(stmt)))
    return where


def _guess_functions(text: str) -> tuple[str, ...]:
    return tuple(_DEF_LINE.findall(text))


def _unique(items) -> list[str]:
    seen: list[str] = []
    for i in items:
        if i not in seen:
            seen.append(i)
    return seen


def _is_noop(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))


def _kept_reason(stmts: list[ast.stmt]) -> str:
    defs = [s.name for s in stmts if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    parts = []
    if defs:
        parts.append("defines " + ", ".join(defs))
    if any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in stmts):
        parts.append("imports")
    assigned = sorted({n for s in stmts if isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)) for n in bound(s)})
    if assigned:
        parts.append("assigns " + ", ".join(assigned))
    if any(isinstance(s, (ast.If, ast.Try)) for s in stmts):
        parts.append("keeps a definition block")
    return "; ".join(parts) or "kept"


def _emit(b: _Builder, number: int, lines: list[str], code: str, decisions: list[tuple[ast.stmt, str, str]]) -> None:
    """Write the cell's lines: kept as they are, dropped ones commented, guarded imports wrapped."""
    groups: list[list[tuple[ast.stmt, str, str]]] = []
    for d in decisions:  # statements sharing a line (a; b) form one group
        if groups and stmt_start(d[0]) <= stmt_end(groups[-1][-1][0]):
            groups[-1].append(d)
        else:
            groups.append([d])
    line = 1
    for group in groups:
        start, end = stmt_start(group[0][0]), max(stmt_end(s) for s, _, _ in group)
        while line < start:  # comments and blank lines between statements
            b.add(lines[line - 1], (number, line))
            line += 1
        actions = {a for _, a, _ in group}
        if len(group) == 1 or actions == {KEEP} or actions == {DROP}:
            action = group[0][1] if len(actions) == 1 else KEEP
            _emit_lines(b, number, start, lines[start - 1 : end], action)
        else:  # a; b with different fates: each statement on its own lines
            for stmt, action, _ in group:
                segment = ast.get_source_segment(code, stmt) or ""
                _emit_lines(b, number, stmt_start(stmt), segment.split("\n"), action)
        line = end + 1
    while line <= len(lines):
        b.add(lines[line - 1], (number, line))
        line += 1


def _emit_lines(b: _Builder, number: int, start: int, chunk: list[str], action: str) -> None:
    for k, text in enumerate(chunk):
        origin = (number, start + k)
        if action == DROP:
            b.add(SKIPPED_PREFIX + text if text.strip() else text, origin)
        elif action == GUARD and k == 0:
            b.add("try: " + text, origin)
        else:
            b.add(text, origin)
    if action == GUARD:
        b.add("except ImportError: pass", (number, start + len(chunk) - 1))


# ---------------------------------------------------------------------------------------
# IPython's input history


def history_cells(history: Any) -> list[tuple[int, int, str]]:
    """(n, n, text) for each entry In[n] of IPython's input history (In[0] is empty)."""
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise RuntimeError("the input history ('In') is not a list of strings; call check_notebook() from a notebook cell")
    return [(n, n, text) for n, text in enumerate(history) if isinstance(text, str) and n > 0]
