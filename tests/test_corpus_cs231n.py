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
