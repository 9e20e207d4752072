"""Every submission in the regularization corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, ROOT, check_case, manifest

CASES = manifest("regularization")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]


@pytest.fixture(scope="module")
def regularization_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("regularization"))


def test_manifest_lists_every_file():
    listed = {c["file"] for c in CASES}
    present = {p.relative_to(CORPUS / "regularization").as_posix() for p in (CORPUS / "regularization").rglob("*.py")}
    assert listed == present


def test_reference_passes_its_gradient_check(regularization_spec):
    from gradcheck.grade import validate_spec

    validate_spec(regularization_spec)


def test_shipped_example_passes(regularization_spec):
    report = grade(regularization_spec, Path(ROOT / "examples" / "regularization" / "correct.py"))
    assert report.passed, [(f.code, f.target, f.tags) for f in report.findings]
    assert report.score == report.max_score


@pytest.mark.parametrize("case", PARAMS)
def test_regularization_corpus(case, regularization_spec):
    check_case(grade(regularization_spec, CORPUS / "regularization" / case["file"]), case)
