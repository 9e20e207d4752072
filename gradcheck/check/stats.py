"""Statistical checks of a dropout forward pass: numbers only, never words.

A correct inverted dropout keeps each unit independently with probability q and scales the
kept ones by 1/q, so out / x is 0 or 1/q. On n units the kept count is Binomial(n, q). Each
test below has a tolerance from that binomial model at a fixed false-alarm rate ``alpha``
(the chance that a correct implementation fails it, whatever its random draw), by the normal
approximation, which is accurate at the sizes used (n·q·(1−q) in the tens of thousands).
docs/statistical-checks.md states the model, the tolerances and the power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ALPHA = 1e-6  # false-alarm rate of each test
SAME = 1e-6  # relative spread allowed among the nonzero ratios out / x (float32 rounding)


def z_two_sided(alpha: float) -> float:
    """z with P(|N(0, 1)| > z) = alpha (bisection on erfc: no scipy)."""
    lo, hi = 0.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erfc(mid / math.sqrt(2)) > alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fraction_tolerance(n: int, q: float, alpha: float = ALPHA) -> float:
    """Half-width of the band around q in which the kept fraction of n units falls with
    probability 1 − alpha (n < 1: infinite)."""
    if n < 1:
        return math.inf
    return z_two_sided(alpha) * math.sqrt(q * (1 - q) / n)


def mean_ratio_tolerance(n: int, q: float, alpha: float = ALPHA) -> float:
    """Half-width of the band around 1 for mean(out / x): mean = kept fraction / q."""
    return fraction_tolerance(n, q, alpha) / q if q > 0 else math.inf


def agreement_tolerance(pairs: int, a0: float, alpha: float = ALPHA) -> float:
    """How far above a0 = q² + (1 − q)² the share of agreeing independent pairs may go."""
    if pairs < 1:
        return math.inf
    return z_two_sided(alpha) * math.sqrt(max(a0 * (1 - a0), 0.0) / pairs)


@dataclass(frozen=True)
class AxisAgreement:
    axis: int
    pairs: int  # disjoint pairs of neighbours along the axis, both with x ≠ 0
    agree: float  # share of pairs whose units were both kept or both dropped
    expected: float  # q̂² + (1 − q̂)² for independent units (q̂: the kept fraction)
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.agree - self.expected <= self.tolerance


@dataclass(frozen=True)
class DropoutStats:
    n: int  # units with x ≠ 0 (the ones a mask can be read from)
    keep: float  # q, the keep probability of the file's convention
    one_value: bool  # every nonzero out / x is one value (the mask is 0/1, scaled)
    low: float  # smallest and largest nonzero out / x
    high: float
    scale: float  # the median nonzero out / x: what a kept unit is multiplied by
    kept: float  # fraction of the n units with out ≠ 0
    kept_tolerance: float
    mean_ratio: float  # mean of out / x
    mean_tolerance: float
    axes: tuple[AxisAgreement, ...]

    @property
    def kept_ok(self) -> bool:
        return abs(self.kept - self.keep) <= self.kept_tolerance

    @property
    def mean_ok(self) -> bool:
        return abs(self.mean_ratio - 1.0) <= self.mean_tolerance


def dropout_stats(out: np.ndarray, x: np.ndarray, keep: float, axes: tuple[int, ...], alpha: float = ALPHA) -> DropoutStats:
    """The statistics of one dropout draw: ``out`` is what came back for input ``x`` (same shape)."""
    out = np.asarray(out, dtype=np.float64)
    x = np.broadcast_to(np.asarray(x, dtype=np.float64), out.shape)
    live = x != 0
    ratio = np.zeros(out.shape)
    np.divide(out, x, out=ratio, where=live)
    r = ratio[live]
    n = int(r.size)
    nonzero = r[r != 0]
    if nonzero.size:
        scale = float(np.median(nonzero))
        low, high = float(nonzero.min()), float(nonzero.max())
        one = bool(np.all(np.isfinite(nonzero))) and scale != 0 and bool(np.max(np.abs(nonzero / scale - 1)) <= SAME)
    else:
        scale = low = high = 0.0
        one = True
    kept = float(nonzero.size / n) if n else 0.0
    mean = float(np.mean(r)) if n else 0.0
    kept_mask = ratio != 0
    found = tuple(_agreement(kept_mask, live, a, kept, alpha) for a in axes if -out.ndim <= a < out.ndim)
    return DropoutStats(n, float(keep), one, low, high, scale, kept, fraction_tolerance(n, keep, alpha), mean,
                        mean_ratio_tolerance(n, keep, alpha), found)  # fmt: skip


def _agreement(kept: np.ndarray, live: np.ndarray, axis: int, q: float, alpha: float) -> AxisAgreement:
    """Disjoint neighbour pairs (0, 1), (2, 3), … along ``axis``: independent under the model,
    so their agreements are Binomial(pairs, q² + (1 − q)²). A mask reused along the axis (one
    (1, D) row for the whole batch) agrees in every pair."""
    k, v = np.moveaxis(kept, axis, 0), np.moveaxis(live, axis, 0)
    half = k.shape[0] // 2
    a, b = k[0 : 2 * half : 2], k[1 : 2 * half : 2]
    both = v[0 : 2 * half : 2] & v[1 : 2 * half : 2]
    pairs = int(both.sum())
    agree = float(np.sum((a == b) & both) / pairs) if pairs else 0.0
    a0 = q * q + (1 - q) * (1 - q)
    return AxisAgreement(axis % kept.ndim, pairs, agree, a0, agreement_tolerance(pairs, a0, alpha))
