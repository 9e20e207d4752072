"""Lines from a traced call (diagnose/locate.py): what the line that last wrote a value is
followed to — the write it copied, where an accumulator was made again, the size of a shape."""

from __future__ import annotations

from gradcheck.check.traces import Trace
from gradcheck.diagnose import locate

SOURCE = '''\
import numpy as np


def backward(dZ, A_prev, pad):
    m = dZ.shape[0]
    dA_prev = np.zeros(A_prev.shape)
    dA_prev_pad = np.pad(dA_prev, pad)
    for i in range(m):
        da_prev_pad = dA_prev_pad[i]
        da_prev_pad[0:2] += A_prev[i] * dZ[i]
        dA_prev[i] = da_prev_pad[pad:-pad]
        db = np.zeros((1, 3))
        db[0] += dZ[i]
    return dA_prev, db


def forward(A, stride, f):
    n = (A.shape[0] - f) + 1
    Z = np.zeros((2, n))
    for h in range(n):
        start = h
        Z[:, h] = A[start:start + f].sum()
    average = Z.sum() / (n + f)
    a = np.ones((2, 2)) * average
    return Z, a, A
'''


def _trace(**kw) -> Trace:
    return Trace("backward", 0, **kw)


def test_a_copy_is_followed_to_the_write_it_copied():
    trace = _trace(values={("return", 0): (11, None)}, names={"da_prev_pad": (9, 10, 10), "dA_prev": (6, 11)})
    assert locate.traced_span(trace, SOURCE, "backward", path=("return", 0)) == locate.Span(10, 10)


def test_an_accumulator_made_again_in_a_loop_points_where_it_was_made():
    trace = _trace(values={("return", 1): (13, None)}, origins={("return", 1): 12}, reborn=frozenset({9, 12}))
    assert locate.traced_span(trace, SOURCE, "backward", path=("return", 1)) == locate.Span(12, 12)
    once = _trace(values={("return", 1): (13, None)}, origins={("return", 1): 12})
    assert locate.traced_span(once, SOURCE, "backward", path=("return", 1)) == locate.Span(13, 13)


def test_a_wrong_shape_points_at_the_size_the_array_was_made_with():
    trace = _trace(values={("return", 0): (22, None)}, origins={("return", 0): 19}, names={"n": (18,), "Z": (19, 22)})
    assert locate.traced_span(trace, SOURCE, "forward", path=("return", 0), shape_axes=(1,)) == locate.Span(18, 18)
    assert locate.traced_span(trace, SOURCE, "forward", path=("return", 0), shape_axes=(0,)) == locate.Span(19, 19)
    assert locate.traced_span(trace, SOURCE, "forward", path=("return", 0)) == locate.Span(22, 22)  # a value: the write


def test_an_array_filled_with_one_value_points_where_the_value_was_computed():
    trace = _trace(values={("return", 1): (24, None)}, names={"average": (23,), "a": (24,)})
    assert locate.traced_span(trace, SOURCE, "forward", path=("return", 1)) == locate.Span(23, 23)


def test_a_window_started_at_the_loop_index_without_the_stride():
    assert locate.window_without_stride(SOURCE, "forward", frozenset(range(17, 26))) == locate.Span(21, 21)
    assert locate.window_without_stride(SOURCE, "forward", frozenset({22})) is None  # line 21 did not run
    stepped = SOURCE.replace("for h in range(n):", "for h in range(0, n, stride):")
    assert locate.window_without_stride(stepped, "forward", frozenset(range(17, 26))) is None  # h already steps by it


def test_another_local_returned_for_a_value_points_at_the_return():
    trace = _trace(values={("return",): (25, None), ("return", 2): (17, None)}, names={"A": (17,), "Z": (19, 22)})
    assert locate.returned_instead(SOURCE, "forward", ("return", 2), "Z", trace) == locate.Span(25, 25)
    assert locate.returned_instead(SOURCE, "forward", ("return", 0), "Z", trace) is None  # Z returned as Z
    assert locate.returned_instead(SOURCE, "forward", ("return", 2), "dZ", trace) is None  # no local dZ was written


POOL = '''\
import numpy as np


def pool(A, mode):
    P = np.zeros(A.shape)
    for i in range(A.shape[0]):
        if mode == "max":
            P[i] = A[i].max()
        elif mode == "avg":
            P[i] = A[i].mean()
    return P
'''


def test_a_value_never_written_points_at_the_test_of_the_branch_meant_for_the_mode_passed():
    ran = frozenset({5, 6, 7, 9, 11})  # both tests ran, neither branch did
    assert locate.branch_not_taken(POOL, "pool", 5, ran, ["average"]) == locate.Span(9, 9)
    assert locate.branch_not_taken(POOL, "pool", 5, ran, ["maximum"]) == locate.Span(7, 7)
    assert locate.branch_not_taken(POOL, "pool", 5, ran, ["avg"]) is None  # its branch exists: something else kept it from running
    assert locate.branch_not_taken(POOL, "pool", 5, ran, ["median"]) is None  # no test is close to it
    assert locate.branch_not_taken(POOL, "pool", 5, ran | {10}, ["average"]) is None  # that branch ran


def test_a_wrapping_inside_a_wrapping_is_skipped_back_to_the_computation():
    source = "def cost(A, Y, m):\n    c = -1 / m * (Y * A).sum()\n    c = np.squeeze(np.array(c))\n    return c\n"
    assert locate.rewraps(source, "cost", 3) == "c"
    trace = Trace("cost", 0, values={("return",): (3, None)}, names={"c": (2, 3)})
    assert locate.traced_span(trace, source, "cost", path=("return",)) == locate.Span(2, 2)


def test_a_scaling_by_a_size_is_named_so_a_sign_is_looked_for_before_it():
    source = "def f(p, N):\n    dx = -p\n    dx /= N\n    dx *= -1\n    dx *= 0.5\n    return dx\n"
    assert locate.rescaled(source, "f", 3) == "dx"
    assert locate.rescaled(source, "f", 4) is None  # a negative factor flips signs
    assert locate.rescaled(source, "f", 5) == "dx"
    assert locate.rescaled(source, "f", 2) is None
