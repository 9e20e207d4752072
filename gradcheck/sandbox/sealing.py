"""Keeping the child's own code out of the submission's reach (docs/hostile.md, "The child's
own code").

The submission runs in the child's process, after the child's code is loaded. What it could
patch to make the child misreport a call (a method of the child's class, a builtin the child
calls, numpy's or json's Python-level helpers, a pristine copy held in a frame) is closed here:

- the child's modules are loaded by path into namespaces of their own, with a private copy of
  the builtins, and the modules they use (numpy, json, struct, time …) as snapshots of their
  attributes taken before the submission runs;
- their classes become factories: an object is a ``SimpleNamespace`` (a builtin type nobody can
  patch) holding its methods, bound, and the classes themselves are dropped, so
  ``object.__subclasses__()`` no longer leads to the child's code;
- the routes to the child's frames and objects are closed: ``sys._getframe``,
  ``sys._current_frames``, ``sys.settrace`` / ``setprofile`` / ``gettrace`` / ``getprofile``
  leave ``sys`` (the child keeps its own references), and the audit hook refuses the rest
  (``refusal`` below): the garbage collector's object lists, a traceback's or generator's frame,
  and setting a trace or profile function, except while the child itself opens the gate.

Loaded by path by child.py (like wire.py); standard library only.
"""

from __future__ import annotations

import gc
import sys
from _thread import get_ident
from types import FunctionType, MethodType, ModuleType, SimpleNamespace

# Modules the child's code uses whose attributes a submission could rebind (numpy.array_equal,
# json.dumps, time.perf_counter): each child module sees a snapshot taken before it runs.
SNAPSHOT = frozenset({"numpy", "json", "struct", "time", "zlib", "ast", "math", "functools", "os"})
HIDDEN_SYS = ("_getframe", "_current_frames", "settrace", "setprofile", "gettrace", "getprofile")
REFUSED_ALWAYS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames"})
REFUSED = frozenset({"sys._getframe"})  # but for the child's own audit hook, with the gate open (child._note_import)
GATED = frozenset({"sys.settrace", "sys.setprofile"})
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})


def private_builtins() -> dict:
    """A copy of the builtins as they are now: a submission that rebinds ``builtins.len``
    changes its own code, not the child's."""
    import builtins

    return dict(builtins.__dict__)


def load(path: str, name: str, builtins: dict | None, sealed: bool = True):
    """The module at ``path``, not registered in ``sys.modules``; with ``builtins`` its code
    looks names up in that dict instead of the shared builtins, and (``sealed``) its classes
    are factories (a module whose classes another one derives from is sealed after it)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    if builtins is not None:
        mod.__dict__["__builtins__"] = builtins
    spec.loader.exec_module(mod)
    if builtins is not None:
        snapshot(vars(mod))
        if sealed:
            seal(vars(mod), collect=False)
    return mod


def snapshot(namespace: dict) -> None:
    """Each module of SNAPSHOT the namespace names, replaced by its attributes as they are now."""
    for key, value in list(namespace.items()):
        if type(value) is ModuleType and value.__name__ in SNAPSHOT:
            namespace[key] = SimpleNamespace(**vars(value))


def _methods(cls: type) -> tuple[dict, dict]:
    """The functions a class and its bases define (the nearest wins), and their plain constants."""
    functions: dict = {}
    constants: dict = {}
    for klass in reversed(cls.__mro__[:-1]):
        for key, attr in vars(klass).items():
            if type(attr) is FunctionType:
                functions[key] = attr
            elif not key.startswith("__") and type(attr) in (int, float, str, bool, tuple, frozenset):
                constants[key] = attr
    return functions, constants


def factory(cls: type):
    """A function that makes what ``cls(...)`` made, as an object no one can reach the child's
    code through: its methods are bound attributes of a SimpleNamespace, not found on a class
    at each call. (``super()`` would keep the class alive: the sealed classes call their base's
    ``__init__`` by name.)"""
    functions, constants = _methods(cls)
    init = functions.pop("__init__", None)
    plain = {k: f for k, f in functions.items() if not k.startswith("__")}

    def make(*args, **kwargs):
        obj = SimpleNamespace(**constants)
        for key, fn in plain.items():
            setattr(obj, key, MethodType(fn, obj))
        if init is not None:
            init(obj, *args, **kwargs)
        return obj

    make.__name__ = make.__qualname__ = cls.__name__
    return make


def _defines_functions(cls: type) -> bool:
    return any(type(a) is FunctionType for k in cls.__mro__[:-1] for a in vars(k).values())


def seal(*namespaces: dict, collect: bool = True) -> None:
    """Replace every class of these modules that defines functions by its factory (a class
    without functions, such as an exception or a ctypes structure, leads nowhere and stays),
    then collect the dropped classes: they leave ``object.__subclasses__()``."""
    for namespace in namespaces:
        for key, value in list(namespace.items()):
            mine = isinstance(value, type) and value.__module__ == namespace["__name__"]
            if mine and not issubclass(value, BaseException) and _defines_functions(value):
                namespace[key] = factory(value)
    if collect:
        gc.collect()


def private_sys() -> SimpleNamespace:
    """The child's own references to the functions ``close`` removes."""
    return SimpleNamespace(**{name: getattr(sys, name) for name in HIDDEN_SYS if hasattr(sys, name)})


def close() -> None:
    """Just before the submission runs: remove from ``sys`` what hands out frames or installs a
    function that receives them (code that asks ``hasattr(sys, "_getframe")``, as the standard
    library does, carries on), and collect the classes ``seal`` dropped."""
    for name in HIDDEN_SYS:
        if hasattr(sys, name):
            delattr(sys, name)
    gc.collect()


def gated(gate: list, fn, *args):
    """``fn(*args)`` with the gate open for this thread only: the child's one way to read a frame
    or install its profiler or tracer. ``fn`` is a C function (``getattr``, ``sys.settrace``),
    so nothing the submission can patch runs while the gate is open."""
    gate[0] = get_ident()
    try:
        return fn(*args)
    finally:
        gate[0] = 0


def refusal(event: str, args: tuple, gate: list) -> str | None:
    """Why the audit hook refuses ``event``, or None. ``gate[0]`` is the id of the thread
    allowed through, only while the child's own code installs its profiler or tracer, or reads
    a frame off a traceback (a thread the submission started is never that thread)."""
    if event in REFUSED_ALWAYS:
        return f"'{event}' is not allowed in a graded submission"
    if gate[0] and gate[0] == get_ident():
        return None
    if event in REFUSED or event in GATED:
        return f"'{event}' is not allowed in a graded submission"
    if event == "object.__getattr__" and len(args) > 1 and args[1] in FRAME_ATTRIBUTES:
        return f"reading '{args[1]}' is not allowed in a graded submission"
    return None
