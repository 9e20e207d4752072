"""grade(): validation of the spec's reference, once per spec and seed; GC011, what the report says was left out."""

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


# -- GC011 skipped-code: what the report says was left out (grade.skipped_code) ------------------------


def _notebook(tmp_path, cells: list[tuple[str, int | None]]):
    import json

    from gradcheck.submission import Submission

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": [], "source": text} for text, count in cells]}  # fmt: skip
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return Submission.from_path(path)


def _empty_report(path):
    return grade_module.internal_error_report("planar", path, 0, "unused")


def test_a_plain_file_gets_no_skipped_code_finding(planar_spec):
    from gradcheck.findings import GC

    from .conftest import ROOT

    report = grade_module.grade(planar_spec, ROOT / "examples" / "planar" / "correct.py")
    assert report.passed and not [f for f in report.findings if f.code == GC.SKIPPED_CODE]


def test_an_export_gets_one_finding_for_everything_left_out():
    from gradcheck.findings import GC
    from gradcheck.submission import Submission

    from .conftest import CORPUS

    sub = Submission.from_path(CORPUS / "explain" / "gc011_nbconvert_export.py")
    found = grade_module.skipped_code(sub, _empty_report(sub.path))
    assert [(f.code, f.level, f.target) for f in found] == [(GC.SKIPPED_CODE, "info", "submission")]
    assert found[0].message.startswith(f"Left out {len(sub.left_out)} top-level statements")
    assert "line 12: runs code: get_ipython(…).run_line_magic(...)" in found[0].message and "; and 2 more." in found[0].message


def test_a_notebook_without_counts_names_both_cells_and_whole_cells_left_out(tmp_path):
    sub = _notebook(tmp_path, [
        ("import numpy as np\nimport matplotlib.pyplot as plt\n", None),
        ("def relu(z):\n    return z\n", None),
        ("%%bash\necho hi\n", None),
        ("def relu(z):\n    return np.maximum(z, 0)\n", None),
        ("def broken(:\n    pass\n", None),
    ])  # fmt: skip
    left, twice = grade_module.skipped_code(sub, _empty_report(sub.path))
    assert "cell 1, line 2: imports matplotlib.pyplot" in left.message
    assert "cell 3: cell magic %%bash" in left.message and "cell 5: syntax error" in left.message
    assert left.message.startswith("Left out 1 top-level statement and 2 whole cells")
    assert twice.target == "relu" and twice.location.cell == 4 and twice.location.line == 1
    assert twice.message.startswith("relu is defined in cell 2 and cell 4; gradcheck graded cell 4, the last one")


def test_a_notebook_with_counts_grades_the_cell_run_last_and_lists_only_the_rest(tmp_path):
    sub = _notebook(tmp_path, [("import numpy as np\n", 1), ("def relu(z):\n    return np.maximum(z, 0)\n", 5),
                               ("def relu(z):\n    return z\n", 2), ("relu(np.ones(3))\n", 6)])  # fmt: skip
    left, twice = grade_module.skipped_code(sub, _empty_report(sub.path))
    assert left.message.endswith("graded without them: In [6], line 1: runs code: relu(...).")  # not the superseded def
    assert twice.message == "relu is defined in In [2] and In [5]; gradcheck graded In [5], the one Jupyter ran last."
    assert (twice.location.cell, twice.location.execution_count) == (2, 5)


def test_an_export_is_reported_at_the_student_s_file_not_the_built_copy(planar_spec):
    """A .py export is imported from a copy with its left-out statements commented out; every
    location of the report still names the file the student handed in, at the same line."""
    from .conftest import CORPUS

    path = CORPUS / "handin" / "nbconvert" / "planar_nbconvert_dw1_missing_mean.py"
    report = grade_module.grade(planar_spec, path)
    located = [f for f in report.findings if f.location is not None]
    assert report.file == str(path) and located
    assert {f.location.file for f in located} == {str(path)}
    line = path.read_text(encoding="utf-8").splitlines()[located[0].location.line - 1]
    assert "dW1" in line and "np.dot" in line


def test_trials_drawn_for_the_whole_spec_are_labelled_for_the_version_graded():
    """A batch or a fix's re-grade passes trials drawn once for the whole spec: an assignment-1
    layers file is still told only the sizes its functions use, as when it is graded alone."""
    from pathlib import Path

    from gradcheck.check.trials import make_trials

    spec = load_builtin("cs231n")
    path = Path(__file__).parent / "corpus" / "cs231n" / "buggy" / "affine_db_divided_by_n.py"
    alone = grade_module.grade(spec, path)
    shared = grade_module.grade(spec, path, trials=[t.complete() for t in make_trials(spec, grade_module.DEFAULT_SEED)])
    assert shared.trials == alone.trials and "cstride" not in " ".join(alone.trials)
