"""values.py: what comes back cannot be compared — wrong structure, type, shape, NaN (GC102-GC105, GC305)."""

from __future__ import annotations

import numpy as np

from gradcheck.check.templates import Leaf, Problem, Value
from gradcheck.findings import GC

from .observed import Submission, by_code, judge, leaf, observe


def test_a_gradient_missing_keepdims_is_a_shape_problem_with_its_fix():
    sub = Submission({"db1": lambda env: env["db1"].reshape(-1)})
    checks, findings = judge(observe(sub))
    f = by_code(findings, GC.WRONG_SHAPE)
    assert f.target == "db1"
    assert "missing-keepdims" in f.tags
    n_h, one = f.stats["expected_shape"]
    assert one == 1 and f.stats["got_shape"] == [n_h]
    assert next(c for c in checks if c.id == "backward_propagation:db1").summary == "wrong shape"


def test_a_transposed_gradient_is_tagged_transpose():
    sub = Submission({"dW1": lambda env: env["dW1"].T.copy()})
    f = by_code(judge(observe(sub))[1], GC.WRONG_SHAPE)
    assert "transpose" in f.tags and f.target == "dW1"


def test_nan_in_a_gradient_is_counted():
    def with_nan(env):
        out = env["dW2"].copy()
        out.flat[0] = np.nan
        return out

    f = by_code(judge(observe(Submission({"dW2": with_nan})))[1], GC.NOT_FINITE)
    assert f.target == "dW2" and "NaN in 1 of" in f.message


def test_a_cost_returned_as_a_list_is_a_wrong_type():
    def as_list(env):
        return Leaf("J", Value("list", described="list of length 1"), None, ("return",))

    f = by_code(judge(observe(Submission({"J": as_list})))[1], GC.WRONG_TYPE)
    assert f.target == "cost" and "single number" in f.message and "list of length 1" in f.message


def test_an_integer_gradient_says_why_it_matters():
    sub = Submission({"dW2": lambda env: leaf("dW2", np.zeros(np.shape(env["dW2"]), dtype=np.int64), ("return", "dW2"))})
    f = by_code(judge(observe(sub))[1], GC.WRONG_TYPE)
    assert "integer array truncates" in f.message


def test_a_missing_key_names_the_near_miss():
    obs = observe()
    for (name, _), c in obs.calls.items():
        if name == "backward_propagation":
            del c.matched.leaves["db1"]
            c.matched.problems.append(
                Problem(
                    "missing-key",
                    "db1",
                    "the dict returned by backward_propagation has no key 'db1'; did you mean 'db_1'?",
                    ("return", "db1"),
                    "db_1",
                    ("db1",),
                )
            )
    f = by_code(judge(obs)[1], GC.MISSING_KEY)
    assert f.target == "db1" and f.hint == "use the key 'db1'"


def test_an_intermediate_that_is_not_a_local_is_a_note():
    _, findings = judge(observe(Submission(local_names=False)))
    f = by_code(findings, GC.INTERMEDIATE_NOT_FOUND)
    assert f.level == "info" and f.target in ("dZ1", "dZ2")


def test_a_shape_is_labelled_by_the_functions_own_dims():
    """A size is named after a dim of the value's own declared shape (or its function's), never
    after an unrelated spec dim that happens to have the same size in this trial (a stride, a pad)."""
    from gradcheck.diagnose.shapes import symbolic
    from gradcheck.diagnose.values import own_dims, own_labels

    from ..conftest import load_builtin

    spec = load_builtin("cs231n")
    f = spec.function("conv_backward_naive")
    dims = {"N": 4, "cC": 3, "cH": 5, "cW": 5, "cHH": 2, "cWW": 2, "cpad": 6, "cstride": 2, "cF": 3, "cHo": 2, "cWo": 2, "ph": 2, "pw": 2}
    assert symbolic((4, 3, 6, 6), dims) == "(N, cC/cF, cpad, cpad)"  # the old way: any dim of that size
    assert not {"cpad", "cstride", "ph", "pw"} & own_dims(spec, f, "conv_dx")
    assert own_labels(spec, f, "conv_dx", (4, 3, 5, 5), (4, 3, 5, 5), dims) == "(N, cC, cH, cW)"
    assert own_labels(spec, f, "conv_dx", (4, 3, 6, 6), (4, 3, 5, 5), dims) == "(N, cC, 6, 6)"
    # dW has the shape of w: its axes are named by w's declared shape, in order, even where sizes repeat
    assert own_labels(spec, f, "conv_dw", (3, 3, 2, 2), (3, 3, 2, 2), dims) == "(cF, cC, cHH, cWW)"


def test_a_planar_shape_keeps_its_names():
    from gradcheck.diagnose.values import own_labels

    from ..conftest import load_builtin

    spec = load_builtin("planar")
    f = spec.function("backward_propagation")
    dims = {"n_x": 2, "n_h": 4, "n_y": 1, "m": 7}
    assert own_labels(spec, f, "dW1", (2, 4), (4, 2), dims) == "(n_x, n_h)"
    assert own_labels(spec, f, "db1", (4,), (4, 1), dims) == "(n_h,)"


def test_a_trial_is_labelled_by_the_sizes_its_function_uses():
    """A finding's trial names the sizes of its own function, not the thirty of the whole spec,
    and by the course's names for them."""
    from gradcheck.check.trials import Trial, label_dims
    from gradcheck.diagnose.values import trial_label

    from ..conftest import load_builtin

    spec = load_builtin("cs231n")
    dims = {d: 2 for d in label_dims(spec)}
    assert len(dims) > 20
    label = trial_label(spec, spec.function("conv_backward_naive"), Trial(0, dims, {}, shown=frozenset(dims)))
    named = {part.split("=")[0] for part in label[len("trial 1 (") : -1].split(", ")}
    assert {"N", "C", "F", "HH", "WW", "stride", "pad", "H_out", "W_out"} <= named  # by the course's names (names:)
    assert not named & {"D", "pool_height", "pool_width", "G", "cC", "cstride", "cpad"}
