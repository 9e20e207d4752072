"""``{steps: T_x, item: [...]}`` argument templates: a list with one item per time step (an RNN's caches)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.check.engine import _changed
from gradcheck.check.templates import build, leaves
from gradcheck.errors import SpecError
from gradcheck.spec.loader import load_spec, parse_spec
from gradcheck.spec.model import Steps

from ..conftest import ROOT


def test_build_gives_one_item_per_step_with_slices_of_the_last_axis():
    env = {"T_x": 3, "a": np.arange(12.0).reshape(2, 2, 3), "W": np.eye(2)}
    built = build([Steps("T_x", ["a[t]", {"W": "W"}]), "a"], env)
    caches, whole = built
    assert isinstance(caches, list) and len(caches) == 3 and whole is env["a"]
    for t, (a_t, params) in enumerate(caches):
        assert np.array_equal(a_t, env["a"][..., t]) and params["W"] is env["W"]
    assert leaves([Steps("T_x", ["a[t]", {"W": "W"}]), "a"]) == ["T_x", "a", "W", "a"]


def test_a_step_changed_in_place_is_named_by_its_value():
    env = {"T_x": 2, "a": np.zeros((2, 1, 2))}
    template = Steps("T_x", ["a[t]"])
    sent = build(template, env)
    back = [[np.zeros((2, 1))], [np.ones((2, 1))]]
    assert _changed(template, sent, back) == ["a"]
    assert _changed(template, sent, [[np.zeros((2, 1))], [np.zeros((2, 1))]]) == []


def test_the_rnn_spec_reads_its_caches_as_steps():
    spec = load_spec(ROOT / "assignments" / "rnn" / "spec.yaml")
    caches = spec.function("lstm_backward").args[1][0]
    assert isinstance(caches, Steps) and caches.count == "T_x" and caches.item[0] == "a_l[t]"


BASE = """
name: s
title: t
dims: {n: 2, T: 3, m: 1}
values:
  x: {shape: [n, T]}
parameters: [x]
forward:
  y: x * 2
loss: y
cost: sum(y)
backward:
  dx: {formula: "2 + 0 * x", per_example: false}
functions:
  f:
    args: [ARGS]
    returns: RETURNS
"""


@pytest.mark.parametrize(
    ("args", "returns", "message"),
    [
        ("{steps: n_T, item: ['x[t]']}", "dx", "'functions.f.args[0].steps' must name a dim"),
        ("{steps: x, item: ['x[t]']}", "dx", "'functions.f.args[0].steps' must name a dim"),
        ("'x[t]'", "dx", "undefined name 'x[t]'"),
        ("{steps: T, item: ['z[t]']}", "dx", "undefined name 'z[t]'"),
        ("x", "[{steps: T, item: ['x[t]']}]", "'functions.f.returns' cannot hold {steps, item}"),
    ],
)
def test_the_loader_refuses_steps_where_they_do_not_fit(args, returns, message):
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("{", r"\{")):
        parse_spec(BASE.replace("ARGS", args).replace("RETURNS", returns), "s.yaml")


def test_the_loader_accepts_steps_in_arguments():
    spec = parse_spec(BASE.replace("ARGS", "{steps: T, item: ['x[t]', x]}").replace("RETURNS", "dx"), "s.yaml")
    assert spec.function("f").args == (Steps("T", ["x[t]", "x"]),)
