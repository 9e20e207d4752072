"""The terminal report, read the way a student reads it (width 100, no colour).

These are content checks rather than byte-exact snapshots: paths and timings vary.
"""

from __future__ import annotations

import math
import re

import pytest
from rich.cells import cell_len

from gradcheck.findings import CODES, Finding, Location
from gradcheck.report import CheckResult, Report

from ..conftest import CORPUS
from .conftest import graded, text_of, unboxed

DW1 = "planar/buggy/dw1_missing_mean.py"
DZ1 = "planar/buggy/dz1_sigmoid_derivative.py"
CORRECT = "planar/correct/np_dot.py"
FALLBACK = "could not draw the full report"


def panels(text: str) -> dict[str, list[str]]:
    """Panel title -> its unboxed content lines."""
    out: dict[str, list[str]] = {}
    title = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("╭─ "):
            title = line[3:].rstrip("─╮").strip()
            out[title] = []
        elif line.startswith("╰"):
            title = None
        elif title is not None:
            out[title].append(line[1:-1].strip() if line.startswith("│") else line)
    return out


def flat(lines: list[str]) -> str:
    """Wrapped lines joined back into one string, for phrases that may wrap."""
    return re.sub(r"\s+", " ", " ".join(lines))


def last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


@pytest.fixture(scope="module")
def dw1():
    return text_of(graded(DW1))


@pytest.fixture(scope="module")
def dz1():
    return text_of(graded(DZ1))


# -- every report ---------------------------------------------------------------------------


@pytest.mark.parametrize("rel", [DW1, DZ1, CORRECT])
def test_plain_text_fits_the_width(rel):
    text = text_of(graded(rel))
    assert "\x1b[" not in text
    assert FALLBACK not in text
    too_wide = [line for line in text.splitlines() if cell_len(line) > 100]
    assert not too_wide


@pytest.mark.parametrize("rel", [DW1, DZ1])
def test_header_table_rules_and_verdict(rel):
    report = graded(rel)
    text = text_of(report)
    lines = unboxed(text)
    assert lines[0].startswith(f"gradcheck {report.version} · planar — ")
    assert lines[1].startswith("file ") and rel.rsplit("/", 1)[1] in lines[1] and "seed 0" in lines[1]
    header = next(line for line in lines if line.startswith("function"))
    assert header.split() == ["function", "target", "status", "points", "note"]
    assert re.search(r"^forward_propagation\s+A2\s+✓ pass\s+6/6", text, flags=re.M)
    rules = [line for line in lines if line.startswith("rule: ")]
    assert [r.split(":")[1].strip() for r in rules] == ["values", "finite differences"]
    assert "rtol" in text and "h = ∛eps" in text
    verdict = last_line(text)
    assert re.match(r"FAILED  score \d+(\.\d+)? / 100  ·  1 problem to fix  ·  gradcheck explain GC30[12]$", verdict), verdict


def test_passing_report():
    text = text_of(graded(CORRECT))
    assert re.match(r"PASSED  score 100 / 100$", last_line(text))
    assert not [t for t in panels(text) if t.startswith("GC")]
    assert "✗ fail" not in text


# -- dW1 without the 1/m: a scale mismatch ---------------------------------------------------


def test_dw1_panel_title(dw1):
    assert "GC302 scale-mismatch · dW1 · missing-mean" in panels(dw1)


def test_dw1_student_line_with_its_number(dw1):
    body = panels(dw1)["GC302 scale-mismatch · dW1 · missing-mean"]
    assert "dw1_missing_mean.py:36" in body
    assert re.search(r"^❱ 36\s+dW1 = np\.dot\(dZ1, X\.T\)$", "\n".join(body), flags=re.M)
    for n in (34, 35, 37, 38):  # two lines of context on either side
        assert any(re.match(rf"^{n}\s+\S", line) for line in body), n


def test_dw1_reference_shapes_and_fix(dw1):
    body = panels(dw1)["GC302 scale-mismatch · dW1 · missing-mean"]
    assert "reference  dW1 = dZ1 · Xᵀ / m" in body
    assert "shapes     dZ1 (n_h, m), Xᵀ (m, n_x)  →  dW1 (n_h, n_x)" in body
    fix = [line for line in body if line.startswith("fix  ")]
    assert len(fix) == 1 and fix[0].startswith("fix  Divide by m")
    assert "gradcheck explain GC302  ·  gradcheck explain dW1" in body


def test_dw1_says_j_versus_l_and_the_factor_is_m(dw1):
    text = flat(panels(dw1)["GC302 scale-mismatch · dW1 · missing-mean"])
    assert "dW1 is m times too large: the 1/m is missing." in text
    assert "∂J/∂W1" in text and "per-example losses" in text
    ratio = float(re.search(r"got / expected = (\S+) everywhere", text).group(1))
    m = int(re.search(r"trial \d+ \(n_x=\d+, n_h=\d+, n_y=\d+, m=(\d+)\)", text).group(1))
    assert ratio == m
    assert "matches: the 1/m is missing" in text


def test_dw1_has_no_consequences(dw1):
    assert "follows from the problems above" not in panels(dw1)
    assert re.search(r"^backward_propagation\s+dW1\s+✗ fail\s+0/10", dw1, flags=re.M)
    assert re.search(r"^backward_propagation\s+db1\s+✓ pass\s+10/10", dw1, flags=re.M)


# -- dZ1 with sigmoid's derivative: a root cause and its consequences ----------------------------


TITLE_DZ1 = "GC301 gradient-mismatch · dZ1 · wrong-activation-derivative"


def test_dz1_panel_title(dz1):
    assert TITLE_DZ1 in panels(dz1)


def test_dz1_student_line_reference_shapes_fix(dz1):
    body = panels(dz1)[TITLE_DZ1]
    assert "dz1_sigmoid_derivative.py:37" in body
    assert re.search(r"^❱ 37\s+dZ1 = np\.dot\(W2\.T, dZ2\) \* A1 \* \(1 - A1\)$", "\n".join(body), flags=re.M)
    assert "reference  dZ1 = W2ᵀ · dZ2 ∗ tanh′(Z1)" in body
    assert "shapes     W2ᵀ (n_h, 1), dZ2 (1, m), Z1 (n_h, m)  →  dZ1 (n_h, m)" in body
    fix = [line for line in body if line.startswith("fix  ")]
    assert len(fix) == 1 and "tanh′" in fix[0] and "1 − A1²" in fix[0]
    text = flat(body)
    assert "sigmoid" in text and "tanh" in text
    assert re.search(r"(\d+) of \1 entries differ", text)


def test_dz1_consequences_are_listed_separately(dz1):
    found = panels(dz1)
    titles = list(found)
    assert "follows from the problems above" in titles
    assert titles.index(TITLE_DZ1) < titles.index("follows from the problems above")
    follows = flat(found["follows from the problems above"])
    assert "dW1" in follows and "db1" in follows and "dZ1" in follows and "GC303" in follows
    assert not [t for t in titles if t.startswith("GC303")], "consequences get no panel of their own"
    for target in ("dW1", "db1"):
        assert not [t for t in titles if f"· {target}" in t]
    for target, note in (("dZ1", "wrong here"), ("dW1", "follows from dZ1"), ("db1", "follows from dZ1")):
        assert re.search(rf"^backward_propagation\s+{target}\s+✗ fail.*{note}", dz1, flags=re.M), target


# -- odd findings never break the report --------------------------------------------------------

NAN, INF = float("nan"), float("inf")
SOURCE = "import numpy as np\n\n\ndef f(x):\n    return x\n"

ODD: dict[str, Finding] = {
    "nan-numbers": Finding(
        "GC301",
        "dW1",
        "odd numbers",
        location=Location("x.py", 5),
        stats={
            "mismatched": 2,
            "total": 4,
            "max_abs_error": NAN,
            "max_rel_error": INF,
            "ratio": NAN,
            "worst": [[[0, 0], NAN, INF], [[0, 1], -INF, 1.0]],
            "trial": "trial 1",
        },
    ),
    "beyond-eof": Finding("GC301", "dW1", "beyond the end", location=Location("x.py", 999, 1005), hint="h"),
    "line-zero": Finding("GC101", "f", "line zero", location=Location("x.py", 0)),
    "end-before-line": Finding("GC101", "f", "backwards span", location=Location("x.py", 5, 2)),
    "no-location": Finding("GC301", "dW1", "nowhere", hint="h", formula="dW1 = dZ1 · Xᵀ / m", chain="c  with x"),
    "no-stats-worst": Finding("GC302", "dW1", "few stats", stats={"mismatched": 1, "total": 1, "max_abs_error": 1.0, "max_rel_error": 1.0}),
    "1d-error-map": Finding("GC302", "dW1", "flat map", stats={"error_map": [1.0, 2.0], "expected_scale": None}),
    "empty-error-map": Finding("GC302", "dW1", "empty map", stats={"error_map": [[]], "expected_scale": 0.0}),
    "zero-error-map": Finding("GC302", "dW1", "zero map", stats={"error_map": [[0.0, 0.0], [0.0, 0.0]], "expected_scale": 0.0}),
    "nan-scale": Finding("GC302", "dW1", "nan scale", stats={"error_map": [[0.5, 1.0]], "expected_scale": NAN}),
    "follows-without-cause": Finding("GC303", "db1", "no cause", caused_by=None),
    "long-everything": Finding("GC301", "d" * 300, "m" * 3000, tags=("shape", "transpose"), details=("x" * 400,), hint="y" * 500),
    "warning": Finding("GC401", "db2", "fragile", severity="warning"),
}
# Known renderer bugs (reported to the lead): one odd finding makes render() fall back to
# the one-line verdict, hiding every other panel. render() itself still does not raise.
KNOWN_FALLBACK: dict[str, Finding] = {
    "nan-in-error-map": Finding("GC301", "dW1", "nan map", stats={"error_map": [[NAN, 1.0], [INF, 2.0]], "expected_scale": 1.0}),
    "ragged-error-map": Finding("GC301", "dW1", "ragged map", stats={"error_map": [[1.0, 2.0], [3.0]], "expected_scale": 1.0}),
    "partial-stats": Finding("GC301", "dW1", "partial", stats={"mismatched": 2}),
}


def odd_report(finding: Finding, source: str = SOURCE, **kw) -> Report:
    fields = dict(assignment="planar", title="odd", file="x.py", seed=0, passed=False, score=NAN, max_score=INF,
                  checks=[CheckResult("a:b", "f", "b", "weird-status", NAN, INF, "note")],
                  findings=[finding], source=source, rules=["values: a rule"], output="printed\n" * 40,
                  output_truncated=True, trials=["trial 1"], seconds=NAN)  # fmt: skip
    fields.update(kw)
    return Report(**fields)


@pytest.mark.parametrize("name", sorted(ODD) + sorted(KNOWN_FALLBACK))
@pytest.mark.parametrize("width", [100, 40])
def test_odd_finding_never_raises(name, width):
    finding = ODD.get(name) or KNOWN_FALLBACK[name]
    for report in (odd_report(finding), odd_report(finding, source=""), odd_report(finding, passed=True, score=1.0, max_score=1.0)):
        for verbose in (False, True):
            text = text_of(report, width=width, verbose=verbose)  # must not raise
            tail = text.splitlines()[-3:]  # the verdict may wrap at width 40
            assert any(re.match(r"(PASSED|FAILED)", line) for line in tail), "the verdict comes last"


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_finding_still_gets_its_panel(name):
    finding = ODD[name]
    text = text_of(odd_report(finding))
    assert FALLBACK not in text
    assert finding.code in text
    if finding.code != "GC303":
        assert finding.message[:20] in flat(unboxed(text))
    if finding.location is not None:
        assert f"x.py:{finding.location.line}" in text


@pytest.mark.parametrize("name", sorted(KNOWN_FALLBACK))
def test_known_odd_finding_still_gets_its_panel(name):
    text = text_of(odd_report(KNOWN_FALLBACK[name]))
    assert FALLBACK not in text


def test_odd_finding_next_to_real_ones_keeps_the_verdict():
    report = graded(DZ1)
    odd = odd_report(ODD["nan-numbers"], source=report.source, findings=[*report.findings, ODD["nan-numbers"], ODD["beyond-eof"]])
    text = text_of(odd)
    assert TITLE_DZ1 in panels(text)
    assert last_line(text).startswith("FAILED")
    assert math.isnan(odd.score)


@pytest.mark.parametrize("path", sorted(p.name for p in (CORPUS / "explain").glob("*.py")))
def test_every_explain_fixture_renders_in_full(path):
    report = graded(f"explain/{path}")
    text = text_of(report)
    assert FALLBACK not in text
    assert not [line for line in text.splitlines() if cell_len(line) > 100]
    for f in report.findings:
        if f.level in ("error", "warning"):
            assert f"{f.code} {CODES[f.code].name} · {f.target}" in text
        elif f.code == "GC008":  # a limit not enforced here: one footer line, after the rules
            lines = text.splitlines()
            notes = [i for i, line in enumerate(lines) if line.startswith("note GC008:")]
            assert len(notes) == 1 and all(i < notes[0] for i, line in enumerate(lines) if line.startswith("rule:"))
        elif f.code != "GC303":
            assert f"note {f.code} {f.target}:" in text


# -- GC303: the words for each kind of cascade come from diagnose/messages.py -------------------

CALLEE = "deep/buggy/linear_backward_dw_missing_mean.py"


@pytest.fixture(scope="module")
def callee_bug():
    from gradcheck.catalog import resolve
    from gradcheck.grade import grade
    from gradcheck.spec.loader import load_spec

    report = grade(load_spec(resolve("deep")), CORPUS / CALLEE)
    return report, text_of(report, width=200)


def test_a_callee_error_is_not_called_computed_correctly(callee_bug):
    """A caller of a broken linear_backward was never shown to compute its value correctly
    from anything of its own: its line says the callee is most likely behind it."""
    report, text = callee_bug
    follows = flat(panels(text)["follows from the problems above"])
    assert "computed correctly" not in follows and "fixing linear_backward fixes them" not in follows
    assert "most likely wrong only because linear_backward" in follows and "fix linear_backward first" in follows
    assert all(f.caused_by == "linear_backward" for f in report.findings if f.code == "GC303")


def test_the_table_says_what_the_findings_say(callee_bug):
    """A value whose finding follows from the callee is not "wrong here" in the table."""
    report, text = callee_bug
    followed = {f.check for f in report.findings if f.code == "GC303"}
    assert followed
    for c in report.checks:
        if c.id in followed:
            assert c.summary == "follows from linear_backward", c.id
    assert re.search(r"^linear_backward\s+dW2\s+✗ fail.*wrong here", text, flags=re.M)
    assert re.search(r"^L_model_backward\s+dW1\s+✗ fail.*follows from linear_backward", text, flags=re.M)


def test_follows_lines_by_kind():
    """One cause, its targets: a value of the same function (a row of the table) or a callee."""
    from gradcheck.diagnose.messages import follows_summary
    from gradcheck.render.common import follows_callee

    checks = [CheckResult(f"backward_propagation:{t}", "backward_propagation", t, "fail") for t in ("dZ1", "dW1", "db1")]
    value = [Finding("GC303", t, "m", check=f"backward_propagation:{t}", caused_by="dZ1") for t in ("dW1", "db1")]
    callee = [Finding("GC303", "dA1", "m", check="L_model_backward:dA1", caused_by="linear_backward")]
    report = Report("deep", "t", "x.py", 0, False, 0.0, 100.0, checks=checks)
    assert not follows_callee(value, report) and follows_callee(callee, report)
    assert follows_summary("dZ1", ["dW1", "db1"], False).startswith("dW1, db1: computed correctly from your dZ1")
    assert "computed correctly" not in follows_summary("linear_backward", ["dA1"], True)


@pytest.mark.parametrize("assignment", ["planar", "logistic", "deep", "regularization", "cs231n", "gradient_checking", "conv", "rnn", "cs231n_rnn"])
def test_no_value_is_named_like_a_function(assignment):
    """follows_callee tells a callee from a value by its name: no spec may give both one name."""
    from ..conftest import load_builtin

    spec = load_builtin(assignment)
    functions = {f.name for f in spec.functions} | {f.call for f in spec.functions}
    assert not functions & {spec.shown(f.name) for f in spec.formulas}
