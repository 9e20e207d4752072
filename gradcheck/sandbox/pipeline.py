"""The child's finite-difference pipeline: the student's cost J at many perturbed points,
in one request (the grader's ``pipeline`` op; see runner.Sandbox.pipeline).

Loaded by path by child.py (like wire.py): it never imports gradcheck. What the student's
functions return is looked at with type(), never isinstance or ``__class__``.

A request names the steps (``{"call": fn, "args": [templates], "bind": template}``), the
inputs (``env``, already decoded, read-only), float64 ``directions`` and the perturbations
(``{"param", "h"}`` with an ``index``, a ``direction``, or a ``joint`` list of both).
"""

from __future__ import annotations

import time


class Run:
    """The state of one pipeline request, passed to each function below."""

    __slots__ = ("np", "req", "fns", "env", "dirs", "lowest", "copies")

    def __init__(self, np, req: dict, fns: list, env: dict, dirs: list) -> None:
        self.np = np
        self.req = req
        self.fns = fns  # the student's function for each step
        self.env = env  # parameter name -> its value at the current point
        self.dirs = dirs  # float64 directions, by index
        self.lowest = 8  # the smallest float itemsize the student's code produced
        self.copies = False  # each call gets fresh copies of its inputs (after a write into one)


def build(tpl, scope: dict):
    """A step's argument from its template: a name, a dict or a tuple of templates."""
    if isinstance(tpl, str):
        return scope[tpl]
    if isinstance(tpl, dict):
        return {k: build(v, scope) for k, v in tpl.items()}
    return tuple(build(v, scope) for v in tpl)


def bind(tpl, value, scope: dict) -> None:
    """Name the parts of what a step returned, as its template says (``_``: not kept)."""
    if isinstance(tpl, str):
        if tpl != "_":
            scope[tpl] = value
        return
    if isinstance(tpl, dict):
        for k, sub in tpl.items():
            bind(sub, value[k], scope)
        return
    items = list(value)
    if len(items) != len(tpl):
        raise ValueError(f"expected {len(tpl)} values, got {len(items)}")
    for sub, item in zip(tpl, items):
        bind(sub, item, scope)


def fresh(np, value):
    """A copy of every array in ``value`` (dicts, lists and tuples rebuilt)."""
    if type(value) is np.ndarray:
        return np.array(value, copy=True)
    if type(value) is dict:
        return {k: fresh(np, v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(fresh(np, v) for v in value)
    return value


def readonly(np, value):
    if type(value) is np.ndarray:
        value.flags.writeable = False
    return value


def _note_precision(run: Run, value) -> None:
    if issubclass(type(value), run.np.ndarray) and value.dtype.kind == "f":
        run.lowest = min(run.lowest, value.dtype.itemsize)


def cost(run: Run, scope: dict) -> float:
    """J at the point ``scope`` holds, through the student's functions."""
    np = run.np
    scope = dict(scope)
    for step, fn in zip(run.req["steps"], run.fns):
        args = [build(a, scope) for a in step["args"]]
        if run.copies:
            args = [fresh(np, a) for a in args]
        result = fn(*args)
        for item in result if type(result) is tuple else (result,):
            _note_precision(run, item)
        bind(step["bind"], result, scope)
    j = scope["J"]
    arr = np.asarray(j, dtype=np.float64) if type(j) is not tuple else None
    if arr is None or arr.size != 1:
        raise TypeError("the cost is not a single number")
    if type(j) is np.ndarray:
        _note_precision(run, j)
    return float(arr.reshape(-1)[0])


def _deltas(run: Run, item: dict) -> dict:
    """Parameter name -> what one perturbation adds: an array, or (flat index, h) for one entry."""
    h = float(item["h"])
    if "joint" in item:  # one direction across several parameters at once
        return {part["param"]: run.dirs[int(part["direction"])] * h for part in item["joint"]}
    if "index" in item:
        return {item["param"]: (int(item["index"]), h)}  # one entry: no array of zeros
    return {item["param"]: run.dirs[int(item["direction"])] * h}


def _moved(np, original, delta, op):
    if type(delta) is tuple:
        value = np.array(original, copy=True)
        flat = value.reshape(-1)
        flat[delta[0]] = op(flat[delta[0]], delta[1])
        return value
    return op(original, delta)


def evaluate(run: Run) -> tuple:
    """``(J at the base point or None, its seconds, J at each +h, J at each -h)``."""
    np, env = run.np, run.env
    started = time.perf_counter()
    base = cost(run, env) if run.req.get("base", True) else None
    seconds = time.perf_counter() - started
    plus: list = []
    minus: list = []
    for item in run.req["perturb"]:
        deltas = _deltas(run, item)
        originals = {name: env[name] for name in deltas}
        for op, sink in ((np.add, plus), (np.subtract, minus)):
            for name, delta in deltas.items():
                value = _moved(np, originals[name], delta, op)
                env[name] = value if run.copies else readonly(np, value)
            sink.append(cost(run, env))
        env.update(originals)
    return base, seconds, plus, minus


def run(np, req: dict, fns: list, env: dict, dirs: list) -> tuple:
    """``(base, seconds, plus, minus, lowest float itemsize)``; raises what the student's code raised.

    The inputs are shared between evaluations, read-only. Code that writes into its inputs
    fails on them; it is then evaluated again from the start with fresh copies (a 20 MB X
    is not copied for every evaluation of code that does not)."""
    state = Run(np, req, fns, env, dirs)
    pristine = dict(env)
    for value in env.values():
        readonly(np, value)
        for leaf in value.values() if type(value) is dict else value if type(value) in (list, tuple) else ():
            readonly(np, leaf)
    try:
        result = evaluate(state)
    except BaseException:  # noqa: BLE001 - tried again with copies
        state.copies = True
        state.env = {k: fresh(np, v) for k, v in pristine.items()}
        result = evaluate(state)
    return (*result, state.lowest)
