"""Finite differences of a function that runs in this process (``gradcheck.check_grads``).

The grader's rules (docs/finite-differences.md), for a plain callable instead of a request
to the student's process: central differences with h = ∛eps · max(1, |θ|) for the dtype,
a noise floor of one central difference's rounding, kinks told from curvature by looking
again with half the step, random unit directions through every argument at once for big
inputs. ``J`` takes the differentiated arrays (in their own dtypes) and returns a float.
Numbers only: the caller compares and words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import fd
from .compare import compare

Cost = Callable[[list[np.ndarray]], float]


@dataclass
class Slopes:
    """Central differences, one per perturbation, and which of them straddle a kink."""

    slopes: np.ndarray
    kinked: np.ndarray  # bool
    noise: float  # rounding noise of one central difference: a floor under the comparison
    evaluations: int
    predicted: np.ndarray | None = None  # directions only: ⟨analytic gradient, direction⟩
    finite: bool = True  # False: J was NaN or infinite at some θ ± h·v


def noise_floor(itemsize: int, j_size: float, h_min: float) -> float:
    """Rounding error of one central difference of a J of size ``j_size``."""
    eps = float(np.finfo(fd.dtype_name(itemsize)).eps)
    return 4 * eps * max(1.0, j_size) / max(h_min, 1e-300)


def _entry_pair(cost: Cost, thetas: list[np.ndarray], a: int, i: int, h: float) -> tuple[float, float, float]:
    """(J(θ + h·eᵢ), J(θ − h·eᵢ), half the distance actually stepped): the perturbed value is
    rounded to the argument's dtype, so the step used is the one that was represented."""
    flat = thetas[a].reshape(-1)  # a view: the working copies are contiguous
    keep = flat[i].copy()
    try:
        flat[i] = keep + h
        up = float(flat[i]) - float(keep)
        plus = cost(thetas)
        flat[i] = keep - h
        down = float(keep) - float(flat[i])
        minus = cost(thetas)
    finally:
        flat[i] = keep
    return plus, minus, (up + down) / 2


def entry_slopes(cost: Cost, thetas: list[np.ndarray], entries: Sequence[tuple[int, int]], base: float, itemsize: int,
                 rtol: float) -> Slopes:  # fmt: skip
    """Central differences of single entries ``(argument, flat index)``; where the one-sided
    slopes disagree, a second look with half the step tells a kink from mere curvature."""
    steps = [fd.step(t, itemsize).reshape(-1) for t in thetas]
    hs = np.array([float(steps[a][i]) for a, i in entries])
    pairs = [_entry_pair(cost, thetas, a, i, h) for (a, i), h in zip(entries, hs)]
    plus = np.array([p[0] for p in pairs], dtype=np.float64).reshape(-1)
    minus = np.array([p[1] for p in pairs], dtype=np.float64).reshape(-1)
    widths = np.array([p[2] for p in pairs], dtype=np.float64).reshape(-1)
    noise = noise_floor(itemsize, abs(base), float(np.min(widths)) if len(widths) else 1.0)
    out = Slopes(fd.central(plus, minus, widths), np.zeros(len(entries), dtype=bool), noise, 2 * len(entries))
    if not (np.all(np.isfinite(plus)) and np.all(np.isfinite(minus))):
        out.finite = False
        return out
    doubtful = np.flatnonzero(fd.suspicious(base, plus, minus, widths, rtol))
    if len(doubtful):
        again = [_entry_pair(cost, thetas, *entries[k], float(hs[k]) / 2) for k in doubtful]
        half = np.array([(p - m) / (2 * w) for p, m, w in again])
        out.evaluations += 2 * len(doubtful)
        out.kinked[doubtful] = fd.kinks_from_halving(out.slopes[doubtful], half, rtol, noise) & np.isfinite(half)
    return out


def _direction_pair(cost: Cost, thetas: list[np.ndarray], direction: Sequence[np.ndarray | None], h: float,
                    analytic: Sequence[np.ndarray]) -> tuple[float, float, float]:  # fmt: skip
    """(J(θ + h·v), J(θ − h·v), ⟨analytic, v⟩) where v is the step actually represented in
    each argument's dtype, divided by 2h (``None``: that argument is not moved)."""
    ups, downs, predicted = list(thetas), list(thetas), 0.0
    for a, v in enumerate(direction):
        if v is None:
            continue
        t = thetas[a]
        ups[a] = (t + h * v).astype(t.dtype, copy=False)
        downs[a] = (t - h * v).astype(t.dtype, copy=False)
        moved = (ups[a].astype(np.float64) - downs[a]) / (2 * h)
        predicted += float(np.vdot(np.asarray(analytic[a], dtype=np.float64).reshape(-1), moved.reshape(-1)))
    return cost(ups), cost(downs), predicted


def direction_slopes(cost: Cost, thetas: list[np.ndarray], directions: Sequence[Sequence[np.ndarray | None]], h: float,
                     analytic: Sequence[np.ndarray], itemsize: int, rtol: float) -> Slopes:  # fmt: skip
    """Directional derivatives along each direction, with ⟨analytic, v⟩ beside them. J(θ) is not
    needed: only a direction that disagrees can change a verdict, so exactly those are looked
    at again with half the step; dropping one shrinks the comparison's scale for the rest, so
    the look repeats until nothing new disagrees."""
    got = [_direction_pair(cost, thetas, d, h, analytic) for d in directions]
    plus = np.array([g[0] for g in got], dtype=np.float64)
    minus = np.array([g[1] for g in got], dtype=np.float64)
    predicted = np.array([g[2] for g in got], dtype=np.float64)
    j_size = float(np.max(np.abs(np.concatenate([plus, minus])))) if len(got) else 0.0
    out = Slopes(fd.central(plus, minus, h), np.zeros(len(got), dtype=bool), noise_floor(itemsize, j_size, h), 2 * len(got), predicted)
    if not (np.all(np.isfinite(plus)) and np.all(np.isfinite(minus))):
        out.finite = False
        return out
    tried = np.zeros(len(got), dtype=bool)
    while True:
        new = disagreeing(out.slopes, predicted, ~out.kinked, rtol, out.noise) & ~tried
        if not new.any():
            return out
        tried |= new
        idx = np.flatnonzero(new)
        again = [_direction_pair(cost, thetas, directions[k], h / 2, analytic) for k in idx]
        half = np.array([(p - m) / h for p, m, _ in again])
        out.evaluations += 2 * len(idx)
        out.kinked[idx] = fd.kinks_from_halving(out.slopes[idx], half, rtol, out.noise) & np.isfinite(half)


def disagreeing(slopes: np.ndarray, predicted: np.ndarray, keep: np.ndarray, rtol: float, noise: float) -> np.ndarray:
    """Which kept entries fail the comparison rule (``compare``, its scale taken over the kept ones)."""
    out = np.zeros(len(slopes), dtype=bool)
    kept = np.flatnonzero(keep)
    if not len(kept):
        return out
    result = compare(predicted[kept], slopes[kept], rtol, worst=len(kept), atol=noise)
    for (j,), _got, _exp in result.worst:
        out[kept[j]] = True
    return out


def random_directions(shapes: Sequence[tuple[int, ...]], k: int, rng: np.random.Generator, only: int | None = None) -> list[list[np.ndarray | None]]:
    """k random unit directions (z/‖z‖, z standard normal) through every argument at once, or
    through argument ``only`` alone (the others are not moved)."""
    out = []
    for _ in range(k):
        parts: list[np.ndarray | None] = [rng.standard_normal(s) if only is None or a == only else None for a, s in enumerate(shapes)]
        norm = float(np.sqrt(sum(float(np.sum(v * v)) for v in parts if v is not None)))
        out.append([None if v is None else v / max(norm, 1e-300) for v in parts])
    return out
