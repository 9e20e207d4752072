"""A small terminal heat map of an elementwise error: a wrong row, column or transpose shows."""

from __future__ import annotations

import numpy as np
from rich.text import Text

SHADES = "·░▒▓█"
ASCII_SHADES = ".:+*#"  # where the output's encoding cannot show SHADES
MAX_ROWS, MAX_COLS = 12, 40


def pool_blocks(err: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Max |error| over blocks, keeping the sign of the largest entry (also axis_views' maps)."""
    r_edges = np.linspace(0, err.shape[0], rows + 1).astype(int)
    c_edges = np.linspace(0, err.shape[1], cols + 1).astype(int)
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            block = err[r_edges[i] : r_edges[i + 1], c_edges[j] : c_edges[j + 1]]
            if block.size:
                out[i, j] = block.flat[int(np.argmax(np.abs(block)))]
    return out


def heatmap(err: np.ndarray, scale: float, color: bool = True, ascii_only: bool = False) -> Text:
    try:
        err = np.asarray(err, dtype=np.float64)
    except (TypeError, ValueError):  # a ragged map: nothing to draw
        return Text("")
    if err.ndim != 2 or err.size == 0:
        return Text("")
    finite = np.isfinite(err)
    if not finite.all():  # inf/NaN errors: draw them as the largest
        top_finite = float(np.max(np.abs(err[finite]))) if finite.any() else 1.0
        err = np.where(finite, err, np.sign(np.nan_to_num(err, nan=1.0)) * (top_finite or 1.0))
    rows, cols = err.shape
    pooled = rows > MAX_ROWS or cols > MAX_COLS
    grid = pool_blocks(err, min(rows, MAX_ROWS), min(cols, MAX_COLS)) if pooled else err
    top = float(np.max(np.abs(grid))) or 1.0
    ramp = ASCII_SHADES if ascii_only else SHADES
    text = Text()
    for row in grid:
        for v in row:
            level = int(round(abs(v) / top * (len(ramp) - 1)))
            ch = ramp[level] * 2
            style = "red" if v > 0 else "blue" if v < 0 else ""
            text.append(ch, style=style)
        text.append("\n")
    note = f"{rows} × {cols}" + (f", shown as {grid.shape[0]} × {grid.shape[1]} blocks (largest error per block)" if pooled else "")
    text.append(f"{note}; darker = larger |got − expected| (max {top:.3g}, {top / scale:.0%} of the largest expected entry)" if scale else note, style="dim")
    if color:
        text.append("\n")
        text.append("red: got too large · blue: got too small", style="dim")
    return text


def row_col_summary(err: np.ndarray) -> str | None:
    """When the error sits in whole rows or columns, say so."""
    err = np.abs(np.asarray(err, dtype=np.float64))
    if err.ndim != 2 or err.size == 0:
        return None
    top = err.max()
    if top == 0:
        return None
    bad = err > 1e-3 * top
    rows = np.flatnonzero(bad.any(axis=1))
    cols = np.flatnonzero(bad.any(axis=0))
    if 0 < len(rows) < err.shape[0] and bad[rows].all():
        return f"only row(s) {', '.join(map(str, rows[:8]))} are wrong"
    if 0 < len(cols) < err.shape[1] and bad[:, cols].all():
        return f"only column(s) {', '.join(map(str, cols[:8]))} are wrong"
    return None
