"""Every submission in the gradient checking corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, ROOT, check_case, manifest

CASES = manifest("gradient_checking")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]


@pytest.fixture(scope="module")
def gradient_checking_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("gradient_checking"))


@pytest.fixture(scope="module")
def graded_spec(gradient_checking_spec):
    """The spec switched to grading backward_propagation_n (``graded: true``, 30 points): how an
    instructor who wants the planted mistakes fixed sets it (the built-in spec warns)."""
    from dataclasses import replace

    functions = tuple(
        replace(f, graded="yes", points=30.0) if f.name == "backward_propagation_n" else f for f in gradient_checking_spec.functions
    )
    return replace(gradient_checking_spec, functions=functions)


def test_manifest_lists_every_file():
    listed = {c["file"] for c in CASES}
    present = {p.relative_to(CORPUS / "gradient_checking").as_posix() for p in (CORPUS / "gradient_checking").rglob("*.py")}
    assert listed == present


def test_reference_passes_its_gradient_check(gradient_checking_spec):
    from gradcheck.grade import validate_spec

    validate_spec(gradient_checking_spec)


def test_shipped_example_passes(gradient_checking_spec):
    report = grade(gradient_checking_spec, Path(ROOT / "examples" / "gradient_checking" / "correct.py"))
    assert report.passed, [(f.code, f.target, f.tags) for f in report.findings]
    assert report.score == report.max_score


@pytest.mark.parametrize("case", PARAMS)
def test_gradient_checking_corpus(case, gradient_checking_spec, graded_spec):
    spec = graded_spec if case.get("spec") == "backward_propagation_n graded" else gradient_checking_spec
    check_case(grade(spec, CORPUS / "gradient_checking" / case["file"]), case)
