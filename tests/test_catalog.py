"""The catalog's automatic pick (gradcheck/catalog.py): plain files are picked, files whose
choice is not plain are a usage error that names the candidates and asks for --assignment."""

from __future__ import annotations

import pytest

from gradcheck.catalog import hidden_definitions, pick
from gradcheck.errors import UsageError
from gradcheck.submission import defined_functions

PLANAR = """
import numpy as np
def forward_propagation(X, parameters): ...
def compute_cost(A2, Y): ...
def backward_propagation(parameters, cache, X, Y): ...
"""
LOGISTIC = """
def sigmoid(z): ...
def initialize_with_zeros(dim): ...
def propagate(w, b, X, Y): ...
def optimize(w, b, X, Y): ...
"""


def _pick(source: str):
    return pick(defined_functions(source), source)


def test_plain_files_are_picked_and_say_so() -> None:
    entry, sentence = _pick(PLANAR)
    assert entry.name == "planar" and "picked automatically" in sentence and "--assignment" in sentence
    assert _pick(LOGISTIC)[0].name == "logistic"


def test_a_partial_match_to_a_bigger_assignment_is_not_graded_as_the_easier_one() -> None:
    # compute_cost hidden (misnamed) and a propagate added: logistic fits fully, planar shares more.
    source = PLANAR.replace("def compute_cost(", "def compute_cost_impl(") + "def propagate(w, b, X, Y): ...\n"
    with pytest.raises(UsageError) as err:
        _pick(source)
    text = str(err.value)
    assert "'logistic'" in text and "'planar'" in text and "--assignment planar" in text
    assert "forward_propagation, backward_propagation" in text


def test_a_file_that_shares_most_with_the_assignment_it_fits_best_is_picked() -> None:
    # gradient_checking shares forward/backward_propagation with planar, and fits itself better.
    source = "\n".join(f"def {f}(*a): ..." for f in (
        "forward_propagation", "backward_propagation", "gradient_check", "backward_propagation_n", "gradient_check_n"))  # fmt: skip
    assert _pick(source)[0].name == "gradient_checking"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("exec(CODE, globals())", "exec() on line"),
        ("globals()['compute_cost'] = f", "globals()[…] = on line"),
        ("vars().update(compute_cost=f)", "vars().update() on line"),
        ("import sys\nsetattr(sys.modules[__name__], 'compute_cost', f)", "setattr() on a module"),
    ],
)
def test_names_bound_where_the_syntax_does_not_show_them_need_the_flag(line: str, shown: str) -> None:
    source = LOGISTIC + "CODE = ''\nf = None\n" + line + "\n"
    assert any(shown in h for h in hidden_definitions(source))
    with pytest.raises(UsageError) as err:
        _pick(source)
    assert "--assignment" in str(err.value) and shown in str(err.value)


def test_reading_globals_is_not_binding() -> None:
    assert hidden_definitions("x = globals()['np']\nprint(vars())\n") == []
    assert hidden_definitions("def f(:\n") == []  # a syntax error is reported when the file runs
