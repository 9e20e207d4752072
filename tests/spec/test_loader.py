"""The loader turns YAML into a Spec: the planar spec in detail, defaults, and the less common forms."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gradcheck.errors import SpecError
from gradcheck.spec.loader import TOP_KEYS, load_spec, parse_spec
from gradcheck.spec.model import DEFAULT_TOLERANCE, Dim, Limits, Probe, Step, ValueGen
from gradcheck.spec.yamlsrc import line_of, load, one_line

ROOT = Path(__file__).resolve().parents[2]
PLANAR = ROOT / "assignments" / "planar" / "spec.yaml"

MINIMAL = """\
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
  Z: w @ X
loss: Z * Z / 2
backward:
  dZ: Z
  dw: dZ @ X.T / m
functions:
  f:
    args: [w, X]
    returns: J
"""


def tiny(extra: str = "", **replace: str) -> str:
    text = MINIMAL
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text + extra


@pytest.fixture(scope="module")
def planar():
    return load_spec(PLANAR)


# -- the planar spec ---------------------------------------------------------------------


def test_planar_header(planar):
    assert planar.name == "planar"
    assert planar.title == "Planar data classification with one hidden layer"
    assert planar.course == "Deep Learning Specialization, Course 1 Week 3"
    assert planar.description.startswith("A two-layer network") and not planar.description.endswith("\n")
    assert planar.path == PLANAR
    assert planar.total_points == 100.0


def test_planar_dims(planar):
    assert planar.dims == (Dim("n_x", 2, 5), Dim("n_h", 3, 7), Dim("n_y", 1, 1), Dim("m", 4, 11))
    assert planar.batch == "m"
    assert planar.trials == 3


def test_planar_values(planar):
    assert planar.values == (
        ValueGen("X", ("n_x", "m"), "normal", 1.0),
        ValueGen("Y", ("n_y", "m"), "bernoulli", 1.0),
        ValueGen("W1", ("n_h", "n_x"), "normal", 0.5),
        ValueGen("b1", ("n_h", 1), "normal", 0.1),
        ValueGen("W2", ("n_y", "n_h"), "normal", 0.5),
        ValueGen("b2", ("n_y", 1), "normal", 0.1),
        ValueGen("gW1", ("n_h", "n_x"), "normal", 1.0),
        ValueGen("gb1", ("n_h", 1), "normal", 1.0),
        ValueGen("gW2", ("n_y", "n_h"), "normal", 1.0),
        ValueGen("gb2", ("n_y", 1), "normal", 1.0),
        ValueGen("learning_rate", (), "positive", 1.0),
    )
    assert planar.parameters == ("W1", "b1", "W2", "b2")


def test_planar_forward_loss_cost(planar):
    assert [(f.name, f.text) for f in planar.forward] == [
        ("Z1", "W1 @ X + b1"), ("A1", "tanh(Z1)"), ("Z2", "W2 @ A1 + b2"), ("A2", "sigmoid(Z2)"),
        ("W1_next", "W1 - learning_rate * gW1"), ("b1_next", "b1 - learning_rate * gb1"),
        ("W2_next", "W2 - learning_rate * gW2"), ("b2_next", "b2 - learning_rate * gb2"),
    ]  # fmt: skip
    assert planar.loss.name == "L" and planar.loss.text == "-(Y * log(A2) + (1 - Y) * log(1 - A2))"
    assert planar.cost.name == "J" and planar.cost.text == "sum(L) / m"
    text = PLANAR.read_text(encoding="utf-8").splitlines()
    for f in (*planar.forward, planar.loss, planar.cost):
        assert f.line is not None and text[f.line - 1].lstrip().startswith(
            f"{f.name}:" if f.name not in "LJ" else ("loss:" if f.name == "L" else "cost:")
        )


def test_planar_gradients(planar):
    assert planar.gradient_names == ("dZ2", "dW2", "db2", "dZ1", "dW1", "db1")
    wrt = {g.name: g.wrt for g in planar.backward}
    assert wrt == {"dZ2": "Z2", "dW2": "W2", "db2": "b2", "dZ1": "Z1", "dW1": "W1", "db1": "b1"}
    per_example = {g.name for g in planar.backward if g.per_example}
    assert per_example == {"dZ2", "dZ1"}  # dL/dZ per example; dW, db are dJ/dW, dJ/db
    assert planar.gradient("dW1").formula.text == "dZ1 @ X.T / m"
    assert planar.gradient("dZ1").formula.text == "W2.T @ dZ2 * tanh_prime(Z1)"
    assert planar.gradient("dX") is None


def test_planar_functions(planar):
    assert [f.name for f in planar.functions] == [
        "initialize_parameters", "forward_propagation", "compute_cost", "update_parameters", "backward_propagation",
    ]  # fmt: skip
    init = planar.function("initialize_parameters")
    assert init.optional and init.shape_only == ("W1", "b1", "W2", "b2") and init.args == ("n_x", "n_h", "n_y")
    params = {"W1": "W1", "b1": "b1", "W2": "W2", "b2": "b2"}
    cache = {"Z1": "Z1", "A1": "A1", "Z2": "Z2", "A2": "A2"}
    fwd = planar.function("forward_propagation")
    assert fwd.args == ("X", params)
    assert fwd.returns == ["A2", cache]  # a list template: the function returns a tuple
    assert (fwd.points, fwd.repeat, fwd.locals) == (30.0, False, ())
    assert "forward_prop" in fwd.aliases
    cost = planar.function("compute_cost")
    assert cost.args == ("A2", "Y") and cost.returns == "J" and cost.points == 10.0
    back = planar.function("backward_propagation")
    assert back.args == (params, cache, "X", "Y")
    assert back.returns == {"dW1": "dW1", "db1": "db1", "dW2": "dW2", "db2": "db2"}
    assert back.locals == ("dZ2", "dZ1")
    assert back.repeat is True and back.points == 50.0
    assert "backprop" in back.aliases
    with pytest.raises(KeyError):
        planar.function("predict")


def test_planar_student_cost_probes_and_the_rest(planar):
    params = {"W1": "W1", "b1": "b1", "W2": "W2", "b2": "b2"}
    assert planar.student_cost == (
        Step("forward_propagation", ("X", params), ["A2s", "_"]),
        Step("compute_cost", ("A2s", "Y"), "J"),
    )
    assert planar.gradient_check_points == 10.0
    assert planar.probes == (Probe({"n_y": 2}, ("backward_propagation",)),)
    assert planar.tolerance == DEFAULT_TOLERANCE
    assert planar.limits == Limits()
    assert planar.helpers == PLANAR.parent / "helpers.py"
    assert planar.helper_modules == ("planar_utils",)
    assert planar.explain_dir == PLANAR.parent / "explain"


def test_formula_for(planar):
    assert planar.formula_for("A1").text == "tanh(Z1)"
    assert planar.formula_for("dZ2").text == "A2 - Y"
    assert planar.formula_for("L") is planar.loss
    assert planar.formula_for("J") is planar.cost
    assert planar.formula_for("X") is None


@pytest.mark.parametrize("path", sorted((ROOT / "assignments").glob("*/spec.yaml")), ids=lambda p: p.parent.name)
def test_every_shipped_spec_loads(path):
    spec = load_spec(path)
    assert spec.name == path.parent.name


# -- defaults and the other forms ---------------------------------------------------------


def test_minimal_spec_gets_the_defaults():
    spec = parse_spec(tiny(), "tiny.yaml")
    assert spec.path is None and spec.explain_dir is None
    assert spec.batch == "m" and spec.trials == 3
    assert spec.cost.text == "sum(L) / m"
    assert spec.values[0] == ValueGen("X", ("n", "m"), "normal", 1.0)
    assert spec.tolerance == DEFAULT_TOLERANCE and spec.limits == Limits()
    assert spec.student_cost == () and spec.probes == () and spec.gradient_check_points is None
    assert spec.helpers is None and spec.helper_modules == ()
    assert spec.total_points == 100.0 and spec.description == "" and spec.course == ""
    assert [(g.name, g.wrt, g.per_example) for g in spec.backward] == [("dZ", "Z", True), ("dw", "w", False)]
    f = spec.function("f")
    assert f.points is None and f.aliases == () and f.repeat is False


def test_cost_default_follows_the_batch_dim():
    spec = parse_spec(tiny(**{"  m: 5\n": "  N: 5\n", "[n, m]": "[n, N]", "/ m": "/ N"}, extra="batch: N\n"))
    assert spec.cost.text == "sum(L) / N"


def test_gradient_mapping_form_with_wrt_and_per_example():
    spec = parse_spec(
        tiny(**{"  dw: dZ @ X.T / m\n": "  grad_w: {formula: dZ @ X.T / m, wrt: w}\n  dZ_sum: {formula: dZ, wrt: Z, per_example: false}\n"})
    )
    g = spec.gradient("grad_w")
    assert (g.wrt, g.per_example, g.formula.text) == ("w", False, "dZ @ X.T / m")
    assert spec.gradient("dZ_sum").per_example is False


def test_partial_tolerance_and_limits_keep_the_other_defaults():
    spec = parse_spec(tiny("tolerance:\n  rtol: {float32: 1e-3}\nlimits:\n  timeout: 2.5\n  memory_mb: 512\n"))
    assert spec.tolerance.rtol == {**DEFAULT_TOLERANCE.rtol, "float32": 1e-3}
    assert spec.tolerance.fd_rtol == DEFAULT_TOLERANCE.fd_rtol
    assert spec.tolerance.for_dtype("float32") == 1e-3
    assert spec.tolerance.for_dtype("int64") == DEFAULT_TOLERANCE.rtol["float64"]
    assert spec.limits == Limits(timeout=2.5, memory_mb=512)


def test_templates_keep_their_structure():
    spec = parse_spec(
        tiny(**{"    args: [w, X]\n    returns: J\n": "    args: [[w, X], {inputs: {X: X}}]\n    returns: [J, {grads: [dw, _]}]\n"})
    )
    f = spec.function("f")
    assert f.args == (["w", "X"], {"inputs": {"X": "X"}})
    assert f.returns == ["J", {"grads": ["dw", "_"]}]


def test_student_cost_may_bind_J_inside_a_template():
    spec = parse_spec(tiny("student_cost:\n  - call: f\n    args: [w, X]\n    bind: [_, J]\n"))
    assert spec.student_cost == (Step("f", ("w", "X"), ["_", "J"]),)


def test_student_cost_steps_see_earlier_bindings():
    text = tiny("student_cost:\n  - call: f\n    args: [w, X]\n    bind: out\n  - call: f\n    args: [out, X]\n    bind: J\n")
    assert [s.args for s in parse_spec(text).student_cost] == [("w", "X"), ("out", "X")]
    with pytest.raises(SpecError, match="undefined name 'later'"):
        parse_spec(tiny("student_cost:\n  - call: f\n    args: [later, X]\n    bind: later\n  - call: f\n    args: [w, X]\n    bind: J\n"))


def test_helpers_are_found_next_to_the_spec(tmp_path):
    (tmp_path / "course.py").write_text("x = 1\n")
    spec = parse_spec(tiny("helpers: {file: course.py, modules: [course_utils]}\n"), str(tmp_path / "s.yaml"), base=tmp_path)
    assert spec.helpers == tmp_path / "course.py" and spec.helper_modules == ("course_utils",)
    assert spec.path == tmp_path / "s.yaml"


def test_explain_dir_is_used_when_present(tmp_path):
    (tmp_path / "explain").mkdir()
    spec = parse_spec(tiny(), str(tmp_path / "s.yaml"), base=tmp_path)
    assert spec.explain_dir == tmp_path / "explain"


def test_labels_need_a_number_of_classes():
    spec = parse_spec(tiny("", **{"  w: {shape: [1, n]}\n": "  w: {shape: [1, n]}\n  y: {shape: [m], init: labels, classes: n}\n"}))
    assert spec.values[-1] == ValueGen("y", ("m",), "labels", 1.0, "n")
    with pytest.raises(SpecError, match="classes"):
        parse_spec(tiny("", **{"  w: {shape: [1, n]}\n": "  w: {shape: [1, n]}\n  y: {shape: [m], init: labels}\n"}))
    with pytest.raises(SpecError, match="only used with init: labels"):
        parse_spec(tiny("", **{"  w: {shape: [1, n]}\n": "  w: {shape: [1, n], classes: 3}\n"}))


def test_a_plain_number_value():
    spec = parse_spec(tiny("", **{"  w: {shape: [1, n]}\n": "  w: {shape: [1, n]}\n  c: {shape: []}\n"}))
    assert spec.values[-1].shape == ()


# -- errors that the malformed corpus does not cover ----------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (tiny("trials: 3.0\n"), "'trials' must be a whole number"),
        (tiny("trials: true\n"), "'trials' must be a whole number"),
        (tiny("spec_version: true\n"), "'spec_version' must be 1"),
        (tiny("batch: k\n"), "'batch' must name one of the dims"),
        (tiny(**{"  m: 5\n": "  m: 0\n"}), "'dims.m' must be a whole number from 1"),
        (tiny(**{"  m: 5\n": "  m: {min: 2}\n"}), "'dims.m' is missing the required key 'max'"),
        (tiny(**{"[n, m]": "[n, k]"}), "undefined dim 'k'"),
        (tiny(**{"[n, m]": "[n, M]"}), "did you mean 'm'?"),
        (tiny(**{"[n, m]": "[[n], m]"}), "'values.X.shape[0]'"),
        (tiny(**{"parameters: [w]": "parameters: [w, w]"}), "lists a name twice"),
        (tiny(**{"parameters: [w]": "parameters: []"}), "'parameters' must be a list"),
        (tiny(**{"parameters: [w]": "parameters: [[w]]"}), "'parameters[0]' must be one of the 'values'"),
        (tiny(**{"  Z: w @ X\n": "  sum: w @ X\n"}), "formula function name"),
        (tiny(**{"  dZ: Z\n": "  dZ: {formula: Z, wrt: [Z]}\n"}), "'backward.dZ.wrt' must be a name"),
        (tiny(**{"  dZ: Z\n": "  dZ: {formula: Z, per_example: maybe}\n"}), "must be true or false"),
        (tiny(**{"  dZ: Z\n": "  dZ: dw\n"}), "undefined name 'dw'"),
        (tiny(**{"    returns: J\n": "    returns: 3\n"}), "must be a name, a mapping or a list"),
        (tiny(**{"    returns: J\n": "    returns: J\n    locals: dZ\n"}), "must be a list of names"),
        (tiny(**{"    returns: J\n": "    returns: J\n    repeat: twice\n"}), "must be true or false"),
        (tiny(**{"    returns: J\n": "    returns: J\n    aliases: g\n"}), "must be a list of names"),
        (tiny("student_cost: []\n"), "'student_cost' must be a list of steps"),
        (tiny("student_cost:\n  - call: g\n    args: []\n    bind: J\n"), "must name one of the functions (got 'g')"),
        (tiny("probes:\n  - dims: {n: 2}\n    functions: [g]\n"), "must list functions of this spec"),
        (tiny("gradient_check: {points: -1}\n"), "'gradient_check.points' must be a number"),
        (tiny("tolerance: {rtol: {float128: 1e-9}}\n"), "unknown key 'float128'"),
        (tiny("limits: {memory_mb: 10}\n"), "'limits.memory_mb' must be a number from 256"),
        (tiny("helpers: {file: nothing.py}\n"), "'helpers.file' must be a file next to the spec"),
        (tiny("helpers: {file: '" + "x" * 5000 + "'}\n"), "'helpers.file' must be a file next to the spec"),
        (tiny("points: lots\n"), "'points' must be a number"),
        (tiny("1: 2\n"), "unknown key '1'"),
        (tiny("a: &x {b: 1}\nc:\n  <<: *x\n"), "merge keys"),
        (tiny("title2: !!bool maybe\n"), "invalid value 'maybe' for the tag !!bool"),
        (tiny("title2: !!timestamp nope\n"), "for the tag !!timestamp"),
        (tiny("title2: !!python/object:os.system x\n"), "invalid value"),
        ("just a sentence\n", "the spec must be a mapping"),
        ("# only a comment\n", "the spec is empty"),
        ("name: a\n---\nname: b\n", "invalid YAML"),
        ("name: a\x07\n", "invalid YAML: character '\\x07' is not allowed"),
    ],
)
def test_more_errors(text, fragment):
    with pytest.raises(SpecError) as info:
        parse_spec(text, "t.yaml")
    assert fragment in info.value.problem
    assert "\n" not in str(info.value)


def test_root_scalar_error_names_its_line():
    with pytest.raises(SpecError) as info:
        parse_spec("# a comment\n\njust words\n", "t.yaml")
    assert info.value.line == 3


def test_huge_numbers_are_shown_without_crashing():
    with pytest.raises(SpecError, match="a very large number"):
        parse_spec(tiny("trials: 0x" + "f" * 4000 + "\n"), "t.yaml")


def test_alias_bombs_are_refused_quickly():
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    start = time.perf_counter()
    with pytest.raises(SpecError, match="more than"):
        parse_spec("\n".join(rows) + "\n", "t.yaml")
    assert time.perf_counter() - start < 5


def test_keys_with_control_characters_stay_on_one_line():
    with pytest.raises(SpecError) as info:
        parse_spec(tiny('"bad\\nkey": 1\n'), "t.yaml")
    assert "\n" not in str(info.value) and "bad\\nkey" in info.value.problem


def test_top_keys_are_what_the_loader_reads():
    # every key the loader reads is used by one of the shipped specs (defaults aside)
    texts = [p.read_text(encoding="utf-8") for p in PLANAR.parent.parent.glob("*/spec.yaml")]
    for key in TOP_KEYS:
        if key in ("batch", "tolerance", "limits", "spec_version", "fixes"):  # fixes: the format decides unless an instructor says
            continue
        if key in ("visibility", "select", "ignore"):  # a course's display choices; tests/spec/test_display_keys.py reads them
            continue
        assert any(f"\n{key}:" in text for text in texts), key


# -- yamlsrc -------------------------------------------------------------------------------


def test_lines_of_keys_and_items():
    doc = load("a: 1\nb:\n  - x\n  -\n    c: 2\n", "t.yaml")
    assert line_of(doc, "a") == 1 and line_of(doc, "b") == 2
    assert line_of(doc["b"], 0) == 3 and line_of(doc["b"], 1) == 5
    assert line_of(doc["b"][1], "c") == 5
    assert line_of(doc, "missing") == doc.line == 1
    assert line_of(doc["b"], 7) == doc["b"].line
    assert line_of("scalar", "k") is None


def test_one_line():
    assert one_line("a\nb\tc") == "a\\nb\\tc"
    assert one_line("dW1 ′ ᵀ") == "dW1 ′ ᵀ"
    long = one_line("x" * 1000)
    assert len(long) < 420 and "…" in long


@pytest.mark.parametrize("brk", ["\x85", "\u2028", "\u2029"])
def test_lines_are_counted_as_an_editor_counts_them(brk):
    # YAML also breaks lines at NEL, U+2028 and U+2029; an editor does not, so neither do we.
    with pytest.raises(SpecError) as err:
        parse_spec(f"{brk}{brk}0", "f.yaml")
    assert err.value.line == 1
    doc = load(f"a: 1{brk}\nb: [1,\n  2]\n", "f.yaml")
    assert doc.lines == {"a": 1, "b": 2}
    with pytest.raises(SpecError) as err:
        load(f"a: 1{brk}{brk}\nb: [", "f.yaml")
    assert err.value.line == 2
