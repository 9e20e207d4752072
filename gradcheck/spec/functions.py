"""The student's API in a spec: the functions, their argument and return templates, and the
student's own cost pipeline (``student_cost``). Names are checked against what the spec defines."""

from __future__ import annotations

from typing import Any

from .checks import read_checks
from .display import read_visibility
from .model import STEP_SUFFIX, Alternative, FunctionSpec, Step, Steps, step_base, student_refs
from .reader import NAME_RE, Reader, close_name, shown_value
from .yamlsrc import LDict, line_of


def template(r: Reader, value: Any, known: dict[str, str], what: str, parent: Any, key: Any, depth: int = 0, steps: bool = False):
    """``steps``: inside a ``{steps, item}`` list, where ``"a[t]"`` names value a at step t."""
    if depth > 8:
        raise r.fail(f"'{what}' is nested too deeply", parent, key)
    if isinstance(value, str):
        if value.startswith("="):  # a literal string argument, e.g. "=relu"
            return value
        if value.startswith("@"):  # the student's own earlier return value (checked in read_functions)
            return value
        if steps and value.endswith(STEP_SUFFIX) and known.get(step_base(value)) in ("value", "forward value"):
            return value
        if value != "_" and value not in known:
            close = close_name(value, known)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.fail(f"'{what}' uses undefined name '{value}'{hint}", parent, key)
        return value
    if isinstance(value, dict) and set(value) == {"steps", "item"}:  # one item per time step: the course's caches list
        if known.get(value["steps"]) != "dim":
            raise r.fail(f"'{what}.steps' must name a dim, the number of time steps (got {shown_value(value['steps'])})", value, "steps")
        return Steps(value["steps"], template(r, value["item"], known, f"{what}.item", value, "item", depth + 1, True))
    if isinstance(value, dict):
        return {k: template(r, v, known, f"{what}.{k}", value, k, depth + 1, steps) for k, v in value.items()}
    if isinstance(value, list):
        return [template(r, v, known, f"{what}[{i}]", value, i, depth + 1, steps) for i, v in enumerate(value)]
    raise r.fail(f"'{what}' must be a name, a mapping or a list (got {shown_value(value)})", parent, key)


def read_functions(r: Reader, root: LDict, known) -> tuple[FunctionSpec, ...]:
    raw = root["functions"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'functions' must be a mapping of function name: {args, returns}", root, "functions")
    keys = {"args": True, "returns": True, "locals": False, "points": False, "aliases": False, "repeat": False, "function": False,
            "alternatives": False, "free": False, "shape_only": False, "optional": False, "checks": False,
            "graded": False, "stand_ins": False, "visibility": False}  # fmt: skip
    out = []
    for fname, spec in raw.items():
        r.name(fname, f"functions.{fname}", raw, fname)
        f = r.mapping(spec, f"functions.{fname}", raw, fname, keys)
        args = f["args"]
        if not isinstance(args, list):
            raise r.fail(f"'functions.{fname}.args' must be a list", f, "args")
        args_t = tuple(template(r, a, known, f"functions.{fname}.args[{i}]", args, i) for i, a in enumerate(args))
        for ref in student_refs(args_t):
            entry, *path = ref[1:].split(".")
            if entry not in {g.name for g in out} or not all(p.lstrip("-").isdigit() or NAME_RE.match(p) for p in path):
                raise r.fail(f"'functions.{fname}.args' refers to {ref!r}; '@entry.index' must name a function listed before this one", f, "args")
        returns = template(r, f["returns"], known, f"functions.{fname}.returns", f, "returns")
        if _has_steps(returns):
            raise r.fail(f"'functions.{fname}.returns' cannot hold {{steps, item}}: a list over time steps is an argument only", f, "returns")
        locals_ = f.get("locals", [])
        if not isinstance(locals_, list):
            raise r.fail(f"'functions.{fname}.locals' must be a list of names", f, "locals")
        for i, n in enumerate(locals_):
            template(r, n, known, f"functions.{fname}.locals[{i}]", locals_, i)
            if not isinstance(n, str):
                raise r.fail(f"'functions.{fname}.locals' must be a list of names", locals_, i)
        points = None
        if "points" in f:
            points = r.number(f["points"], f"functions.{fname}.points", f, "points")
        aliases = f.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise r.fail(f"'functions.{fname}.aliases' must be a list of names", f, "aliases")
        repeat = f.get("repeat", False)
        if not isinstance(repeat, bool):
            raise r.fail(f"'functions.{fname}.repeat' must be true or false", f, "repeat")
        function = None
        if "function" in f:
            function = r.name(f["function"], f"functions.{fname}.function", f, "function")
        alternatives = []
        alts = f.get("alternatives", [])
        if not isinstance(alts, list):
            raise r.fail(f"'functions.{fname}.alternatives' must be a list of {{label, args, returns}}", f, "alternatives")
        for i, alt in enumerate(alts):
            a = r.mapping(alt, f"functions.{fname}.alternatives[{i}]", alts, i, {"label": True, "args": False, "returns": False})
            alt_args = None
            if "args" in a:
                if not isinstance(a["args"], list):
                    raise r.fail(f"'functions.{fname}.alternatives[{i}].args' must be a list", a, "args")
                alt_args = tuple(template(r, x, known, f"functions.{fname}.alternatives[{i}].args[{j}]", a["args"], j) for j, x in enumerate(a["args"]))
            alt_returns = template(r, a["returns"], known, f"functions.{fname}.alternatives[{i}].returns", a, "returns") if "returns" in a else None
            alternatives.append(Alternative(r.text(a["label"], f"functions.{fname}.alternatives[{i}].label", a, "label"), alt_args, alt_returns))
        free = f.get("free", [])
        returned = set(leaf_names(returns))
        if not isinstance(free, list) or not all(isinstance(n, str) and n in returned and known.get(n) == "value" for n in free):
            raise r.fail(f"'functions.{fname}.free' must list values this function returns (such as its dropout masks)", f, "free")
        shape_only = f.get("shape_only", [])
        if not isinstance(shape_only, list) or not all(isinstance(n, str) and n in returned for n in shape_only):
            raise r.fail(f"'functions.{fname}.shape_only' must list values this function returns", f, "shape_only")
        optional = f.get("optional", False)
        if not isinstance(optional, bool):
            raise r.fail(f"'functions.{fname}.optional' must be true or false", f, "optional")
        checks = read_checks(r, f, fname, known, template)
        graded = _graded(r, f, fname)
        stand_ins = _stand_ins(r, f, fname, known)
        out.append(FunctionSpec(fname, args_t, returns, tuple(locals_), points, tuple(aliases), repeat, line_of(raw, fname), function,
                                tuple(alternatives), tuple(free), tuple(shape_only), optional, checks, graded, stand_ins,
                                read_visibility(r, f, "visibility", f"functions.{fname}.visibility")))  # fmt: skip
    return tuple(out)


def _graded(r: Reader, f: LDict, fname: str) -> str:
    """``graded: true`` (the default) or ``graded: warn``: checked, reported as warnings, no points."""
    graded = f.get("graded", True)
    if graded is True or graded == "yes":
        return "yes"
    if graded != "warn":
        raise r.fail(f"'functions.{fname}.graded' must be true or \"warn\" (got {shown_value(graded)})", f, "graded")
    if f.get("points") not in (None, 0):
        raise r.fail(f"'functions.{fname}.points' must be 0 or absent when 'graded' is \"warn\"", f, "points")
    return "warn"


def _stand_ins(r: Reader, f: LDict, fname: str, known) -> tuple[tuple[str, str], ...]:
    """``stand_ins: {backward_propagation: dtheta_wrong}``: during this check's calls, the module's
    ``backward_propagation`` is a function that returns the value ``dtheta_wrong``."""
    raw = f.get("stand_ins", {})
    if not isinstance(raw, dict):
        raise r.fail(f"'functions.{fname}.stand_ins' must map a function name to a value", f, "stand_ins")
    out = []
    for name, value in raw.items():
        r.name(name, f"functions.{fname}.stand_ins", raw, name)
        if not isinstance(value, str):
            raise r.fail(f"'functions.{fname}.stand_ins.{name}' must be a value's name (got {shown_value(value)})", raw, name)
        template(r, value, known, f"functions.{fname}.stand_ins.{name}", raw, name)
        out.append((str(name), value))
    return tuple(out)


def read_student_cost(r: Reader, root: LDict, known, functions) -> tuple[Step, ...]:
    if "student_cost" not in root:
        return ()
    raw = root["student_cost"]
    if not isinstance(raw, list) or not raw:
        raise r.fail("'student_cost' must be a list of steps {call, args, bind}", root, "student_cost")
    fnames = {f.name for f in functions}
    bound = dict(known)
    steps = []
    for i, step in enumerate(raw):
        s = r.mapping(step, f"student_cost[{i}]", raw, i, {"call": True, "args": True, "bind": True})
        if not isinstance(s["call"], str) or s["call"] not in fnames:
            raise r.fail(f"'student_cost[{i}].call' must name one of the functions (got {shown_value(s['call'])})", s, "call")
        if not isinstance(s["args"], list):
            raise r.fail(f"'student_cost[{i}].args' must be a list", s, "args")
        args = tuple(template(r, a, bound, f"student_cost[{i}].args", s["args"], j) for j, a in enumerate(s["args"]))
        if _has_steps(args):
            raise r.fail(f"'student_cost[{i}].args' cannot hold {{steps, item}}", s, "args")
        bind = template(r, s["bind"], {**bound, **binding_names(s["bind"])}, f"student_cost[{i}].bind", s, "bind")
        bound.update(binding_names(s["bind"]))
        steps.append(Step(s["call"], args, bind))
    if "J" not in binding_names(steps[-1].bind):
        raise r.fail("the last step of 'student_cost' must bind the cost: bind: J", raw, len(raw) - 1)
    return tuple(steps)


def _has_steps(template: Any) -> bool:
    if isinstance(template, Steps):
        return True
    items = template.values() if isinstance(template, dict) else template if isinstance(template, (list, tuple)) else ()
    return any(_has_steps(sub) for sub in items)


def leaf_names(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template]
    items = template.values() if isinstance(template, dict) else template if isinstance(template, list) else []
    return [n for sub in items for n in leaf_names(sub)]


def binding_names(bind: Any) -> dict[str, str]:
    if isinstance(bind, str):
        return {bind: "bound"}
    out: dict[str, str] = {}
    items = bind.values() if isinstance(bind, dict) else bind if isinstance(bind, list) else []
    for item in items:
        out.update(binding_names(item))
    return out
