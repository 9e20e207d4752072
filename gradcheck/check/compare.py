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


CHUNK = 1 << 16  # elements per block: temporaries stay in cache instead of paging in 20 MB each


def compare(got: np.ndarray, expected: np.ndarray, rtol: float, worst: int = 5, atol: float = 0.0) -> Comparison:
    """Elementwise comparison of two arrays of the same shape (``atol``: a noise floor).
    A non-finite entry on either side never matches; a non-finite ``atol`` counts as 0."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        raise ValueError("compare() needs equal shapes")
    if not np.isfinite(atol):
        atol = 0.0
    if g.size == 0:
        return Comparison(True, 0, 0, 0.0, 0.0, (), rtol)
    # The extremes tell finiteness too (a NaN makes them NaN, an inf makes one infinite): no
    # separate pass over a cat-size array for it.
    same = same_memory(g, e)
    extremes = (float(np.max(g)), -float(np.min(g))) if same else (float(np.max(e)), -float(np.min(e)), float(np.max(g)), -float(np.min(g)))
    if not all(np.isfinite(extremes)):
        return _full(g, e, rtol, worst, atol, finite=False)
    if same:  # the grader's own array, named back by the child: equal
        return Comparison(True, 0, int(g.size), 0.0, 0.0, (), rtol)
    # The same numbers as _full, block by block (a cat-size dA0 is 2.5 million entries).
    scale = max(*extremes, 1e-300)
    gf, ef = g.reshape(-1), e.reshape(-1)
    n = gf.size
    num, den = np.empty(min(n, CHUNK)), np.empty(min(n, CHUNK))
    max_abs = max_rel = 0.0
    mismatched = 0
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        d, q = num[: stop - start], den[: stop - start]
        np.subtract(gf[start:stop], ef[start:stop], out=d)
        np.abs(d, out=d)
        max_abs = max(max_abs, float(d.max()))
        if atol:
            d -= atol
            np.maximum(d, 0.0, out=d)
        np.abs(ef[start:stop], out=q)
        q += scale
        d /= q
        block_max = float(d.max())
        max_rel = max(max_rel, block_max)
        if block_max > rtol:
            mismatched += int(np.count_nonzero(d > rtol))
    if mismatched and worst:
        return _full(g, e, rtol, worst, atol, finite=True)
    return Comparison(ok=not mismatched, mismatched=mismatched, total=int(n), max_abs=max_abs, max_rel=max_rel, worst=(), rtol=rtol)


def _full(g: np.ndarray, e: np.ndarray, rtol: float, worst: int, atol: float, finite: bool) -> Comparison:
    """Whole-array comparison, with the worst entries for a report and non-finite values."""
    with np.errstate(invalid="ignore"):  # inf − inf
        diff = np.abs(g - e)
    if finite:
        scale = max(float(np.max(np.abs(e))), float(np.max(np.abs(g))), 1e-300)
        ok_g = np.ones(g.shape, dtype=bool)
    else:
        ok_g = np.isfinite(g) & np.isfinite(e)  # where either side is NaN or inf, no match
        scale = max(float(np.max(np.abs(np.where(ok_g, e, 0.0)))), float(np.max(np.abs(np.where(ok_g, g, 0.0)))), 1e-300)
    with np.errstate(invalid="ignore"):
        rel = np.where(ok_g, np.maximum(diff - atol, 0.0) / (np.abs(e) + scale), np.inf)
    bad = rel > rtol
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
        max_abs=float(np.max(np.where(ok_g, diff, np.inf))),
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
    if g.shape != e.shape:
        return False
    return _surely_close(g, e, rtol, atol) or compare(g, e, rtol, worst=0, atol=atol).ok


def _surely_close(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> bool:
    """A sufficient test for a big float array (a cat-size dA0): every |got − expected| is at
    most rtol / 2 times a lower bound of the rule's s (the largest |expected| of the first
    block). Then each entry's |got − expected| / (|expected| + s) is at most rtol / 2, well
    within the rule even after rounding; one pass instead of compare()'s seven. False (not
    decided: compare() decides) for anything else, a non-finite entry included (NaN fails ≤)."""
    if g.size < CHUNK or g.dtype.kind != "f" or e.dtype.kind != "f" or not atol >= 0 or not rtol > 0 or same_memory(g, e):
        return False
    gf, ef = g.reshape(-1), e.reshape(-1)
    head = ef[:CHUNK]
    bound = 0.5 * rtol * max(float(head.max()), -float(head.min()))
    if not bound > 0:
        return False
    d = np.empty(CHUNK)
    for start in range(0, gf.size, CHUNK):
        part = d[: min(CHUNK, gf.size - start)]
        np.subtract(gf[start : start + CHUNK], ef[start : start + CHUNK], out=part)
        if not max(float(part.max()), -float(part.min())) <= bound:
            return False
    return True


def dtype_name(value: np.ndarray) -> str:
    dt = np.asarray(value).dtype
    return dt.name if dt.kind == "f" else "float64"
