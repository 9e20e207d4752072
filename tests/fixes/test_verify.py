"""A fix is shown only after the patched copy was graded again; applying what is shown makes the
finding pass; nothing unverified is ever shown."""

from __future__ import annotations

import pytest

from gradcheck.fixes import verify
from gradcheck.grade import grade

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
