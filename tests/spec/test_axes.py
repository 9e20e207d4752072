"""values.X.axes: optional roles per axis, checked by the loader and found through a gradient's wrt."""

from __future__ import annotations

import pytest

from gradcheck.errors import SpecError
from gradcheck.spec.loader import parse_spec

SPEC = """\
name: tiny
title: One linear unit over a sequence
dims:
  n: {min: 2, max: 4}
  m: 5
  T: 3
values:
  X: {shape: [n, m, T]AXES}
  w: {shape: [1, n]}
parameters: [w, X]
forward:
  Z: w @ X
loss: Z * Z / 2
backward:
  dZ: Z
  dw: sum(dZ @ X.T, axis=0) / m
  dX: {formula: "w.T @ dZ", per_example: false}
functions:
  f:
    args: [w, X]
    returns: J
"""


def spec(axes: str):
    return parse_spec(SPEC.replace("AXES", axes), "tiny.yaml")


def test_axes_are_optional_and_default_to_none():
    s = spec("")
    assert s.axes_of("X") == [] and s.axes_of("dX") == []


def test_a_gradient_has_the_axes_of_its_wrt_value_with_dim_names():
    s = spec(", axes: [feature, batch, time]")
    assert s.axes_of("dX") == [["n", "feature"], ["m", "batch"], ["T", "time"]]
    assert s.axes_of("dw") == []  # w declares none


@pytest.mark.parametrize(
    "axes, words",
    [
        (", axes: [feature, batch]", "must be a list of 3 roles"),
        (", axes: [feature, batch, hour]", "must be one of batch, time, channel"),
        (", axes: [time, batch, time]", "names 'time' twice"),
        (", axes: time", "must be a list of 3 roles"),
    ],
)
def test_bad_axes_are_spec_errors_with_a_line(axes, words):
    with pytest.raises(SpecError) as err:
        spec(axes)
    assert words in str(err.value)
    assert err.value.line == 8


def test_feature_may_repeat():
    assert [r for _, r in spec(", axes: [feature, feature, time]").axes_of("X")] == ["feature", "feature", "time"]
