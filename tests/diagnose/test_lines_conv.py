"""Following a wrong value or a crash back to the line that holds the mistake (diagnose/lines_conv.py),
on small functions run here under the child's tracer (sandbox/tracing.py) and read back as the
judge reads them (check/traces.parse)."""

from __future__ import annotations

import importlib.util

import numpy as np

from gradcheck.check import traces
from gradcheck.diagnose import lines_case, lines_conv
from gradcheck.sandbox.tracing import run_traced

SOURCE = '''\
import numpy as np


def sized(x, f, s):
    n = x.shape[0]
    out_n = 1 + (n - f) / s
    return np.zeros((2, out_n))


def unpooled(x, dout, ph, pw):
    dx = np.zeros_like(x)
    for h in range(dout.shape[0]):
        for w in range(dout.shape[1]):
            k = np.argmax(x[h:h + ph, w:w + pw])
            r, q = k // ph, k % ph
            dx[h + r, w + q] += dout[h, w]
    return dx


def windows(dout, w, f):
    da = np.zeros((dout.shape[0] + f - 1, dout.shape[1] + f - 1))
    for h in range(dout.shape[0]):
        for v in range(dout.shape[1]):
            top = v
            bottom = top + f
            left = h
            da[top:bottom, left:left + f] += w * dout[h, v]
    return da


def sized_window(dout, w, f, g):
    da = np.zeros((dout.shape[0] + f - 1, dout.shape[1] + f - 1))
    for h in range(dout.shape[0]):
        for v in range(dout.shape[1]):
            da[h:h + f, v:v + g] += w * dout[h, v]
    return da


def padded(dout, pad):
    dx_pad = np.zeros_like(np.pad(dout, pad))
    dx_pad[pad:pad + dout.shape[0], pad:pad + dout.shape[1]] += dout
    dx = dx_pad
    return dx


def softmax(x):
    shifted = x - np.max(x, axis=0, keepdims=True)
    z = np.sum(np.exp(shifted), axis=0, keepdims=True)
    log_probs = shifted - np.log(z)
    probs = np.exp(log_probs)
    return probs


def margins(x, y):
    m = np.maximum(0, x - x[np.arange(2), y][:, None])
    m[np.arange(2), y] = 0
    return m


def flat(dout):
    n, c = dout.shape
    rows = dout.reshape(c, n)
    values = norm(rows)
    out = values.reshape(n, c)
    return out


def norm(x, center=True):
    return (x - x.mean(axis=0) * center) / x.std(axis=0)


def uncentered(dout):
    rows = dout.reshape(-1, 2)
    values = norm(rows, center=False)
    return values


def normalized(x):
    mu = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    out = (x - mu) / np.sqrt(var + 1e-5)
    return out


def centered(x):
    xc = x - x.mean(axis=0)
    out = xc / np.sqrt(np.mean(xc * xc, axis=0))
    return out
'''


def _run(tmp_path, name: str, *args):
    path = tmp_path / "student.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("student_lines_conv", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _value, exc, raw = run_traced(getattr(module, name), list(args), str(path), SOURCE)
    trace = traces.parse(raw, name, 0, len(SOURCE.splitlines()))
    assert trace is not None
    return trace, exc


def test_a_float_size_points_at_the_division_that_made_it(tmp_path):
    trace, exc = _run(tmp_path, "sized", np.ones((5, 2)), 3, 1)
    assert isinstance(exc, TypeError)
    assert lines_conv.crash_cause(SOURCE, "sized", 7, "TypeError", str(exc), [trace]) == 6


def test_an_index_past_the_end_points_at_the_offset_decoded_in_the_loop(tmp_path):
    x = np.arange(12.0).reshape(4, 3)  # the max of a 2×3 window is its last entry, k = 5: r = 5 // 2 is past the window
    trace, exc = _run(tmp_path, "unpooled", x, np.ones((3, 1)), 2, 3)
    assert isinstance(exc, IndexError)
    assert lines_conv.crash_cause(SOURCE, "unpooled", 16, "IndexError", str(exc), [trace]) == 15


def test_a_window_cut_short_at_the_edge_points_at_its_start(tmp_path):
    trace, exc = _run(tmp_path, "windows", np.ones((4, 2)), np.ones((2, 2)), 2)
    assert isinstance(exc, ValueError)
    found = lines_conv.crash_cause(SOURCE, "windows", 27, "ValueError", str(exc), [trace])
    assert found in (24, 26)  # a start computed from a loop index, not bottom = top + f


def test_a_window_of_the_wrong_size_stays_on_the_raising_line(tmp_path):
    trace, exc = _run(tmp_path, "sized_window", np.ones((3, 3)), np.ones((2, 2)), 2, 1)  # a 2×1 window for a 2×2 value
    assert isinstance(exc, ValueError) and "(2,1)" in str(exc)
    assert lines_conv.crash_cause(SOURCE, "sized_window", 35, "ValueError", str(exc), [trace]) is None


def test_a_padded_array_handed_back_under_the_value_s_name_points_at_the_binding(tmp_path):
    trace, _ = _run(tmp_path, "padded", np.ones((3, 2)), 1)
    assert lines_conv.returned_alias(SOURCE, "padded", ("return",), trace) == 42


def test_a_softmax_over_the_wrong_axis_points_at_a_reduction_over_that_axis(tmp_path):
    trace, _ = _run(tmp_path, "softmax", np.arange(6.0).reshape(2, 3))
    assert lines_conv.reduced_over_wrong_axis(SOURCE, "softmax", 50, 0, trace) in (47, 48)
    assert lines_conv.reduced_over_wrong_axis(SOURCE, "softmax", 50, 1, trace) is None
    assert lines_conv.reduced_over_wrong_axis(SOURCE, "softmax", 50, None, trace) is None


def test_a_missing_term_behind_a_store_of_a_constant_points_where_the_value_was_computed(tmp_path):
    trace, _ = _run(tmp_path, "margins", np.arange(6.0).reshape(2, 3), np.array([0, 2]))
    assert lines_conv.computed_before_store(SOURCE, "margins", 56, ("forward-mismatch", "missing-term"), trace) == 55
    assert lines_conv.computed_before_store(SOURCE, "margins", 56, ("forward-mismatch",), trace) is None


def test_a_reshape_of_wrong_numbers_goes_back_through_a_passing_callee_to_its_argument(tmp_path):
    trace, _ = _run(tmp_path, "flat", np.arange(6.0).reshape(3, 2))
    assert lines_conv.values_made(SOURCE, "flat", 64, trace, {"norm"}, permuted=False) == 62
    assert lines_conv.values_made(SOURCE, "flat", 64, trace, set(), permuted=False) == 63  # the callee is not known to be right
    assert lines_conv.values_made(SOURCE, "flat", 64, trace, {"norm"}, permuted=True) is None  # right numbers, wrong order: the reshape


def test_a_callee_handed_a_constant_is_not_followed_to_its_other_argument(tmp_path):
    trace, _ = _run(tmp_path, "uncentered", np.arange(6.0).reshape(3, 2))
    assert lines_conv.values_made(SOURCE, "uncentered", 74, trace, {"norm"}, permuted=False) is None


def test_the_first_statistic_that_is_none_of_the_reference_s_is_the_line(tmp_path):
    x = np.arange(12.0).reshape(4, 3) ** 1.5
    trace, _ = _run(tmp_path, "normalized", x)
    assert set(trace.sums) >= {"x", "mu", "var", "out"} and trace.sums["mu"][0] == 3  # sizes and sums, from the child
    biased = lines_case._known([x.mean(axis=0), x.var(axis=0)], {"eps": 1e-5})
    assert lines_conv.unmatched_statistic(SOURCE, "normalized", 81, trace, biased) == 80
    unbiased = lines_case._known([x.mean(axis=0), x.var(axis=0, ddof=1)], {"eps": 1e-5})
    assert lines_conv.unmatched_statistic(SOURCE, "normalized", 81, trace, unbiased) is None


def test_a_centered_array_is_not_a_statistic(tmp_path):
    x = np.arange(12.0).reshape(4, 3) ** 1.5
    trace, _ = _run(tmp_path, "centered", x)
    nothing = lines_case._known([], {})  # no statistic is known: only what has fewer numbers than its input is blamed
    assert lines_conv.unmatched_statistic(SOURCE, "centered", 87, trace, nothing) is None
