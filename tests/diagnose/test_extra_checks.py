"""checks: judged without a child: which statistical finding names a dropout mistake, and the
arguments read back after a call (check/extra.merged)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.check.extra import merged
from gradcheck.check.stats import dropout_stats
from gradcheck.check.templates import match
from gradcheck.diagnose import messages
from gradcheck.diagnose.extra_checks import statistic_problem
from gradcheck.findings import TAGS
from gradcheck.sandbox import wire
from gradcheck.spec.model import ExtraCheck

CHECK = ExtraCheck("mask statistics", ())
BASE = {"function": "dropout_forward", "where": None, "check": "dropout_forward:mask statistics"}


def _problem(out, x, q=0.7):
    return statistic_problem(dropout_stats(out, x, q, (0, 1)), CHECK, BASE)


@pytest.fixture(scope="module")
def draw():
    rng = np.random.default_rng(5)
    return rng.standard_normal((400, 500)), rng.random((400, 500))


def test_correct_masks_give_no_problem(draw):
    x, u = draw
    assert _problem(x * (u < 0.7) / 0.7, x) is None
    assert _problem(x * (u >= 0.3) / 0.7, x) is None  # rand >= p, the 2016 drop probability 0.3
    assert _problem(x * (u < 0.3) / 0.3, x, q=0.3) is None


@pytest.mark.parametrize(
    "mistake, kind, tag, words",
    [
        (lambda x, u, r: x * (u > 0.7) / 0.7, "kept-fraction", "kept-fraction", "It keeps 1 − keep"),
        (lambda x, u, r: x * (u < 0.7) / 0.3, "scale", "wrong-scale", "scales the kept units by 3.333"),
        (lambda x, u, r: x * u / 0.7, "mask-values", "dropout-mask", "is not 0/1"),
        (lambda x, u, r: x * (r.random((1, 500)) < 0.7) / 0.7, "shared-mask", "shared-mask", "along axis 0"),
        (lambda x, u, r: x * (r.random((400, 1)) < 0.7) / 0.7, "shared-mask", "shared-mask", "along axis 1"),
    ],
)
def test_each_mistake_is_named(draw, mistake, kind, tag, words):
    x, u = draw
    p = _problem(mistake(x, u, np.random.default_rng(1)), x)
    assert p is not None and p.kind == kind and p.target == "dropout_forward"
    assert tag in p.tags and "forward-mismatch" in p.tags and set(p.tags) <= set(TAGS)
    f = messages.finding(p)
    assert f.code == "GC201" and words in f.message and f.hint and f.check == "dropout_forward:mask statistics"
    assert f.stats["units"] == 200_000 and f.stats["alpha"] == 1e-6


def test_arguments_read_back_fill_in_what_did_not_change():
    """The child sends {"t": "same"} for untouched parts: those are the grader's own values."""
    rm0, rv0, new = np.zeros(3), np.ones(3), np.arange(3.0)
    sent = {"mode": "train", "running_mean": rm0, "running_var": rv0}
    blobs: list = []
    node = {"t": "dict", "items": {"mode": {"t": "same"}, "running_mean": wire.encode_array(new, blobs), "running_var": {"t": "same"}}}
    tree = merged(sent, node, blobs)
    m = match({"running_mean": "rm", "running_var": "rv"}, tree, blobs, "batchnorm_forward")
    assert not m.problems
    assert np.array_equal(m.leaves["rm"].array, new) and np.array_equal(m.leaves["rv"].array, rv0)


def test_hostile_read_back_is_passed_on_for_the_match_to_judge():
    blobs: list = []
    for node in ({"t": "dict", "items": "junk"}, {"t": "tuple", "items": [1]}, None, {"t": "none"}):
        tree = merged({"running_mean": np.zeros(2)}, node, blobs)
        m = match({"running_mean": "rm"}, tree, blobs, "batchnorm_forward")
        assert m.problems or m.leaves["rm"].array is None
