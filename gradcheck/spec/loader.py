"""Read an assignment spec (YAML) into a :class:`Spec`, with file:line errors.

This module reads the mathematics (dims, values, parameters, forward, backward, derived
quantities, probes, tolerances, limits); ``functions.py`` reads the student's API (the
functions, their argument and return templates, the student's cost pipeline); ``reader.py``
holds the typed reads every section shares, each failing with the spec's file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..findings import TAGS
from . import formula as fm
from .dims import special_dim
from .display import read_codes, read_references, read_visibility
from .families import expand
from .functions import leaf_names, read_functions, read_student_cost
from .model import (
    AXIS_ROLES,
    DEFAULT_TOLERANCE,
    INITS,
    Dim,
    Formula,
    Gradient,
    Limits,
    Mistake,
    Probe,
    Spec,
    Tolerance,
    ValueGen,
)
from .reader import NAME_RE, Reader, close_name, shown_value
from .versions import read_conventions, read_versions
from .yamlsrc import LDict, LList, line_of, load

SPEC_VERSION = 1
TOP_KEYS = {
    "spec_version": False, "name": True, "title": True, "description": False, "course": False,
    "dims": True, "batch": False, "trials": False, "values": True, "parameters": True,
    "forward": True, "loss": True, "cost": False, "backward": True, "functions": True,
    "student_cost": False, "gradient_check": False, "probes": False, "tolerance": False,
    "limits": False, "helpers": False, "points": False, "derived": False, "names": False,
    "conventions": False, "versions": False, "fixes": False, "visibility": False, "select": False,
    "ignore": False, "references": False,
}  # fmt: skip
FIXES = ("off", "hint", "diff")
MAX_TRIALS = 20
MAX_DIM = 100_000


def load_spec(path: str | Path, depth: int | None = None) -> Spec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("spec file not found", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read spec: {exc}", str(path)) from None
    return parse_spec(text, str(path), base=path.parent, depth=depth)


def parse_spec(text: str, file: str = "<spec>", base: Path | None = None, depth: int | None = None) -> Spec:
    r = Reader(file)
    raw_doc = load(text, file)
    family_depth = raw_doc.get("depth") if isinstance(raw_doc, dict) else None
    doc = expand(raw_doc, file, depth)  # indexed families (depth: L) written out
    if not isinstance(doc, dict):
        raise SpecError(f"the spec must be a mapping of keys such as name, dims, forward (got {shown_value(doc)})", file, line_of(doc) or _first_line(text))
    root = r.mapping(doc, "spec", doc, None, TOP_KEYS)
    version = root.get("spec_version", SPEC_VERSION)
    if type(version) is not int or version != SPEC_VERSION:
        raise r.fail(f"'spec_version' must be {SPEC_VERSION} (got {shown_value(version)})", root, "spec_version")
    name = r.name(root["name"], "name", root, "name")
    title = r.text(root["title"], "title", root, "title")
    known: dict[str, str] = {}  # name -> kind, for undefined/duplicate checks

    def define(n: str, kind: str, container: Any, key: Any) -> None:
        if n in known:
            raise r.fail(f"'{n}' is defined twice (as {known[n]} and as {kind})", container, key)
        if n in fm.FUNCTIONS:
            raise r.fail(f"'{n}' is a formula function name and cannot name a {kind}", container, key)
        known[n] = kind

    dims = _dims(r, root, define)
    batch = r.name(root.get("batch", "m"), "batch", root, "batch")
    if batch not in {d.name for d in dims}:
        raise r.fail(f"'batch' must name one of the dims (got {batch!r})", root, "batch")
    trials = r.integer(root.get("trials", 3), "trials", root, "trials", 1, MAX_TRIALS)
    values = _values(r, root, dims, define)
    parameters = _parameters(r, root, values)

    forward, fwd_mistakes = _forward(r, root, known, define)
    loss_tree = r.formula(root["loss"], "loss", root, "loss")
    _check_names(r, loss_tree, known, "loss", root, "loss")
    define("L", "loss", root, "loss")
    loss = fm_formula("L", root["loss"], loss_tree, line_of(root, "loss"))
    cost_text = root.get("cost", f"sum(L) / {batch}")
    cost_tree = r.formula(cost_text, "cost", root, "cost")
    _check_names(r, cost_tree, known, "cost", root, "cost")
    define("J", "cost", root, "cost")
    cost = fm_formula("J", cost_text, cost_tree, line_of(root, "cost"))

    backward, grad_mistakes = _backward(r, root, known, define, parameters)
    derived, atol, notes, mistakes = _derived(r, root, known, define)
    functions = read_functions(r, root, known)
    student_cost = read_student_cost(r, root, known, functions)
    gc_points, gc_visibility = _gradient_check(r, root)
    probes = _probes(r, root, dims, functions, family_depth is not None)
    conventions = read_conventions(r, root, known, tuple(forward), {f.name for f in functions})
    versions = read_versions(r, root, functions, conventions)
    tolerance = _tolerance(r, root)
    limits = _limits(r, root)
    helpers, helper_modules = _helpers(r, root, base)
    total = r.number(root.get("points", 100), "points", root, "points", 0, 1e6)
    description = r.text(root.get("description", ""), "description", root, "description")
    course = r.text(root.get("course", ""), "course", root, "course")
    fixes = _fixes(r, root)
    explain_dir = base / "explain" if base is not None and (base / "explain").is_dir() else None
    return Spec(
        name=name, title=title, description=description.strip(), path=Path(file) if base else None,
        dims=dims, batch=batch, trials=trials, values=values, parameters=parameters,
        forward=tuple(forward), loss=loss, cost=cost, backward=backward, functions=functions,
        student_cost=student_cost, gradient_check_points=gc_points, probes=probes,
        tolerance=tolerance, limits=limits, helpers=helpers, helper_modules=helper_modules,
        total_points=total, course=course, explain_dir=explain_dir, derived=derived, atol=atol, notes=notes, mistakes={**fwd_mistakes, **grad_mistakes, **mistakes},
        names=_names(r, root, known, functions), depth=depth if depth is not None else family_depth, text=text,
        versions=versions, conventions=conventions, fixes=fixes, visibility=read_visibility(r, root, "visibility", "visibility"),
        gradient_check_visibility=gc_visibility, select=read_codes(r, root, "select"), ignore=read_codes(r, root, "ignore"),
        references=read_references(r, root, known),
    )  # fmt: skip


def _gradient_check(r: Reader, root: LDict) -> tuple[float | None, str | None]:
    """``gradient_check: {points, visibility}``: its points (None: 0) and its Gradescope visibility."""
    if "gradient_check" not in root:
        return None, None
    gc = r.mapping(root["gradient_check"], "gradient_check", root, "gradient_check", {"points": False, "visibility": False})
    points = r.number(gc["points"], "gradient_check.points", gc, "points") if "points" in gc else None
    return points, read_visibility(r, gc, "visibility", "gradient_check.visibility")


def _fixes(r: Reader, root: LDict) -> str | None:
    """off | hint | diff (issue 19); YAML 1.1 reads a bare ``off`` as false, which means off."""
    if "fixes" not in root:
        return None
    value = root["fixes"]
    if value is False:
        return "off"
    if not isinstance(value, str) or value not in FIXES:
        raise r.fail(f"'fixes' must be one of {', '.join(FIXES)} (got {shown_value(value)})", root, "fixes")
    return value


def _first_line(text: str) -> int:
    """Line of the first thing that is not blank or a comment (where a scalar document starts)."""
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            return i
    return 1


def fm_formula(name: str, text: str, tree: Any, line: int | None) -> Formula:
    return Formula(name=name, text=str(text).strip(), tree=tree, line=line)


def _check_names(r: Reader, tree: Any, known: dict[str, str], what: str, container: Any, key: Any) -> None:
    for n in sorted(fm.names(tree)):
        if n not in known:
            close = close_name(n, known)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.fail(f"in formula for '{what}': undefined name '{n}'{hint}", container, key)


def _forward(r: Reader, root: LDict, known, define) -> tuple[list, dict[str, tuple[Mistake, ...]]]:
    """The forward formulas in order, and the known wrong formulas of those that list them."""
    forward = []
    fwd = root["forward"]
    if not isinstance(fwd, dict) or not fwd:
        raise r.fail("'forward' must be a mapping of name: formula", root, "forward")
    fwd_mistakes: dict[str, tuple[Mistake, ...]] = {}
    for key, text_ in fwd.items():
        r.name(key, f"forward.{key}", fwd, key)
        container, ckey = fwd, key
        if isinstance(text_, dict):  # {formula, mistakes}: wrong forward values students are known to compute
            s = r.mapping(text_, f"forward.{key}", fwd, key, {"formula": True, "mistakes": False})
            container, ckey, text_ = s, "formula", s["formula"]
        tree = r.formula(text_, f"forward.{key}", container, ckey)
        _check_names(r, tree, known, f"forward.{key}", container, ckey)
        define(key, "forward value", fwd, key)
        if container is not fwd and "mistakes" in container:
            fwd_mistakes[key] = _mistakes(r, container, f"forward.{key}.mistakes", known)
        forward.append(fm_formula(key, text_, tree, line_of(fwd, key)))
    return forward, fwd_mistakes


def _dims(r: Reader, root: LDict, define) -> tuple[Dim, ...]:
    raw = root["dims"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'dims' must be a mapping of name: size or name: {min, max}", root, "dims")
    out = []
    for key, spec in raw.items():
        r.name(key, f"dims.{key}", raw, key)
        if isinstance(spec, dict) and ("per_trial" in spec or "formula" in spec):
            out.append(special_dim(r, key, spec, raw, out))  # hyperparameters per trial, derived sizes
        elif isinstance(spec, dict):
            rng = r.mapping(spec, f"dims.{key}", raw, key, {"min": True, "max": True})
            low = r.integer(rng["min"], f"dims.{key}.min", rng, "min", 1, MAX_DIM)
            high = r.integer(rng["max"], f"dims.{key}.max", rng, "max", 1, MAX_DIM)
            if high < low:
                raise r.fail(f"'dims.{key}': max ({high}) is smaller than min ({low})", rng, "max")
            out.append(Dim(key, low, high))
        else:
            low = high = r.integer(spec, f"dims.{key}", raw, key, 1, MAX_DIM)
            out.append(Dim(key, low, high))
        define(key, "dim", raw, key)
    return tuple(out)


def _values(r: Reader, root: LDict, dims: tuple[Dim, ...], define) -> tuple[ValueGen, ...]:
    raw = root["values"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'values' must be a mapping of name: {shape, init}", root, "values")
    dim_names = {d.name for d in dims}
    out = []
    for key, spec in raw.items():
        r.name(key, f"values.{key}", raw, key)
        v = r.mapping(spec, f"values.{key}", raw, key, {"shape": True, "init": False, "scale": False, "classes": False, "axes": False})
        shape = v["shape"]
        if not isinstance(shape, list) or not 0 <= len(shape) <= 6:
            raise r.fail(f"'values.{key}.shape' must be a list of 0 to 6 dims (got {shown_value(shape)})", v, "shape")
        for i, s in enumerate(shape):
            if isinstance(s, str):
                if s not in dim_names:
                    close = close_name(s, dim_names)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    raise r.fail(f"'values.{key}.shape' uses undefined dim '{s}'{hint}", shape, i)
            else:
                r.integer(s, f"values.{key}.shape[{i}]", shape, i, 1, MAX_DIM)
        init = v.get("init", "normal")
        if init not in INITS:
            raise r.fail(f"'values.{key}.init' must be one of {', '.join(INITS)} (got {shown_value(init)})", v, "init")
        raw_scale = v.get("scale", 1.0)
        if isinstance(raw_scale, str):  # a formula over the dims, such as 1.5 / sqrt(n1): fan-in scaling
            tree = r.formula(raw_scale, f"values.{key}.scale", v, "scale")
            for n in sorted(fm.names(tree)):
                if n not in dim_names:
                    raise r.fail(f"'values.{key}.scale' may use only dims (got '{n}')", v, "scale")
            scale: float | str = raw_scale
        else:
            scale = r.number(raw_scale, f"values.{key}.scale", v, "scale", 0.0, 1e6)
        classes = v.get("classes")
        if init == "labels":
            if not (isinstance(classes, str) and classes in dim_names) and not (isinstance(classes, int) and not isinstance(classes, bool) and classes >= 2):
                raise r.fail(f"'values.{key}.classes' must name a dim or be a whole number ≥ 2 for init: labels (got {shown_value(classes)})", v, "classes" if "classes" in v else "init")
        elif classes is not None:
            raise r.fail(f"'values.{key}.classes' is only used with init: labels", v, "classes")
        define(key, "value", raw, key)
        out.append(ValueGen(key, tuple(shape), init, scale, classes, _axes(r, v, key, len(shape))))
    return tuple(out)


def _axes(r: Reader, v: LDict, key: str, rank: int) -> tuple[str, ...]:
    """``values.KEY.axes``: what each axis of the shape means (optional; reports use it)."""
    axes = v.get("axes")
    if axes is None:
        return ()
    if not isinstance(axes, list) or len(axes) != rank:
        raise r.fail(f"'values.{key}.axes' must be a list of {rank} roles, one per entry of shape (got {shown_value(axes)})", v, "axes")
    for i, role in enumerate(axes):
        if role not in AXIS_ROLES:
            raise r.fail(f"'values.{key}.axes[{i}]' must be one of {', '.join(AXIS_ROLES)} (got {shown_value(role)})", axes, i)
        if role != "feature" and axes.count(role) > 1:
            raise r.fail(f"'values.{key}.axes' names '{role}' twice; only 'feature' may repeat", axes, i)
    return tuple(axes)


def _parameters(r: Reader, root: LDict, values: tuple[ValueGen, ...]) -> tuple[str, ...]:
    raw = root["parameters"]
    if not isinstance(raw, list) or not raw:
        raise r.fail("'parameters' must be a list of value names", root, "parameters")
    names = {v.name for v in values}
    for i, p in enumerate(raw):
        if not isinstance(p, str) or p not in names:
            raise r.fail(f"'parameters[{i}]' must be one of the 'values' (got {shown_value(p)})", raw, i)
    if len(set(raw)) != len(raw):
        raise r.fail("'parameters' lists a name twice", root, "parameters")
    return tuple(raw)


def _backward(r: Reader, root: LDict, known, define, parameters) -> tuple[tuple[Gradient, ...], dict[str, tuple[Mistake, ...]]]:
    """The gradients, and the known wrong formulas of those that list them."""
    raw = root["backward"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'backward' must be a mapping of gradient name: formula", root, "backward")
    out, mistakes = [], {}
    for key, spec in raw.items():
        r.name(key, f"backward.{key}", raw, key)
        if isinstance(spec, dict):
            s = r.mapping(spec, f"backward.{key}", raw, key, {"formula": True, "wrt": False, "per_example": False, "mistakes": False})
            text_, wrt = s["formula"], s.get("wrt", key[1:])
            if "wrt" in s:
                r.name(wrt, f"backward.{key}.wrt", s, "wrt")
            per_example = s.get("per_example")
            if per_example is not None and not isinstance(per_example, bool):
                raise r.fail(f"'backward.{key}.per_example' must be true or false", s, "per_example")
            container, ckey = s, "formula"
        else:
            text_, wrt, per_example, container, ckey = spec, key[1:], None, raw, key
        if wrt not in known or known[wrt] not in ("value", "forward value"):
            raise r.fail(
                f"'backward.{key}' is the gradient of '{wrt}', which is not a value or forward value "
                "(name it d<value> or give 'wrt')",
                raw,
                key,
            )
        tree = r.formula(text_, f"backward.{key}", container, ckey)
        _check_names(r, tree, known, f"backward.{key}", container, ckey)
        define(key, "gradient", raw, key)
        if isinstance(spec, dict) and "mistakes" in spec:  # wrong gradients students are known to write
            mistakes[key] = _mistakes(r, s, f"backward.{key}.mistakes", known)
        if per_example is None:
            per_example = wrt not in parameters
        out.append(Gradient(key, wrt, fm_formula(key, text_, tree, line_of(raw, key)), per_example))
    return tuple(out), mistakes


def _derived(r: Reader, root: LDict, known, define) -> tuple[tuple[Formula, ...], dict[str, float], dict[str, str]]:
    """Values computed after the backward pass (a gradient check's difference): compared, not differentiated."""
    if "derived" not in root:
        return (), {}, {}, {}
    raw = root["derived"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'derived' must be a mapping of name: formula", root, "derived")
    out, atol, notes, mistakes = [], {}, {}, {}
    for key, spec in raw.items():
        r.name(key, f"derived.{key}", raw, key)
        container, ckey = raw, key
        if isinstance(spec, dict):
            s = r.mapping(spec, f"derived.{key}", raw, key, {"formula": True, "atol": False, "note": False, "mistakes": False})
            container, ckey = s, "formula"
            if "atol" in s:
                atol[key] = r.number(s["atol"], f"derived.{key}.atol", s, "atol", 0.0, 1.0)
            if "note" in s:
                notes[key] = " ".join(r.text(s["note"], f"derived.{key}.note", s, "note").split())
            if "mistakes" in s:
                mistakes[key] = _mistakes(r, s, f"derived.{key}.mistakes", known)
        tree = r.formula(container[ckey], f"derived.{key}", container, ckey)
        _check_names(r, tree, known, f"derived.{key}", container, ckey)
        define(key, "derived value", raw, key)
        out.append(fm_formula(key, container[ckey], tree, line_of(raw, key)))
    return tuple(out), atol, notes, mistakes


def _mistakes(r: Reader, parent: LDict, what: str, known) -> tuple[Mistake, ...]:
    raw = parent["mistakes"]
    if not isinstance(raw, list) or not raw:
        raise r.fail(f"'{what}' must be a list of {{formula, text, fix}}", parent, "mistakes")
    out = []
    for i, item in enumerate(raw):
        m = r.mapping(item, f"{what}[{i}]", raw, i, {"formula": True, "text": True, "fix": True, "tag": False})
        tag = m.get("tag", "value-mismatch")
        if tag not in TAGS:
            raise r.fail(f"'{what}[{i}].tag' must be one of gradcheck's tags (got {shown_value(tag)})", m, "tag")
        tree = r.formula(m["formula"], f"{what}[{i}].formula", m, "formula")
        _check_names(r, tree, known, f"{what}[{i}].formula", m, "formula")
        text, fix = (" ".join(r.text(m[k], f"{what}[{i}].{k}", m, k).split()) for k in ("text", "fix"))
        out.append(Mistake(fm_formula(f"{what}[{i}]", m["formula"], tree, line_of(m, "formula")), text, fix, tag))
    return tuple(out)


def _names(r: Reader, root: LDict, known, functions) -> dict[str, str]:
    """What students call spec-internal values (relu_dx is the dx of relu_backward)."""
    if "names" not in root:
        return {}
    raw = root["names"]
    if not isinstance(raw, dict):
        raise r.fail("'names' must be a mapping of spec name: the name students use", root, "names")
    out: dict[str, str] = {}
    for key, shown in raw.items():
        if key not in known:
            close = close_name(str(key), known)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.fail(f"'names' renames '{key}', which the spec does not define{hint}", raw, key)
        out[key] = r.name(shown, f"names.{key}", raw, key)
    for f in functions:
        seen: dict[str, str] = {}
        for n in dict.fromkeys([*leaf_names(f.returns), *f.locals]):
            if n == "_" or n.startswith(("@", "=")):
                continue
            shown = out.get(n, n)
            if seen.setdefault(shown, n) != n:
                raise r.fail(
                    f"'names' gives '{seen[shown]}' and '{n}' the same name '{shown}' in the function '{f.name}'",
                    raw,
                    n if n in raw else seen[shown],
                )
    return out


def _probes(r: Reader, root: LDict, dims, functions, has_depth: bool) -> tuple[Probe, ...]:
    if "probes" not in root:
        return ()
    raw = root["probes"]
    if not isinstance(raw, list):
        raise r.fail("'probes' must be a list of {dims, functions}", root, "probes")
    dim_names = {d.name for d in dims}
    fnames = {f.name for f in functions}
    out = []
    for i, p in enumerate(raw):
        pm = r.mapping(p, f"probes[{i}]", raw, i, {"dims": False, "functions": True, "depth": False})
        if "dims" not in pm and "depth" not in pm:
            raise r.fail(f"'probes[{i}]' needs 'dims' (sizes to fix) or 'depth' (another number of layers)", raw, i)
        depth = None
        if "depth" in pm:
            if not has_depth:
                raise r.fail(f"'probes[{i}].depth' needs a spec with 'depth' (indexed families)", pm, "depth")
            depth = r.integer(pm["depth"], f"probes[{i}].depth", pm, "depth", 1, 50)
        pd = pm.get("dims", {})
        if not isinstance(pd, dict):
            raise r.fail(f"'probes[{i}].dims' must be a mapping of dim: size", pm, "dims")
        for k, v in pd.items():
            if k not in dim_names and depth is None:  # another depth's dims are checked when its spec is written out
                raise r.fail(f"'probes[{i}].dims' names unknown dim '{k}'", pd, k)
            r.integer(v, f"probes[{i}].dims.{k}", pd, k, 1, MAX_DIM)
        fl = pm["functions"]
        if not isinstance(fl, list) or not all(isinstance(f, str) and f in fnames for f in fl):
            raise r.fail(f"'probes[{i}].functions' must list functions of this spec", pm, "functions")
        out.append(Probe(dict(pd), tuple(fl), depth))
    return tuple(out)


def _tolerance(r: Reader, root: LDict) -> Tolerance:
    if "tolerance" not in root:
        return DEFAULT_TOLERANCE
    t = r.mapping(root["tolerance"], "tolerance", root, "tolerance", {"rtol": False, "fd_rtol": False})
    tables = {}
    for key in ("rtol", "fd_rtol"):
        table = dict(getattr(DEFAULT_TOLERANCE, key))
        if key in t:
            sub = r.mapping(t[key], f"tolerance.{key}", t, key, {"float64": False, "float32": False, "float16": False})
            for dt, v in sub.items():
                table[dt] = r.number(v, f"tolerance.{key}.{dt}", sub, dt, 1e-15, 1.0)
        tables[key] = table
    return Tolerance(**tables)


def _limits(r: Reader, root: LDict) -> Limits:
    if "limits" not in root:
        return Limits()
    keys = {"timeout": False, "memory_mb": False, "processes": False, "output_kb": False, "total_timeout": False}
    lm = r.mapping(root["limits"], "limits", root, "limits", keys)
    d = Limits()
    return Limits(
        timeout=r.number(lm.get("timeout", d.timeout), "limits.timeout", lm, "timeout", 0.1, 3600),
        memory_mb=int(r.number(lm.get("memory_mb", d.memory_mb), "limits.memory_mb", lm, "memory_mb", 256, 1 << 20)),
        processes=int(r.number(lm.get("processes", d.processes), "limits.processes", lm, "processes", 1, 4096)),
        output_kb=int(r.number(lm.get("output_kb", d.output_kb), "limits.output_kb", lm, "output_kb", 1, 1 << 20)),
        total_timeout=r.number(lm.get("total_timeout", d.total_timeout), "limits.total_timeout", lm, "total_timeout", 1, 86400),
    )


def _helpers(r: Reader, root: LDict, base: Path | None) -> tuple[Path | None, tuple[str, ...]]:
    if "helpers" not in root:
        return None, ()
    h = r.mapping(root["helpers"], "helpers", root, "helpers", {"file": True, "modules": False})
    fname = r.text(h["file"], "helpers.file", h, "file")
    path = (base or Path(".")) / fname
    try:
        exists = bool(fname) and path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        exists = False
    if not exists:
        raise r.fail(f"'helpers.file' must be a file next to the spec (got {shown_value(fname)}, which does not exist)", h, "file")
    mods = h.get("modules", [])
    if not isinstance(mods, list) or not all(isinstance(m, str) and NAME_RE.match(m) for m in mods):
        raise r.fail("'helpers.modules' must be a list of module names", h, "modules")
    return path, tuple(mods)


__all__ = ["SPEC_VERSION", "LList", "load_spec", "parse_spec"]
