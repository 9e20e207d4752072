"""Where the error of a rank-3 or rank-4 gradient lies, in the student's terms: per channel,
per time step, per example, and an H × W map of the worst channels.

The axis roles come from the spec (``values.X.axes``), carried as ``[dim, role]`` pairs in a
finding's ``stats["axes"]``; nothing here knows an assignment. ``profiles`` returns numbers
(the JSON report's ``error_by_axis``); ``axis_views`` draws them for the terminal, in shade
characters or, when the encoding cannot show them, in plain ASCII, never wider than asked."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text

from .heatmap import pool_blocks

SHADES = "·░▒▓█"
ASCII_SHADES = ".:+*#"
STRIP_ROLES = ("channel", "time", "batch")  # each gets a strip of its largest error per index
WORDS = {"channel": ("channel", "channels", "c"), "time": ("time step", "time steps", "t"), "batch": ("example", "examples", "i")}
MAX_BARS = 12  # more indices than this: one shade cell per index instead of a bar each
MAX_MAP_ROWS, MAX_MAPS = 12, 3


def _array(err: Any, axes: Any) -> tuple[np.ndarray, list[tuple[str, str]]] | None:
    """``err`` as a finite float array whose rank matches ``axes``, or None (nothing to draw)."""
    try:
        arr = np.asarray(err, dtype=np.float64)
        pairs = [(str(d), str(r)) for d, r in axes]
    except (TypeError, ValueError):  # a ragged map or odd axes
        return None
    if arr.ndim < 2 or arr.ndim != len(pairs) or arr.size == 0:
        return None
    finite = np.isfinite(arr)
    if not finite.all():  # inf/NaN errors: drawn as the largest finite one
        top = float(np.max(np.abs(arr[finite]))) if finite.any() else 1.0
        arr = np.where(finite, arr, np.sign(np.nan_to_num(arr, nan=1.0)) * (top or 1.0))
    return arr, pairs


def _along(arr: np.ndarray, axis: int) -> np.ndarray:
    """The largest |error| at each index of ``axis``."""
    return np.abs(arr).max(axis=tuple(k for k in range(arr.ndim) if k != axis))


def profiles(err: Any, axes: Any) -> list[dict[str, Any]]:
    """Per role in STRIP_ROLES the spec declares: the largest |got − expected| at each index."""
    got = _array(err, axes)
    if got is None:
        return []
    arr, pairs = got
    out = []
    for k, (dim, role) in enumerate(pairs):
        if role in STRIP_ROLES:
            out.append({"role": role, "dim": dim, "axis": k, "max_abs_error": [float(v) for v in _along(arr, k)]})
    return out


def _spans(indices: np.ndarray) -> str:
    """0, 1, 2, 5 → '0–2, 5'."""
    parts: list[str] = []
    run: list[int] = []
    for i in map(int, indices):
        if run and i != run[-1] + 1:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
            run = []
        run.append(i)
    if run:
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
    return ", ".join(parts[:8]) + (", …" if len(parts) > 8 else "")


def strip_summary(values: np.ndarray, tol: float, role: str) -> str:
    """Which indices along one axis are wrong, in words (the last time step is named as such)."""
    one, many, sym = WORDS.get(role, (role, role + "s", "k"))
    bad = np.asarray(values) > tol
    n = len(bad)
    wrong, right = np.flatnonzero(bad), np.flatnonzero(~bad)
    if not len(wrong):
        return f"no {one} is off by more than the tolerance"
    if not len(right):
        return f"every {one} is wrong"
    if role == "time" and list(right) == [n - 1]:
        return f"every {one} but the last ({sym} = {n - 1}) is wrong"
    if role == "time" and list(wrong) == [n - 1]:
        return f"only the last {one} ({sym} = {n - 1}) is wrong"
    if len(wrong) == 1:
        return f"only {one} {sym} = {int(wrong[0])} is wrong"
    text = f"wrong at {sym} = {_spans(wrong)}; right at {sym} = {_spans(right)}"
    return text


def _level(v: float, top: float, ramp: str, tol: float) -> str:
    """The shade of one entry: the lightest only for a right one, so a small error still shows."""
    if abs(v) <= tol or top <= 0:
        return ramp[0]
    return ramp[max(1, int(round(min(abs(v) / top, 1.0) * (len(ramp) - 1))))]


def _strip(values: np.ndarray, dim: str, role: str, tol: float, width: int, ascii_only: bool) -> list[Text]:
    one, many, sym = WORDS[role]
    ramp = ASCII_SHADES if ascii_only else SHADES
    top = float(values.max()) if values.size else 0.0
    title = Text(f"largest |got − expected| per {one} {sym} ({dim} = {len(values)}):", style="bold")
    text = Text(no_wrap=True, overflow="crop")  # bars are cut at the edge, never wrapped
    if len(values) <= MAX_BARS:
        label_w = len(f"{sym}={len(values) - 1}")
        bar_w = max(1, min(24, width - label_w - 14))
        for k, v in enumerate(values):
            n = int(round(v / top * bar_w)) if top > 0 else 0
            bar = ("#" if ascii_only else "█") * max(n, 1 if v > tol else 0) or ramp[0]
            style = "red" if v > tol else "dim"
            text.append(f"  {f'{sym}={k}':<{label_w}}  ")
            text.append(f"{bar:<{bar_w}}", style=style)
            text.append(f"  {v:.3g}\n")
    else:  # one cell per index, grouped when the axis is longer than the line
        cells = max(1, width - 12)
        edges = np.linspace(0, len(values), min(len(values), cells) + 1).astype(int)
        pooled = [float(values[a:b].max()) for a, b in zip(edges[:-1], edges[1:]) if b > a]
        text.append(f"  {sym}=0 ")
        for v in pooled:
            text.append(_level(v, top, ramp, tol), style="red" if v > tol else "dim")
        text.append(f" {len(values) - 1}\n")
    text.rstrip()
    return [title, text, Text(f"  {strip_summary(values, tol, role)}")]


def _slices(arr: np.ndarray, pairs: list[tuple[str, str]], tol: float) -> list[tuple[int, str, np.ndarray]]:
    """The H × W slices to draw, worst first: for each of the worst channels (or the one slice
    when there is no channel axis), the slice through that channel's largest error, with the
    channel and a label of the slice's indices."""
    roles = [r for _, r in pairs]
    h, w = roles.index("height"), roles.index("width")
    c = roles.index("channel") if "channel" in roles else None
    if c is None:
        chans: list = [None]
    else:  # the worst channels that are wrong at all, in index order
        per = _along(arr, c)
        chans = [k for k in np.argsort(-per, kind="stable")[:MAX_MAPS].tolist() if per[k] > tol] or [int(np.argmax(per))]
    out = []
    for ch in chans:
        sub = np.abs(arr) if ch is None else np.abs(np.take(arr, [ch], axis=c))
        idx = list(np.unravel_index(int(np.argmax(sub)), sub.shape))
        if ch is not None:
            idx[c] = ch
        where = [slice(None) if k in (h, w) else int(i) for k, i in enumerate(idx)]
        grid = arr[tuple(where)]
        grid = grid.T if h > w else grid
        label = ", ".join(f"{WORDS[r][2] if r in WORDS else d}={idx[k]}" for k, (d, r) in enumerate(pairs) if k not in (h, w) and arr.shape[k] > 1)
        out.append((-1 if ch is None else int(ch), label, grid))
    return out


def _maps(arr: np.ndarray, pairs: list[tuple[str, str]], tol: float, width: int, color: bool, ascii_only: bool) -> list[Text]:
    roles = [r for _, r in pairs]
    dims = [d for d, _ in pairs]
    ramp = ASCII_SHADES if ascii_only else SHADES
    found = _slices(arr, pairs, tol)
    shape = found[0][2].shape
    cols = min(shape[1], 20, max(1, (width - 2) // 2))
    rows = min(shape[0], MAX_MAP_ROWS)
    while len(found) > 1 and 2 + sum(max(2 * cols, len(label)) + 3 for _, label, _ in found) - 3 > width:
        found = found[:-1]  # as many of the worst as fit side by side
    slices = [(label, g) for _, label, g in sorted(found, key=lambda s: s[0])]
    widths = [max(2 * cols, len(label)) for label, _ in slices]
    grids = [(label, pool_blocks(g, rows, cols) if g.shape != (rows, cols) else g) for label, g in slices]
    top = max(float(np.max(np.abs(g))) for _, g in grids) or 1.0
    hw = f"{dims[roles.index('height')]} × {dims[roles.index('width')]}"
    which = "slice" if "channel" not in roles else "channels" if len(grids) > 1 else "channel"
    title = Text(f"where in {hw} ({arr.shape[roles.index('height')]} × {arr.shape[roles.index('width')]}), the worst {which}:", style="bold")
    text = Text(no_wrap=True, overflow="crop")  # the maps are cut at the edge, never wrapped
    text.append("  " + "   ".join(f"{label:<{w}}" for (label, _), w in zip(grids, widths)).rstrip() + "\n", style="dim")
    for i in range(rows):
        text.append("  ")
        for k, (_, g) in enumerate(grids):
            if k:
                text.append("   ")
            for v in g[i]:
                style = ("red" if v > 0 else "blue") if color and abs(v) > tol else "dim" if abs(v) <= tol else ""
                text.append(_level(v, top, ramp, tol) * 2, style=style)
            text.append(" " * (widths[k] - 2 * len(g[i])))
        text.append("\n")
    pooled = shape != (rows, cols)
    note = f"darker = larger |got − expected| (max {top:.3g})" + (", blocks show their largest entry" if pooled else "")
    text.rstrip()
    out = [title, text, Text("  " + note + ("; red: got too large, blue: got too small" if color else ""), style="dim")]
    spatial = _spatial_summary(arr, roles, tol)
    if spatial:
        out.append(Text("  " + spatial))
    return out


def _spatial_summary(arr: np.ndarray, roles: list[str], tol: float) -> str | None:
    """Where in H × W the wrong entries sit, over every example and channel."""
    h, w = roles.index("height"), roles.index("width")
    bad = np.abs(np.moveaxis(arr, (h, w), (0, 1))) > tol
    bad = bad.reshape(bad.shape[0], bad.shape[1], -1).any(axis=2)
    if bad.all() or not bad.any():
        return None
    ring = np.zeros_like(bad)
    ring[[0, -1], :] = True
    ring[:, [0, -1]] = True
    if bad.shape[0] > 2 and bad.shape[1] > 2 and not (bad & ~ring).any():
        return "only the border rows and columns are wrong"
    rows, cols = np.flatnonzero(bad.any(axis=1)), np.flatnonzero(bad.any(axis=0))
    if len(rows) < bad.shape[0]:
        return f"wrong only in rows {_spans(rows)} (of 0–{bad.shape[0] - 1})"
    if len(cols) < bad.shape[1]:
        return f"wrong only in columns {_spans(cols)} (of 0–{bad.shape[1] - 1})"
    return None


def axis_views(err: Any, axes: Any, tol: float = 0.0, width: int = 76, color: bool = True, ascii_only: bool = False) -> list[Text]:
    """The views of a rank-3/4 error map the spec's axis roles allow: a strip for each of
    channel, time step and example (examples only when some are right), then the H × W map."""
    got = _array(err, axes)
    if got is None or got[0].ndim < 3:
        return []
    arr, pairs = got
    width = max(int(width), 8)
    tol = tol if np.isfinite(tol) and tol > 0 else 1e-9 * float(np.max(np.abs(arr)))
    if not (np.abs(arr) > tol).any():  # nothing off by more than the tolerance: nothing to locate
        return []
    out = []
    for k, (dim, role) in enumerate(pairs):
        if role not in STRIP_ROLES or arr.shape[k] < 2:
            continue
        values = _along(arr, k)
        if role == "batch" and (values > tol).all():
            continue  # every example wrong: no news
        out.append(_strip(values, dim, role, tol, width, ascii_only))
    roles = [r for _, r in pairs]
    if "height" in roles and "width" in roles and arr.shape[roles.index("height")] * arr.shape[roles.index("width")] > 1:
        out.append(_maps(arr, pairs, tol, width, color, ascii_only))
    return [part for view in out for part in [Text(), *view]]  # a blank line before each view
