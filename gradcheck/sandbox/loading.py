"""How the child imports a submission: course helper modules, stand-ins, a file inside its package.

Loaded by the child by path (it never imports gradcheck); standard library only. The rules
are in docs/loading.md. ``import_module(req)`` reads three optional fields of the import
request:

- ``helpers`` / ``helper_modules``: the assignment's helpers file, run once; every name in
  ``helper_modules`` becomes its own module holding the helpers' public names (so an error
  names the module the student imported), and a name the helpers do not supply is a stand-in.
- ``stand_ins``: true when the submission was handed in as a notebook export or with course
  imports: a module that the submission's own code imports and that cannot be found becomes a
  stand-in module. A stand-in imports fine; using it (calling, arithmetic, truth …) raises
  ModuleNotFoundError naming the import line, so only a graded function that uses it fails.
- ``package_root`` / ``module_name``: the file is a module of a package whose files are there
  (``cs231n/layers.py`` → ``cs231n.layers``): the root goes on ``sys.path`` and relative
  imports work, circular ones too, as Python resolves them inside a package.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import linecache
import os
import sys
import types

# The `future` package's py2 names (CS231n starter code: from past.builtins import xrange).
_PAST_BUILTINS = {"xrange": range, "raw_input": input, "basestring": str, "unicode": str, "long": int,
                  "unichr": chr, "reduce": functools.reduce}  # fmt: skip
_ORIGINS: tuple[str, ...] = ()  # the files (or package folder) whose imports may be stood in


class StandIn:
    """A name from a module the grader does not have: any use raises, naming the import line."""

    __slots__ = ("_name", "_why")

    def __init__(self, name: str, why: str) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_why", why)

    def _fail(self, *args, **kwargs):
        raise ModuleNotFoundError(f"{self._name} is not available to the grader: {self._why}")

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(f"{self._name}.{attr}", self._why)

    def __repr__(self) -> str:
        return f"<stand-in for {self._name}>"

    __call__ = __bool__ = __iter__ = __len__ = __getitem__ = __setitem__ = __setattr__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __matmul__ = __rmatmul__ = __pow__ = __rpow__ = __neg__ = __float__ = __int__ = __index__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __array__ = __enter__ = _fail


# module name -> (file, line) of the submission's statement importing it. Written by the
# child's audit hook on each import (child.note_import): only the child's own code may look at
# frames (sealing.py), and nothing here can reach it. What the submission writes here only
# changes which of its own imports are stood in.
IMPORTS: dict = {}


def _importer(fullname: str) -> tuple[str, int] | None:
    """(file, line) of the submission's statement that is importing ``fullname``, when it is one."""
    where = IMPORTS.get(fullname)
    return where if type(where) is tuple and len(where) == 2 else None


def _import_line(module: str) -> tuple[str, int] | None:
    """The first statement of the submission's file that imports from ``module`` (read, not run)."""
    import ast

    for path in _ORIGINS:
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as fh:
                tree = ast.parse(fh.read())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in getattr(node, "names", [])] if isinstance(node, ast.Import) else []
            if module in names:
                return path, node.lineno
    return None


def _why(module: str, where: tuple[str, int] | None) -> str:
    if where is None:
        return f"the module {module} was not handed in and is not installed"
    text = linecache.getline(where[0], where[1]).strip()
    return f"line {where[1]} `{text}` imports from {module}, which was not handed in and is not installed"


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: a module the submission imports that nothing else found."""

    def find_spec(self, fullname, path=None, target=None):
        where = _importer(fullname)
        if where is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, self, is_package=True)
        spec.loader_state = _why(fullname, where)
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        why = module.__spec__.loader_state
        module.__path__ = []
        module.__all__ = []
        if module.__name__ == "past.builtins":
            module.__dict__.update(_PAST_BUILTINS)
        module.__getattr__ = lambda attr, _m=module.__name__, _w=why: _stand_in_attr(_m, attr, _w)


def _stand_in_attr(module: str, attr: str, why: str):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return StandIn(f"{module}.{attr}", why)


def _helper_attr(module: str, attr: str):
    """A name the course module has but the assignment's helpers do not supply (a plotting or data function)."""
    if attr.startswith("__"):
        raise AttributeError(f"module {module!r} has no attribute {attr!r}")
    where = _importer(module) or _import_line(module)
    line = f" (line {where[1]} `{linecache.getline(where[0], where[1]).strip()}`)" if where else ""
    return StandIn(f"{module}.{attr}", f"gradcheck supplies {module} without {attr}{line}")


def _helpers(req: dict) -> dict:
    """The helpers' public callables; each helper module name registered as its own module."""
    helpers = req.get("helpers")
    if not helpers:
        return {}
    hmod = types.ModuleType("course_helpers")
    hmod.__file__ = helpers
    source = req.get("helpers_source")  # sent by the grader: the spec's folder stays out of the child's view
    if not isinstance(source, str):
        with open(helpers, encoding="utf-8") as fh:
            source = fh.read()
    linecache.cache[helpers] = (len(source), None, source.splitlines(True), helpers)  # lines for tracebacks
    exec(compile(source, helpers, "exec"), hmod.__dict__)
    public = {k: v for k, v in hmod.__dict__.items() if not k.startswith("_")}
    for name in req.get("helper_modules", []):
        mod = types.ModuleType(name)
        mod.__file__ = helpers
        mod.__dict__.update(public)
        mod.__getattr__ = lambda attr, _n=name: _helper_attr(_n, attr)
        sys.modules[name] = mod
    return {k: v for k, v in public.items() if callable(v) and not isinstance(v, types.ModuleType)}


def new_module(req: dict, path: str) -> tuple[types.ModuleType, dict]:
    """The (not yet executed) module for the submission at ``path``, and the helpers it is given."""
    global _ORIGINS
    provided = _helpers(req)
    root, name = req.get("package_root"), req.get("module_name")
    if root and name:
        sys.path.append(os.path.realpath(root))  # the package's own modules (and their relative imports)
        _ORIGINS = (os.path.realpath(root),)
    else:
        sys.path.append(os.path.dirname(path))  # a student's own sibling modules
        name, _ORIGINS = "submission", (path,)
    if req.get("stand_ins"):
        sys.meta_path.append(_Finder())
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(provided)
    sys.modules[name] = module
    return module, provided


def stand_in(name: str, value):
    """A function named ``name`` that ignores its arguments and returns a fresh copy of
    ``value`` (the grader's choice, for one call). Made here, on the submission's side: what
    the submission's namespace holds never leads to the child's own code."""

    def stand_in(*args, **kwargs):
        return value.copy() if hasattr(value, "copy") else value

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in
