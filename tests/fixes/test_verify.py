"""A fix is shown only after the patched copy was graded again; applying what is shown makes the
finding pass; nothing unverified is ever shown."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gradcheck.fixes import verify
from gradcheck.grade import grade
from gradcheck.submission import Submission

from ..conftest import CORPUS
from .corpus import apply_fix, graded_with_fixes

# A fast representative subset (one per mistake family); tests/fixes/test_corpus_fixes.py runs every file.
SUBSET = ["dw1_missing_mean.py", "db1_missing_keepdims.py", "dz1_tanh_prime_at_z1.py", "dw2_elementwise.py", "dw1_uses_a1.py"]


@pytest.mark.parametrize("name", SUBSET)
def test_a_shown_fix_makes_its_finding_pass(name, planar_spec, tmp_path):
    path = CORPUS / "planar" / "buggy" / name
    _, report = graded_with_fixes(planar_spec, path)
    root = report.errors[0]
    assert root.fix is not None and root.fix.verified
    assert root.fix.before == path.read_text(encoding="utf-8").split("\n")[root.fix.line - 1]
    after = grade(planar_spec, apply_fix(path, root.fix, tmp_path))
    assert not [f for f in after.errors if f.target == root.target]


def test_two_independent_mistakes_get_both_fixes_verified_together(planar_spec, tmp_path):
    path = CORPUS / "planar" / "buggy" / "pair_dw1_transposed_db1_no_keepdims.py"
    _, report = graded_with_fixes(planar_spec, path)
    fixes = [f.fix for f in report.errors if f.fix is not None]
    assert {f.target for f in report.errors if f.fix is not None} == {"dW1", "db1"}
    patched = path
    for k, fix in enumerate(fixes):
        (tmp_path / str(k)).mkdir()
        patched = apply_fix(patched, fix, tmp_path / str(k))
    assert grade(planar_spec, patched).passed


def test_the_notebook_is_patched_in_its_cell(planar_spec, tmp_path):
    path = CORPUS / "notebooks" / "planar_dw1_missing_mean.ipynb"
    _, report = graded_with_fixes(planar_spec, path)
    root = report.errors[0]
    assert root.fix is not None and root.fix.cell == root.location.cell
    assert grade(planar_spec, apply_fix(path, root.fix, tmp_path)).passed


def test_a_verifier_that_accepts_nothing_shows_nothing(planar_spec, monkeypatch):
    monkeypatch.setattr(verify, "resolved", lambda *a, **k: False)
    _, report = graded_with_fixes(planar_spec, CORPUS / "planar" / "buggy" / "pair_dw1_transposed_db1_no_keepdims.py")
    assert all(f.fix is None for f in report.findings)


def test_a_copy_that_cannot_be_graded_verifies_nothing(planar_spec, monkeypatch):
    monkeypatch.setattr(verify.Regrader, "grade", lambda self, edits: None)
    _, report = graded_with_fixes(planar_spec, CORPUS / "planar" / "buggy" / "dw1_missing_mean.py")
    assert all(f.fix is None for f in report.findings)


def test_the_students_file_is_never_written(planar_spec):
    path = CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"
    before = path.read_bytes()
    graded_with_fixes(planar_spec, path)
    assert path.read_bytes() == before


def _all_pass(report):
    checks = [replace(c, status="pass", points=c.max_points) for c in report.checks]
    return replace(report, findings=[], checks=checks, score=report.max_score, passed=True)


def test_a_regrader_that_reports_every_finding_gone_shows_nothing(planar_spec, monkeypatch):
    # A stale report (the original's, every finding dropped): not the report of the patched text.
    path = CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"
    original = grade(planar_spec, Submission.from_path(path))
    monkeypatch.setattr(verify, "grade", lambda spec, sub, **options: _all_pass(original))
    _, report = graded_with_fixes(planar_spec, path)
    assert report.errors and all(f.fix is None for f in report.findings)


def test_a_regrader_that_passes_whatever_it_is_given_shows_nothing(planar_spec, monkeypatch):
    # A liar that even names the text it was given: the unpatched copy passes too, so nothing is verified.
    path = CORPUS / "planar" / "buggy" / "pair_dw1_transposed_db1_no_keepdims.py"
    original = grade(planar_spec, Submission.from_path(path))
    monkeypatch.setattr(verify, "grade", lambda spec, sub, **options: replace(_all_pass(original), source=sub.source))
    _, report = graded_with_fixes(planar_spec, path)
    assert report.errors and all(f.fix is None for f in report.findings)


def test_a_report_without_the_targets_check_verifies_nothing(planar_spec, monkeypatch):
    # Every finding gone but the check of the target missing: absence is not a pass.
    path = CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"
    real = verify.grade

    def without_checks(spec, sub, **options):
        new = real(spec, sub, **options)
        patched = "    dW1 = np.dot(dZ1, X.T)\n" not in sub.source
        return replace(new, checks=[c for c in new.checks if c.target != "dW1"]) if patched else new

    monkeypatch.setattr(verify, "grade", without_checks)
    _, report = graded_with_fixes(planar_spec, path)
    assert all(f.fix is None for f in report.findings)


def test_the_control_runs_the_targets_functions_and_what_feeds_them_without_the_gradient_check():
    from gradcheck.findings import Finding

    from ..conftest import load_builtin

    spec = load_builtin("cs231n")
    backward = next(f for f in spec.functions if "@batchnorm_forward.1" in f.args)
    target = Finding("GC301", "dx", "wrong", check=f"{backward.name}:dx")
    control = verify.control_spec(spec, [target])
    assert {f.name for f in control.functions} == {backward.name, "batchnorm_forward"} and not control.student_cost
    from_the_check = Finding("GC401", "dW1", "wrong", check="gradient_check")
    assert verify.control_spec(spec, [target, from_the_check]) is spec


def test_a_fix_is_found_when_the_finding_is_located_without_a_trace(monkeypatch):
    # Under load a call can be too slow to run again traced: the finding then points where the
    # value starts, and the edit must still be found (and verified).
    from gradcheck.check import engine

    from ..conftest import load_builtin

    monkeypatch.setattr(engine, "_trace_if_wrong", lambda *args, **kwargs: None)
    spec = load_builtin("deep")
    _, report = graded_with_fixes(spec, CORPUS / "deep" / "buggy" / "L_model_backward_last_layer_relu.py")
    root = report.errors[0]
    assert root.fix is not None and '"sigmoid")' in root.fix.after and root.fix.line != root.location.line
