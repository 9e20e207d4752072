"""Every submission in the cs231n corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, load_builtin, params


@pytest.fixture(scope="module")
def cs231n_spec():
    return load_builtin("cs231n")


@pytest.mark.parametrize("case", params("cs231n"))
def test_cs231n_corpus(case, cs231n_spec):
    check_case(grade(cs231n_spec, CORPUS / "cs231n" / case["file"]), case)


# Versions (tests/corpus/cs231n/versions/): a file is right when it is right for its version,
# and accepting two L2 conventions never lets a file that mixes them pass.
VERSIONS = [
    ("svm_half_reg_correct_no_docstring.py", "a1_linear_svm", None, "the convention the file matches"),
    ("softmax_full_loss_half_grad.py", "a1_softmax", "softmax_loss_vectorized", "right under none of 'full', 'half'"),
    ("svm_naive_full_vectorized_half.py", "a1_linear_svm", "svm_loss_vectorized", "right under none of 'full', 'half'"),
]


@pytest.mark.parametrize(("file", "version", "wrong", "said"), VERSIONS, ids=[v[0] for v in VERSIONS])
def test_cs231n_versions(file, version, wrong, said, cs231n_spec):
    report = grade(cs231n_spec, CORPUS / "cs231n" / "versions" / file)
    assert f"version '{version}'" in report.picked and said in report.picked
    if wrong is None:
        assert report.passed and report.score == report.max_score and not report.errors
    else:
        assert not report.passed
        assert any(f.check and f.check.startswith(f"{wrong}:") for f in report.errors), [(f.code, f.check) for f in report.findings]
