"""Compare arrays with a stated rule; return numbers, never wording."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RULE = "|got − expected| ≤ rtol · (|expected| + s), s = the largest |value| of either array"


@dataclass(frozen=True)
class Comparison:
    ok: bool
    mismatched: int
    total: int
    max_abs: float
    max_rel: float  # max over elements of |got − exp| / (|exp| + s)
    worst: tuple[tuple[tuple[int, ...], float, float], ...]  # (index, got, expected)
    rtol: float


def compare(got: np.ndarray, expected: np.ndarray, rtol: float, worst: int = 5, atol: float = 0.0) -> Comparison:
    """Elementwise comparison of two arrays of the same shape (``atol``: a noise floor)."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        raise ValueError("compare() needs equal shapes")
    if g.size == 0:
        return Comparison(True, 0, 0, 0.0, 0.0, (), rtol)
    all_finite = bool(np.isfinite(g).all())
    if all_finite and same_memory(g, e):  # the grader's own array, named back by the child: equal
        return Comparison(True, 0, int(g.size), 0.0, 0.0, (), rtol)
    diff = np.abs(g - e)
    if all_finite:  # the same numbers as below, with fewer passes over big arrays
        abs_e = np.abs(e)
        scale = max(float(np.max(abs_e)), float(np.max(g)), -float(np.min(g)), 1e-300)
        num = np.maximum(diff - atol, 0.0) if atol else diff.copy()
        abs_e += scale
        rel = np.divide(num, abs_e, out=num) if isinstance(num, np.ndarray) else num / abs_e
        bad = rel > rtol
        if not (worst and bad.any()):
            any_bad = bool(bad.any())
            return Comparison(ok=not any_bad, mismatched=int(np.count_nonzero(bad)) if any_bad else 0, total=int(g.size),
                              max_abs=float(np.max(diff)), max_rel=float(np.max(rel)), worst=(), rtol=rtol)  # fmt: skip
    else:
        finite = np.isfinite(g)
        scale = max(float(np.max(np.abs(e))), float(np.max(np.abs(np.where(finite, g, 0.0)))), 1e-300)
        rel = np.where(finite, np.maximum(diff - atol, 0.0) / (np.abs(e) + scale), np.inf)
        bad = rel > rtol
    finite = np.isfinite(g) if not all_finite else np.ones(g.shape, dtype=bool)
    rows: tuple = ()
    if worst and bad.any():  # sorting millions of entries is only worth it for a report
        flat = rel.reshape(-1)
        k = min(worst, flat.size)
        top = np.argpartition(-flat, k - 1)[:k]
        top = top[np.argsort(-flat[top], kind="stable")]
        rows = tuple(
            (tuple(int(i) for i in np.unravel_index(int(j), g.shape)), float(g.flat[j]), float(e.flat[j]))
            for j in top
            if bad.flat[j]
        )
    return Comparison(
        ok=not bool(bad.any()),
        mismatched=int(bad.sum()),
        total=int(g.size),
        max_abs=float(np.max(np.where(finite, diff, np.inf))),
        max_rel=float(np.max(rel)),
        worst=rows,
        rtol=rtol,
    )


def same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """The very same elements (one array, or a view of all of it)."""
    ai, bi = a.__array_interface__, b.__array_interface__
    return ai["data"][0] == bi["data"][0] and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype


def close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float = 0.0) -> bool:
    """Same shape and within the comparison rule."""
    g, e = np.asarray(got), np.asarray(expected)
    return g.shape == e.shape and compare(g, e, rtol, worst=0, atol=atol).ok


def dtype_name(value: np.ndarray) -> str:
    dt = np.asarray(value).dtype
    return dt.name if dt.kind == "f" else "float64"
