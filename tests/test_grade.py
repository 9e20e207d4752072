"""grade(): validation of the spec's reference, once per spec and seed."""

from __future__ import annotations

from gradcheck import grade as grade_module
from tests.conftest import load_builtin


def test_a_spec_is_validated_once_per_process(monkeypatch):
    spec = load_builtin("logistic")
    calls = []
    real = grade_module.reference_problems

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(grade_module, "reference_problems", counting)
    monkeypatch.setattr(grade_module, "_VALIDATED", {})
    grade_module.validate_spec(spec, seed=11)
    checked = len(calls)
    assert checked >= 1
    grade_module.validate_spec(spec, seed=11)
    assert len(calls) == checked  # the same spec and seed: not again
    grade_module.validate_spec(spec, seed=12)
    assert len(calls) > checked  # another seed draws other trials


def test_a_failing_reference_is_checked_and_refused_every_time(monkeypatch):
    import pytest

    from gradcheck.errors import SpecError

    spec = load_builtin("logistic")
    monkeypatch.setattr(grade_module, "_VALIDATED", {})
    monkeypatch.setattr(grade_module, "reference_problems", lambda spec, trial: [("dw", "reference 'dw' disagrees")])
    for _ in range(2):
        with pytest.raises(SpecError, match="disagrees"):
            grade_module.validate_spec(spec, seed=0)
