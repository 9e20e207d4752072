"""End to end: a conv and an rnn corpus fixture graded (child process), their reports drawn
with the per-channel / per-time-step views the specs' axis roles allow."""

from __future__ import annotations

import functools
import json

from rich.cells import cell_len

from gradcheck.catalog import resolve
from gradcheck.grade import grade
from gradcheck.render.json_report import render as render_json
from gradcheck.spec.loader import load_spec

from ..conftest import CORPUS
from .conftest import text_of, unboxed

CONV = "conv/buggy/conv_backward_dw_not_accumulated.py"
RNN = "rnn/buggy/rnn_backward_da_prevt_not_added.py"


@functools.cache
def graded(assignment: str, relpath: str):
    return grade(load_spec(resolve(assignment)), CORPUS / relpath)


def finding(report, target: str):
    return next(f for f in report.findings if f.target == target and f.code == "GC301")


def test_conv_dw_not_accumulated_per_output_channel():
    report = graded("conv", CONV)
    text = " ".join(unboxed(text_of(report, width=100)))
    assert "largest |got − expected| per channel c (n_C = " in text
    assert "where in f × f" in text
    dw = next(f for f in json.loads(render_json(report))["findings"] if f["target"] == "dW")
    (channel,) = dw["stats"]["error_by_axis"]
    assert channel["role"] == "channel" and channel["dim"] == "n_C" and channel["axis"] == 3
    assert len(channel["max_abs_error"]) == len(finding(report, "dW").stats["error_map"][0][0][0])


def test_rnn_missing_time_carry_every_step_but_the_last():
    report = graded("rnn", RNN)
    text = " ".join(unboxed(text_of(report, width=100)))
    assert "largest |got − expected| per time step t (T_x = " in text
    assert "every time step but the last (t = " in text
    dx = next(f for f in json.loads(render_json(report))["findings"] if f["target"] == "dx")
    time = next(e for e in dx["stats"]["error_by_axis"] if e["role"] == "time")
    assert time["dim"] == "T_x" and time["max_abs_error"][-1] < 1e-12 < min(time["max_abs_error"][:-1])


def test_narrow_reports_fit():
    for assignment, rel in (("conv", CONV), ("rnn", RNN)):
        text = text_of(graded(assignment, rel), width=40)
        assert "could not draw" not in text
        assert all(cell_len(line) <= 40 for line in text.splitlines())
