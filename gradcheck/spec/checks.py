"""A function's ``checks:``: more calls of it that gradients cannot see through (another mode,
arguments read back after the call, the statistics of a random mask). Each entry is read with
file:line errors; names are checked against the spec and the entry's own ``bind``."""

from __future__ import annotations

from typing import Any

from ..findings import TAGS
from . import formula as fm
from .model import DropoutCheck, ExtraCheck, student_refs
from .reader import Reader, close_name, shown_value
from .yamlsrc import LDict, line_of

KEYS = {"label": True, "args": True, "returns": False, "after": False, "bind": False, "dims": False, "dropout": False, "tags": False}
DROPOUT_KEYS = {"output": True, "input": True, "keep": True, "axes": False}


def read_checks(r: Reader, f: LDict, fname: str, known: dict[str, str], template) -> tuple[ExtraCheck, ...]:
    raw = f.get("checks", [])
    if not isinstance(raw, list):
        raise r.fail(f"'functions.{fname}.checks' must be a list of {{label, args, ...}}", f, "checks")
    out = [_one(r, item, f"functions.{fname}.checks[{i}]", raw, i, known, template) for i, item in enumerate(raw)]
    labels = [c.label for c in out]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            raise r.fail(f"'functions.{fname}.checks' has the label {label!r} twice", raw, i)
    return tuple(out)


def _one(r: Reader, item: Any, what: str, parent: Any, key: int, known: dict[str, str], template) -> ExtraCheck:
    c = r.mapping(item, what, parent, key, KEYS)
    label = r.text(c["label"], f"{what}.label", c, "label").strip()
    if not label or ":" in label:
        raise r.fail(f"'{what}.label' must be a short text without ':' (got {shown_value(c['label'])})", c, "label")
    if not isinstance(c["args"], list):
        raise r.fail(f"'{what}.args' must be a list", c, "args")
    args = tuple(template(r, a, known, f"{what}.args[{j}]", c["args"], j) for j, a in enumerate(c["args"]))
    if student_refs(args):
        raise r.fail(f"'{what}.args' cannot use '@entry' values: a check is fed reference inputs", c, "args")
    returns = template(r, c["returns"], known, f"{what}.returns", c, "returns") if "returns" in c else None
    after = None
    if "after" in c:
        if not isinstance(c["after"], list) or len(c["after"]) != len(args):
            raise r.fail(f"'{what}.after' must be a list with one template per argument ({len(args)})", c, "after")
        after = template(r, c["after"], known, f"{what}.after", c, "after")
    bind, bound = None, {}
    if "bind" in c:
        bound = _bound(r, c["bind"], known, f"{what}.bind", c)
        bind = template(r, c["bind"], {**known, **bound}, f"{what}.bind", c, "bind")
    dims = _dims(r, c, what, known)
    dropout = _dropout(r, c, what, known, bound) if "dropout" in c else None
    if returns is None and after is None and dropout is None:
        raise r.fail(f"'{what}' checks nothing: give 'returns', 'after' or 'dropout'", parent, key)
    tags = c.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t in TAGS for t in tags):
        bad = next((t for t in tags if t not in TAGS), tags) if isinstance(tags, list) else tags
        raise r.fail(f"'{what}.tags' must list tags of findings.TAGS (got {shown_value(bad)})", c, "tags")
    return ExtraCheck(label, args, returns, after, bind, dims, dropout, tuple(tags), line_of(parent, key))


def _bound(r: Reader, bind: Any, known: dict[str, str], what: str, c: LDict) -> dict[str, str]:
    """The names ``bind`` introduces: new names only (a spec name would be compared, not bound)."""
    names = _leaf_names(bind)
    for n in names:
        if n != "_" and n in known:
            raise r.fail(f"'{what}' binds '{n}', which the spec already defines (as {known[n]}); choose a new name", c, "bind")
    return {n: "bound" for n in names if n != "_"}


def _leaf_names(bind: Any) -> list[str]:
    if isinstance(bind, str):
        return [bind]
    items = bind.values() if isinstance(bind, dict) else bind if isinstance(bind, list) else []
    return [n for item in items for n in _leaf_names(item)]


def _dims(r: Reader, c: LDict, what: str, known: dict[str, str]) -> dict[str, int]:
    raw = c.get("dims", {})
    if not isinstance(raw, dict):
        raise r.fail(f"'{what}.dims' must be a mapping of dim: size", c, "dims")
    out = {}
    for k, v in raw.items():
        if known.get(k) != "dim":
            close = close_name(k, [n for n, kind in known.items() if kind == "dim"])
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.fail(f"'{what}.dims' fixes '{k}', which is not a dim{hint}", raw, k)
        out[k] = r.integer(v, f"{what}.dims.{k}", raw, k, 1, 100000)
    return out


def _dropout(r: Reader, c: LDict, what: str, known: dict[str, str], bound: dict[str, str]) -> DropoutCheck:
    d = r.mapping(c["dropout"], f"{what}.dropout", c, "dropout", DROPOUT_KEYS)
    output = r.name(d["output"], f"{what}.dropout.output", d, "output")
    if output not in bound:
        raise r.fail(f"'{what}.dropout.output' must be a name bound by 'bind' (got {output!r})", d, "output")
    names = {**known, **bound}
    trees = {}
    for k in ("input", "keep"):
        tree = r.formula(str(d[k]) if isinstance(d[k], (int, float)) and not isinstance(d[k], bool) else d[k], f"{what}.dropout.{k}", d, k)
        allowed = names if k == "input" else known
        for n in sorted(fm.names(tree)):
            if n not in allowed:
                close = close_name(n, allowed)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise r.fail(f"in formula for '{what}.dropout.{k}': undefined name '{n}'{hint}", d, k)
        trees[k] = tree
    axes = d.get("axes", [0, 1])
    if not isinstance(axes, list) or not axes or not all(isinstance(a, int) and not isinstance(a, bool) and -6 <= a < 6 for a in axes):
        raise r.fail(f"'{what}.dropout.axes' must be a list of axes (whole numbers from -6 to 5)", d, "axes")
    return DropoutCheck(output, trees["input"], trees["keep"], tuple(axes), str(d["input"]), str(d["keep"]))
