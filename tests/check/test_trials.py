"""Seeded trials: the same values however they are made."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.check.trials import make_trials
from gradcheck.errors import SpecError
from tests.conftest import load_builtin


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a if not k.startswith("__"))


def test_the_reference_computed_in_the_background_is_the_same():
    spec = load_builtin("deep")
    sizes = {"n0": 300, "n1": 20, "n2": 7, "n3": 1, "m": 50}
    now = make_trials(spec, 3, sizes)[0]
    later = make_trials(spec, 3, sizes, background=True)[0]
    assert set(later.env) < set(now.env)  # the inputs at once
    assert later.complete() is later and later.pending is None
    assert _same(now.env, later.env)


def test_only_the_first_trial_is_the_first_of_all():
    spec = load_builtin("planar")
    first = make_trials(spec, 7, only_first=True)
    every = make_trials(spec, 7)
    assert len(first) == 1 < len(every)
    assert first[0].dims == every[0].dims and _same(first[0].env, every[0].env)


def test_a_background_failure_is_raised_when_the_values_are_wanted(monkeypatch):
    import gradcheck.check.trials as trials
    from gradcheck.check import drawn

    monkeypatch.setattr(drawn, "_KEPT", type(drawn._KEPT)())  # nothing borrowed from an earlier draw

    def broken(spec, env, upto=None):
        raise SpecError("formula for 'A1' fails: boom", None, 3)

    monkeypatch.setattr(trials, "evaluate_reference", broken)
    trial = make_trials(load_builtin("planar"), 0, {"n_x": 2, "n_h": 3, "m": 5}, background=True)[0]
    with pytest.raises(SpecError, match="boom"):
        trial.complete()


def test_a_big_normal_draw_is_seeded_and_standard():
    from gradcheck.check.trials import PARALLEL_DRAW, _normal

    shape = (PARALLEL_DRAW // 512 + 3, 512)
    a = _normal(np.random.default_rng(5), shape)
    b = _normal(np.random.default_rng(5), shape)
    assert a.shape == shape and np.array_equal(a, b)
    half = a.size // 2
    flat = a.reshape(-1)
    for part in (flat[:half], flat[half:]):  # both halves drawn, from different streams
        assert abs(part.mean()) < 0.01 and abs(part.std() - 1.0) < 0.01
    assert not np.array_equal(flat[: half // 2], flat[half : half + half // 2])


def test_a_trial_label_names_only_the_dims_of_the_versions_functions():
    from gradcheck.spec.versions import narrow

    spec = load_builtin("cs231n")
    a1 = narrow(spec, next(v for v in spec.versions if v.name == "a1_layers"), {})
    label = make_trials(a1, 0)[0].label
    assert label.startswith("trial 1 (N=") and "D=" not in label and "cstride" not in label  # no batchnorm, no conv
    conv = narrow(spec, next(v for v in spec.versions if v.name == "a2_conv_layers"), {})
    label = make_trials(conv, 0)[0].label
    assert "cstride=1" in label and "cpad=1" in label and "d1=" not in label
    assert "n_x=" in make_trials(load_builtin("planar"), 0)[0].label  # a spec of one network names all of its dims


@pytest.fixture
def fresh():
    from gradcheck.check import drawn

    drawn.clear()
    yield drawn
    drawn.clear()


def test_a_second_grade_borrows_the_trials_read_only(fresh):
    spec = load_builtin("deep")
    sizes = {"n0": 40, "n1": 5, "n2": 3, "n3": 1, "m": 7}
    first, again = make_trials(spec, 2, sizes)[0], make_trials(spec, 2, sizes)[0]
    assert first is not again and first.env is not again.env and first.dims == again.dims
    assert all(again.env[k] is v for k, v in first.env.items() if isinstance(v, np.ndarray))  # lent, not drawn again
    X = again.env["X"]
    with pytest.raises(ValueError, match="read-only"):
        X[0, 0] = 1.0  # an in-place write never reaches the next check
    again.env["X"] = np.zeros_like(X)  # the trial's own dict: the next one still has the drawn X
    assert make_trials(spec, 2, sizes)[0].env["X"] is X


def test_what_the_values_depend_on_is_never_shared(fresh):
    spec = load_builtin("deep")
    sizes = {"n0": 40, "n1": 5, "n2": 3, "n3": 1, "m": 7}
    base = make_trials(spec, 2, sizes)[0].env["X"]
    assert make_trials(spec, 3, sizes)[0].env["X"] is not base  # another seed
    assert make_trials(spec, 2, {**sizes, "m": 8})[0].env["X"].shape == (40, 8)  # other sizes
    later = make_trials(spec, 2, sizes, background=True)[0]  # the call order follows the mode: drawn apart
    assert later.pending is not None and later.env["X"] is not base and np.array_equal(later.env["X"], base)
    assert make_trials(spec, 2, sizes, background=True)[0].pending is later.pending  # the same reference, computed once
    fresh.BUDGET, budget = 0, fresh.BUDGET
    try:
        make_trials(spec, 4, sizes)
        assert len(fresh._KEPT) == 1  # over the budget: only the newest is kept
    finally:
        fresh.BUDGET = budget


def test_a_spec_without_text_is_drawn_every_time(fresh):
    from dataclasses import replace

    spec = replace(load_builtin("planar"), text="")
    assert make_trials(spec, 0)[0].env["X"] is not make_trials(spec, 0)[0].env["X"]
    assert not fresh._KEPT


def test_a_failed_reference_is_drawn_again(fresh, monkeypatch):
    import gradcheck.check.trials as trials

    def broken(spec, env, upto=None):
        raise SpecError("formula for 'A1' fails: boom", None, 3)

    sizes = {"n_x": 2, "n_h": 3, "m": 6}
    with monkeypatch.context() as m:
        m.setattr(trials, "evaluate_reference", broken)
        with pytest.raises(SpecError, match="boom"):
            make_trials(load_builtin("planar"), 0, sizes, background=True)[0].complete()
    assert make_trials(load_builtin("planar"), 0, sizes, background=True)[0].complete().env["A2"].shape == (1, 6)
