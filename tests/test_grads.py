"""gradcheck.check_grads / assert_grads on a corpus of correct and buggy numpy layers (tests/grads/layers.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import gradcheck
from gradcheck.check import fd
from gradcheck.check.compare import compare
from gradcheck.render.formats import render_format
from tests.grads import layers as L

MLP = ("W1", "b1", "W2", "b2")


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def errors(report) -> list:
    return [f for f in report.findings if f.level == "error"]


def only_error(report):
    found = errors(report)
    assert len(found) == 1, [(f.code, f.target, f.message) for f in report.findings]
    assert not report.passed
    return found[0]


def affine_args(r, n=5, d=4, m=3, dtype=np.float64):
    return tuple(a.astype(dtype) for a in (r.standard_normal((n, d)), r.standard_normal((d, m)), r.standard_normal(m)))


def conv_args(r):
    return r.standard_normal((2, 2, 5, 5)), r.standard_normal((3, 2, 3, 3)), r.standard_normal(3)


def layernorm_args(r, dtype=np.float64):
    return tuple(a.astype(dtype) for a in (r.standard_normal((4, 6)), 1 + 0.5 * r.standard_normal(6), r.standard_normal(6)))


# --------------------------------------------------------------------------- correct layers pass


@pytest.mark.parametrize(
    ("f", "args", "kw"),
    [
        (L.affine, affine_args(rng()), {"vjp": L.affine_vjp}),
        (L.softmax_ce, (rng(1).standard_normal((7, 4)), np.array([0, 3, 1, 2, 2, 0, 1])), {"grad": L.softmax_ce_grad}),
        (L.layernorm, layernorm_args(rng(2)), {"vjp": L.layernorm_vjp}),
        (L.conv2d, conv_args(rng(3)), {"vjp": L.conv2d_vjp}),
        (L.mlp_loss, L.mlp_inputs(rng(4), near_kink=False), {"grad": L.mlp_grad, "argnums": MLP}),
    ],
    ids=["affine", "softmax_ce", "layernorm", "conv2d", "relu_mlp"],
)
def test_correct_layers_pass(f, args, kw):
    # Both plans, named: "auto" picks between them by timing one call of f (a conv layer's
    # Python loops can take 1 ms under load), so each plan is asked for here, not left to it.
    for mode, plan in (("elementwise", "element by element"), ("directional", "4 random direction")):
        report = gradcheck.check_grads(f, args, mode=mode, **kw)
        assert report.passed, str(report)
        assert errors(report) == []
        assert [c.status for c in report.checks] == ["pass"] * len(report.checks)
        assert report.trials and report.trials[0].startswith(plan)


def test_relu_network_at_its_kinks_passes_and_says_what_was_skipped():
    args = L.mlp_inputs(rng(5))
    report = gradcheck.check_grads(L.mlp_loss, args, grad=L.mlp_grad, argnums=MLP)
    assert report.passed, str(report)
    kinks = [f for f in report.findings if f.code == "GC402"]
    assert len(kinks) == 1 and "kink" in kinks[0].message
    # Without the kink test this point fails: the central difference of b1[0] straddles the relu.
    b1 = args[2].copy()
    h = float(fd.step(b1)[0])
    up, down = b1.copy(), b1.copy()
    up[0] += h
    down[0] -= h
    numeric = (L.mlp_loss(args[0], args[1], up, *args[3:]) - L.mlp_loss(args[0], args[1], down, *args[3:])) / (2 * h)
    analytic = L.mlp_grad(*args)[1][0]
    assert not compare(np.array([analytic]), np.array([numeric]), 1e-5).ok


def test_directional_mode_passes_a_correct_network():
    report = gradcheck.check_grads(L.mlp_loss, L.mlp_inputs(rng(6), n=20, d=30, hidden=40, near_kink=False), grad=L.mlp_grad, argnums=MLP, mode="directional")
    assert report.passed, str(report)
    assert "random direction" in report.trials[0]


# --------------------------------------------------------------------------- buggy layers fail, naming the argument


def test_softmax_missing_mean_is_a_scale_finding():
    scores, y = rng(1).standard_normal((7, 4)), np.array([0, 3, 1, 2, 2, 0, 1])
    f = only_error(gradcheck.check_grads(L.softmax_ce, (scores, y), grad=L.softmax_ce_grad_missing_mean))
    assert (f.code, f.target) == ("GC302", "scores")
    assert "missing-mean" in f.tags and "7 times too large" in f.message
    assert f.stats["ratio"] == pytest.approx(7.0)
    assert "scores (args[0])" in f.message and "Worst at scores[" in f.message


def test_transposed_weight_gradient_is_a_shape_finding():
    f = only_error(gradcheck.check_grads(L.affine, affine_args(rng()), vjp=L.affine_vjp_dW_transposed))
    assert (f.code, f.target) == ("GC104", "W") and "transpose" in f.tags
    assert "(3, 4)" in f.message and "(4, 3)" in f.message


def test_transposed_square_weight_gradient_is_named_a_transpose():
    f = only_error(gradcheck.check_grads(L.affine, affine_args(rng(), d=4, m=4), vjp=L.affine_vjp_dW_transposed))
    assert (f.code, f.target) == ("GC301", "W") and f.tags == ("transpose",)
    index, got, expected = f.stats["worst"][0]
    assert len(index) == 2 and got != pytest.approx(expected)


def test_wrong_sum_axis():
    f = only_error(gradcheck.check_grads(L.affine, affine_args(rng()), vjp=L.affine_vjp_db_wrong_axis))
    assert (f.code, f.target) == ("GC104", "b") and "(5,)" in f.message
    f = only_error(gradcheck.check_grads(L.affine, affine_args(rng(), n=3, m=3), vjp=L.affine_vjp_db_wrong_axis))
    assert (f.code, f.target) == ("GC301", "b")


def test_sign_flip():
    f = only_error(gradcheck.check_grads(L.affine, affine_args(rng()), vjp=L.affine_vjp_dx_sign_flip))
    assert (f.code, f.target) == ("GC302", "x") and f.tags == ("sign-flip",)
    assert f.stats["ratio"] == pytest.approx(-1.0)


def test_layernorm_missing_term():
    report = gradcheck.check_grads(L.layernorm, layernorm_args(rng(2)), vjp=L.layernorm_vjp_missing_variance_term)
    f = only_error(report)
    assert (f.code, f.target) == ("GC301", "x")
    assert {c.target: c.status for c in report.checks} == {"x": "fail", "gamma": "pass", "beta": "pass"}


def test_conv_bugs():
    f = only_error(gradcheck.check_grads(L.conv2d, conv_args(rng(3)), vjp=L.conv2d_vjp_dw_unpadded))
    assert (f.code, f.target) == ("GC301", "w") and len(f.stats["worst"][0][0]) == 4
    f = only_error(gradcheck.check_grads(L.conv2d, conv_args(rng(3)), vjp=L.conv2d_vjp_db_wrong_axes))
    assert (f.code, f.target) == ("GC104", "b")


def test_missing_relu_derivative_fails_on_the_first_layer_only():
    report = gradcheck.check_grads(L.mlp_loss, L.mlp_inputs(rng(4), near_kink=False), grad=L.mlp_grad_missing_relu_derivative, argnums=MLP)
    assert {f.target for f in errors(report)} == {"W1", "b1"}
    assert all(f.code == "GC301" for f in errors(report))


def test_directional_mode_locates_the_wrong_argument_and_an_entry():
    args = L.mlp_inputs(rng(6), n=20, d=30, hidden=40, near_kink=False)
    report = gradcheck.check_grads(L.mlp_loss, args, grad=L.mlp_grad_missing_relu_derivative, argnums=MLP, mode="directional")
    assert {f.target for f in errors(report)} == {"W1", "b1"}
    w1 = next(f for f in errors(report) if f.target == "W1")
    assert w1.stats["worst"] and len(w1.stats["worst"][0][0]) == 2 and "checked one by one" in w1.message


def test_big_input_goes_directional_by_itself():
    r = rng(7)
    x, W, b = r.standard_normal((64, 80)), r.standard_normal((80, 70)), r.standard_normal(70)
    report = gradcheck.check_grads(L.affine, (x, W, b), vjp=L.affine_vjp_dx_sign_flip)
    assert "random direction" in report.trials[0]
    f = only_error(report)
    assert (f.code, f.target) == ("GC302", "x") and "sign-flip" in f.tags


# --------------------------------------------------------------------------- precision


def test_float32_layers_use_the_float32_rules():
    args = layernorm_args(rng(2), np.float32)
    report = gradcheck.check_grads(L.layernorm, args, vjp=L.layernorm_vjp)
    assert report.passed, str(report)
    assert any("float32" in rule for rule in report.rules) and any("rtol = 0.003" in rule for rule in report.rules)
    f = only_error(gradcheck.check_grads(L.layernorm, args, vjp=L.layernorm_vjp_missing_variance_term))
    assert (f.code, f.target) == ("GC301", "x")


def test_float32_with_the_float64_rule_is_a_choice():
    args = layernorm_args(rng(2), np.float32)
    assert gradcheck.check_grads(L.layernorm, args, vjp=L.layernorm_vjp, dtype="float64").passed


# --------------------------------------------------------------------------- what a function returns


def test_f_raising():
    def broken(x, W, b):
        raise ValueError("shapes (5,4) and (3,4) not aligned")

    def broken_vjp(dout, x, W, b):
        return L.affine_vjp(dout, x, W, b)

    f = only_error(gradcheck.check_grads(broken, affine_args(rng()), vjp=broken_vjp))
    assert (f.code, f.target) == ("GC101", "test_f_raising.<locals>.broken")
    assert "ValueError" in f.message and "not aligned" in f.message
    assert f.location is not None and f.location.file == __file__  # the raising line, in the report's file
    assert "raise ValueError" in __import__("pathlib").Path(__file__).read_text().splitlines()[f.location.line - 1]


def test_gradient_raising():
    def grad(scores, y):
        return scores[y]  # fine

    def bad_grad(scores, y):
        raise IndexError("index 9 is out of bounds")

    f = only_error(gradcheck.check_grads(L.softmax_ce, (rng().standard_normal((3, 4)), np.array([0, 1, 2])), grad=bad_grad))
    assert f.code == "GC101" and "IndexError" in f.message and grad  # noqa: B018


def test_f_raising_at_a_perturbed_point():
    def fragile(x):
        if abs(float(x[0]) - 0.5) > 1e-12:
            raise FloatingPointError("moved")
        return float(np.sum(x**2))

    f = only_error(gradcheck.check_grads(fragile, (np.array([0.5, 1.0]),), grad=lambda x: 2 * x))
    assert f.code == "GC101" and "θ ± h" in f.message


def test_wrong_count_type_and_non_finite_gradients():
    args = affine_args(rng())
    f = only_error(gradcheck.check_grads(L.affine, args, vjp=lambda dout, x, W, b: (dout @ W.T, x.T @ dout)))
    assert f.code == "GC102" and "3 gradient(s)" in f.message
    f = only_error(gradcheck.check_grads(L.affine, args, vjp=lambda dout, x, W, b: (dout @ W.T, (x.T @ dout).tolist(), dout.sum(0))))
    assert (f.code, f.target) == ("GC102", "W") and "list" in f.message

    def nan_grad(dout, x, W, b):
        dW = x.T @ dout
        dW[1, 2] = np.nan
        return dout @ W.T, dW, dout.sum(0)

    f = only_error(gradcheck.check_grads(L.affine, args, vjp=nan_grad))
    assert (f.code, f.target) == ("GC105", "W") and "[1, 2]" in f.message


def test_non_finite_f():
    with np.errstate(invalid="ignore"):
        f = only_error(gradcheck.check_grads(lambda x: float(np.log(x).sum()), (np.array([-1.0, 2.0]),), grad=lambda x: 1 / x))
    assert f.code == "GC105"


def test_in_place_change_of_an_argument():
    def sneaky(x):
        x *= 2
        return float(np.sum(x))

    f = only_error(gradcheck.check_grads(sneaky, (np.ones(3),), grad=lambda x: 2 * np.ones(3)))
    assert f.code == "GC107"


# --------------------------------------------------------------------------- the API's own rules


def test_argnums_by_position_and_name_and_gradients_for_every_argument():
    args = affine_args(rng())
    assert gradcheck.check_grads(L.affine, args, vjp=lambda dout, x, W, b: x.T @ dout, argnums=1).passed
    assert gradcheck.check_grads(L.affine, args, vjp=lambda dout, x, W, b: (x.T @ dout, dout.sum(0)), argnums=("W", "b")).passed
    report = gradcheck.check_grads(L.affine, args, vjp=L.affine_vjp_dx_sign_flip, argnums=(1, 2))  # one per argument: picked
    assert report.passed and [c.target for c in report.checks] == ["W", "b"]


def test_unnamed_arguments_are_named_by_position():
    report = gradcheck.check_grads(lambda *a: float(np.sum(a[0] * a[1])), (np.ones(2), np.arange(2.0)), grad=lambda x, y: (y, 2 * x))
    f = only_error(report)
    assert f.target == "args[1]" and "args[1]" in f.message


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({}, TypeError),
        ({"grad": L.softmax_ce_grad, "vjp": L.affine_vjp}, TypeError),
        ({"grad": L.softmax_ce_grad, "argnums": 5}, ValueError),
        ({"grad": L.softmax_ce_grad, "argnums": "z"}, ValueError),
        ({"grad": L.softmax_ce_grad, "mode": "fast"}, ValueError),
    ],
)
def test_misuse_raises(kw, error):
    with pytest.raises(error):
        gradcheck.check_grads(L.softmax_ce, (np.ones((2, 3)), np.array([0, 1])), **kw)


def test_grad_for_an_array_valued_f_is_misuse():
    with pytest.raises(ValueError, match="vjp="):
        gradcheck.check_grads(L.affine, affine_args(rng()), grad=L.affine_vjp)


def test_assert_grads_message_is_the_explanation():
    with pytest.raises(AssertionError) as info:
        gradcheck.assert_grads(L.softmax_ce, (rng(1).standard_normal((7, 4)), np.array([0, 3, 1, 2, 2, 0, 1])), grad=L.softmax_ce_grad_missing_mean)
    text = str(info.value)
    assert "GC302 scale-mismatch · scores" in text and "index" in text and "fix:" in text
    assert "\n" in text and len(text) < 3000
    assert gradcheck.assert_grads(L.affine, affine_args(rng()), vjp=L.affine_vjp).passed


def test_print_shows_the_panel_and_the_json_report_works():
    report = gradcheck.check_grads(L.layernorm, layernorm_args(rng(2)), vjp=L.layernorm_vjp_missing_variance_term)
    text = str(report)
    assert "GC301 gradient-mismatch · x" in text and "╭" in text and "FAILED" in text
    data = json.loads(render_format(report, "json"))
    assert data["assignment"] == "check_grads" and data["findings"][0]["code"] == "GC301"
    assert "error_map" not in data["findings"][0]["stats"]
    assert isinstance(report, gradcheck.Report)
    assert repr(report) == "GradReport(passed=False, title='gradients of layernorm by layernorm_vjp_missing_variance_term', findings=[GC301 x])"


def test_one_wrong_entry_missed_by_the_samples_is_still_named_by_its_argument():
    args = L.mlp_inputs(rng(6), n=20, d=30, hidden=40, near_kink=False)

    def one_entry_off(*a):
        dW1, db1, dW2, db2 = L.mlp_grad(*a)
        dW1[3, 7] += 10 * float(np.abs(dW1).max())
        return dW1, db1, dW2, db2

    report = gradcheck.check_grads(L.mlp_loss, args, grad=one_entry_off, argnums=MLP, mode="directional", samples=0)
    f = only_error(report)
    assert (f.code, f.target) == ("GC301", "W1") and "random directions through W1 alone" in f.message


def test_the_docs_example_runs_and_says_what_it_claims():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "check-grads.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    scope: dict = {}
    exec(compile(code.replace("print(report)", "text = str(report)"), "check-grads.md", "exec"), scope)  # noqa: S102
    assert scope["report"].passed is False
    assert "GC302 scale-mismatch · scores" in scope["text"]
    assert "The gradient with respect to scores (args[0]) is 7 times too large" in scope["report"].findings[0].message
