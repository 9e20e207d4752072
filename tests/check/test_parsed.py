"""A submission's tree parsed once per text, and only when parsing it says nothing."""

from __future__ import annotations

import ast

from gradcheck.check import parsed


def test_the_same_text_gives_the_same_tree():
    source = "def f(x):\n    return x\n"
    tree = parsed.tree(source)
    assert isinstance(tree, ast.Module) and parsed.tree(source) is tree
    assert parsed.tree(source + "\n") is not tree


def test_a_text_that_fails_or_warns_is_left_to_its_callers():
    assert parsed.tree("def f(:\n") is None
    warns = 'def f():\n    return "\\d"\n'  # an invalid escape: a SyntaxWarning its callers handle their own way
    assert parsed.tree(warns) is None and warns not in parsed._TREES


def test_only_the_newest_texts_are_kept():
    for i in range(parsed.KEEP + 3):
        parsed.tree(f"x = {i}\n")
    assert len(parsed._TREES) == parsed.KEEP and "x = 0\n" not in parsed._TREES
