"""The "Common mistakes" tables of the planar quantity pages tell the truth.

Each row names a wrong form and what gradcheck reports for it. Here every such row is
applied to a correct submission and graded, and the report must lead with the code
(and carry the tags) the row promises. A new row needs an entry in ROWS (or, when it
cannot be produced by editing one line, in NOT_GRADED with the reason).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from gradcheck.explain import quantity_pages
from gradcheck.findings import TAGS
from gradcheck.grade import grade

from ..conftest import CORPUS

BASE = CORPUS / "planar" / "correct" / "np_dot.py"

# (page, wrong-form cell) -> replacements applied to BASE
ROWS: dict[tuple[str, str], dict[str, str]] = {
    ("A1", "`A1 = sigmoid(Z1)`"): {"A1 = np.tanh(Z1)": "A1 = sigmoid(Z1)"},
    ("A1", "`A1 = np.maximum(0, Z1)`"): {"A1 = np.tanh(Z1)": "A1 = np.maximum(0, Z1)"},
    ("A1", "`A1 = Z1`"): {"A1 = np.tanh(Z1)": "A1 = Z1"},
    ("A2", "`A1 = sigmoid(Z1)`"): {"A1 = np.tanh(Z1)": "A1 = sigmoid(Z1)"},
    ("A2", "`A2 = np.tanh(Z2)`"): {"A2 = sigmoid(Z2)": "A2 = np.tanh(Z2)"},
    ("A2", "`Z1 = W1 * X + b1`"): {"Z1 = np.dot(W1, X) + b1": "Z1 = W1 * X + b1"},
    ("A2", "`Z1 = np.dot(X, W1) + b1`"): {"Z1 = np.dot(W1, X) + b1": "Z1 = np.dot(X, W1) + b1"},
    ("A2", "`Z2 = np.dot(W2, Z1) + b2`"): {"Z2 = np.dot(W2, A1) + b2": "Z2 = np.dot(W2, Z1) + b2"},
    ("A2", "`Z1 = np.dot(W1, X)`"): {"Z1 = np.dot(W1, X) + b1": "Z1 = np.dot(W1, X)"},
    ("A2", '`cache = {"z1": Z1, ...}`'): {'cache = {"Z1": Z1,': 'cache = {"z1": Z1,'},
    ("Z1", "`Z1 = np.dot(W1, X)`"): {"Z1 = np.dot(W1, X) + b1": "Z1 = np.dot(W1, X)"},
    ("Z1", "`Z1 = W1 * X + b1`"): {"Z1 = np.dot(W1, X) + b1": "Z1 = W1 * X + b1"},
    ("Z1", "`Z1 = np.dot(X, W1) + b1`"): {"Z1 = np.dot(W1, X) + b1": "Z1 = np.dot(X, W1) + b1"},
    ("Z2", "`Z2 = np.dot(W2, A1)`"): {"Z2 = np.dot(W2, A1) + b2": "Z2 = np.dot(W2, A1)"},
    ("Z2", "`Z2 = np.dot(W2, Z1) + b2`"): {"Z2 = np.dot(W2, A1) + b2": "Z2 = np.dot(W2, Z1) + b2"},
    ("Z2", "`Z2 = np.dot(A1, W2) + b2`"): {"Z2 = np.dot(W2, A1) + b2": "Z2 = np.dot(A1, W2) + b2"},
    ("Z2", "`Z2 = np.dot(W2, A1) + b1`"): {"Z2 = np.dot(W2, A1) + b2": "Z2 = np.dot(W2, A1) + b1"},
    ("cost", "`cost = np.sum(logprobs) / m`"): {"cost = -np.sum(logprobs) / m": "cost = np.sum(logprobs) / m"},
    ("cost", "`cost = -np.sum(logprobs)`"): {"cost = -np.sum(logprobs) / m": "cost = -np.sum(logprobs)"},
    ("cost", "`m = Y.shape[0]`"): {"m = Y.shape[1]\n    logprobs": "m = Y.shape[0]\n    logprobs"},
    ("cost", "`Y * np.log(A2)` alone"): {
        "logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)": "logprobs = Y * np.log(A2)"
    },
    ("cost", "`Y * np.log(1 - A2) + (1 - Y) * np.log(A2)`"): {
        "logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)": "logprobs = Y * np.log(1 - A2) + (1 - Y) * np.log(A2)"
    },
    ("cost", "`np.dot(Y, np.log(A2))`"): {
        "logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)": "logprobs = np.dot(Y, np.log(A2))"
    },
    ("cost", "returning the `(1, 1)` array"): {"return float(cost)": "return np.array([[cost]])"},
    ("dZ2", "`dZ2 = Y - A2`"): {"dZ2 = A2 - Y": "dZ2 = Y - A2"},
    ("dZ2", "`dZ2 = (A2 - Y) / m`"): {"dZ2 = A2 - Y": "dZ2 = (A2 - Y) / m"},
    ("dZ2", "`dZ2 = (A2 - Y) * A2 * (1 - A2)`"): {"dZ2 = A2 - Y": "dZ2 = (A2 - Y) * A2 * (1 - A2)"},
    ("dZ2", "`dZ2 = Z2 - Y`"): {"dZ2 = A2 - Y": "dZ2 = cache['Z2'] - Y"},
    ("dZ2", "`dZ2 = A2 - Y.T`"): {"dZ2 = A2 - Y": "dZ2 = A2 - Y.T"},
    ("dZ2", "`dZ2 = A2` then `dZ2 -= Y`"): {"dZ2 = A2 - Y": "dZ2 = A2\n    dZ2 -= Y"},
    ("dW2", "`np.dot(dZ2, A1.T)`"): {"dW2 = np.dot(dZ2, A1.T) / m": "dW2 = np.dot(dZ2, A1.T)"},
    ("dW2", "`np.dot(A1, dZ2.T) / m`"): {"dW2 = np.dot(dZ2, A1.T) / m": "dW2 = np.dot(A1, dZ2.T) / m"},
    ("dW2", "`np.dot(dZ2, A1) / m`"): {"dW2 = np.dot(dZ2, A1.T) / m": "dW2 = np.dot(dZ2, A1) / m"},
    ("dW2", "`dZ2 * A1 / m`"): {"dW2 = np.dot(dZ2, A1.T) / m": "dW2 = dZ2 * A1 / m"},
    ("dW2", "`np.dot(dZ2, Z1.T) / m`"): {"dW2 = np.dot(dZ2, A1.T) / m": "dW2 = np.dot(dZ2, cache['Z1'].T) / m"},
    ("db2", "`np.sum(dZ2, keepdims=True) / m`"): {"db2 = np.sum(dZ2, axis=1, keepdims=True) / m": "db2 = np.sum(dZ2, keepdims=True) / m"},
    ("db2", "`np.sum(dZ2) / m`"): {"db2 = np.sum(dZ2, axis=1, keepdims=True) / m": "db2 = np.sum(dZ2) / m"},
    ("db2", "`np.sum(dZ2, axis=0, keepdims=True) / m`"): {
        "db2 = np.sum(dZ2, axis=1, keepdims=True) / m": "db2 = np.sum(dZ2, axis=0, keepdims=True) / m"
    },
    ("db2", "`np.sum(dZ2, axis=1, keepdims=True)`"): {
        "db2 = np.sum(dZ2, axis=1, keepdims=True) / m": "db2 = np.sum(dZ2, axis=1, keepdims=True)"
    },
    ("dZ1", "`np.dot(W2, dZ2) * (1 - np.power(A1, 2))`"): {"np.dot(W2.T, dZ2)": "np.dot(W2, dZ2)"},
    ("dZ1", "`np.dot(W2.T, dZ2) * A1 * (1 - A1)`"): {"* (1 - np.power(A1, 2))": "* A1 * (1 - A1)"},
    ("dZ1", "`np.dot(W2.T, dZ2) * (1 - np.power(Z1, 2))`"): {"* (1 - np.power(A1, 2))": "* (1 - np.power(cache['Z1'], 2))"},
    ("dZ1", "`np.dot(W2.T, dZ2) * (1 - np.tanh(A1) ** 2)`"): {"* (1 - np.power(A1, 2))": "* (1 - np.tanh(A1) ** 2)"},
    ("dZ1", "`np.dot(W2.T, dZ2)`"): {" * (1 - np.power(A1, 2))": ""},
    ("dZ1", "`np.dot(np.dot(W2.T, dZ2), 1 - A1**2)`"): {
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))": "dZ1 = np.dot(np.dot(W2.T, dZ2), 1 - A1**2)"
    },
    ("dZ1", "`np.dot(W2.T, dZ2) * 1 - np.power(A1, 2)`"): {"* (1 - np.power(A1, 2))": "* 1 - np.power(A1, 2)"},
    ("dZ1", "`np.dot(W2.T, dZ2) * (1 - A1**2) / m`"): {"* (1 - np.power(A1, 2))": "* (1 - A1**2) / m"},
    ("dW1", "`np.dot(dZ1, X.T)`"): {"dW1 = np.dot(dZ1, X.T) / m": "dW1 = np.dot(dZ1, X.T)"},
    ("dW1", "`np.dot(X, dZ1.T) / m`"): {"dW1 = np.dot(dZ1, X.T) / m": "dW1 = np.dot(X, dZ1.T) / m"},
    ("dW1", "`np.dot(dZ1, X) / m`"): {"dW1 = np.dot(dZ1, X.T) / m": "dW1 = np.dot(dZ1, X) / m"},
    ("dW1", "`np.dot(dZ1, A1.T) / m`"): {"dW1 = np.dot(dZ1, X.T) / m": "dW1 = np.dot(dZ1, A1.T) / m"},
    ("dW1", "`dZ1 * X / m`"): {"dW1 = np.dot(dZ1, X.T) / m": "dW1 = dZ1 * X / m"},
    ("db1", "`np.sum(dZ1, axis=1) / m`"): {"db1 = np.sum(dZ1, axis=1, keepdims=True) / m": "db1 = np.sum(dZ1, axis=1) / m"},
    ("db1", "`np.sum(dZ1, axis=0, keepdims=True) / m`"): {
        "db1 = np.sum(dZ1, axis=1, keepdims=True) / m": "db1 = np.sum(dZ1, axis=0, keepdims=True) / m"
    },
    ("db1", "`np.sum(dZ1, keepdims=True) / m`"): {"db1 = np.sum(dZ1, axis=1, keepdims=True) / m": "db1 = np.sum(dZ1, keepdims=True) / m"},
    ("db1", "`np.sum(dZ1, axis=1, keepdims=True)`"): {
        "db1 = np.sum(dZ1, axis=1, keepdims=True) / m": "db1 = np.sum(dZ1, axis=1, keepdims=True)"
    },
    # a wrong upstream value with a correct line: the GC303 fixture covers this
    ("dZ1", "correct line, wrong `dZ2`"): {"dZ2 = A2 - Y": "dZ2 = Y - A2"},
    ("dW1", "correct line, wrong `dZ1`"): {"* (1 - np.power(A1, 2))": "* A1 * (1 - A1)"},
    ("db1", "correct line, wrong `dZ1`"): {"* (1 - np.power(A1, 2))": "* A1 * (1 - A1)"},
    ("dW2", "correct line, wrong `dZ2`"): {"dZ2 = A2 - Y": "dZ2 = Y - A2"},
    ("db2", "correct line, wrong `dZ2`"): {"dZ2 = A2 - Y": "dZ2 = Y - A2"},
}

# rows that cannot be produced by changing the submission: reason
NOT_GRADED = {
    ("cost", "`A2` exactly 0 or 1 in your own training run"): "gradcheck's own inputs keep A2 inside (0, 1)",
}

TARGETS = {("dZ1", "correct line, wrong `dZ2`"): "dZ1", ("dW1", "correct line, wrong `dZ1`"): "dW1",
           ("db1", "correct line, wrong `dZ1`"): "db1", ("dW2", "correct line, wrong `dZ2`"): "dW2",
           ("db2", "correct line, wrong `dZ2`"): "db2"}  # fmt: skip


def table_rows() -> dict[tuple[str, str], str]:
    """(page, wrong-form cell) -> the "gradcheck" cell, for every row of every table."""
    rows = {}
    for name, page in quantity_pages("planar").items():
        match = re.search(r"^## Common mistakes\s*$(.*?)(?=^## |\Z)", page.body, flags=re.M | re.S)
        if not match:
            continue
        for line in match.group(1).splitlines():
            if not line.startswith("| ") or line.startswith(("| wrong form", "| ---")):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cells) == 3, f"{name}: a row needs three cells: {line}"
            rows[(name, cells[0])] = cells[2]
    return rows


ALL_ROWS = table_rows()


def test_every_row_is_checked():
    unchecked = sorted(set(ALL_ROWS) - set(ROWS) - set(NOT_GRADED))
    assert not unchecked, "add these rows to ROWS (or NOT_GRADED with a reason)"
    stale = sorted((set(ROWS) | set(NOT_GRADED)) - set(ALL_ROWS))
    assert not stale, "these rows are no longer in the pages"


@pytest.mark.parametrize("key", sorted(ROWS), ids=[f"{p}:{c}" for p, c in sorted(ROWS)])
def test_row_matches_what_gradcheck_reports(key, planar_spec, tmp_path):
    promised = ALL_ROWS.get(key)
    if promised is None:
        pytest.skip("row not in the pages (test_every_row_is_checked reports it)")
    source = BASE.read_text(encoding="utf-8")
    for old, new in ROWS[key].items():
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path = tmp_path / "submission.py"
    path.write_text(source, encoding="utf-8")
    report = grade(planar_spec, path, limits=dataclasses.replace(planar_spec.limits, timeout=2.0))
    findings = [f for f in report.findings if f.code != "GC008"]
    summary = [(f.code, f.target, f.tags) for f in findings]

    codes = re.findall(r"GC\d{3}", promised)
    tags = [t for t in re.findall(r"`([a-z-]+)`", promised) if t in TAGS]
    assert codes, f"the row names no code: {promised}"
    if key in TARGETS:  # "correct line, wrong upstream": this value is marked GC303
        assert ("GC303", TARGETS[key]) in [(f.code, f.target) for f in findings], summary
        return
    lead = next((f for f in findings if f.level == "error"), None) or next((f for f in findings if f.level == "warning"), None)
    assert lead is not None, summary
    assert lead.code == codes[0], f"the page promises {promised!r}; gradcheck reports {summary}"
    assert set(tags) <= set(lead.tags), f"the page promises {promised!r}; gradcheck reports {summary}"
    if "no tag" in promised:
        assert not lead.tags, summary
    for other in codes[1:]:
        assert other in [f.code for f in findings], f"the page promises {promised!r}; gradcheck reports {summary}"
