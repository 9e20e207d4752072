"""A crash inside a graded function that passes its own checks is the caller's: reported at the
call, with the callee's line as context and the argument that does not fit (no child process:
the frames and the traced structures are built by hand, as the child would send them)."""

from __future__ import annotations

from types import SimpleNamespace

from gradcheck.check import traces
from gradcheck.check.traces import RaisedFrame, Structure
from gradcheck.diagnose import crash
from gradcheck.diagnose.messages import finding
from gradcheck.findings import GC
from gradcheck.sandbox.runner import Failure

from ..conftest import load_builtin
from .observed import by_code, judge, observe

DEEP_SOURCE = '''\
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    return dA, dA, dA


def L_model_backward(AL, Y, caches):
    dAL = -(Y / AL)
    dA, dW, db = linear_activation_backward(dAL,
                                            caches, "sigmoid")
    return {}
'''
ARRAY = Structure("ndarray", shape=(1, 5))
CACHES = Structure("tuple", 3, items=(Structure("tuple", 2),) * 3)


def test_structures_fit_the_spec_templates_by_shape_of_the_data():
    assert crash.fits(Structure("tuple", 2, items=(Structure("tuple", 3), ARRAY)), [["A1", "W2", "b2"], "Z2"])
    assert not crash.fits(CACHES, [["A1", "W2", "b2"], "Z2"])
    assert crash.fits(Structure("str"), "=relu") and not crash.fits(ARRAY, "=relu")
    assert crash.fits(Structure("float"), "A1") and not crash.fits(Structure("NoneType"), "A1")
    assert crash.fits(Structure("list", 3, items=(Structure("tuple", 2),)), [{"for": "l = 1..L", "item": [["A", "W", "b"], "Z"]}])


def _case(raised):
    spec = load_builtin("deep")
    trace = traces.Trace("L_model_backward", 0, raised=raised)
    return SimpleNamespace(spec=spec, obs=SimpleNamespace(source=DEEP_SOURCE, traces={"L_model_backward": trace}))


def test_the_argument_that_does_not_fit_is_named_with_what_was_expected():
    raised = (RaisedFrame("L_model_backward", 8, ()), RaisedFrame("linear_activation_backward", 2,
              (("dA", ARRAY), ("cache", CACHES), ("activation", Structure("str")))))  # fmt: skip
    misfit = crash.misfit(_case(raised), "L_model_backward", 8, "linear_activation_backward")
    assert misfit is not None and (misfit.expr, misfit.param, misfit.got) == ("caches", "cache", CACHES)
    assert misfit.expected == [["A1", "W2", "b2"], "Z2"]


def test_no_misfit_without_frames_of_that_call():
    assert crash.misfit(_case(()), "L_model_backward", 8, "linear_activation_backward") is None
    other_line = (RaisedFrame("L_model_backward", 7, ()), RaisedFrame("linear_activation_backward", 2, (("cache", CACHES),)))
    assert crash.misfit(_case(other_line), "L_model_backward", 8, "linear_activation_backward") is None


def test_untrusted_frames_are_checked():
    good = [["L_model_backward", 8, []], ["linear_activation_backward", 2, [["cache", {"type": "tuple", "len": 3, "items": [{"type": "tuple", "len": 2}]}]]]]
    parsed = traces.parse({"raised": good}, "L_model_backward", 0, nlines=10).raised
    assert parsed[1].args == (("cache", Structure("tuple", 3, items=(Structure("tuple", 2),))),)
    assert traces.parse({"raised": [["x", 99, []]]}, "f", 0, nlines=10).raised == ()  # a line outside the file
    assert traces.parse({"raised": [["not a name", 3, []]]}, "f", 0, nlines=10).raised == ()
    bad_structure = [["f", 3, [["a", {"type": "list", "len": -1}], ["b", {"type": "<lambda>"}], ["c", {"type": "int"}]]]]
    assert traces.parse({"raised": bad_structure}, "f", 0, nlines=10).raised[0].args == (("c", Structure("int")),)


def test_the_words_say_what_was_passed_and_what_was_expected():
    from gradcheck.diagnose import problems as P

    misfit = P.Misfit("caches", "cache", CACHES, [["A1", "W2", "b2"], "Z2"])
    p = P.RunFailed(target="L_model_backward", kind="exception", error_type="ValueError", error="too many values to unpack (expected 2)",
                    function="L_model_backward", callee="linear_activation_backward", misfit=misfit)  # fmt: skip
    f = finding(p)
    assert "inside linear_activation_backward, called from L_model_backward" in f.message
    assert "`caches` is a tuple of 3 tuples; linear_activation_backward expects `cache` to be a tuple of 2: ((A1, W2, b2), Z2)" in f.message
    assert "`cache`" in f.hint


def test_a_crash_in_a_passing_graded_callee_is_reported_at_the_call():
    """Planar: backward_propagation raised inside compute_cost, which passes its own checks."""
    obs = observe()
    frames = [[50, "backward_propagation", "cost = compute_cost(A2, Y)"], [30, "compute_cost", "x"]]
    obs.calls[("backward_propagation", 0)].failure = Failure("exception", "ValueError", "shapes not aligned", frames=frames)
    f = by_code(judge(obs)[1], GC.CALL_RAISED)
    assert f.location.line == 50 and f.location.via is not None and f.location.via.line == 30
    assert "inside compute_cost, called from backward_propagation" in f.message


def test_a_crash_in_a_failing_callee_stays_where_it_was_raised():
    obs = observe()
    obs.calls[("compute_cost", 0)].failure = Failure("exception", "ValueError", "boom", frames=[[30, "compute_cost", "x"]])
    frames = [[50, "backward_propagation", "x"], [30, "compute_cost", "x"]]
    obs.calls[("backward_propagation", 0)].failure = Failure("exception", "ValueError", "boom", frames=frames)
    found = [f for f in judge(obs)[1] if f.code == GC.CALL_RAISED and f.target == "backward_propagation"]
    assert found and found[0].location.line == 30 and found[0].location.via is None
