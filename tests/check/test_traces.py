"""The traced call's reply, checked (check/traces.py), and which calls are worth tracing."""

from __future__ import annotations

import numpy as np

from gradcheck.check import traces
from gradcheck.check.engine import CallResult
from gradcheck.check.templates import Leaf, Matched, Value
from gradcheck.check.trials import Trial


def test_origins_and_reborn_lines_are_checked_like_every_line():
    raw = {"values": [], "origins": [[["return", 0], 6], [["return", 1], 999], [["nowhere"], 3], "junk"], "reborn": [6, 0, 7, "8"],
           "ints": {"m": 5, "n x": 3, "big": 2**60, "flag": True, "f": 2.0}}
    trace = traces.parse(raw, "f", 0, nlines=20)
    assert trace is not None
    assert trace.origins == {("return", 0): 6}
    assert trace.reborn == frozenset({6, 7})
    assert trace.ints == {"m": 5}


def _result(value: Value, array) -> CallResult:
    trial = Trial(0, {}, {"difference": np.float64(1e-9)})
    matched = Matched()
    matched.leaves["difference"] = Leaf("difference", value, array=np.asarray(array, dtype=np.float64), path=("return",))
    return CallResult("gradient_check_n", trial, matched=matched)


def test_a_bool_where_a_float_belongs_is_worth_tracing_though_it_is_close():
    def rtol(_):
        return 1e-5

    boolean = Value("other", cls="bool", described="bool")
    assert traces.worth_tracing(_result(boolean, 1e-9), rtol)  # the value itself is not off: its type is
    assert not traces.worth_tracing(_result(Value("float", described="float"), 1e-9), rtol)
    assert not traces.worth_tracing(_result(boolean, 1e-9), rtol, free=("difference",))  # the student's own choice
