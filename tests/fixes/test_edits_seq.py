"""The sequence models' inverse edits (gradcheck/fixes/edits_seq.py) on small loops written here,
the spec author's mistakes they come from (seq_known.py) read off the built-in specs, and a
shown fix applied by hand to a corpus file."""

from __future__ import annotations

import pytest

from gradcheck.findings import Finding, Mistake
from gradcheck.fixes.edits import edit_once
from gradcheck.fixes.seq_known import numpy_form, seq_translated
from gradcheck.grade import grade

from ..conftest import CORPUS, load_builtin
from .corpus import apply_fix, graded_with_fixes

BACKWARD = """import numpy as np


def backward(da, caches):
    n_a, m, T = da.shape
    dx = np.zeros((3, m, T))
    dW = np.zeros((n_a, n_a))
    carry = np.zeros((n_a, m))
    {start}
    for t in reversed(range(T)):
        {body}
        dx[:, :, t] = out["dx"]
        dW += out["dW"]
    return dx, dW
"""


def edits(text: str, line: int, target: str, mistake: Mistake) -> list[str]:
    return edit_once(text, line, target, mistake, "m")


def changed(old: str, new: str) -> list[str]:
    return [b.strip() for a, b in zip(old.split("\n"), new.split("\n")) if a != b]


# -- the loop over time ----------------------------------------------------------------------------
def test_the_kept_carry_is_added_to_the_steps_upstream():
    text = BACKWARD.format(start="pass", body='out = step(da[:, :, t], caches[t]); carry = out["dprev"]')
    out = edits(text, 12, "dx", Mistake("carry", "time-carry-missing"))
    assert changed(text, out[0]) == ['out = step(da[:, :, t] + carry, caches[t]); carry = out["dprev"]']
    assert all(new.count("\n") == text.count("\n") for new in out)


def test_the_carry_is_parenthesized_inside_a_product():
    text = BACKWARD.format(start="pass", body='out = step(da[:, :, t] * (1 - caches[t] ** 2)); carry = out["dprev"]')
    out = edits(text, 12, "dx", Mistake("carry", "time-carry-missing"))
    assert changed(text, out[0]) == ['out = step((da[:, :, t] + carry) * (1 - caches[t] ** 2)); carry = out["dprev"]']


def test_a_carry_never_kept_is_kept_from_the_steps_result_by_its_key():
    text = BACKWARD.format(start="pass", body="out = step(da[:, :, t], caches[t])").replace(
        "    return dx", '    first = out["carr"]\n    return dx'
    )
    out = edits(text, 12, "dx", Mistake("carry", "time-carry-missing"))
    assert changed(text, out[0]) == ['out = step(da[:, :, t] + carry, caches[t]); carry = out["carr"]']


def test_no_carry_edit_without_a_loop():
    text = "import numpy as np\n\n\ndef backward(da, caches):\n    dx = da * 2\n    return dx\n"
    assert edits(text, 5, "dx", Mistake("carry", "time-carry-missing")) == []


def test_an_upstream_added_only_at_the_last_step_is_added_at_every_step():
    text = BACKWARD.format(start="carry = da[:, :, T - 1]", body='out = step(carry, caches[t]); carry = out["dprev"]')
    out = edits(text, 12, "dx", Mistake("upstream", "upstream-not-added"))
    assert changed(text, out[0]) == [
        "carry = np.zeros_like(da[:, :, T - 1])",
        'out = step(da[:, :, t] + carry, caches[t]); carry = out["dprev"]',
    ]


# -- repeated indices, the mask --------------------------------------------------------------------
def test_an_indexed_add_becomes_np_add_at():
    text = "import numpy as np\n\n\ndef embed_backward(dout, x, V):\n    dW = np.zeros((V, 4))\n    dW[x] += dout\n    return dW\n"
    assert changed(text, edits(text, 6, "dW", Mistake("add-at", "repeated-index"))[0]) == ["np.add.at(dW, x, dout)"]


def test_a_row_assigned_in_a_loop_over_the_words_is_added_up():
    text = (
        "import numpy as np\n\n\ndef embed_backward(dout, x, V):\n    dW = np.zeros((V, 4))\n"
        "    for n in range(x.shape[0]):\n        dW[x[n]] = dout[n]\n    return dW\n"
    )
    assert changed(text, edits(text, 5, "dW", Mistake("add-at", "repeated-index"))[0]) == ["dW[x[n]] += dout[n]"]


MASKED = """import numpy as np


def masked_loss(x, y, mask):
    N, T, V = x.shape
    keep = mask.reshape(N * T)
    loss = -np.sum(np.log(x.reshape(N * T, V)[np.arange(N * T), y.reshape(N * T)])) / N
    dx = x / N
    return loss, dx
"""


def test_the_mask_multiplies_the_sum_as_the_function_reshaped_it():
    out = edits(MASKED, 7, "loss", Mistake("mask", "mask-ignored", ("mask",)))
    assert changed(MASKED, out[0]) == ["loss = -np.sum(keep * np.log(x.reshape(N * T, V)[np.arange(N * T), y.reshape(N * T)])) / N"]


def test_the_masks_factor_is_appended_where_no_sum_takes_it():
    out = edits(MASKED, 8, "dx", Mistake("mask", "mask-ignored", ("mask",), ("np.expand_dims(mask, axis=2)",)))
    assert changed(MASKED, out[0]) == ["dx = x / N * np.expand_dims(mask, axis=2)"]


# -- the cell's formulas ---------------------------------------------------------------------------
CELL = "import numpy as onp\n\n\ndef cell_backward(dnext_h, dnext_c, o, f, i, g, c):\n    {line}\n    return 0\n"


def cell(line: str, target: str, mistake: Mistake) -> list[str]:
    text = CELL.format(line=line)
    return [new.split("\n")[4].strip() for new in edits(text, 5, target, mistake)]


def test_a_missing_factor_is_appended_to_a_sum():
    assert (
        cell("dprev_c = dnext_c + dnext_h", "dprev_c", Mistake("times", "wrong-gate", ("f",), ("right",)))[0]
        == "dprev_c = (dnext_c + dnext_h) * f"
    )


def test_a_missing_term_goes_before_the_value():
    out = cell("dc = dnext_h * o * (1 - onp.tanh(c) ** 2)", "dc", Mistake("plus", "missing-term", ("dnext_c",), ("left",)))
    assert out[0] == "dc = dnext_c + dnext_h * o * (1 - onp.tanh(c) ** 2)"


def test_an_extra_factor_in_a_denominator_goes_with_its_parentheses():
    assert cell("loss = c.sum() / (i * g)", "loss", Mistake("drop-factor", "wrong-scale", ("g",)))[0] == "loss = c.sum() / i"


def test_a_gate_is_renamed_everywhere_on_the_line():
    out = cell("dg = (dnext_c * f + dnext_h * f) * (1 - g ** 2)", "dg", Mistake("swap-in", "wrong-gate", ("f", "i", "i")))
    assert out[0] == "dg = (dnext_c * i + dnext_h * i) * (1 - g ** 2)"


def test_a_gate_written_for_its_derivative_gets_the_derivative_in_the_students_numpy():
    assert cell("do = dnext_h * c * o", "do", Mistake("swap-in", "missing-activation-derivative", ("o", "", "(o * (1 - o))")))[0] == (
        "do = dnext_h * c * o * (1 - o)"
    )
    out = cell(
        "dg = dnext_c * i", "dg", Mistake("swap-in", "missing-term", ("dnext_c", "dc_total", "dnext_c + dnext_h * (1 - np.tanh(c) ** 2)"))
    )
    assert out[0] == "dg = (dnext_c + dnext_h * (1 - onp.tanh(c) ** 2)) * i"


def test_a_stack_in_the_wrong_order_is_put_back():
    out = cell("da = onp.hstack((i, f, g, o))", "da", Mistake("permute", "wrong-gate", data=("0", "1", "3", "2")))
    assert out[0] == "da = onp.hstack((i, f, o, g))"


def test_a_derivative_spread_over_two_factors_is_replaced_whole():
    out = cell("dg = dnext_c * i * g * (1 - g)", "dg", Mistake("deriv-A", "wrong-activation-derivative", ("sigmoid",), ("tanh", "ag", "g")))
    assert "dg = dnext_c * i * (1 - g ** 2)" in out


# -- the author's mistakes, read off the built-in specs ---------------------------------------------
def finding(target: str, check: str) -> Finding:
    return Finding(code="GC301", target=target, message="", check=check)


@pytest.fixture(scope="module")
def specs():
    return {name: load_builtin(name) for name in ("rnn", "cs231n_rnn")}


@pytest.mark.parametrize(
    "assignment, value, arg, tag, kind, args, data",
    [
        ("rnn", "dx", "0", "time-carry-missing", "carry", (), ()),
        ("rnn", "dc_prev", "0", "wrong-gate", "times", ("ft",), ("right",)),
        ("rnn", "dzc", "1", "wrong-gate", "swap-in", ("ft", "it", ""), ()),
        ("rnn", "dzo", "0", "missing-activation-derivative", "swap-in", ("ot", "", "ot * (1 - ot)"), ()),
        ("cs231n_rnn", "dx", "0", "upstream-not-added", "upstream", (), ()),
        ("cs231n_rnn", "dWe", "0", "repeated-index", "add-at", (), ()),
        ("cs231n_rnn", "ldc", "0", "missing-term", "plus", ("dnext_c",), ("left",)),
        ("cs231n_rnn", "lda", "0", "wrong-gate", "permute", (), ("0", "1", "3", "2")),
        ("cs231n_rnn", "da_s", "0", "derivative-at-wrong-point", "swap-in", ("prev_h", "next_h", "next_h"), ()),
        ("cs231n_rnn", "ts_loss", "1", "wrong-scale", "drop-factor", ("T",), ()),
        ("cs231n_rnn", "ts_dx", "0", "mask-ignored", "mask", ("ts_mask",), ("np.expand_dims(ts_mask, axis=2)",)),
    ],
)
def test_the_authors_mistake_becomes_an_edit_kind(specs, assignment, value, arg, tag, kind, args, data):
    m = seq_translated(specs[assignment], finding(value, value), Mistake("spec", tag, (f"{value}:{arg}",)), None)
    assert m is not None and (m.kind, m.tag, m.args, m.data) == (kind, tag, args, data)


def test_mistakes_it_does_not_know_are_left_to_the_others(specs):
    spec = specs["rnn"]
    assert seq_translated(spec, finding("dWax", "x"), Mistake("spec", "not-accumulated", ("0",)), "dWax_s") is None
    assert seq_translated(spec, finding("dx", "x"), Mistake("operand", "wrong-operand", ("a", "b")), "dx") is None
    assert seq_translated(spec, finding("dx", "x"), Mistake("spec", "wrong-gate", ("dzc:9",)), None) is None


def test_a_derivative_is_written_at_the_forward_pass_activation(specs):
    import ast

    spec = specs["rnn"]
    assert numpy_form(spec, ast.parse("dc_next + da_next_l * ot * tanh_prime(c_next)", mode="eval").body) == (
        "dc_next + da_next_l * ot * (1 - np.tanh(c_next) ** 2)"
    )
    assert numpy_form(spec, ast.parse("tanh_prime(z_cell)", mode="eval").body) == "1 - a_next ** 2"
    assert numpy_form(spec, ast.parse("onehot(y, V)", mode="eval").body) is None


# -- end to end: the shown fix, applied by hand, makes the finding pass ------------------------------
@pytest.mark.parametrize(
    "corpus, file",
    [("rnn", "buggy/lstm_backward_older_notebook_loop.py"), ("cs231n_rnn", "buggy/rnn_backward_upstream_only_last.py")],
)
def test_applying_the_shown_fix_makes_the_finding_pass(corpus, file, tmp_path):
    spec = load_builtin(corpus)
    path = CORPUS / corpus / file
    _, report = graded_with_fixes(spec, path)
    root = report.errors[0]
    assert root.fix is not None, root.mistakes
    after = grade(spec, apply_fix(path, root.fix, tmp_path))
    assert not [f for f in after.errors if f.target == root.target], root.fix
