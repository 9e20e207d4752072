"""The engine's order of calls."""

from __future__ import annotations

from gradcheck.check import engine


def test_calls_fed_only_inputs_go_first_while_the_reference_is_computed():
    from gradcheck.check.trials import make_trials
    from tests.conftest import load_builtin

    spec = load_builtin("deep")
    sizes = {"n0": 30, "n1": 4, "n2": 3, "n3": 1, "m": 6}
    now = make_trials(spec, 0, sizes)[0]
    assert [f.name for f in engine._call_order(now, spec.functions)] == [f.name for f in spec.functions]
    later = make_trials(spec, 0, sizes, background=True)[0]
    order = [f.name for f in engine._call_order(later, spec.functions)]
    later.complete()
    assert order[0] == "L_model_forward" and sorted(order) == sorted(f.name for f in spec.functions)
