"""Central finite differences: step sizes, slopes and kink detection."""

from __future__ import annotations

import numpy as np

RULE = "central difference (J(θ+h) − J(θ−h)) / 2h with h = ∛eps · max(1, |θ|) for the dtype"


def dtype_name(itemsize: int) -> str:
    """The float type the student computes in, from the smallest itemsize they return."""
    return {2: "float16", 4: "float32"}.get(itemsize, "float64")


def step(theta: np.ndarray, itemsize: int = 8) -> np.ndarray:
    """Per-element step: the cube root of the dtype's eps balances truncation and rounding."""
    eps = np.finfo(dtype_name(itemsize)).eps
    return float(eps) ** (1.0 / 3.0) * np.maximum(1.0, np.abs(np.asarray(theta, dtype=np.float64)))


def central(plus: np.ndarray, minus: np.ndarray, h: np.ndarray) -> np.ndarray:
    return (np.asarray(plus) - np.asarray(minus)) / (2.0 * np.asarray(h))


def suspicious(base: float, plus: np.ndarray, minus: np.ndarray, h: np.ndarray, rtol: float) -> np.ndarray:
    """Where the one-sided slopes disagree: a kink (relu, max) may lie within the step, or the
    function merely curves. ``kinks_from_halving`` tells the two apart."""
    right = (np.asarray(plus) - base) / h
    left = (base - np.asarray(minus)) / h
    scale = np.maximum(np.maximum(np.abs(right), np.abs(left)), 1e-12)
    return np.abs(right - left) > 10 * rtol * scale


def kinks_from_halving(slope_h: np.ndarray, slope_half: np.ndarray, rtol: float, noise: float) -> np.ndarray:
    """A smooth function's central differences at h and h/2 agree to O(h²); across a kink they
    do not (the kink sits at a different fraction of each step)."""
    scale = np.maximum(np.abs(slope_h), np.abs(slope_half))
    return np.abs(slope_h - slope_half) > rtol * scale + 4 * noise


def numeric_gradient(f, theta: np.ndarray, itemsize: int = 8) -> np.ndarray:
    """Elementwise central differences of a scalar function (grader-side, reference only)."""
    theta = np.array(theta, dtype=np.float64, order="C")  # reshape(-1) must be a view, also of a transposed value
    h = step(theta, itemsize)
    grad = np.empty_like(theta)
    flat, hflat, gflat = theta.reshape(-1), h.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + hflat[i]
        up = f(theta)
        flat[i] = keep - hflat[i]
        down = f(theta)
        flat[i] = keep
        gflat[i] = (up - down) / (2 * hflat[i])
    return grad
