"""Corpus-wide: the share of single-mistake submissions whose named mistake gets a verified fix
(slow: every file is graded, then re-graded with its candidate fixes)."""

from __future__ import annotations

import pytest

from .corpus import measure

# Measured on this branch: planar 35/36, logistic 8/10. deep is below the bar while the locator
# points dAL's and dZ's mistakes at the grads line (line tracing of the diagnosis work).
BELOW = {"deep": "the locator points at the wrong line for L-layer backward mistakes"}


@pytest.mark.sweep
@pytest.mark.parametrize("corpus", [pytest.param(c, marks=pytest.mark.xfail(reason=BELOW[c], strict=True)) if c in BELOW else c
                                    for c in ("planar", "logistic", "deep")])  # fmt: skip
def test_most_named_mistakes_get_a_verified_fix(corpus):
    fixed, named, missed = measure(corpus)
    assert named and fixed / named >= 0.8, missed
