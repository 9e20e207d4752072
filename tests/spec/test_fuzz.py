"""Property-based tests: whatever the input, the spec reader and the formula language fail only
with their own errors (SpecError, FormulaError), on one line, and never hang."""

from __future__ import annotations

import copy
import math
import os
import warnings
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcheck.errors import FormulaError, SpecError
from gradcheck.spec import formula as fm
from gradcheck.spec.loader import TOP_KEYS, parse_spec
from gradcheck.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
PLANAR = ROOT / "assignments" / "planar" / "spec.yaml"
PLANAR_TEXT = PLANAR.read_text(encoding="utf-8")
PLANAR_DOC = yaml.safe_load(PLANAR_TEXT)

# GRADCHECK_FUZZ_EXAMPLES=5000 pytest tests/spec/test_fuzz.py searches harder; the suite keeps it at 200.
FUZZ = settings(
    max_examples=int(os.environ.get("GRADCHECK_FUZZ_EXAMPLES", "200")),
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)


def parses_or_spec_error(text: str, base: Path | None = None) -> Spec | SpecError:
    try:
        return parse_spec(text, "f.yaml", base=base)
    except SpecError as err:
        assert "\n" not in str(err), str(err)
        assert err.file == "f.yaml"
        assert err.line is None or 1 <= err.line <= text.count("\n") + 2, (err.line, str(err))
        return err


# -- specs: any text ---------------------------------------------------------------------------

yaml_punctuation = st.sampled_from(list(":-[]{},#&*!|>'\"%@`?\t\n ") + ["  ", "- ", ": ", "\n  ", "---", "<<: ", "!!", "&a", "*a"])
yaml_words = st.sampled_from(
    [
        *TOP_KEYS,
        "min",
        "max",
        "shape",
        "init",
        "formula",
        "wrt",
        "args",
        "returns",
        "1e-3",
        "0x1f",
        "~",
        "null",
        "yes",
        "W1 @ X",
        "tanh(Z1)",
        "m",
    ]
)
yamlish_text = st.lists(st.one_of(yaml_punctuation, yaml_words, st.text(max_size=5)), max_size=40).map("".join)


@FUZZ
@given(st.one_of(st.text(max_size=300), yamlish_text))
def test_any_text_is_a_spec_or_a_spec_error(text):
    parses_or_spec_error(text)


# -- specs: any YAML structure ------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["W1", "X", "m", "n_x", "A2 - Y", "sum(L) / m", "J", "_", "normal", "labels", "dZ1 @ X.T / m"]),
)
keys = st.one_of(st.sampled_from([*TOP_KEYS, "min", "max", "shape", "init", "scale", "formula", "wrt", "per_example", "args", "returns",
                                  "locals", "call", "bind", "dims", "functions", "file", "modules", "rtol", "float64", "W1", "m", "X"]),
                 st.text(max_size=8))  # fmt: skip
structures = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=25)


@FUZZ
@given(st.one_of(structures, st.dictionaries(st.sampled_from(sorted(TOP_KEYS)), structures, max_size=12)))
def test_any_yaml_structure_is_a_spec_or_a_spec_error(doc):
    parses_or_spec_error(yaml.safe_dump(doc, allow_unicode=True))


# -- specs: the planar spec, damaged -------------------------------------------------------------


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PLANAR_PATHS = [p for p in _paths(PLANAR_DOC) if p]


def _apply(doc, path, op, value):
    parent = doc
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(parent, dict) and last in parent or isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = value
        elif op == "rename" and isinstance(parent, dict) and isinstance(value, str):
            parent[value] = parent.pop(last)


edits = st.lists(
    st.tuples(st.sampled_from(PLANAR_PATHS), st.sampled_from(["delete", "replace", "rename"]), structures), min_size=1, max_size=3
)


@FUZZ
@given(edits)
def test_damaged_planar_spec_is_a_spec_or_a_spec_error(changes):
    doc = copy.deepcopy(PLANAR_DOC)
    for path, op, value in changes:
        _apply(doc, path, op, value)
    parses_or_spec_error(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), base=PLANAR.parent)


PLANAR_LINES = PLANAR_TEXT.splitlines(keepends=True)
line_edits = st.lists(
    st.tuples(
        st.integers(0, len(PLANAR_LINES) - 1),
        st.sampled_from(["delete", "duplicate", "insert", "splice"]),
        st.integers(0, 80),
        yamlish_text,
    ),
    min_size=1,
    max_size=3,
)


@FUZZ
@given(line_edits)
def test_planar_text_with_damaged_lines_is_a_spec_or_a_spec_error(changes):
    lines = list(PLANAR_LINES)
    for index, op, column, text in changes:
        index = min(index, len(lines) - 1)
        if index < 0:
            break
        line = lines[index]
        if op == "delete":
            del lines[index]
        elif op == "duplicate":
            lines.insert(index, line)
        elif op == "insert":
            lines.insert(index, text + "\n")
        else:
            column = min(column, len(line))
            lines[index] = line[:column] + text + line[column:]
    parses_or_spec_error("".join(lines), base=PLANAR.parent)


def test_the_undamaged_planar_spec_loads():
    assert isinstance(parses_or_spec_error(yaml.safe_dump(PLANAR_DOC, sort_keys=False), base=PLANAR.parent), Spec)


# -- formulas: any text --------------------------------------------------------------------------

formula_chars = st.sampled_from(
    list("ABXZmT_.,()[]{}+-*/@%<>=!~&|^:'\" 0123456789ej")
    + ["**", "//", "tanh(", "sum(", "axis=", "keepdims=True", "lambda ", " if ", "__", "\n", "\x00"]
)


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(formula_chars, max_size=60).map("".join)))
def test_any_text_parses_or_is_a_formula_error(text):
    try:
        tree = fm.parse(text)
    except FormulaError as err:
        assert str(err)
        return
    assert isinstance(tree, fm.ast.expr)


@pytest.mark.parametrize(
    "text", ["(" * 300 + "a" + ")" * 300, "-" * 1999 + "a", "a" + ".T" * 999, "sum(" * 130 + "a" + ")" * 130, "tanh(" * 99 + "a" + ")" * 99]
)
def test_deep_nesting_is_a_formula_error_or_fine(text):
    try:
        tree = fm.parse(text)
    except FormulaError:
        return
    fm.evaluate(tree, {"a": np.ones((2, 2))})


# -- formulas: generated from the grammar, evaluated ---------------------------------------------

NAMES = ["A", "B", "C", "s", "k"]
leaves = st.one_of(
    st.sampled_from(NAMES),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(repr),
    st.sampled_from(["0", "1", "2", "0.5", "-1", "1e-300", "1e300", "True", "None", "(1, 2)", "(0, 1)"]),
)


def _combine(inner):
    binop = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "@", "**"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    unary = st.tuples(st.sampled_from(["-", "+"]), inner).map(lambda t: f"{t[0]}({t[1]})")
    compare = st.tuples(inner, st.sampled_from([">", ">=", "<", "<="]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    transpose = inner.map(lambda e: f"({e}).T")
    tuple_ = st.lists(inner, min_size=1, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ",)")
    keyword = st.sampled_from(
        ["", ", axis=0", ", axis=1", ", axis=-1", ", axis=None", ", keepdims=True", ", axis=(0, 1)", ", axis=7", ", axis=A"]
    )
    call = st.tuples(st.sampled_from(sorted(fm.FUNCTIONS)), st.lists(inner, min_size=1, max_size=3), keyword).map(
        lambda t: f"{t[0]}({', '.join(t[1])}{t[2]})"
    )
    return st.one_of(binop, unary, compare, transpose, tuple_, call)


grammar = st.recursive(leaves, _combine, max_leaves=30)

SHAPES = [(), (1,), (3,), (2, 3), (3, 1), (1, 3), (3, 3), (2, 1, 3)]
special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan, 710.0, -710.0])
element = st.one_of(st.floats(min_value=-50, max_value=50), special)


@st.composite
def arrays(draw):
    shape = draw(st.sampled_from(SHAPES))
    size = int(np.prod(shape))
    data = draw(st.lists(element, min_size=size, max_size=size))
    return np.array(data, dtype=np.float64).reshape(shape)


environments = st.fixed_dictionaries(
    {"A": arrays(), "B": arrays(), "C": arrays(), "s": st.one_of(element, st.integers(-5, 5)), "k": st.integers(-3, 3)}
)


@FUZZ
@given(grammar, environments)
def test_generated_formulas_evaluate_or_raise_formula_error(text, env):
    try:
        tree = fm.parse(text)
    except FormulaError:
        assume(False)  # too long, too many parts: fine, but not what this test is about
        return
    assert fm.names(tree) <= set(NAMES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fm.evaluate(tree, env)
        except FormulaError as err:
            assert str(err)


@FUZZ
@given(
    st.sampled_from(["A ** B", "B ** A", "(-A) ** 0.5", "A ** s", "s ** k", "(A ** B) ** B", "exp(A) ** exp(B)"]),
    environments,
)
def test_powers_do_not_blow_up(text, env):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fm.evaluate(fm.parse(text), env)
        except FormulaError:
            return
    assert np.asarray(out).dtype.kind in "fc"


@pytest.mark.parametrize(
    "text",
    [
        "2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2",
        " * ".join(["1000000000000"] * 150),
        "(1,) * 1000000000000",
        "ones_like(A) * ones_like(A.T) * 1",
        "where(A > 0, A, A.T)",
    ],
)
def test_expensive_looking_formulas_finish(text):
    env = {"A": np.ones((1, 20_000))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fm.evaluate(fm.parse(text), env)
        except (FormulaError, fm.ElementLimitError):  # the element cap is a usage error now
            pass


# -- specs: indexed families (the deep spec), damaged ---------------------------------------------

DEEP = ROOT / "assignments" / "deep" / "spec.yaml"
DEEP_DOC = yaml.safe_load(DEEP.read_text(encoding="utf-8")) if DEEP.is_file() else {"depth": 2}
family_words = st.sampled_from(
    ["{l}", "W{l+1}", "{x}", "{", "}", "a{l}b{L-1}", "l = 1..L", "l = L..1", "l = 1..100000", "l = 1..99999999999", "=relu"]
)
deep_edits = st.lists(
    st.tuples(
        st.sampled_from([p for p in _paths(DEEP_DOC) if p]),
        st.sampled_from(["delete", "replace", "rename"]),
        st.one_of(structures, family_words),
    ),
    min_size=1,
    max_size=3,
)


@pytest.mark.skipif(not DEEP.is_file(), reason="no assignments/deep")
@FUZZ
@given(deep_edits)
def test_damaged_family_spec_is_a_spec_or_a_spec_error(changes):
    doc = copy.deepcopy(DEEP_DOC)
    for path, op, value in changes:
        _apply(doc, path, op, value)
    parses_or_spec_error(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), base=DEEP.parent)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('"n{l}": {min: 2, max: 7, for: "l = 1..L-1"}', '"n{l}": {min: 2, max: 7, for: "l = 1..999999"}', "more than"),
        ('"n{l}": {min: 2, max: 7, for: "l = 1..L-1"}', '"n{l}": {min: 2, max: 7, for: "l = 1..' + "9" * 5000 + '"}', "index expression"),
        ('"n{L}": 1', '"n{L}": 1\n  "n{L-1}": 3', "defined twice"),
        ("depth: 3 ", "depth: 0x" + "f" * 4000 + " ", "'depth' must be a whole number"),
    ],
)
def test_family_edge_cases(old, new, fragment):
    if not DEEP.is_file():
        pytest.skip("no assignments/deep")
    text = DEEP.read_text(encoding="utf-8")
    assert old in text
    result = parses_or_spec_error(text.replace(old, new, 1), base=DEEP.parent)
    assert isinstance(result, SpecError) and fragment in result.problem, result
