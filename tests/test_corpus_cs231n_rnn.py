"""Every submission in the cs231n_rnn (CS231n assignment 3, rnn_layers.py) corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, manifest, root_finding

CASES = manifest("cs231n_rnn")
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

    return load_spec(resolve("cs231n_rnn"))


@pytest.fixture(scope="module")
def reports(rnn_spec):
    cache: dict = {}

    def get(case):
        if case["file"] not in cache:
            cache[case["file"]] = grade(rnn_spec, CORPUS / "cs231n_rnn" / case["file"])
        return cache[case["file"]]

    return get


@pytest.mark.parametrize("case", PARAMS)
def test_cs231n_rnn_corpus(case, rnn_spec, reports):
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
def test_cs231n_rnn_corpus_line(case, reports):
    """The root finding points at the line of the mistake (kept apart from the verdict test)."""
    root = root_finding(reports(case))
    assert root is not None and root.location is not None
    want = case["line"] if isinstance(case["line"], list) else [case["line"]]
    assert root.location.line in want, (root.code, root.target, root.location.line)


@pytest.mark.parametrize("case", [c for c in CASES if c["file"].startswith("correct/")], ids=lambda c: c["file"])
def test_an_rnn_layers_file_is_picked_with_its_version(case):
    """gradcheck FILE without --assignment: cs231n_rnn, in the version the file has (the LSTM or not),
    also when the file carries the affine layer CS231n's later rnn_layers.py ships with."""
    from gradcheck.catalog import pick
    from gradcheck.submission import defined_functions

    source = (CORPUS / "cs231n_rnn" / case["file"]).read_text(encoding="utf-8")
    entry, _ = pick(defined_functions(source), source)
    assert entry.name == "cs231n_rnn"
    want = "rnn" if "rnn_only" in case["file"] else "rnn_lstm"
    assert entry.fit(defined_functions(source))[2] == want
