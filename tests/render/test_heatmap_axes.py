"""Where a rank-3/4 gradient is wrong, per channel / time step / example and in H × W: arrays
made to show each classic pattern, drawn without a child process (axis roles as the spec's
``axes`` gives them)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

from gradcheck.findings import Finding
from gradcheck.render.axis_views import ASCII_SHADES, SHADES, axis_views, profiles, strip_summary
from gradcheck.render.console import SafeStream, capture
from gradcheck.render.json_report import finding_dict
from gradcheck.render.text import render
from gradcheck.report import Report

from .conftest import text_of, unboxed

NHWC = [["m", "batch"], ["n_H_prev", "height"], ["n_W_prev", "width"], ["n_C_prev", "channel"]]
NCHW = [["N", "batch"], ["C", "channel"], ["H", "height"], ["W", "width"]]
SEQ = [["n_x", "feature"], ["m", "batch"], ["T_x", "time"]]  # the DLS RNN's (n_x, m, T_x)
CS_SEQ = [["N", "batch"], ["T", "time"], ["D", "feature"]]  # CS231n's (N, T, D)
RNG = np.random.default_rng(7)
TOL = 1e-6


def words(views) -> str:
    return "\n".join(v.plain for v in views)


def drawn(views, width: int) -> list[str]:
    """The views as a console of ``width`` columns prints them."""
    return capture(lambda console: [console.print(v) for v in views], width=width).splitlines()


def carry_missing(t_steps: int = 5) -> np.ndarray:
    """dx of an rnn_backward without the time carry: every step wrong except the last."""
    err = RNG.normal(size=(3, 2, t_steps))
    err[:, :, -1] = 0.0
    return err


# -- per time step ---------------------------------------------------------------------------


def test_missing_time_carry_every_step_but_the_last():
    text = words(axis_views(carry_missing(), SEQ, TOL, width=80))
    assert "per time step t (T_x = 5)" in text
    assert "every time step but the last (t = 4) is wrong" in text
    assert text.count("t=") == 5  # one bar per step


def test_only_one_steps_contribution():
    err = np.zeros((2, 4, 3))  # CS231n (N, T, D): only t = 1 differs
    err[:, 1, :] = 0.5
    text = words(axis_views(err, CS_SEQ, TOL))
    assert "only time step t = 1 is wrong" in text
    assert "per example" not in text  # every example wrong: no strip for examples


def test_only_the_last_step():
    err = np.zeros((3, 2, 4))
    err[0, 1, 3] = 2.0
    text = words(axis_views(err, SEQ, TOL))
    assert "only the last time step (t = 3) is wrong" in text
    assert "wrong at i = 1; right at i = 0" not in text and "only example i = 1 is wrong" in text


def test_profiles_are_the_numbers_per_index():
    err = carry_missing(4)
    (batch, time) = profiles(err, SEQ)
    assert time["role"] == "time" and time["dim"] == "T_x" and time["axis"] == 2
    assert time["max_abs_error"][-1] == 0.0
    assert time["max_abs_error"][:3] == pytest.approx(np.abs(err[:, :, :3]).max(axis=(0, 1)).tolist())
    assert batch["role"] == "batch" and len(batch["max_abs_error"]) == 2


def test_a_long_sequence_becomes_one_cell_per_step():
    err = np.zeros((2, 2, 40))
    err[:, :, :39] = 1.0
    views = axis_views(err, SEQ, TOL, width=60)
    text = words(views)
    assert "t=0" in text and text.count("t=") == 1  # no bar per step
    assert "every time step but the last (t = 39) is wrong" in text
    assert all(cell_len(line) <= 60 for line in drawn(views, 60))


# -- per channel and in H × W ------------------------------------------------------------------


def test_one_wrong_channel_nhwc_and_nchw_read_the_same():
    nhwc = np.zeros((2, 5, 4, 3))
    nhwc[..., 2] = RNG.normal(size=(2, 5, 4))
    nchw = np.moveaxis(nhwc, 3, 1)
    a, b = words(axis_views(nhwc, NHWC, TOL)), words(axis_views(nchw, NCHW, TOL))
    assert "only channel c = 2 is wrong" in a and "only channel c = 2 is wrong" in b
    assert "(n_C_prev = 3)" in a and "(C = 3)" in b  # the dim names come from the spec's axes


def test_every_channel_wrong_says_so():
    err = RNG.normal(size=(2, 4, 4, 3))
    assert "every channel is wrong" in words(axis_views(err, NHWC, TOL))


def test_dw_not_accumulated_is_per_output_channel():
    # dW (f, f, n_C_prev, n_C): the filter's own H × W, per output channel
    axes = [["f", "height"], ["f", "width"], ["n_C_prev", "feature"], ["n_C", "channel"]]
    err = np.zeros((3, 3, 2, 4))
    err[:, :, :, 1] = 1.0
    err[:, :, :, 3] = 2.0
    text = words(axis_views(err, axes, TOL))
    assert "wrong at c = 1, 3; right at c = 0, 2" in text
    assert "where in f × f (3 × 3)" in text
    assert "n_C_prev=" in text  # the slice is labelled by the feature axis's dim


def test_unpadded_border_shows_as_a_border():
    err = np.zeros((2, 6, 5, 3))
    err[:, [0, -1], :, :] = 1.0
    err[:, :, [0, -1], :] = 1.0
    views = axis_views(err, NHWC, TOL, color=False)
    text = words(views)
    assert "only the border rows and columns are wrong" in text
    lines = drawn(views, 80)
    start = next(k for k, line in enumerate(lines) if line.startswith("where in"))
    grid = [line.strip() for line in lines[start + 2 : start + 8]]
    assert grid[0] == grid[-1] and set(grid[0].split()[0]) == {SHADES[-1]}
    assert SHADES[0] in grid[2]  # the inside is drawn as right


def test_stride_left_out_shows_a_periodic_pattern():
    err = np.zeros((1, 6, 4, 2))
    err[:, ::2, :, :] = 1.0  # every other row
    text = words(axis_views(err, NHWC, TOL))
    assert "wrong only in rows 0, 2, 4 (of 0–5)" in text


def test_the_worst_channels_are_drawn_side_by_side():
    err = np.zeros((2, 4, 4, 5))
    for c, v in [(0, 0.1), (1, 3.0), (2, 0.0), (3, 2.0), (4, 1.0)]:
        err[1, :, :, c] = v
    text = words(axis_views(err, NHWC, TOL, width=100))
    header = next(line for line in text.split("\n") if "c=" in line and "i=" in line)
    assert [part.strip() for part in header.split("   ") if part.strip()] == ["i=1, c=1", "i=1, c=3", "i=1, c=4"]


# -- never crashes, never too wide, ASCII when it must -------------------------------------------


ODD = {
    "nan-inf": (np.array([[[np.nan, np.inf], [1.0, -np.inf]], [[0.0, 0.0], [0.0, 0.0]]]), SEQ),
    "ragged": ([[[1.0, 2.0], [3.0]]], SEQ),
    "axes-too-short": (np.ones((2, 2, 2)), SEQ[:2]),
    "axes-garbage": (np.ones((2, 2, 2)), [1, 2, 3]),
    "all-zero": (np.zeros((2, 3, 3, 2)), NHWC),
    "one-by-one": (np.ones((1, 1, 1, 1)), NHWC),
    "rank-2": (np.ones((3, 3)), SEQ[:2]),
    "big": (RNG.normal(size=(3, 40, 50, 7)), NHWC),
}


@pytest.mark.parametrize("name", sorted(ODD))
@pytest.mark.parametrize("width", [8, 20, 40, 100])
@pytest.mark.parametrize("ascii_only", [False, True])
def test_odd_maps_never_raise_and_fit(name, width, ascii_only):
    err, axes = ODD[name]
    views = axis_views(err, axes, TOL, width=width, ascii_only=ascii_only)
    assert all(cell_len(line) <= width for line in drawn(views, width))
    if ascii_only:
        assert not set(words(views)) & set(SHADES + "█")
    assert profiles(err, axes) is not None


def finding(err: np.ndarray, axes) -> Finding:
    return Finding("GC301", "dA_prev", "dA_prev is wrong", stats={
        "mismatched": int(np.count_nonzero(err)), "total": int(err.size), "max_abs_error": float(np.max(np.abs(err))),
        "max_rel_error": 1.0, "rtol": 1e-7, "expected_scale": 2.0, "error_map": err.tolist(), "axes": axes})  # fmt: skip


def report(f: Finding) -> Report:
    return Report(assignment="conv", title="t", file="x.py", seed=0, passed=False, score=0.0, max_score=1.0, findings=[f])


@pytest.mark.parametrize("width", [24, 40, 60, 100])
def test_the_text_report_fits_every_width(width):
    text = text_of(report(finding(carry_missing(), SEQ)), width=width)
    assert all(cell_len(line) <= width for line in text.splitlines())
    assert "could not draw" not in text
    if width >= 60:
        assert "every time step but the last (t = 4) is wrong" in " ".join(unboxed(text))


def test_an_ascii_terminal_gets_an_ascii_ramp():
    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii", newline="\n")
    console = Console(file=SafeStream(raw), width=90, no_color=True, color_system=None, highlight=False, emoji=False)  # type: ignore[arg-type]
    err = np.zeros((2, 6, 5, 3))
    err[:, 0, :, 1] = 1.0
    err[:, 2, 1, 1] = 0.5
    render(report(finding(err, NHWC)), console)
    raw.flush()
    out = raw.buffer.getvalue().decode("ascii")  # would raise on any non-ASCII byte
    assert "\\u25" not in out  # no escaped shade characters
    assert ASCII_SHADES[-1] * 2 in out and "only channel c = 1 is wrong" in out


# -- the JSON report ---------------------------------------------------------------------------


def test_json_carries_the_numbers_not_the_map_or_the_axes():
    stats = finding_dict(finding(carry_missing(4), SEQ))["stats"]
    assert "error_map" not in stats and "axes" not in stats
    roles = [e["role"] for e in stats["error_by_axis"]]
    assert roles == ["batch", "time"]
    assert stats["error_by_axis"][1]["max_abs_error"][-1] == 0.0
    assert all(isinstance(v, float) and math.isfinite(v) for e in stats["error_by_axis"] for v in e["max_abs_error"])


def test_json_without_axes_has_no_error_by_axis():
    assert "error_by_axis" not in finding_dict(finding(carry_missing(4), []))["stats"]


def test_strip_summary_words():
    assert strip_summary(np.array([0.0, 0.0]), TOL, "channel") == "no channel is off by more than the tolerance"
    assert strip_summary(np.array([1.0, 0.0, 1.0, 1.0, 0.0]), TOL, "batch") == "wrong at i = 0, 2–3; right at i = 1, 4"


def test_a_narrow_panel_keeps_the_worst_channels():
    err = np.zeros((2, 4, 4, 5))
    for c, v in [(0, 2.5), (1, 3.0), (3, 2.0), (4, 1.0)]:
        err[1, :, :, c] = v
    lines = drawn(axis_views(err, NHWC, TOL, width=25), 25)
    header = next(line for line in lines if "c=" in line and "i=" in line)
    assert [part.strip() for part in header.split("   ") if part.strip()] == ["i=1, c=0", "i=1, c=1"]
