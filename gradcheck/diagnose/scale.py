"""Constant factors between a student's value and the reference, related to m.

J is the mean of the per-example losses L, so dW and db carry a 1/m and dZ does not.
A factor of m, 1/m, −1 or a hard-coded batch size shows up as a constant ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scale:
    tags: tuple[str, ...]
    factor_text: str  # "m", "1/m", "−1", "2.0", "400/m"
    text: str  # what happened, in words
    fix: str


def fit_ratio(got: np.ndarray, expected: np.ndarray, rtol: float) -> float | None:
    """The c with got ≈ c · expected, if one fits every element; else None."""
    g = np.asarray(got, dtype=np.float64).reshape(-1)
    e = np.asarray(expected, dtype=np.float64).reshape(-1)
    if g.shape != e.shape or g.size == 0 or not np.all(np.isfinite(g)):
        return None
    ee = float(e @ e)
    if ee == 0.0:
        return None
    c = float(g @ e) / ee
    if c == 0.0:
        return None
    residual = np.abs(g - c * e)
    scale = np.abs(g) + float(np.max(np.abs(g)))
    return c if bool(np.all(residual <= 10 * rtol * scale)) else None


def _near(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b))


def classify(
    ratios: list[float], ms: list[int], per_example: bool, name: str, batch: str = "m", has_mean: bool | None = None
) -> Scale | None:
    """Name the constant factor seen in every trial (``ratios[k]`` at batch size ``ms[k]``)."""
    if not ratios or len(ratios) != len(ms):
        return None
    if all(_near(c, 1.0) for c in ratios):
        return None
    sign = -1.0 if all(c < 0 for c in ratios) else 1.0 if all(c > 0 for c in ratios) else 0.0
    if sign == 0.0:
        return None
    mags = [abs(c) for c in ratios]
    flip = ("sign-flip",) if sign < 0 else ()
    flip_text = " and its sign is flipped" if sign < 0 else ""
    neg = "−" if sign < 0 else ""
    kind = "dL/d" if per_example else "dJ/d"
    if has_mean is None:
        has_mean = not per_example
    if all(_near(c, float(m)) for c, m in zip(mags, ms)):
        return _times_m(name, batch, per_example, has_mean, flip, flip_text, neg, kind)
    if all(_near(c * m, 1.0) for c, m in zip(mags, ms)):
        return _over_m(name, batch, per_example, has_mean, flip, flip_text, neg)
    if all(_near(c, mags[0]) for c in mags) and not _near(mags[0], 1.0):
        factor = mags[0]
        return Scale(
            flip + ("wrong-scale",),
            f"{neg}{factor:.6g}",
            f"{name} is off by a constant factor {neg}{factor:.6g}",
            f"remove the factor {factor:.6g}",
        )
    if all(_near(c, 1.0) for c in mags) and sign < 0:
        if name == "cost":
            return Scale(
                ("sign-flip",),
                "−1",
                "cost has the wrong sign: it is exactly −1 times the reference. Cross-entropy is never negative; J = −(1/m)·Σ[…] starts with a minus",
                "add the leading minus sign",
            )
        return Scale(
            ("sign-flip",),
            "−1",
            f"{name} has the wrong sign: it is exactly −1 times the reference (following it would climb the cost instead of descending)",
            "fix the sign: swap the order of the subtraction (A − Y, not Y − A), or add or remove one minus sign",
        )
    if len(set(ms)) > 1:
        # got = ref · m / K: divided by a fixed K instead of by m.
        ks = [m / c for c, m in zip(mags, ms)]
        if all(_near(k, ks[0], 1e-4) for k in ks):
            k = ks[0]
            shown = f"{round(k)}" if _near(k, round(k), 1e-4) else f"{k:.6g}"
            return Scale(
                flip + ("wrong-scale",),
                f"{neg}{batch}/{shown}",
                f"{name} is divided by {shown} instead of by {batch} (is {batch} hard-coded?){flip_text}",
                f"use {batch} = X.shape[1]; never hard-code the number of examples",
            )
    return None


def _times_m(name: str, batch: str, per_example: bool, has_mean: bool, flip: tuple, flip_text: str, neg: str, kind: str) -> Scale:
    """The value is m times the reference: a 1/m missing, or an m too many."""
    if not has_mean and not per_example:
        return Scale(
            flip + ("wrong-scale",), f"{neg}{batch}", f"{name} is {batch} times too large{flip_text}", f"remove the factor {batch}"
        )
    if per_example:
        return Scale(
            flip + ("wrong-scale",),
            f"{neg}{batch}",
            f"{name} is {batch} times too large{flip_text}",
            f"{name} is a per-example gradient ({kind}…): do not multiply it by {batch}",
        )
    fix = (
        f"divide by {batch}: the cost J is the mean of the {batch} per-example losses, not their sum"
        if name == "cost"
        else f"divide by {batch}: {name} is the gradient of the cost J, the mean of the {batch} per-example losses"
    )
    return Scale(flip + ("missing-mean",), f"{neg}{batch}", f"{name} is {batch} times too large: the 1/{batch} is missing{flip_text}", fix)


def _over_m(name: str, batch: str, per_example: bool, has_mean: bool, flip: tuple, flip_text: str, neg: str) -> Scale:
    """The value is the reference divided by m: a 1/m too many."""
    if per_example:
        return Scale(
            flip + ("extra-mean",),
            f"{neg}1/{batch}",
            f"{name} is divided by {batch}{flip_text}, but it is a per-example gradient",
            f"remove the 1/{batch} from {name}: it belongs in dW and db only, where the examples are summed",
        )
    if not has_mean:
        return Scale(
            flip + ("extra-mean",),
            f"{neg}1/{batch}",
            f"{name} is divided by {batch}{flip_text}, but this gradient has no 1/{batch}",
            f"remove the 1/{batch}",
        )
    return Scale(flip + ("extra-mean",), f"{neg}1/{batch}", f"{name} is divided by {batch} twice{flip_text}", f"divide by {batch} once")


def sign_only(ratios: list[float]) -> bool:
    return bool(ratios) and all(_near(c, -1.0) for c in ratios)
