"""Spec features the recurrent layers need: forward values with known mistakes, boolean masks."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.check.trials import make_trials
from gradcheck.errors import SpecError
from gradcheck.spec.loader import parse_spec

BASE = """
name: t
title: t
dims:
  N: {min: 2, max: 4}
  T: {min: 3, max: 5}
batch: N
values:
  x: {shape: [N, T], init: normal}
  mask: {shape: [N, T], init: mask}
parameters: [x]
forward:
  y: sum(x * float(mask)) / N
loss: y
cost: y
backward:
  dx: {formula: "float(mask) / N", per_example: false}
functions:
  f:
    args: [x, mask]
    returns: y
"""


def test_a_forward_value_may_list_known_mistakes():
    text = BASE.replace(
        "  y: sum(x * float(mask)) / N\n",
        '  y:\n    formula: "sum(x * float(mask)) / N"\n    mistakes:\n      - {formula: "sum(x) / N", tag: mask-ignored, text: t, fix: f}\n',
    )
    spec = parse_spec(text, "t.yaml")
    assert [m.tag for m in spec.mistakes["y"]] == ["mask-ignored"]
    assert [f.name for f in spec.forward] == ["y"]
    with pytest.raises(SpecError, match="unknown key 'mistake'"):
        parse_spec(text.replace("    mistakes:", "    mistake:"), "t.yaml")
    with pytest.raises(SpecError, match="undefined name 'z'"):
        parse_spec(text.replace('"sum(x) / N"', '"sum(z) / N"'), "t.yaml")


def test_mask_values_are_booleans_with_both_values():
    for trial in make_trials(parse_spec(BASE, "t.yaml"), 0):
        mask = trial.env["mask"]
        assert mask.dtype == np.bool_ and mask.shape == (trial.dims["N"], trial.dims["T"])
        assert mask.any() and not mask.all()
