"""rules.py: the mistake catalog, one rule per family, each with its tags and its page."""

from __future__ import annotations

import ast

import pytest

from gradcheck.diagnose.explain_value import context
from gradcheck.diagnose.rules import RULES, single
from gradcheck.explain import code_pages
from gradcheck.findings import TAGS

from .observed import planar


def _keys(formula: str, forward: bool = False) -> list[str]:
    return [m.key for m, _ in single(ast.parse(formula, mode="eval").body, context(planar(), forward))]


def test_every_rule_has_known_tags_and_an_existing_page():
    pages = code_pages()
    for group in RULES:
        for rule in group:
            assert set(rule.tags) <= set(TAGS), rule.name
            assert rule.page in pages, rule.name


def test_rule_names_are_unique():
    names = [r.name for g in RULES for r in g]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("dZ1 @ X.T / m", ["drop-mean", "add-mean", "negate", "transpose-result", "add-T:dZ1", "matmul-to-mult:dZ1 @ X.T", "drop-T:X"]),
        ("sum(dZ2, axis=1, keepdims=True) / m", ["drop-keepdims", "drop-axis", "other-axis"]),
        ("W2.T @ dZ2 * tanh_prime(Z1)", ["deriv:sigmoid", "deriv-at-A", "deriv-form-at-Z", "deriv-missing", "mult-to-matmul:W2.T @ dZ2 * tanh_prime(Z1)"]),
        ("A2 - Y", ["negate", "operand:A2->A1"]),
        ("sum(dZ2, axis=1)", ["add-keepdims"]),
        ("reshape_like(dZ2 @ W2, X)", ["drop-reshape:X"]),
    ],
)
def test_each_family_fires_on_its_formula(formula, expected):
    keys = _keys(formula)
    assert set(expected) <= set(keys), set(expected) - set(keys)


def test_forward_only_rules_fire_only_on_forward_formulas():
    assert "activation:sigmoid" in _keys("tanh(Z1)", forward=True)
    assert "activation:sigmoid" not in _keys("tanh(Z1)", forward=False)


def test_rules_keep_their_order_within_a_node():
    keys = _keys("dZ1 @ X.T")
    assert keys.index("add-T:dZ1") < keys.index("matmul-to-mult:dZ1 @ X.T")


def test_an_l2_term_is_weighed_by_the_strength_the_student_knows_and_words_show_no_spec_constant():
    """CS231n's L2 gradient 2 * l2_scale * reg * W: the strength is reg, and l2_scale (a
    convention's number) is written as its number."""

    from gradcheck.check.trials import make_trials
    from gradcheck.diagnose.explain_value import explain

    from ..conftest import load_builtin

    spec = load_builtin("cs231n")
    trials = make_trials(spec, 0)
    assert context(spec, False, trials[0].env).l2 == ("reg",)
    half = [(t.env["dWsm"] - t.env["reg"] * t.env["Wsm"], t.env, t.dims[spec.batch], 1e-7) for t in trials]  # reg·W for 2·reg·W
    found = explain(spec, "dWsm", half, False, False)
    assert "l2-wrong-factor" in found.tags()
    words = " ".join(m.text + " " + m.fix for combo in found.mutations for m in combo)
    assert "reg" in words and "l2_scale" not in words and "/(2N)" not in words


def test_fold_constants_writes_a_convention_number_and_works_out_the_products():
    from gradcheck.diagnose.mutations import fold_constants

    tree = ast.parse("X.T @ D / N + 2 * l2_scale * reg * W", mode="eval").body
    assert ast.unparse(fold_constants(tree, {"l2_scale": 1})) == "X.T @ D / N + 2 * reg * W"
    assert ast.unparse(fold_constants(tree, {"l2_scale": 0.5})) == "X.T @ D / N + reg * W"
    assert fold_constants(tree, {"other": 1}) is tree
