"""Every submission in the planar corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, params


@pytest.mark.parametrize("case", params("planar"))
def test_planar_corpus(case, planar_spec):
    check_case(grade(planar_spec, CORPUS / "planar" / case["file"]), case)
