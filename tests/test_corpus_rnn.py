"""Every submission in the rnn (C5W1, RNN and LSTM step by step) corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, manifest, root_finding

CASES = manifest("rnn")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]
LINE_PARAMS = [
    pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["line_xfail"], strict=True) if "line_xfail" in c else ())
    for c in CASES
    if "line" in c
]


@pytest.fixture(scope="module")
def rnn_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("rnn"))


@pytest.fixture(scope="module")
def reports(rnn_spec):
    cache: dict = {}

    def get(case):
        if case["file"] not in cache:
            cache[case["file"]] = grade(rnn_spec, CORPUS / "rnn" / case["file"])
        return cache[case["file"]]

    return get


@pytest.mark.parametrize("case", PARAMS)
def test_rnn_corpus(case, rnn_spec, reports):
    report = reports(case)
    root = check_case(report, case)
    if root is None:
        return
    if "code" in case:
        assert root.code == case["code"], (root.code, root.target, root.message)
    if "entry" not in case:
        return
    assert case["entry"] in {f.name for f in rnn_spec.functions}, case["entry"]
    assert root.check and root.check.split(":", 1)[0] == case["entry"], (root.check, root.code, root.target)


@pytest.mark.parametrize("case", LINE_PARAMS)
def test_rnn_corpus_line(case, reports):
    """The root finding points at the line of the mistake (kept apart from the verdict test)."""
    root = root_finding(reports(case))
    assert root is not None and root.location is not None
    want = case["line"] if isinstance(case["line"], list) else [case["line"]]
    assert root.location.line in want, (root.code, root.target, root.location.line)


def test_a_wrong_cell_is_reported_once_and_the_loop_follows_from_it(reports):
    """rnn_backward calls the student's rnn_cell_backward: its values follow from the cell's dtanh (GC303),
    found through the sequence's own dx, not the cell's value of the same name."""
    report = reports({"file": "buggy/rnn_cell_backward_tanh_prime_of_a_next.py"})
    loop = {f.target: f for f in report.findings if (f.check or "").startswith("rnn_backward:")}
    assert set(loop) == {"dx", "da0", "dWax", "dWaa", "dba"}
    assert all(f.code == "GC303" and f.caused_by == "rnn_cell_backward" for f in loop.values())
    lstm = {f.target: f.code for f in reports({"file": "buggy/lstm_cell_backward_dot_missing_sigmoid_prime.py"}).findings
            if (f.check or "").startswith("lstm_backward:")}  # fmt: skip
    assert lstm["dx"] == lstm["dWo"] == "GC303"
