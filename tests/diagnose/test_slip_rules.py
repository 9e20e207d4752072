"""slip_rules.py: missing parentheses, + for *, swapped log terms, an extra activation
derivative. Each rule fires where its structure is, names a student's wrong value with its
tag, and never names a right value or another mistake."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from gradcheck.check.trials import make_trials
from gradcheck.diagnose.explain_value import context, explain
from gradcheck.diagnose.rules import single

from ..conftest import load_builtin
from .observed import planar


def _keys(formula: str, forward: bool = False) -> list[str]:
    return [m.key for m, _ in single(ast.parse(formula, mode="eval").body, context(planar(), forward))]


def _named(spec, name: str, student, forward: bool = False, hidden: tuple[str, ...] = ()) -> list[str]:
    """The tags explain() gives a value computed by ``student(env)`` in every trial (``hidden``:
    intermediates the student computed without handing them back)."""
    trials = make_trials(spec, 0)
    cases = [(np.asarray(student(t.env), dtype=np.float64), t.env, t.dims[spec.batch], 1e-7) for t in trials]
    g = spec.gradient(name)
    return explain(spec, name, cases, bool(g and g.per_example), forward, hidden=hidden).tags()


def test_each_rule_fires_where_its_structure_is():
    assert "precedence:1 - A1 ** 2" in _keys("W2.T @ dZ2 * tanh_prime(Z1)")
    assert "extra-deriv:sigmoid" in _keys("A2 - Y")
    assert "extra-deriv:sigmoid" not in _keys("W2.T @ dZ2 * tanh_prime(Z1)")  # it has its derivative
    assert "swap-logs" in _keys("-(Y * log(A2) + (1 - Y) * log(1 - A2))", forward=True)
    assert "operator:theta * x" in _keys("theta * x", forward=True)
    assert not [k for k in _keys("theta * x") if k.startswith("operator:")]  # forward formulas only


TANH = lambda e: 1 - np.tanh(e["Z1"]) ** 2  # noqa: E731


@pytest.mark.parametrize(
    ("name", "student", "tag"),
    [
        ("dZ1", lambda e: e["W2"].T @ e["dZ2"] * 1 - np.tanh(e["Z1"]) ** 2, "missing-parentheses"),
        ("dZ2", lambda e: (e["A2"] - e["Y"]) * e["A2"] * (1 - e["A2"]), "extra-activation-derivative"),
    ],
)
def test_a_slip_in_a_gradient_is_named(name, student, tag):
    assert tag in _named(planar(), name, student)


@pytest.mark.parametrize(
    ("student", "tag"),
    [
        (lambda e: -np.sum(e["Y"] * np.log(1 - e["A2"]) + (1 - e["Y"]) * np.log(e["A2"])) / e["m"], "swapped-log-terms"),
        (lambda e: -np.sum(e["Y"] * np.log(e["A2"])) / e["m"], "missing-term"),  # the loss's terms, reached through L
    ],
)
def test_a_mistake_inside_the_loss_is_named_on_the_cost(student, tag):
    assert tag in _named(planar(), "J", student, forward=True)


def test_right_values_and_other_mistakes_are_not_named_as_slips():
    slips = {"missing-parentheses", "extra-activation-derivative", "swapped-log-terms", "wrong-operator"}
    assert not slips & set(_named(planar(), "dZ1", lambda e: e["W2"].T @ e["dZ2"] * TANH(e)))
    assert not slips & set(_named(planar(), "dZ1", lambda e: e["W2"].T @ e["dZ2"] * e["A1"] * (1 - e["A1"])))
    assert not slips & set(_named(planar(), "dZ2", lambda e: e["Y"] - e["A2"]))
    assert not slips & set(_named(planar(), "J", lambda e: np.sum(e["Y"] * np.log(e["A2"]) + (1 - e["Y"]) * np.log(1 - e["A2"])) / e["m"], True))


def test_the_extra_derivative_is_found_in_a_value_the_student_keeps_to_themselves():
    logistic = load_builtin("logistic")
    tags = _named(logistic, "dw", lambda e: e["X"] @ ((e["A"] - e["Y"]) * e["A"] * (1 - e["A"])).T / e["m"], hidden=("dZ",))
    assert "extra-activation-derivative" in tags and "missing-activation-derivative" not in tags


def test_another_layers_value_is_named_as_a_wrong_index_and_only_for_the_same_role():
    deep = load_builtin("deep")
    assert "wrong-index" in _named(deep, "dA2", lambda e: e["dA1"])
    regularization = load_builtin("regularization")
    tags = _named(regularization, "dZ2", lambda e: e["dA2"])  # relu′ left out: dA2 is another role's value
    assert "missing-activation-derivative" in tags and "wrong-index" not in tags


def test_a_value_never_filled_is_named_and_a_partly_filled_one_is_not():
    assert "not-computed" in _named(planar(), "A1", lambda e: np.zeros_like(e["A1"]), forward=True)
    half = lambda e: np.where(np.arange(e["A1"].shape[1]) % 2 == 0, np.tanh(e["Z1"]), 0.0)  # noqa: E731
    assert "not-computed" not in _named(planar(), "A1", half, forward=True)


def test_conv_window_rules_fire_on_the_windowed_functions():
    conv = load_builtin("conv")
    ctx = context(conv, True)
    keys = [m.key for m, _ in single(ast.parse("conv2d(A_prev, W, b, stride, pad)", mode="eval").body, ctx)]
    assert {"stride-one:conv2d", "size-without-pad:conv2d"} <= set(keys)
    keys = [m.key for m, _ in single(ast.parse("maxpool2d(A_max, pf, 1)", mode="eval").body, ctx)]
    assert not [k for k in keys if k.startswith("stride-one")]  # a stride of 1 has nothing to ignore
    assert "pad-every-axis" in [m.key for m, _ in single(ast.parse("pad4(A_prev, pad)", mode="eval").body, ctx)]


def test_a_column_maximum_mask_is_named_as_a_wrong_axis():
    conv = load_builtin("conv")
    tags = _named(conv, "mask", lambda e: e["mask_window"] == np.max(e["mask_window"], axis=0), forward=True)
    assert "wrong-sum-axis" in tags
    assert "wrong-sum-axis" not in _named(conv, "mask", lambda e: e["mask_window"] == np.min(e["mask_window"]), forward=True)
