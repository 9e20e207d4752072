"""Every submission in the logistic corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, load_builtin, params


@pytest.fixture(scope="module")
def logistic_spec():
    return load_builtin("logistic")


@pytest.mark.parametrize("case", params("logistic"))
def test_logistic_corpus(case, logistic_spec):
    check_case(grade(logistic_spec, CORPUS / "logistic" / case["file"]), case)
