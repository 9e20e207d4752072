"""The formula language: what parses, what it reads, how it prints, and what it computes."""

from __future__ import annotations

import ast
import warnings

import numpy as np
import pytest

from gradcheck.errors import FormulaError
from gradcheck.spec import formula as fm

RNG = np.random.default_rng(0)


def ev(text: str, **env):
    return fm.evaluate(fm.parse(text), env)


# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "W1 @ X + b1",
        "W2.T @ dZ2 * tanh_prime(Z1)",
        "sum(dZ2, axis=1, keepdims=True) / m",
        "-(Y * log(A2) + (1 - Y) * log(1 - A2))",
        "A ** 2 - +B",
        "float(Z > 0) * (Z <= 1)",
        "where(Z >= 0, Z, 0.01 * Z)",
        "sum(X, axis=(0, 1))",
        "mean(X, axis=None)",
        "softmax(S, axis=1) - onehot(y, C)",
        "  A2 - Y  \n",
    ],
)
def test_allowed_formulas_parse(text):
    tree = fm.parse(text)
    assert isinstance(tree, ast.expr)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "formula is empty"),
        ("   ", "formula is empty"),
        ("W1 @ X +", "syntax error at the end of the formula"),
        ("a b", "syntax error at column 3"),
        ("a = 1", "syntax error"),
        ("(a", "never closed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("tanhh(Z)", "did you mean 'tanh'?"),
        ("np.tanh(Z)", "only the formula functions can be called"),
        ("(lambda z: z)(Z)", "not a lambda"),
        ("lambda z: z", "a lambda is not allowed"),
        ("X.shape", "attribute '.shape' is not allowed"),
        ("X.T.__class__", "attribute '.__class__' is not allowed"),
        ("X[0]", "indexing or slicing"),
        ("'Z2'", "constant 'Z2' is not allowed"),
        ("b'Z2'", "not allowed"),
        ("1j * Z", "constant 1j is not allowed"),
        ("1e13 * Z", "out of range"),
        ("a % b", "operator '%' is not allowed"),
        ("a // b", "operator '//' is not allowed"),
        ("~a", "operator '~' is not allowed"),
        ("not a", "operator 'not' is not allowed"),
        ("a == b", "comparison '==' is not allowed"),
        ("a < b < c", "chained comparisons"),
        ("a and b", "and/or is not allowed"),
        ("a if b else c", "a conditional"),
        ("[a, b]", "a list"),
        ("{a: b}", "a dict"),
        ("[x for x in a]", "a comprehension"),
        ("(y := 1)", "an assignment"),
        ("f'{a}'", "an f-string"),
        ("sum(*X)", "unpacking"),
        ("sum(X, dtype=int)", "keyword 'dtype' is not allowed"),
        ("sum(**X)", "keyword None is not allowed"),
        ("_secret + 1", "names may not start with '_'"),
        ("a\x00b", "cannot be parsed"),
        ("x" * (fm.MAX_LENGTH + 1), f"longer than {fm.MAX_LENGTH}"),
        (" + ".join(["a"] * 300), f"more than {fm.MAX_NODES} parts"),
        ("-" * 1500 + "a", "parts"),
    ],
)
def test_forbidden_or_broken_formulas(text, fragment):
    with pytest.raises(FormulaError) as info:
        fm.parse(text)
    assert fragment in str(info.value)


def test_parse_rejects_non_strings():
    with pytest.raises(FormulaError, match="must be a string"):
        fm.parse(3)  # type: ignore[arg-type]


def test_parse_returns_the_expression_not_a_module():
    tree = fm.parse("A2 - Y")
    assert isinstance(tree, ast.BinOp)


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("W2.T @ dZ2 * tanh_prime(Z1)", {"W2", "dZ2", "Z1"}),
        ("sum(dZ2, axis=1, keepdims=True) / m", {"dZ2", "m"}),
        ("sum(L) / m", {"L", "m"}),
        ("1 + 2", set()),
        ("sum(X, axis=k)", {"X", "k"}),
        # a function name used as a value is read as a value (and is then undefined in a spec)
        ("sum(sum)", {"sum"}),
        ("tanh + 1", {"tanh"}),
    ],
)
def test_names(text, expected):
    assert fm.names(fm.parse(text)) == expected


# -- printing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pretty"),
    [
        ("W2.T @ dZ2 * tanh_prime(Z1)", "W2ᵀ · dZ2 ∗ tanh′(Z1)"),
        ("dZ1 @ X.T / m", "dZ1 · Xᵀ / m"),
        ("sigmoid_prime(Z) * relu_prime(Z)", "sigmoid′(Z) ∗ relu′(Z)"),
        ("sum(dZ2, axis=1, keepdims=True) / m", "sum(dZ2, axis=1, keepdims=True) / m"),
        ("A2 - Y", "A2 - Y"),
    ],
)
def test_pretty(text, pretty):
    assert fm.pretty(fm.parse(text)) == pretty


def test_pretty_of_a_tree_normalises_spacing():
    assert fm.pretty(fm.parse("W2.T@dZ2*tanh_prime(Z1)")) == "W2ᵀ · dZ2 ∗ tanh′(Z1)"
    assert fm.unparse(fm.parse("  (A2)-Y ")) == "A2 - Y"


@pytest.mark.parametrize("text", ["W2.T @ dZ2 * tanh_prime(Z1)", "-(Y * log(A2) + (1 - Y) * log(1 - A2))", "sum(X, axis=(0, 1)) ** 2"])
def test_unparse_round_trips(text):
    assert fm.unparse(fm.parse(fm.unparse(fm.parse(text)))) == fm.unparse(fm.parse(text))


# -- evaluation ------------------------------------------------------------------------------


def test_planar_backward_step_matches_numpy():
    W2, dZ2, Z1 = RNG.standard_normal((1, 4)), RNG.standard_normal((1, 6)), RNG.standard_normal((4, 6))
    got = ev("W2.T @ dZ2 * tanh_prime(Z1)", W2=W2, dZ2=dZ2, Z1=Z1)
    np.testing.assert_allclose(got, W2.T @ dZ2 * (1 - np.tanh(Z1) ** 2))
    got = ev("sum(dZ2, axis=1, keepdims=True) / m", dZ2=dZ2, m=6)
    np.testing.assert_allclose(got, dZ2.sum(axis=1, keepdims=True) / 6)


@pytest.mark.parametrize("act", fm.ACTIVATIONS)
def test_named_derivatives_are_the_derivatives(act):
    z = np.array([-2.0, -0.7, 0.3, 1.9])
    h = 1e-6
    numeric = (fm.FUNCTIONS[act](z + h) - fm.FUNCTIONS[act](z - h)) / (2 * h)
    np.testing.assert_allclose(fm.FUNCTIONS[f"{act}_prime"](z), numeric, rtol=1e-6, atol=1e-8)


def test_activations_and_softmax():
    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(ev("sigmoid(z)", z=z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(ev("relu(z)", z=z), [[0.0, 0.0, 2.0]])
    np.testing.assert_allclose(ev("relu_prime(z)", z=z), [[0.0, 0.0, 1.0]])
    s = ev("softmax(S, axis=1)", S=np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(s.sum(axis=1), [1.0, 1.0])
    assert np.all(np.isfinite(s))


def test_onehot():
    np.testing.assert_array_equal(ev("onehot(y, 3)", y=np.array([2, 0])), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def test_comparisons_give_floats():
    out = ev("Z > 0", Z=np.array([-1.0, 2.0]))
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0]
    assert float(ev("1 > 0")) == 1.0  # plain numbers compare too


def test_power_never_uses_unbounded_integers():
    assert ev("2 ** 100") == 2.0**100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isinf(ev("10 ** 1000"))
        assert np.isnan(ev("(-8) ** (1 / 3)"))


def test_tuples_are_arrays_in_arithmetic():
    np.testing.assert_array_equal(ev("(1, 2) * 3"), [3, 6])
    np.testing.assert_array_equal(ev("(1,) * 1000000000000"), [1000000000000])


def test_transpose_of_a_plain_number():
    assert ev("(2).T") == 2


@pytest.mark.parametrize(
    ("text", "env", "fragment"),
    [
        ("A + B", {"A": np.ones((2, 3))}, "undefined name 'B'"),
        ("A @ B", {"A": np.ones((2, 3)), "B": np.ones((2, 3))}, "ValueError"),
        ("A + B", {"A": np.ones((2, 3)), "B": np.ones((3, 2))}, "ValueError"),
        ("sum(A, axis=5)", {"A": np.ones((2, 3))}, "out of bounds"),
        ("1 / 0", {}, "ZeroDivisionError"),
        ("-(1, (2, 3))", {}, "ValueError"),
        ("onehot(y, 0)", {"y": np.array([0])}, "out of range"),
    ],
)
def test_evaluation_errors_are_formula_errors(text, env, fragment):
    with pytest.raises(FormulaError) as info:
        fm.evaluate(fm.parse(text), env)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text", ["A.T * A", "maximum(A.T, A)", "A.T @ A"])
def test_the_element_cap_is_a_usage_error_naming_the_flag(text, monkeypatch):
    """Too big is the sizes' fault, not the spec's: a UsageError (exit 2) naming --max-elements."""
    env = {"A": np.ones((1, 100_000))}
    with pytest.raises(fm.ElementLimitError) as info:
        fm.evaluate(fm.parse(text), env)
    assert not isinstance(info.value, FormulaError)
    assert info.value.elements == 10_000_000_000 and "--max-elements 10000000000" in str(info.value)
    monkeypatch.setattr(fm, "MAX_ELEMENTS", fm.MAX_ELEMENTS)  # restored after the test
    small = {"A": np.ones((1, 20))}
    fm.set_max_elements(399)
    with pytest.raises(fm.ElementLimitError, match="400 elements"):
        fm.evaluate(fm.parse(text), small)
    fm.set_max_elements(400)
    assert np.size(fm.evaluate(fm.parse(text), small)) in (400, 1)


def test_evaluate_refuses_nodes_it_does_not_know():
    tree = ast.parse("[1]", mode="eval").body  # not from parse: never validated
    with pytest.raises(FormulaError, match="not allowed"):
        fm.evaluate(tree, {})


def test_floating_point_trouble_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(ev("log(Z)", Z=np.array([-1.0]))[0])
        assert np.isinf(ev("Z / 0", Z=np.array([1.0]))[0])
