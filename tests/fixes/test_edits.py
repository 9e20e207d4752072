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
