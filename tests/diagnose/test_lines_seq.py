"""diagnose/lines_seq.py: the statement that holds the named mistake, among the lines of a traced
call that assembled a value (loops over time steps, gradients gathered in dicts, aliases)."""

from __future__ import annotations

import ast
import textwrap

from gradcheck.check.traces import Trace
from gradcheck.diagnose import lines_seq, locate

LOOP = textwrap.dedent(
    """\
    def rnn_backward(da, caches):
        dx = np.zeros((3, 2, 4))
        dWax = np.zeros((5, 3))
        da_prevt = np.zeros((5, 2))
        for t in reversed(range(4)):
            gradients = rnn_cell_backward(da[:, :, t], caches[t])
            dxt, da_prevt, dWaxt = gradients["dxt"], gradients["da_prev"], gradients["dWax"]
            dx[:, :, t] = dxt
            dWax = dWaxt
        grads = {"dx": dx, "dWax": dWax}
        return grads
    """
)


def _func(source: str, name: str) -> ast.FunctionDef:
    func = locate.function_node(locate.parse(source), name)
    assert func is not None
    return func


def _trace(names: dict[str, tuple[int, ...]], lines: set[int], returned: int) -> Trace:
    return Trace("f", 0, names=names, lines=frozenset(lines), ran=frozenset(lines), returned=returned)


LOOP_TRACE = _trace(
    {"dx": (2, 8, 8), "dWax": (3, 9, 9), "da_prevt": (4, 7, 7), "gradients": (6, 6), "dxt": (7, 7), "dWaxt": (7, 7), "grads": (10,)},
    set(range(2, 12)),
    11,
)


def test_bound_name_follows_the_returned_dict_to_the_local_it_holds():
    func = _func(LOOP, "rnn_backward")
    assert lines_seq.bound_name(func, ("return", "dWax"), LOOP_TRACE) == "dWax"
    assert lines_seq.bound_name(func, ("return", "dx"), LOOP_TRACE) == "dx"
    assert lines_seq.bound_name(func, ("return", "db"), LOOP_TRACE) is None  # not in the dict that ran
    tupled = "def f(x):\n    a = x + 1\n    b = x * 2\n    return a, b\n"
    assert lines_seq.bound_name(_func(tupled, "f"), ("return", 1), _trace({"a": (2,), "b": (3,)}, {2, 3, 4}, 4)) == "b"
    assert lines_seq.bound_name(_func(tupled, "f"), ("return", 1), _trace({}, {2, 3, 4}, None)) is None  # it raised


def test_a_sum_assigned_in_the_loop_is_the_line_that_binds_it_there():
    func = _func(LOOP, "rnn_backward")
    assert lines_seq.assigned_in_loop(func, "dWax", LOOP_TRACE) == 9
    accumulated = LOOP.replace("dWax = dWaxt", "dWax = dWax + dWaxt")
    assert lines_seq.assigned_in_loop(_func(accumulated, "rnn_backward"), "dWax", LOOP_TRACE) is None
    outside = "def f(g):\n    for t in range(3):\n        w = g[t]\n    dW = w\n    return dW\n"
    assert lines_seq.assigned_in_loop(_func(outside, "f"), "dW", _trace({"w": (3, 3, 3), "dW": (4,)}, {2, 3, 4, 5}, 5)) is None


def test_the_step_input_is_the_first_line_in_the_loop_that_reads_a_step_of_the_upstream():
    func = _func(LOOP, "rnn_backward")
    assert lines_seq.step_input(func, ["da"], LOOP_TRACE.lines) == 6
    assert lines_seq.step_input(func, ["dh"], LOOP_TRACE.lines) is None  # no such parameter read
    assert lines_seq.step_input(func, ["da"], frozenset({2, 3, 4})) is None  # the loop did not run
    inlined = textwrap.dedent(
        """\
        def rnn_backward(dh, cache):
            dz = np.zeros_like(dh)
            t = dh.shape[1] - 1
            while t >= 0:
                dz[:, t] = dh[:, t] * (1 - h[:, t] ** 2)
                running = dz[:, t] @ Wh.T
                t -= 1
            return dz
        """
    )
    assert lines_seq.step_input(_func(inlined, "rnn_backward"), ["dh"], frozenset(range(2, 9))) == 5


def test_an_alias_is_found_only_when_the_name_was_last_bound_to_another_local():
    source = "def f(a, b):\n    dc = a + b\n    dprev_c = dc\n    return dprev_c\n"
    trace = _trace({"dc": (2,), "dprev_c": (3,)}, {2, 3, 4}, 4)
    assert lines_seq.alias_line(_func(source, "f"), "dprev_c", trace) == 3
    computed = source.replace("dprev_c = dc", "dprev_c = dc * b")
    assert lines_seq.alias_line(_func(computed, "f"), "dprev_c", trace) is None


def test_a_reshape_is_followed_to_the_write_it_lays_out():
    source = textwrap.dedent(
        """\
        def loss(x, N):
            dx_flat = x.copy()
            dx_flat /= N
            dx = dx_flat.reshape(N, -1)
            other = np.reshape(dx_flat, (N, -1))
            return dx, other
        """
    )
    func = _func(source, "loss")
    trace = _trace({"dx_flat": (2, 3), "dx": (4,), "other": (5,)}, {2, 3, 4, 5, 6}, 6)
    assert lines_seq.through_reshape(func, 4, trace) == 3
    assert lines_seq.through_reshape(func, 5, trace) == 3
    assert lines_seq.through_reshape(func, 3, trace) is None  # a computation, not a reshape
    assert lines_seq.through_reshape(func, 2, trace) is None


def test_an_array_assembled_slice_by_slice_lists_its_pieces_in_the_order_they_ran():
    source = textwrap.dedent(
        """\
        def cell(xt, a_prev):
            concat = np.zeros((7, 2))
            concat[:3, :] = xt
            concat[3:, :] = a_prev
            joined = np.concatenate((a_prev, xt))
            joined = joined * 2
            return concat, joined
        """
    )
    func = _func(source, "cell")
    assert lines_seq.assembly(func, "concat", [2, 3, 4]) == [3, 4]
    assert lines_seq.assembly(func, "joined", [5, 6]) == []  # made again, not filled in
    assert lines_seq.assembly(func, "concat", [3, 4]) == []  # not made in the function
