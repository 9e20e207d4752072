"""Candidate edits keep the student's style: their names, np.dot or @, their spacing."""

from __future__ import annotations

from gradcheck.findings import Mistake
from gradcheck.fixes.edits import edit_once

FUNC = "import numpy as np\n\ndef backward(X, Y, A1, A2, W2, m):\n    {line}\n    return 0\n"


def edited(line: str, mistake: Mistake, target: str = "dW1") -> list[str]:
    text = FUNC.format(line=line)
    return [t.split("\n")[3].strip() for t in edit_once(text, 4, target, mistake, "m")]


def test_missing_mean_appends_the_division():
    assert edited("dW1 = np.dot(dZ1, X.T)", Mistake("drop-mean", "missing-mean"))[0] == "dW1 = np.dot(dZ1, X.T) / m"


def test_missing_mean_wraps_a_sum_of_terms():
    assert edited("cost = -a + b", Mistake("drop-mean", "missing-mean"), "cost")[0] == "cost = (-a + b) / m"


def test_extra_mean_removes_one_division():
    assert edited("dW1 = np.dot(dZ1, X.T) / m / m", Mistake("add-mean", "extra-mean"))[0] == "dW1 = np.dot(dZ1, X.T) / m"


def test_operand_swap_keeps_the_matmul_operator():
    assert edited("dW1 = dZ1 @ A1.T / m", Mistake("operand", "wrong-operand", ("X", "A1")))[0] == "dW1 = dZ1 @ X.T / m"


def test_keepdims_is_added_inside_the_call():
    out = edited("db1 = np.sum(dZ1, axis=1) / m", Mistake("drop-keepdims", "missing-keepdims"), "db1")
    assert out[0] == "db1 = np.sum(dZ1, axis=1, keepdims=True) / m"


def test_an_extra_keepdims_is_taken_out_with_its_comma():
    out = edited("db = np.sum(dout, axis=0, keepdims=True)", Mistake("add-keepdims", "extra-keepdims"), "db")
    assert out[0] == "db = np.sum(dout, axis=0)"
    assert edited("db = np.sum(dout, keepdims=True, axis=0)", Mistake("add-keepdims", "extra-keepdims"), "db")[0] == "db = np.sum(dout, axis=0)"


def test_elementwise_becomes_np_dot_in_an_np_dot_file():
    out = edited("dW2 = np.dot(dZ2, A1.T) * 0 + dZ2 * A1.T", Mistake("matmul-to-mult", "matmul-vs-elementwise"), "dW2")
    assert "np.dot(dZ2, A1.T) * 0 + np.dot(dZ2, A1.T)" in out[0] or any("+ np.dot(dZ2, A1.T)" in o for o in out)


def test_sign_flip_swaps_the_subtraction():
    assert edited("dZ2 = Y - A2", Mistake("negate", "sign-flip"), "dZ2")[0] == "dZ2 = A2 - Y"


def test_derivative_at_z_uses_the_activation_in_the_students_np_power():
    out = edited("dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(Z1, 2))", Mistake("deriv-form-at-Z", "derivative-at-wrong-point", (), ("tanh", "Z1", "A1")), "dZ1")
    assert out[0] == "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"


def test_derivative_spread_over_a_product_is_replaced_whole():
    out = edited("dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)", Mistake("deriv-A", "wrong-activation-derivative", ("sigmoid",), ("tanh", "Z1", "A1")), "dZ1")
    assert out[0] == "dZ1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)"


def test_transposed_product_swaps_and_toggles_the_transposes():
    out = edited("dW1 = np.dot(X, dZ1.T) / m", Mistake("transpose-result", "transpose"))
    assert out[0] == "dW1 = np.dot(dZ1, X.T) / m"


def test_a_name_the_function_lacks_is_read_by_its_role():
    text = "import numpy as np\n\ndef linear_forward(A, W, b):\n    Z = np.dot(W, A)\n    return Z\n"
    out = edit_once(text, 4, "Z2", Mistake("drop-term", "forward-mismatch", ("b2",), ("+",)), "m")
    assert out[0].split("\n")[3] == "    Z = np.dot(W, A) + b"


def test_no_candidate_for_a_mistake_the_edits_do_not_know():
    assert edited("dW1 = np.dot(dZ1, X.T)", Mistake("spec:0", "value-mismatch")) == []


def lines_of(text: str, line: int, target: str, mistake: Mistake, batch: str = "m") -> list[list[str]]:
    """Each candidate as the lines it changed."""
    old = text.split("\n")
    return [[b.strip() for a, b in zip(old, new.split("\n")) if a != b] for new in edit_once(text, line, target, mistake, batch)]


def test_the_helper_chosen_by_name_is_swapped_not_rewritten():
    wrong = Mistake("activation", "forward-mismatch", ("sigmoid",), ("relu",))
    assert edited("A, cache = sigmoid(Z)", wrong, "A")[0] == "A, cache = relu(Z)"
    assert edited('A, c = step(A_prev, W, b, activation="sigmoid")', wrong, "A")[0] == 'A, c = step(A_prev, W, b, activation="relu")'
    deriv = Mistake("deriv", "wrong-activation-derivative", ("relu",), ("sigmoid", "Z3", "A3"))
    assert edited("dZ = relu_backward(dA, cache)", deriv, "dZ")[0] == "dZ = sigmoid_backward(dA, cache)"


def test_a_mean_written_as_np_mean_becomes_a_sum():
    assert edited("db = np.mean(dout, axis=0)", Mistake("add-mean", "extra-mean"), "db")[0] == "db = np.sum(dout, axis=0)"
    assert edited("db = dout.mean(axis=0)", Mistake("add-mean", "extra-mean"), "db")[0] == "db = dout.sum(axis=0)"


def test_the_term_of_a_sum_without_its_mean_is_tried():
    found = edited("dW1 = 1. / m * np.dot(dZ1, X.T) + lambd * W1", Mistake("drop-mean", "missing-mean"))
    assert "dW1 = 1. / m * np.dot(dZ1, X.T) + lambd * W1 / m" in found


def test_a_value_finished_in_place_gets_its_mean_where_it_is_returned():
    text = "def loss(x, y, N):\n    dx = x.copy()\n    dx[y] -= 1\n    return 0, dx\n"
    assert ["return 0, dx / N"] in lines_of(text, 3, "dx", Mistake("drop-mean", "missing-mean"), "N")


def test_a_missing_term_goes_inside_the_activation_and_in_numpy():
    term = Mistake("drop-term", "forward-mismatch", ("b",), ("+",), "Z")
    assert "A = sigmoid(np.dot(w.T, X) + b)" in edited("A = sigmoid(np.dot(w.T, X))", term, "A")
    l2 = Mistake("drop-term", "forward-mismatch", ("sum(square(W1))",), ("+",))
    assert edited("cost = ce", l2, "cost")[0] == "cost = ce + np.sum(np.square(W1))"


def test_the_line_that_names_the_value_is_edited_not_the_one_that_computed_it():
    text = "import numpy as np\ndef f(X, W1, b1):\n    Z1 = W1 @ X + b1\n    A1 = Z1\n    return A1\n"
    assert lines_of(text, 3, "A1", Mistake("activation", "forward-mismatch", ("none",), ("tanh",)))[0] == ["A1 = np.tanh(Z1)"]


def test_a_returned_name_is_followed_to_where_it_was_computed():
    text = "import numpy as np\ndef cost(L, m):\n    c = -np.mean(L) / m\n    return float(c)\n"
    assert lines_of(text, 4, "cost", Mistake("add-mean", "extra-mean"))[0] == ["c = -np.mean(L)"]


# -- the named terms (term_edits.py): the L2 penalty, dropout, the correct class, the author's mistakes
def known(**define: str):
    from gradcheck.fixes.term_edits import Known

    return Known("m", ("lambd",), define.get)


def test_an_l2_term_twice_its_size_halves_the_strength_where_it_is_written():
    m = Mistake("l2-factor", "l2-wrong-factor", ("2.0",))
    out = edit_once(FUNC.format(line="c = (1 / m) * lambd * np.sum(np.square(W2))"), 4, "c", m, known())
    assert out[0].split("\n")[3].strip() == "c = (1 / m) * (lambd / 2) * np.sum(np.square(W2))"


def test_an_l2_gradient_half_its_size_loses_the_2_of_its_denominator():
    m = Mistake("l2-factor", "l2-wrong-factor", ("0.5",))
    out = edit_once(FUNC.format(line="dW2 = g / m + (lambd / (2 * m)) * W2"), 4, "dW2", m, known())
    assert out[0].split("\n")[3].strip() == "dW2 = g / m + (lambd / m) * W2"


def test_the_l2_norm_is_squared_before_it_is_summed():
    squares = edit_once(FUNC.format(line="c = np.square(np.sum(W1)) + np.square(np.sum(W2))"), 4, "c", Mistake("l2-all", "l2-wrong-norm", ("True",)), known())
    assert squares[0].split("\n")[3].strip() == "c = np.sum(np.square(W1)) + np.sum(np.square(W2))"
    plain = edit_once(FUNC.format(line="c = np.sum(W1) + np.sum(W2)"), 4, "c", Mistake("l2-all", "l2-wrong-norm", ("False",)), known())
    assert plain[0].split("\n")[3].strip() == "c = np.sum(np.square(W1)) + np.sum(np.square(W2))"


def test_a_weight_left_out_of_the_l2_sum_is_added_as_the_student_writes_the_others():
    out = edited("c = lambd * (np.sum(W1 ** 2) + np.sum(W2 ** 2))", Mistake("l2-layer", "l2-layer-missing", ("W3",)), "c")
    assert out[0] == "c = lambd * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))"


def test_a_missing_l2_term_an_integer_half_and_a_term_computed_but_not_added():
    text = "import numpy as np\ndef cost(ce, W1, lambd, m):\n    l2 = (1 // 2) * lambd / m * np.sum(np.square(W1))\n    return ce + l2\n"
    assert lines_of(text, 4, "cost", Mistake("l2-drop", "missing-l2-term"))[0] == ["l2 = (1 / 2) * lambd / m * np.sum(np.square(W1))"]
    text = "import numpy as np\ndef cost(ce, W1, lambd, m):\n    l2 = lambd / m * np.sum(np.square(W1))\n    c = ce\n    return c\n"
    found = [new.split("\n")[3].strip() for new in edit_once(text, 4, "c", Mistake("l2-drop", "missing-l2-term"), known())]
    assert found[0] == "c = ce + l2"


def test_a_missing_l2_gradient_term_is_the_reference_term_in_numpy():
    out = edit_once(FUNC.format(line="dW1 = g / m"), 4, "dW1", Mistake("l2-drop", "missing-l2-term"), known(dW1="g / m + lambd / m * W1"))
    assert out[0].split("\n")[3].strip() == "dW1 = g / m + lambd / m * W1"


def test_an_l2_term_subtracted_or_added_where_none_belongs():
    assert edited("dW2 = g / m - lambd / m * W2", Mistake("l2-subtract", "sign-flip"), "dW2")[0] == "dW2 = g / m + lambd / m * W2"
    out = edit_once(FUNC.format(line="db2 = np.sum(g, axis=1) / m + lambd / m * b2"), 4, "db2", Mistake("l2-extra", "extra-l2-term"), known())
    assert out[0].split("\n")[3].strip() == "db2 = np.sum(g, axis=1) / m"


def test_dropout_mask_and_keep_prob_are_put_back():
    assert edited("dA2 = dA2 * keep_prob", Mistake("keep-times", "dropout-scale", ("keep_prob",)), "dA2")[0] == "dA2 = dA2 / keep_prob"
    assert edited("dA2 = dA2 / keep_prob", Mistake("drop-mask", "dropout-mask", ("D2",)), "dA2")[0] == "dA2 = dA2 * D2 / keep_prob"
    none = Mistake("dropout-none", "dropout-mask")
    out = edit_once(FUNC.format(line="dA2 = np.dot(W3.T, dZ3)"), 4, "dA2", none, known(dA2="W3.T @ dZ3 * D2 / keep_prob"))
    assert out[0].split("\n")[3].strip() == "dA2 = np.dot(W3.T, dZ3) * D2 / keep_prob"


def test_a_wrong_operand_written_as_an_expression_is_replaced_keeping_its_transpose():
    wrong = Mistake("operand", "wrong-operand", ("A1", "A1_before_mask"))
    out = edit_once(FUNC.format(line="dW2 = 1. / m * np.dot(dZ2, np.maximum(0, Z1).T)"), 4, "dW2", wrong, known(A1_before_mask="relu(Z1)"))
    assert out[0].split("\n")[3].strip() == "dW2 = 1. / m * np.dot(dZ2, A1.T)"


def test_every_column_indexed_becomes_each_row_with_its_label():
    text = "import numpy as np\ndef loss(x, y):\n    N = x.shape[0]\n    loss = -np.sum(p[:, y]) / N\n    return loss\n"
    out = edit_once(text, 4, "loss", Mistake("index-all-columns", "class-indexing"), "N")
    assert out[0].split("\n")[3].strip() == "loss = -np.sum(p[np.arange(N), y]) / N"


def test_a_window_without_its_stride_gets_it_on_every_start():
    text = (
        "def pool(A, hp):\n    stride = hp['stride']\n    for h in range(3):\n        for w in range(3):\n"
        "            vs = h\n            hs = w\n            out = A[vs:vs + 2, hs:hs + 2]\n    return out\n"
    )
    out = lines_of(text, 7, "out", Mistake("stride", "stride-ignored"))
    assert out[0] == ["vs = h * stride", "hs = w * stride"]


def test_a_value_a_factor_too_large_is_divided_by_it():
    out = edited("dA[i] += np.ones(shape) * da", Mistake("factor", "wrong-scale", ("f * f",), ("*",)), "dA")
    assert out[0] == "dA[i] += np.ones(shape) * da / (f * f)"


def test_a_right_operand_the_function_never_names_is_written_as_its_formula():
    wrong = Mistake("operand", "wrong-operand", ("dZ", "A"))
    text = "import numpy as np\ndef grads(X, A, Y, m):\n    dw = np.dot(X, A.T) / m\n    return dw\n"
    assert lines_of_known(text, 3, "dw", wrong, known(dZ="A - Y"))[0] == ["dw = np.dot(X, (A - Y).T) / m"]


def lines_of_known(text: str, line: int, target: str, mistake: Mistake, k) -> list[list[str]]:
    old = text.split("\n")
    return [[b.strip() for a, b in zip(old, new.split("\n")) if a != b] for new in edit_once(text, line, target, mistake, k)]


def test_a_finding_at_the_start_of_the_value_is_undone_on_a_later_statement():
    # An untraced call (too slow to run again traced) is located where grads starts, not where it goes wrong.
    text = 'def L_back(dAL, caches):\n    grads = {}\n    dA, dW = step(dAL, caches[0], "relu")\n    grads["dW2"] = dW\n    return grads\n'
    wrong = Mistake("deriv", "wrong-activation-derivative", ("relu",), ("sigmoid", "Z2", "A2"), "dZ2")
    assert lines_of(text, 2, "dW2", wrong)[0] == ['dA, dW = step(dAL, caches[0], "sigmoid")']


def test_a_sum_assigned_in_the_loop_is_accumulated():
    text = "def back(xs):\n    dW = 0\n    for x in xs:\n        dWt = 2 * x\n        dW = dWt\n    return dW\n"
    assert lines_of(text, 2, "dW", Mistake("accumulate", "not-accumulated"))[0] == ["dW += dWt"]
