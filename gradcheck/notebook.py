"""Jupyter notebooks: take the code to grade out of a notebook, and grade from inside Jupyter.

``extract(path)`` reads an ``.ipynb`` file (nbformat 4 JSON; standard library only) and
builds one Python module from its code cells, in order, with a map from every line of
that module back to (cell, line within the cell). ``check_notebook()`` and the
``%gradcheck`` line magic do the same with IPython's input history (``In``) and grade it.

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
import builtins
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

MAX_NOTEBOOK = 64 << 20  # bytes read from an .ipynb (outputs with images make notebooks large)

KEEP, GUARD, DROP = "keep", "guard", "drop"

SKIPPED_PREFIX = "# (skipped) "

# Cell magics whose body is ordinary Python run once (or timed): only the first line goes.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun", "snakeviz"})

_MARKER = re.compile(r"^\s*#+\s*(GRADED[ _-]?(FUNCTION|CELL|CLASS|CODE)\b|UNQ_C\d+\b)", re.IGNORECASE)
_CELL_MAGIC = re.compile(r"^\s*%%\s*([A-Za-z_][\w-]*)")
_LINE_MAGIC = re.compile(r"^\s*[%!]")
_HELP = re.compile(r"^\s*(\?\??[\w.]+|[\w.]+\?\??)\s*$")
_ASSIGN_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.,\s\[\]()*]*=\s*[%!](?!=)")
_DEF_LINE = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)", re.MULTILINE)

# Imports of these modules are dropped (plotting, tests, notebook-only tools).
_DROP_MODULES = frozenset(
    {
        "matplotlib", "pylab", "seaborn", "plotly", "bokeh", "sklearn", "IPython", "ipywidgets", "tqdm",
        "unittest", "pytest", "doctest", "public_tests", "test_utils", "gradcheck", "google",
    }
)  # fmt: skip
_TEST_MODULE = re.compile(r"(^test|_tests?$|^testcases|^test_?cases|unittest$|^grader|_grader$)", re.IGNORECASE)
_PLOT_MODULES = frozenset({"matplotlib", "pylab", "seaborn", "plotly", "bokeh"})

# Calls a constant assignment may make.
_SAFE_BUILTINS = frozenset(
    {"int", "float", "complex", "bool", "str", "bytes", "tuple", "list", "dict", "set", "frozenset", "range", "len",
     "abs", "min", "max", "round", "sum", "sorted", "reversed", "zip", "enumerate", "pow", "divmod", "slice", "object"}
)  # fmt: skip
_NUMPY_CONSTANT = frozenset(
    {"array", "asarray", "zeros", "ones", "full", "empty", "eye", "identity", "arange", "linspace", "logspace",
     "zeros_like", "ones_like", "full_like", "finfo", "iinfo", "dtype", "float16", "float32", "float64", "longdouble",
     "int8", "int16", "int32", "int64", "uint8", "bool_", "sqrt", "log", "exp", "default_rng", "RandomState"}
)  # fmt: skip
_NUMPY_IO = re.compile(r"^(load|loadtxt|genfromtxt|fromfile|save|savez|savetxt|savez_compressed|memmap)$")
_PRINT = frozenset({"print", "display", "pprint", "pp", "input", "breakpoint", "help", "exit", "quit"})
_PLOT_NAME = re.compile(r"(plot|show|imshow|scatter|figure|subplots?$|savefig|hist$|legend|xlabel|ylabel|title$|axis$|colorbar|contourf?$)")
_TEST_NAME = re.compile(r"(test|check_|_check$|^assert|grader)", re.IGNORECASE)
_TRAIN_NAME = re.compile(r"(train|(^|_)fit($|_)|(^|_)model$|^model|optimi[sz]e|gradient_descent|predict)", re.IGNORECASE)

_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__doc__", "__file__", "__builtins__", "__spec__", "__loader__", "__package__"}


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

    @property
    def functions(self) -> list[str]:
        """Functions defined by the kept cells, in order."""
        return [f for c in self.cells if c.kept for f in c.functions]

    def relocate(self, location: Any, file: str | None = None) -> Any:
        """A ``findings.Location`` in the built source, moved to (cell, line within the cell)."""
        if location is None:
            return None
        start = self.origin(location.line)
        if start is None:
            return location if file is None else replace(location, file=file)
        end = self.origin(location.end_line) if location.end_line is not None else None
        end_line = end[1] if end is not None and end[0] == start[0] else start[1]
        return replace(
            location, file=file if file is not None else (self.path or location.file), line=start[1], end_line=end_line, cell=start[0]
        )

    def relocate_report(self, report: Any, file: str | None = None) -> Any:
        """A copy of ``report`` whose findings point at notebook cells (``Location.cell``); ``file`` also names the report's file."""
        findings = [replace(f, location=self.relocate(f.location, file)) if f.location is not None else f for f in report.findings]
        return replace(report, findings=findings) if file is None else replace(report, findings=findings, file=file)


# ---------------------------------------------------------------------------------------
# Reading the notebook file


def extract(path: str | Path) -> Extracted:
    """Build a module from a notebook's code cells (see the module docstring for the rules)."""
    path = Path(path)
    cells = read_notebook(path)
    out = extract_cells(cells, label=path.name)
    out.path = str(path)
    return out


def read_notebook(path: Path) -> list[tuple[int, int, str]]:
    """(number, raw index, text) of each code cell; ValueError when the file is not an nbformat 4 notebook."""
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
    return out


def _looks_like_python(text: str) -> bool:
    return bool(re.search(r"^\s*(import\s|from\s+\S+\s+import\s|def\s)", text, re.MULTILINE))


# ---------------------------------------------------------------------------------------
# Building the module


@dataclass
class _Env:
    """What the kept code has defined so far, and what only dropped code defined."""

    defined: set[str] = field(default_factory=lambda: set(_BUILTIN_NAMES))
    dropped: set[str] = field(default_factory=set)
    guarded: set[str] = field(default_factory=set)  # bound by imports that may fail
    functions: set[str] = field(default_factory=set)  # the notebook's own functions and classes
    modules: dict[str, str] = field(default_factory=dict)  # alias -> module (kept or dropped imports)
    star: bool = False  # a guarded `from … import *` may define anything

    def copy(self) -> _Env:
        return _Env(set(self.defined), set(self.dropped), set(self.guarded), set(self.functions), dict(self.modules), self.star)

    def bind(self, names: set[str]) -> None:
        self.defined |= names
        self.dropped -= names


@dataclass
class _Builder:
    label: str
    lines: list[str] = field(default_factory=list)
    origins: list[tuple[int, int] | None] = field(default_factory=list)

    def add(self, text: str, origin: tuple[int, int] | None) -> None:
        self.lines.append(text)
        self.origins.append(origin)


def extract_cells(cells: list[tuple[int, int, str]], label: str = "notebook") -> Extracted:
    """Build the module from (number, raw index, text) code cells, in order."""
    b = _Builder(label)
    b.add(f"# Built by gradcheck from {label}: the code cells that define things, in order.", None)
    env = _Env()
    infos: list[CellInfo] = []
    issues: list[SyntaxIssue] = []
    texts: dict[int, str] = {}
    for number, index, raw in cells:
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        texts[number] = text
        info, issue = _cell(b, env, number, index, text)
        infos.append(info)
        if issue is not None:
            issues.append(issue)
    source = "\n".join(b.lines) + "\n"
    return Extracted(source=source, cells=infos, syntax_errors=issues, origins=b.origins, texts=texts)


def _split(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _cell(b: _Builder, env: _Env, number: int, index: int, text: str) -> tuple[CellInfo, SyntaxIssue | None]:
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
            tree = ast.parse(code)
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
        graded = marker is not None and _start(stmt) > marker
        action, reason = _decide(stmt, env, graded)
        decisions.append((stmt, action, reason))
        names = _bound(stmt)
        if action == DROP:
            env.dropped |= names - env.defined
        else:
            env.bind(names)
            if action == GUARD:
                env.guarded |= names
                if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                    env.star = True
            else:
                env.guarded -= names
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                env.functions.add(stmt.name)
    kept = [(s, a) for s, a, _ in decisions if a != DROP]
    dropped = tuple((_start(s), r) for s, a, r in decisions if a == DROP)
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
    assigned = sorted({n for s in stmts if isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)) for n in _bound(s)})
    if assigned:
        parts.append("assigns " + ", ".join(assigned))
    if any(isinstance(s, (ast.If, ast.Try)) for s in stmts):
        parts.append("keeps a definition block")
    return "; ".join(parts) or "kept"


def _strip_magics(lines: list[str]) -> tuple[list[str], str | None]:
    """Comment out IPython syntax; the name of a non-Python cell magic when the cell is one."""
    out = list(lines)
    first = next((i for i, ln in enumerate(out) if ln.strip()), None)
    if first is not None:
        m = _CELL_MAGIC.match(out[first])
        if m:
            if m.group(1) not in PYTHON_CELL_MAGICS:
                return out, m.group(1)
            out[first] = "# " + out[first]
    code = "\n".join(out) + "\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
        return out, None  # plain Python: a line starting with % is an operator's continuation
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    for i, ln in enumerate(out):
        if _LINE_MAGIC.match(ln) or _HELP.match(ln) or _ASSIGN_MAGIC.match(ln):
            stripped = ln.lstrip()
            indent = ln[: len(ln) - len(stripped)]
            out[i] = f"{indent}pass  # {stripped}" if indent else f"# {stripped}"
    return out, None


def _start(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno] + [d.lineno for d in decorators])


def _end(stmt: ast.stmt) -> int:
    return getattr(stmt, "end_lineno", None) or stmt.lineno


def _emit(b: _Builder, number: int, lines: list[str], code: str, decisions: list[tuple[ast.stmt, str, str]]) -> None:
    """Write the cell's lines: kept as they are, dropped ones commented, guarded imports wrapped."""
    groups: list[list[tuple[ast.stmt, str, str]]] = []
    for d in decisions:  # statements sharing a line (a; b) form one group
        if groups and _start(d[0]) <= _end(groups[-1][-1][0]):
            groups[-1].append(d)
        else:
            groups.append([d])
    line = 1
    for group in groups:
        start, end = _start(group[0][0]), max(_end(s) for s, _, _ in group)
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
                _emit_lines(b, number, _start(stmt), segment.split("\n"), action)
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
# Deciding one top-level statement


def _decide(stmt: ast.stmt, env: _Env, graded: bool, import_safe: bool = False) -> tuple[str, str]:
    """(keep | guard | drop, why) for one top-level statement."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return _decide_import(stmt, env, import_safe)
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        bad = _undefined(_header_reads(stmt), env)
        if bad and isinstance(stmt, ast.ClassDef):
            return DROP, f"class {stmt.name} {_uses(bad, env)}"
        return KEEP, f"defines {stmt.name}"
    if isinstance(stmt, ast.Pass):
        return KEEP, "pass"
    if isinstance(stmt, ast.Expr):
        if isinstance(stmt.value, ast.Constant):
            return KEEP, "a string"
        call = stmt.value if isinstance(stmt.value, ast.Call) else None
        if call is None and isinstance(stmt.value, ast.Await) and isinstance(stmt.value.value, ast.Call):
            call = stmt.value.value
        if call is not None:
            magic = _history_cell_magic(call)
            if magic is not None:
                return DROP, f"cell magic %%{magic} (the input history keeps its code as a string: run the cell without it to grade it)"
            return DROP, _call_reason(call, env)
        return DROP, "shows a value"
    if isinstance(stmt, ast.Assert):
        return DROP, "assert (a test)"
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return DROP, "a loop at top level"
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return DROP, "a with block at top level"
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return _decide_assign(stmt, env, graded)
    if isinstance(stmt, ast.If):
        if _is_main_guard(stmt.test):
            return DROP, 'the if __name__ == "__main__" block'
        return _decide_block(stmt, [stmt.test], [stmt.body, stmt.orelse], env, graded, import_safe, "if")
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        catches = any(_catches_import_error(h) for h in stmt.handlers)  # type: ignore[attr-defined]
        blocks = [stmt.body] + [h.body for h in stmt.handlers] + [stmt.orelse, stmt.finalbody]  # type: ignore[attr-defined]
        return _decide_block(stmt, [], blocks, env, graded, import_safe or catches, "try")
    if type(stmt).__name__ == "TypeAlias":
        return KEEP, "a type alias"
    kind = {ast.Delete: "del", ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Raise: "raise"}.get(type(stmt))
    return DROP, f"{kind or type(stmt).__name__.lower()} at top level"


def _decide_import(stmt: ast.Import | ast.ImportFrom, env: _Env, import_safe: bool) -> tuple[str, str]:
    if isinstance(stmt, ast.ImportFrom):
        modules = [("." * stmt.level) + (stmt.module or "")]
        for a in stmt.names:
            if a.name != "*":
                env.modules[a.asname or a.name] = f"{modules[0]}.{a.name}"
    else:
        modules = [a.name for a in stmt.names]
        for a in stmt.names:
            env.modules[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    roots = [m.lstrip(".").split(".")[0] for m in modules]
    if "__future__" in roots:
        return DROP, "a __future__ import is only valid at the top of a file"
    dropped = [m for m, r in zip(modules, roots) if _dropped_module(r)]
    if dropped and len(dropped) == len(modules):
        if any(r in _PLOT_MODULES for r in roots):
            kind = "a plotting module"
        elif any(_TEST_MODULE.search(r) for r in roots):
            kind = "a test module"
        else:
            kind = "not needed for grading"
        return DROP, f"imports {', '.join(dropped)} ({kind})"
    if dropped:
        return DROP, f"imports {', '.join(dropped)} with other modules on one line"
    if all(r == "numpy" for r in roots) or import_safe:
        return KEEP, "imports " + ", ".join(modules)
    return GUARD, "imports " + ", ".join(modules) + " (kept if available)"


def _dropped_module(root: str) -> bool:
    return root in _DROP_MODULES or bool(_TEST_MODULE.search(root))


def _decide_assign(stmt: ast.Assign | ast.AnnAssign | ast.AugAssign, env: _Env, graded: bool) -> tuple[str, str]:
    value = stmt.value
    if value is None:
        return KEEP, "an annotation"
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    if any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom)) for n in _walk_outside_scopes(value)):
        return DROP, "await or yield at top level"
    for call in _calls(value):
        why = _call_problem(call, env, graded)
        if why is not None:
            return DROP, why
    reads = _reads(value) | {n for t in targets for n in _target_reads(t)}
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        reads.add(stmt.target.id)
    bad = _undefined(reads, env)
    if bad:
        return DROP, _uses(bad, env)
    return KEEP, "assigns " + ", ".join(sorted(_bound(stmt)))


def _decide_block(stmt: ast.stmt, tests: list[ast.expr], blocks: list[list[ast.stmt]], env: _Env, graded: bool,
                  import_safe: bool, kind: str) -> tuple[str, str]:  # fmt: skip
    for test in tests:
        for call in _calls(test):
            why = _call_problem(call, env, graded)
            if why is not None:
                return DROP, f"an {kind} block that {why}"
        bad = _undefined(_reads(test), env)
        if bad:
            return DROP, f"an {kind} block that {_uses(bad, env)}"
    trial = env.copy()
    for body in blocks:
        for inner in body:
            action, why = _decide(inner, trial, graded, import_safe)
            if action != KEEP:
                return DROP, f"an {kind} block with code that is not kept ({why})"
            trial.bind(_bound(inner))
    return KEEP, f"an {kind} block of definitions"


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException") for t in types)


# ---------------------------------------------------------------------------------------
# Calls and names


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "(…)")
    else:
        parts.append("…")
    return ".".join(reversed(parts))


def _call_kind(call: ast.Call, env: _Env) -> str | None:
    """print | plot | test | train, or None for any other call."""
    name = _dotted(call.func)
    parts = name.split(".")
    root, last = parts[0], parts[-1]
    module = env.modules.get(root, "")
    mroot = module.lstrip(".").split(".")[0]
    if len(parts) == 1 and root in _PRINT:
        return "output"
    if mroot in _PLOT_MODULES or root in ("plt", "sns", "px") or (mroot != "numpy" and _PLOT_NAME.search(last)):
        return "plotting"
    if mroot and _TEST_MODULE.search(mroot) or any(_TEST_NAME.search(p) for p in parts):
        return "test"
    if _TRAIN_NAME.search(last):
        return "training"
    return None


def _call_reason(call: ast.Call, env: _Env) -> str:
    kind = _call_kind(call, env)
    name = _dotted(call.func)
    return f"{kind} call {name}(...)" if kind else f"runs code: {name}(...)"


def _history_cell_magic(call: ast.Call) -> str | None:
    """The magic's name for ``get_ipython().run_cell_magic('time', '', code)`` (how In keeps a %%time cell)."""
    if _dotted(call.func) == "get_ipython(…).run_cell_magic" and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value)
    return None


def _call_problem(call: ast.Call, env: _Env, graded: bool) -> str | None:
    """Why an assignment making this call is dropped; None when the call may stay."""
    kind = _call_kind(call, env)
    name = _dotted(call.func)
    if kind:
        return f"assigns the result of a {kind} call {name}(...)"
    parts = name.split(".")
    root, last = parts[0], parts[-1]
    module = env.modules.get(root, "")
    if module.split(".")[0] == "numpy" and root in env.defined:
        if _NUMPY_IO.match(last):
            return f"reads or writes files: {name}(...)"
        if last in _NUMPY_CONSTANT or graded:
            return None
        return f"assigns the result of {name}(...), which runs code"
    if len(parts) == 1 and root in _SAFE_BUILTINS and root not in env.functions and root not in env.guarded:
        return None
    if module == "math" and root in env.defined:
        return None
    if graded:
        if root in env.guarded:
            return f"calls {name} from a course module, which may be missing when grading"
        if root in env.functions or (len(parts) > 1 and root in env.defined and root not in _BUILTIN_NAMES):
            return None
        if root in env.defined and root in _BUILTIN_NAMES and root not in ("open", "exec", "eval", "compile", "__import__", "input"):
            return None
    return f"assigns the result of {name}(...), which runs code"


def _walk_outside_scopes(node: ast.AST):
    """Nodes evaluated when the statement runs: not inside lambdas or nested function bodies."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, ast.Lambda):
            stack.extend(n.args.defaults + [d for d in n.args.kw_defaults if d is not None])
        else:
            stack.extend(ast.iter_child_nodes(n))


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in _walk_outside_scopes(node) if isinstance(n, ast.Call)]


def _reads(node: ast.AST) -> set[str]:
    """Names an expression reads when evaluated (comprehension variables excluded)."""
    local: set[str] = set()
    for n in _walk_outside_scopes(node):
        if isinstance(n, ast.comprehension):
            local |= {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
        elif isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            local.add(n.target.id)
    return {n.id for n in _walk_outside_scopes(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local


def _target_reads(target: ast.expr) -> set[str]:
    """Names read by an assignment target (x.attr = …, d[k] = … read x and d, k)."""
    if isinstance(target, ast.Name):
        return set()
    if isinstance(target, (ast.Tuple, ast.List)):
        return {n for e in target.elts for n in _target_reads(e)}
    if isinstance(target, ast.Starred):
        return _target_reads(target.value)
    return _reads(target)


def _header_reads(stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str]:
    """Names read when a def or class statement runs: decorators, defaults, bases."""
    nodes: list[ast.AST] = list(stmt.decorator_list)
    if isinstance(stmt, ast.ClassDef):
        nodes += stmt.bases + [k.value for k in stmt.keywords]
    else:
        nodes += stmt.args.defaults + [d for d in stmt.args.kw_defaults if d is not None]
    return {n for node in nodes for n in _reads(node)}


def _undefined(reads: set[str], env: _Env) -> str | None:
    """The first name read that no kept code defines (None when all are, or when a star import might)."""
    for name in sorted(reads):
        if name in env.defined:
            continue
        if name in env.dropped or not env.star:
            return name
    return None


def _uses(name: str, env: _Env) -> str:
    return f"uses {name}, which only {'dropped code defines' if name in env.dropped else 'the notebook session had'}"


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a statement binds at top level (not inside function or class bodies)."""
    out: set[str] = set()
    stack: list[ast.AST] = [stmt]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
            continue
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                if a.name != "*":
                    out.add(a.asname or a.name.split(".")[0])
            continue
        if isinstance(n, ast.Lambda):
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        if isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
        stack.extend(ast.iter_child_nodes(n))
    return out


# ---------------------------------------------------------------------------------------
# Inside Jupyter


def history_cells(history: Any) -> list[tuple[int, int, str]]:
    """(n, n, text) for each entry In[n] of IPython's input history (In[0] is empty)."""
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise RuntimeError("the input history ('In') is not a list of strings; call check_notebook() from a notebook cell")
    return [(n, n, text) for n, text in enumerate(history) if isinstance(text, str) and n > 0]


def _ipython():
    try:
        from IPython import get_ipython  # lazy: gradcheck does not depend on IPython
    except ImportError:
        return None
    return get_ipython()


def _notebook_name(ns: dict) -> str:
    for key in ("__session__", "__vsc_ipynb_file__"):
        value = ns.get(key)
        if isinstance(value, str) and value.strip():
            return Path(value).name
    return "notebook.ipynb"


def check_notebook(assignment: str | None = None, *, globals_: dict | None = None, seed: int = 0) -> Any:
    """Grade the functions defined so far in this Jupyter session and show the report.

    Call it from a notebook cell: ``gradcheck.check_notebook()`` (or ``%gradcheck`` after
    ``%load_ext gradcheck.notebook``). ``globals_`` is the namespace holding ``In``
    (default: the running IPython's ``user_ns``). Returns the report, its findings'
    locations moved to (cell, line within the cell).
    """
    import tempfile

    if globals_ is None:
        ip = _ipython()
        if ip is None:
            raise RuntimeError(
                "check_notebook() grades a Jupyter session and must be called from a notebook cell (no IPython is running); "
                "outside Jupyter, run `gradcheck Notebook.ipynb` or `gradcheck file.py`"
            )
        globals_ = ip.user_ns
    history = globals_.get("In")
    if history is None:
        raise RuntimeError(
            "no input history: the namespace has no 'In' list (call check_notebook() from a notebook cell, or pass globals_=globals())"
        )
    name = _notebook_name(globals_)
    extracted = extract_cells(history_cells(history), label=f"{name} (input history)")
    extracted.path = name
    from .api import check_file

    with tempfile.TemporaryDirectory(prefix="gradcheck-notebook-") as tmp:
        module = Path(tmp) / f"{_module_stem(name)}.py"
        module.write_text(extracted.source, encoding="utf-8")
        report = check_file(module, assignment, seed=seed)
    _display(report, extracted)
    return extracted.relocate_report(report, name)


def _module_stem(name: str) -> str:
    stem = re.sub(r"\W+", "_", Path(name).stem).strip("_")
    return stem or "notebook"


def _console():
    """Rich output in the notebook (a terminal IPython gets the ordinary console)."""
    ip = _ipython()
    if ip is not None and type(ip).__name__ == "TerminalInteractiveShell":
        from .render.console import make_console

        return make_console()
    from rich.console import Console

    return Console(force_jupyter=True)


def _display(report: Any, extracted: Extracted) -> None:
    """The text report, then where each finding is in the notebook (cell and line)."""
    from rich.table import Table

    from .render.text import render

    console = _console()
    render(report, console)
    rows = []
    for f in report.findings:
        where = extracted.origin(f.location.line) if f.location is not None else None
        if where is not None:
            text = extracted.source.split("\n")[f.location.line - 1].strip()
            rows.append((f.code, f.target, f"cell [{where[0]}]", str(where[1]), text))
    skipped = [c for c in extracted.cells if not c.kept and c.reason.startswith("syntax error")]
    if rows:
        table = Table(title="In the notebook", title_justify="left", show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("code", "target", "cell", "line", "code line"):
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for c in skipped:
        console.print(f"cell [{c.number}] was not graded: {c.reason}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gradcheck.notebook`` registers ``%gradcheck [assignment]``."""

    def gradcheck(line: str = "") -> None:
        check_notebook(line.strip() or None, globals_=ipython.user_ns)

    ipython.register_magic_function(gradcheck, magic_kind="line", magic_name="gradcheck")
