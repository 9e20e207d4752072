"""Which top-level statements of a notebook cell are kept, guarded or dropped, and why.

The rules are written out in ``gradcheck.submission.notebook``'s docstring; this module
decides one statement at a time against what the kept code has defined so far (``Env``).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

KEEP, GUARD, DROP = "keep", "guard", "drop"

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


@dataclass
class Env:
    """What the kept code has defined so far, and what only dropped code defined."""

    defined: set[str] = field(default_factory=lambda: set(_BUILTIN_NAMES))
    dropped: set[str] = field(default_factory=set)
    guarded: set[str] = field(default_factory=set)  # bound by imports that may fail
    functions: set[str] = field(default_factory=set)  # the notebook's own functions and classes
    modules: dict[str, str] = field(default_factory=dict)  # alias -> module (kept or dropped imports)
    star: bool = False  # a guarded `from … import *` may define anything
    superseded: dict = field(default_factory=dict)  # (cell, function) -> why another cell's definition is used

    def copy(self) -> Env:
        return Env(set(self.defined), set(self.dropped), set(self.guarded), set(self.functions), dict(self.modules), self.star)

    def bind(self, names: set[str]) -> None:
        self.defined |= names
        self.dropped -= names

    def record(self, stmt: ast.stmt, action: str) -> None:
        """What the statement defines, once decided (kept, guarded or dropped)."""
        names = bound(stmt)
        if action == DROP:
            self.dropped |= names - self.defined
            return
        self.bind(names)
        if action == GUARD:
            self.guarded |= names
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                self.star = True
        else:
            self.guarded -= names
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.functions.add(stmt.name)



def stmt_start(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno] + [d.lineno for d in decorators])


def stmt_end(stmt: ast.stmt) -> int:
    return getattr(stmt, "end_lineno", None) or stmt.lineno



# ---------------------------------------------------------------------------------------
# Deciding one top-level statement


def decide(stmt: ast.stmt, env: Env, graded: bool, import_safe: bool = False) -> tuple[str, str]:
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


def _decide_import(stmt: ast.Import | ast.ImportFrom, env: Env, import_safe: bool) -> tuple[str, str]:
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


def _decide_assign(stmt: ast.Assign | ast.AnnAssign | ast.AugAssign, env: Env, graded: bool) -> tuple[str, str]:
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
    return KEEP, "assigns " + ", ".join(sorted(bound(stmt)))


def _decide_block(stmt: ast.stmt, tests: list[ast.expr], blocks: list[list[ast.stmt]], env: Env, graded: bool,
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
            action, why = decide(inner, trial, graded, import_safe)
            if action != KEEP:
                return DROP, f"an {kind} block with code that is not kept ({why})"
            trial.bind(bound(inner))
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


def _call_kind(call: ast.Call, env: Env) -> str | None:
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


def _call_reason(call: ast.Call, env: Env) -> str:
    kind = _call_kind(call, env)
    name = _dotted(call.func)
    return f"{kind} call {name}(...)" if kind else f"runs code: {name}(...)"


def _history_cell_magic(call: ast.Call) -> str | None:
    """The magic's name for ``get_ipython().run_cell_magic('time', '', code)`` (how In keeps a %%time cell)."""
    if _dotted(call.func) == "get_ipython(…).run_cell_magic" and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value)
    return None


def _call_problem(call: ast.Call, env: Env, graded: bool) -> str | None:
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


def _undefined(reads: set[str], env: Env) -> str | None:
    """The first name read that no kept code defines (None when all are, or when a star import might)."""
    for name in sorted(reads):
        if name in env.defined:
            continue
        if name in env.dropped or not env.star:
            return name
    return None


def _uses(name: str, env: Env) -> str:
    return f"uses {name}, which only {'dropped code defines' if name in env.dropped else 'the notebook session had'}"


def bound(stmt: ast.stmt) -> set[str]:
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
