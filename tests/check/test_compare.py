"""The comparison rule, block by block for big arrays and whole for reports."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.check.compare import CHUNK, _full, _surely_close, close, compare


def _fields(c):
    return c.ok, c.mismatched, c.total, c.max_abs, c.max_rel, c.worst


@pytest.mark.parametrize("seed", range(12))
def test_blocks_give_the_numbers_of_the_whole_array(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 700)), int(rng.integers(1, 300)))  # often more than one block
    expected = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3)
    got = expected + rng.standard_normal(shape) * 10.0 ** rng.uniform(-14, -2) * (rng.random(shape) < 0.2)
    atol = float(rng.choice([0.0, 1e-9]))
    for rtol in (1e-7, 1e-3):
        whole = _full(got, expected, rtol, 5, atol, finite=True)
        assert _fields(compare(got, expected, rtol, worst=5, atol=atol)) == _fields(whole)
        quiet = compare(got, expected, rtol, worst=0, atol=atol)
        assert (quiet.ok, quiet.mismatched, quiet.max_abs, quiet.max_rel) == (whole.ok, whole.mismatched, whole.max_abs, whole.max_rel)


def test_a_single_wrong_entry_in_a_big_array_is_found_and_shown():
    expected = np.linspace(-1.0, 1.0, 3 * CHUNK + 17).reshape(-1, 1)
    got = expected.copy()
    got[2 * CHUNK + 5, 0] += 1e-3
    result = compare(got, expected, 1e-7)
    assert not result.ok and result.mismatched == 1
    assert result.worst[0][0] == (2 * CHUNK + 5, 0)
    assert not close(got, expected, 1e-7)


def test_non_finite_values_fail_with_their_count():
    expected = np.ones((3, 4))
    got = expected.copy()
    got[0, 0], got[1, 1] = np.nan, np.inf
    result = compare(got, expected, 1e-7)
    assert not result.ok and result.mismatched == 2 and result.max_rel == np.inf


def test_the_same_memory_is_equal_without_a_pass_over_it():
    a = np.arange(12.0).reshape(3, 4)
    assert compare(a, a, 1e-12).ok
    assert compare(a.view(), a, 1e-12).max_abs == 0.0


def test_a_non_finite_expected_value_never_matches():
    got = np.array([1.0, 2.0, 3.0])
    for bad in (np.nan, np.inf):
        expected = np.array([5.0, bad, 3.0])
        result = compare(got, expected, 1e-5)
        assert not result.ok and result.mismatched == 2  # the NaN entry and the real difference
    assert not compare(got, np.array([1.0, np.nan, 3.0]), 1e-5).ok


def test_a_non_finite_noise_floor_forgives_nothing():
    got, expected = np.array([1.0, 2.0]), np.array([1.0, 2.5])
    assert not compare(got, expected, 1e-5, atol=np.nan).ok
    assert not compare(got, expected, 1e-5, atol=np.inf).ok


@pytest.mark.parametrize("case", range(40))
def test_close_on_a_big_array_says_what_compare_says(case):
    """close() decides a big float array with a quicker sufficient test first: its answer must
    be compare()'s, near the rule's edge, with NaN, inf, float32, a noise floor, a zero head."""
    rng = np.random.default_rng(case)
    e = rng.standard_normal((CHUNK + 1000,)) * 10.0 ** rng.integers(-3, 4)
    rtol = 10.0 ** -rng.integers(4, 9)
    scale = np.abs(e).max()
    g = e + rng.uniform(-1, 1, e.shape) * rtol * scale * rng.choice([0.3, 0.49, 0.51, 0.9, 1.0, 1.5, 3.0])
    kind = case % 8
    if kind == 1:
        g[rng.integers(g.size)] = np.nan
    elif kind == 2:
        g[rng.integers(g.size)] = np.inf
    elif kind == 3:
        g = g.astype(np.float32)
    elif kind == 4:
        e[:CHUNK] = 0.0  # nothing to bound the rule's s by: compare() decides
        g[:CHUNK] = 0.0
    elif kind == 5:
        g[-1] = e[-1] + 2 * rtol * (abs(e[-1]) + scale)  # one entry beyond the rule, in the last block
    atol = rtol * scale if kind == 6 else 0.0
    expected = compare(g, e, rtol, worst=0, atol=atol).ok
    assert close(g, e, rtol, atol) == expected
    assert close(g.reshape(-1, 8)[:, ::-1], e.reshape(-1, 8)[:, ::-1], rtol, atol) == expected  # a view that is not contiguous


def test_a_big_array_within_half_the_rule_is_decided_by_the_quick_test():
    e = np.random.default_rng(1).standard_normal((300, 400))
    assert _surely_close(e * (1 + 1e-12), e, 1e-7, 0.0)
    assert not _surely_close(e * (1 + 1e-7), e, 1e-7, 0.0) and not close(e * (1 + 3e-7), e, 1e-7)
