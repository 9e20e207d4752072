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
