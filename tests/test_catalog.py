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


# --- several assignments in one file (catalog.several, catalog.pick_all) ---

from gradcheck import catalog  # noqa: E402
from gradcheck.catalog import pick_all, several  # noqa: E402
from gradcheck.submission import Submission  # noqa: E402

from .conftest import CORPUS  # noqa: E402


def _defined(rel: str) -> set[str]:
    return set(Submission.from_path(CORPUS / rel).defined)


def test_a_file_with_the_conv_and_the_rnn_layers_is_both_assignments() -> None:
    sub = Submission.from_path(CORPUS / "multi_assignment/correct/layers_conv_and_rnn.py")
    entries, sentence = pick_all(sub.defined, sub.source)
    assert [e.name for e in entries] == ["cs231n", "cs231n_rnn"]
    assert "assignments 'cs231n' and 'cs231n_rnn' picked automatically" in sentence and "--assignment" in sentence
    assert "rnn_step_forward" in sentence and "affine_forward" in sentence


def test_helpers_and_a_started_second_assignment_do_not_make_a_file_several() -> None:
    # rnn_layers.py carries affine_forward/backward (assignment 1's): one assignment
    assert several(_defined("cs231n_rnn/correct/course_loops.py")) == []
    assert [e.name for e in pick_all(_defined("cs231n_rnn/correct/course_loops.py"))[0]] == ["cs231n_rnn"]
    # assignment 2's layers.py with two of assignment 3's functions started: assignment 2 alone
    assert [e.name for e in pick_all(_defined("multi_assignment/single/layers_rnn_started.py"))[0]] == ["cs231n"]


def test_no_file_of_a_single_assignment_corpus_is_taken_for_several() -> None:
    """Every other corpus file (one assignment each, or a usage error) keeps its single pick."""
    entries = catalog.builtins()
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".py", ".ipynb") or "multi_assignment" in path.parts:
            continue
        try:  # the names of a .py straight from its syntax (the loader's own rules are its tests')
            defined = defined_functions(path.read_text(encoding="utf-8")) if path.suffix == ".py" else Submission.from_path(path).defined
        except Exception:  # noqa: BLE001 - files that do not even read are the loader's tests
            continue
        assert several(defined, entries) == [], path


def _entry(name: str, functions: tuple[str, ...]) -> catalog.Entry:
    return catalog.Entry(name, name, "", "", functions, {f: () for f in functions}, CORPUS / f"{name}.yaml")


@pytest.mark.parametrize(
    ("entries", "defined", "want"),
    [
        # disjoint and complete: several
        ([("a", ("f1", "f2")), ("b", ("g1", "g2"))], {"f1", "f2", "g1", "g2"}, ["a", "b"]),
        # b's functions are all a's: b is explained by a (its helpers), one assignment
        ([("a", ("f1", "f2", "f3")), ("b", ("f1", "f2"))], {"f1", "f2", "f3"}, []),
        # the same functions: neither is several (the single pick decides)
        ([("a", ("f1", "f2")), ("b", ("f1", "f2"))], {"f1", "f2"}, []),
        # a function graded by both, each with its own: not plain, not several
        ([("a", ("f1", "f2")), ("b", ("f2", "g1"))], {"f1", "f2", "g1"}, []),
        # b incomplete: not a hand-in of b
        ([("a", ("f1", "f2")), ("b", ("g1", "g2"))], {"f1", "f2", "g1"}, []),
        # three: the one explained by another dropped, two left
        ([("a", ("f1", "f2")), ("b", ("g1", "g2")), ("c", ("g1",))], {"f1", "f2", "g1", "g2"}, ["a", "b"]),
    ],
)
def test_several_rule(monkeypatch, entries, defined, want) -> None:
    monkeypatch.setattr(catalog, "builtins", lambda: [_entry(n, fns) for n, fns in entries])
    assert [e.name for e in several(defined)] == want


def test_names_bound_unseen_need_the_flag_for_several_too() -> None:
    sub = Submission.from_path(CORPUS / "multi_assignment/correct/layers_conv_and_rnn.py")
    with pytest.raises(UsageError, match="--assignment"):
        pick_all(sub.defined, sub.source + "\nexec('def extra(): pass')\n")
