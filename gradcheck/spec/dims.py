"""Dims that are not drawn from a range: hyperparameters that vary by trial, and derived sizes.

``stride: {per_trial: [1, 2, 2]}`` — trial k (probes continue the count) takes item k mod len,
so every check sees stride 1 and stride 2, and pad 0 as well as pad > 0 (0 is allowed here:
a hyperparameter, not an array size). ``n_H: {formula: "conv_out(n_H_prev, f, stride, pad)"}``
— a size computed from the dims above it (a convolution's output size).
"""

from __future__ import annotations

from typing import Any

from . import formula as fm
from .model import Dim, Formula
from .reader import Reader, shown_value
from .yamlsrc import line_of

MAX_DIM = 100_000
MAX_PER_TRIAL = 20


def special_dim(r: Reader, key: str, spec: Any, raw: Any, above: list[Dim]) -> Dim:
    if "per_trial" in spec:
        d = r.mapping(spec, f"dims.{key}", raw, key, {"per_trial": True})
        items = d["per_trial"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_PER_TRIAL:
            raise r.fail(f"'dims.{key}.per_trial' must be a list of 1 to {MAX_PER_TRIAL} whole numbers (got {shown_value(items)})", d, "per_trial")
        values = tuple(r.integer(v, f"dims.{key}.per_trial[{i}]", items, i, 0, MAX_DIM) for i, v in enumerate(items))
        return Dim(key, min(values), max(values), per_trial=values)
    d = r.mapping(spec, f"dims.{key}", raw, key, {"formula": True})
    tree = r.formula(d["formula"], f"dims.{key}.formula", d, "formula")
    known = {dim.name for dim in above}
    for name in sorted(fm.names(tree)):
        if name not in known:
            raise r.fail(f"'dims.{key}.formula' may use only the dims above it (got '{name}')", d, "formula")
    return Dim(key, 1, MAX_DIM, formula=Formula(key, d["formula"], tree, line_of(d, "formula")))


def derived_size(dim: Dim, dims: dict[str, int]) -> int:
    """The value of a ``formula`` dim in one trial; a FormulaError or ValueError when it is no size."""
    assert dim.formula is not None
    value = fm.evaluate(dim.formula.tree, dims)
    number = float(value)
    if number != int(number) or not 1 <= number <= MAX_DIM:
        raise ValueError(f"'dims.{dim.name}' is {number:g} for {dims}; a size must be a whole number from 1 to {MAX_DIM}")
    return int(number)
