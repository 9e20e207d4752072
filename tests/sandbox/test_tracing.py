"""The child's line tracer (sandbox/tracing.py), run here on small functions written to a file."""

from __future__ import annotations

import importlib.util

import numpy as np

from gradcheck.sandbox.tracing import run_traced

SOURCE = '''\
import numpy as np


def restarted(dZ):
    for i in range(dZ.shape[0]):
        db = np.zeros((1, dZ.shape[1]))
        for c in range(dZ.shape[1]):
            db[0, c] += dZ[i, c]
    return db


def averages(x, param):
    (eps, momentum) = (param["eps"], param["momentum"])
    mean = x.mean(axis=0)
    param["running_mean"] = momentum * param["running_mean"] + (1 - momentum) * mean
    return x - mean


def sizes(X):
    m = X.shape[0]
    return X.sum() / m


def unpacks(cache):
    (a, hp) = cache
    return a * hp["scale"]
'''


def _load(tmp_path):
    path = tmp_path / "student.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("student_tracing_case", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(path)


def test_an_accumulator_made_again_in_a_loop_keeps_the_line_that_made_it(tmp_path):
    module, path = _load(tmp_path)
    _, exc, trace = run_traced(module.restarted, [np.ones((3, 2))], path, SOURCE)
    assert exc is None
    assert [["return"], 8, None] in trace["values"]  # the last in-place write re-dates it
    assert [["return"], 6] in trace["origins"]  # … but it was made at line 6
    assert 6 in trace["reborn"] and 8 not in trace["reborn"]  # made three times (once per example)


def test_a_value_put_into_an_input_is_reported_with_its_line(tmp_path):
    module, path = _load(tmp_path)
    param = {"eps": 1e-5, "momentum": 0.9, "running_mean": np.zeros(2)}
    _, exc, trace = run_traced(module.averages, [np.ones((3, 2)), param], path, SOURCE)
    assert exc is None
    assert [["args", 1, "running_mean"], 15, None] in trace["values"]
    assert [["args", 1, "running_mean"], 15] in trace["stores"]


def test_unpacking_an_input_is_not_a_store(tmp_path):
    module, path = _load(tmp_path)
    _, exc, trace = run_traced(module.unpacks, [(np.ones(2), {"scale": 2.0})], path, SOURCE)
    assert exc is None
    assert not [s for s in trace["stores"] if s[0][:2] == ["args", 0]], trace["stores"]


def test_integer_locals_are_reported_with_their_value(tmp_path):
    module, path = _load(tmp_path)
    _, exc, trace = run_traced(module.sizes, [np.ones((3, 5))], path, SOURCE)
    assert exc is None
    assert trace["ints"] == {"m": 3}  # the batch size the student computed (here from the wrong axis)
    assert trace["returned"] == 21  # the return statement that ran
