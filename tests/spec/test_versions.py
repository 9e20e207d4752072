"""Versions and conventions (spec/versions.py, spec/fit.py): reading them, choosing a file's
version, reading a convention from a docstring, and the names "did you mean" may offer."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck.catalog import builtins, pick
from gradcheck.errors import SpecError
from gradcheck.grade import validate_spec
from gradcheck.spec.fit import rank, rename_candidate
from gradcheck.spec.loader import load_spec, parse_spec
from gradcheck.spec.versions import choose_version, describe, narrow, option_specs, stated_option, variants

ROOT = Path(__file__).resolve().parents[2]
CS231N = ROOT / "assignments" / "cs231n" / "spec.yaml"

TINY = """\
name: tiny
title: One linear unit
dims:
  n: {min: 2, max: 4}
  m: 5
values:
  X: {shape: [n, m]}
  w: {shape: [1, n]}
parameters: [w]
forward:
  k: "1"
  Z: k * (w @ X)
loss: Z * Z / 2
backward:
  dZ: Z
  dw: k * (dZ @ X.T) / m
functions:
  f:
    args: [w, X]
    returns: J
  g:
    args: [w, X]
    returns: Z
conventions:
  scale:
    about: the scale
    read_in: [g]
    options:
      one: {label: k is 1, set: {k: "1"}, says: ['\\bscale one\\b']}
      two: {label: k is 2, set: {k: "2"}, says: ['\\bscale two\\b']}
versions:
  both: {label: f and g, functions: [f, g], optional: [g], conventions: {scale: [one, two]}}
  only_g: {label: g alone, functions: [g]}
"""


@pytest.fixture(scope="module")
def cs231n():
    return load_spec(CS231N)


def test_versions_and_conventions_are_read():
    spec = parse_spec(TINY)
    assert [v.name for v in spec.versions] == ["both", "only_g"]
    both = spec.versions[0]
    assert both.functions == ("f", "g") and both.optional == ("g",) and both.conventions == (("scale", ("one", "two")),)
    assert spec.versions[1].conventions == ()
    scale = spec.conventions[0]
    assert [o.name for o in scale.options] == ["one", "two"] and scale.read_in == ("g",)
    assert scale.option("two").sets["k"].text == "2"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("functions: [f, g], optional", "functions: [f, h], optional", "names 'h', which is not one of the functions"),
        ("set: {k: \"2\"}", "set: {Q: \"2\"}", "sets 'Q', which is not a forward value"),
        ("set: {k: \"2\"}", "set: {k: \"Z\"}", "'Z' is not defined before 'k'"),
        ("['\\bscale two\\b']", "['(unclosed']", "is not a regular expression"),
        ("conventions: {scale: [one, two]}", "conventions: {scale: [one, three]}", "must be one or a list of one, two"),
        ("{label: g alone, functions: [g]}", "{label: g alone, functions: [g], optional: [g]}", "needs at least one function that is not optional"),
    ],
)
def test_mistakes_in_versions_are_reported_with_their_line(old, new, message):
    assert old in TINY
    with pytest.raises(SpecError) as err:
        parse_spec(TINY.replace(old, new), "tiny.yaml")
    assert message in str(err.value) and err.value.line is not None


def test_narrow_keeps_the_version_functions_and_sets_the_option():
    spec = parse_spec(TINY)
    small = narrow(spec, spec.versions[1], {"scale": "two"})
    assert [f.name for f in small.functions] == ["g"]
    assert small.formula_for("k").text == "2" and small.variant == "only_g;scale=two"
    assert [f.optional for f in narrow(spec, spec.versions[0], {}).functions] == [False, True]


def test_a_stated_option_is_used_alone_else_each_is_tried():
    spec = parse_spec(TINY)
    stated = variants(spec, {"f", "g"}, "def f(w, X): pass\ndef g(w, X):\n    # scale two, as in 2016\n    pass\n")
    assert [(v.choices, v.spec.variant) for v in stated] == [((("scale", "two", "stated:g"),), "both;scale=two")]
    tried = variants(spec, {"f", "g"}, "def f(w, X): pass\ndef g(w, X): pass\n")
    assert [c for v in tried for c in v.choices] == [("scale", "one", "tried"), ("scale", "two", "tried")]
    assert tried[0].same_reference and not tried[1].same_reference
    assert "the convention the file matches (tried: 'one', 'two')" in describe(tried[1], matched=True)
    assert "right under none of 'one', 'two'" in describe(tried[0], matched=False)


def test_a_spec_without_versions_is_graded_whole():
    spec = parse_spec(TINY.split("conventions:")[0])
    (only,) = variants(spec, {"f"}, "")
    assert only.spec is spec and describe(only) is None and option_specs(spec) == []


@pytest.mark.parametrize(
    ("defined", "version"),
    [
        ({"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss", "svm_loss"}, "a1_layers"),
        ({"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss", "svm_loss", "batchnorm_forward",
          "batchnorm_backward", "dropout_forward", "dropout_backward"}, "a2_layers"),
        # later years: no svm_loss, layernorm; and a file that lacks one a2 function is still a2
        ({"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss", "batchnorm_forward",
          "batchnorm_backward", "layernorm_forward", "layernorm_backward", "dropout_forward", "dropout_backward"}, "a2_layers"),
        ({"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss", "svm_loss", "batchnorm_forward",
          "batchnorm_backward", "dropout_backward"}, "a2_layers"),
        ({"svm_loss_naive", "svm_loss_vectorized"}, "a1_linear_svm"),
        ({"softmax_loss_naive", "softmax_loss_vectorized"}, "a1_softmax"),
        ({"svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive", "softmax_loss_vectorized"}, "a1_classifiers"),
    ],
)  # fmt: skip
def test_the_cs231n_version_is_the_one_whose_functions_the_file_defines(cs231n, defined, version):
    assert choose_version(cs231n, defined)[0].name == version
    entry, _ = pick(defined)
    assert entry.name == "cs231n" and entry.fit(defined)[2] == version


def test_every_option_of_the_cs231n_conventions_passes_the_reference_check(cs231n):
    others = option_specs(cs231n)
    assert sorted(o.variant for o in others) == ["dropout_p=drop", "l2=half"]
    for other in others:
        validate_spec(other)


DROP_2016 = '''
def dropout_forward(x, dropout_param):
    """
    - p: Dropout parameter. We drop each neuron output with probability p.
    """
'''
KEEP_2017 = DROP_2016.replace("We drop each", "We keep each")


@pytest.mark.parametrize(
    ("source", "option"),
    [
        (DROP_2016, ("drop", "dropout_forward")),
        (KEEP_2017, ("keep", "dropout_forward")),
        ("def dropout_forward(x, dropout_param):\n    # p is the probability of keeping a unit\n    pass\n", ("keep", "dropout_forward")),
        ("def dropout_forward(x, dropout_param):\n    '''Performs the forward pass for (inverted) dropout.'''\n", None),
        (DROP_2016 + "    # keep each unit with probability p\n    pass\n", None),  # both stated: neither is trusted
        ("# We drop each neuron output with probability p\ndef other():\n    pass\n", None),  # not in dropout_forward
        ("def dropout_forward(:\n", None),
    ],
)
def test_dropout_p_is_read_from_the_docstring_or_comments(cs231n, source, option):
    convention = next(c for c in cs231n.conventions if c.name == "dropout_p")
    assert stated_option(source, convention) == option


def test_rank_counts_functions_and_the_share_of_required_ones():
    fns = [("a", (), False), ("b", ("b_alt",), False), ("c", (), True)]
    assert rank({"a", "b_alt", "c"}, fns) == (3, 1.0)
    assert rank({"a"}, fns) == (1, 0.5)


def test_did_you_mean_never_offers_a_function_the_file_must_define():
    defined = ["dropout_backward", "relu_forward", "dropout_fwd", "batchnorm_backward_alt"]
    wanted = {"dropout_forward", "dropout_backward", "relu_forward", "batchnorm_backward", "batchnorm_backward_alt"}
    assert rename_candidate("dropout_forward", (), defined, wanted) == "dropout_fwd"
    assert rename_candidate("dropout_forward", (), defined[:2], wanted) is None
    assert rename_candidate("layernorm_backward", (), defined, wanted) is None
    assert rename_candidate("batchnorm_backward", ("batchnorm_backward_alt",), defined, wanted) == "batchnorm_backward_alt"
    assert rename_candidate("Forward", (), ["forward"]) == "forward"


def test_did_you_mean_needs_a_compatible_signature():
    arities = {"forward_prop": (2, 2), "forward_pro": (1, 1)}
    assert rename_candidate("forward_propagation", (), ["forward_pro"], arities=arities, nargs=(2,)) is None
    assert rename_candidate("forward_propagation", (), ["forward_prop"], arities=arities, nargs=(2,)) == "forward_prop"


def test_argument_names_never_show_spec_syntax(cs231n):
    assert cs231n.arg_names(cs231n.function("batchnorm_backward")) == ["dout", "cache"]
    assert cs231n.arg_names(cs231n.function("softmax_loss_vectorized")) == ["W", "X", "y", "reg"]


def test_the_catalog_lists_the_cs231n_versions():
    entry = next(e for e in builtins() if e.name == "cs231n")
    assert [v[0] for v in entry.versions] == ["a1_layers", "a2_layers", "a2_layers_conv", "a2_conv_layers", "a1_linear_svm", "a1_softmax", "a1_classifiers"]
