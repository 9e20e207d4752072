"""Dims taken in turn per trial (hyperparameters) and dims derived from others (output sizes)."""

from __future__ import annotations

import pytest

from gradcheck.check.trials import make_trials
from gradcheck.errors import SpecError
from gradcheck.spec.loader import parse_spec
from tests.conftest import load_builtin

BASE = """
name: t
title: t
dims:
  m: {min: 2, max: 4}
  n: {min: 5, max: 7}
  s: {per_trial: [1, 2]}
  p: {per_trial: [0, 1, 2]}
  o: {formula: "conv_out(n, 3, s, p)"}
values:
  x: {shape: [m, o], init: normal}
parameters: [x]
forward:
  y: x * s
loss: y
backward:
  dx: {formula: "s + 0 * x", per_example: false}
functions:
  f:
    args: [x, {stride: s, pad: p}]
    returns: y
"""


def test_per_trial_dims_are_taken_in_turn_and_formula_dims_follow():
    spec = parse_spec(BASE + "trials: 4\n", "t.yaml")
    trials = make_trials(spec, 0)
    assert [t.dims["s"] for t in trials] == [1, 2, 1, 2]
    assert [t.dims["p"] for t in trials] == [0, 1, 2, 0]  # 0 is allowed for a hyperparameter
    for t in trials:
        assert t.dims["o"] == (t.dims["n"] + 2 * t.dims["p"] - 3) // t.dims["s"] + 1
        assert t.env["x"].shape == (t.dims["m"], t.dims["o"])


def test_conv_trials_cover_stride_one_and_two_pad_zero_and_overlapping_pools():
    trials = make_trials(load_builtin("conv"), 0)
    seen = {(t.dims["stride"], t.dims["pad"], t.dims["f"], t.dims["pstride"] < t.dims["pf"]) for t in trials}
    assert {s for s, *_ in seen} == {1, 2} and 0 in {p for _, p, *_ in seen} and max(p for _, p, *_ in seen) > 0
    assert 3 in {f for _, _, f, _ in seen} and any(overlap for *_, overlap in seen)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('o: {formula: "conv_out(n, 3, s, p)"}', 'o: {formula: "conv_out(q, 3, s, p)"}', "may use only the dims above it"),
        ("s: {per_trial: [1, 2]}", "s: {per_trial: []}", "must be a list of 1 to 20"),
        ("s: {per_trial: [1, 2]}", "s: {per_trial: [1, -2]}", "whole number from 0"),
        ('o: {formula: "conv_out(n, 3, s, p)"}', 'o: {formula: "n - 9"}', None),
    ],
)
def test_bad_dims_are_reported(old, new, message):
    text = BASE.replace(old, new)
    if message is not None:
        with pytest.raises(SpecError, match=message):
            parse_spec(text, "t.yaml")
        return
    with pytest.raises(SpecError, match="a size must be a whole number"):  # n - 9 < 1: found when drawn
        make_trials(parse_spec(text, "t.yaml"), 0)


def test_backward_mistakes_carry_a_known_tag():
    good = BASE.replace(
        '  dx: {formula: "s + 0 * x", per_example: false}',
        '  dx:\n    formula: "s + 0 * x"\n    per_example: false\n    mistakes:\n      - {formula: "1 + 0 * x", tag: stride-ignored, text: t, fix: f}',
    )
    spec = parse_spec(good, "t.yaml")
    assert [m.tag for m in spec.mistakes["dx"]] == ["stride-ignored"]
    with pytest.raises(SpecError, match="must be one of gradcheck's tags"):
        parse_spec(good.replace("tag: stride-ignored", "tag: no-such-tag"), "t.yaml")
