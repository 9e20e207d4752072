"""Candidate edits for the windowed layers (gradcheck/fixes/edits_conv.py) and the spec-side
translations they need (known_more.py): each on a small function written for the test."""

from __future__ import annotations

import ast
from types import SimpleNamespace

from gradcheck.findings import Mistake
from gradcheck.fixes.edits import edit_once
from gradcheck.fixes.known_more import operand_swap, translate_more
from gradcheck.fixes.term_edits import Known

LAYER = '''import numpy as np


def layer_backward(g, saved, opts="full"):
    (x, k) = saved
    (n, rows, cols, ch) = x.shape
    s = opts["stride"]
    p = opts["pad"]
    out_rows = int((rows - 2) / s) + 1
    out_cols = int((cols - 2) / s) + 1
    gx = np.zeros(x.shape)
    dk = np.zeros(k.shape)
    x_p = zero_pad(x, p)
    gx_p = zero_pad(gx, p)
    for e in range(n):
        win_src = x_p[e]
        for r in range(out_rows):
            for q in range(out_cols):
                top = r
                left = q
                piece = win_src[top:top + 2, left:left + 2, :]
                dk[:, :, :] = piece * g[e, r, q]
                gx_p[e, top:top + 2, left:left + 2, :] += piece * g[e, r, q]
    if opts == "part":
        gx_p = gx_p * 0
    return gx_p, dk
'''


def lines_changed(text: str, new: str) -> list[tuple[str, str]]:
    return [(a.strip(), b.strip()) for a, b in zip(text.split("\n"), new.split("\n")) if a != b]


def line_of(text: str, start: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n"), 1) if ln.strip().startswith(start))


def edits(mistake: Mistake, at: str, target: str, batch: str = "n") -> list[list[tuple[str, str]]]:
    return [lines_changed(LAYER, new) for new in edit_once(LAYER, line_of(LAYER, at), target, mistake, Known(batch))]


def test_a_subscript_write_in_a_loop_accumulates():
    found = edits(Mistake("accumulate", "not-accumulated"), "dk[:, :, :] =", "dk")
    assert found[0] == [("dk[:, :, :] = piece * g[e, r, q]", "dk[:, :, :] += piece * g[e, r, q]")]


def test_a_forward_stride_is_put_back_on_every_window_start_with_the_students_name():
    found = edits(Mistake("stride-one", "stride-ignored", ("conv2d",)), "top = r", "gx")
    assert found[0] == [("top = r", "top = r * s"), ("left = q", "left = q * s")]


def test_the_output_size_gets_the_padding_on_each_line():
    found = edits(Mistake("size-without-pad", "padding", ("conv2d",)), "out_rows =", "gx")
    assert found[0] == [
        ("out_rows = int((rows - 2) / s) + 1", "out_rows = int((rows - 2 + 2 * p) / s) + 1"),
        ("out_cols = int((cols - 2) / s) + 1", "out_cols = int((cols - 2 + 2 * p) / s) + 1"),
    ]


def test_a_padded_return_is_cut_back_with_the_unpacked_sizes_first():
    found = edits(Mistake("unpad", "padding"), "return gx_p", "gx")
    assert found[0] == [("return gx_p, dk", "return gx_p[:, p:p + rows, p:p + cols, :], dk")]
    assert ("return gx_p, dk", "return gx_p[:, :, p:p + gx.shape[2], p:p + gx.shape[3]], dk") in [f[0] for f in found]


def test_the_wrong_operand_is_replaced_where_the_line_reads_what_was_computed_from_it():
    found = edits(Mistake("spec-operand", "wrong-operand", ("k", "x")), "gx_p[e,", "gx")
    assert found[0] == [("gx_p[e, top:top + 2, left:left + 2, :] += piece * g[e, r, q]", "gx_p[e, top:top + 2, left:left + 2, :] += k[:, :, :] * g[e, r, q]")]


def test_an_operand_written_as_a_product_becomes_the_right_name():
    text = "def f(dout, x_hat, std):\n    dgamma = (dout * (x_hat * std)).sum(axis=0)\n    return dgamma\n"
    out = edit_once(text, 2, "dgamma", Mistake("spec-operand", "wrong-operand", ("xhat", "x - mu")), Known("N"))
    assert out[0].split("\n")[1].strip() == "dgamma = (dout * x_hat).sum(axis=0)"


def test_a_mode_compared_with_a_name_the_spec_never_passes_is_renamed():
    text = 'def pool(a, mode="one"):\n    if mode == "one":\n        return a\n    elif mode == \'two_\':\n        return 2 * a\n    return 0 * a\n'
    out = edit_once(text, 4, "y", Mistake("all-zeros", "not-computed", ("two",), ("one",)), Known("m"))
    assert [lines_changed(text, o) for o in out] == [[("elif mode == 'two_':", "elif mode == 'two':")]]


def test_np_pad_of_every_axis_pads_the_middle_two_then_the_last_two():
    text = "import numpy as np\ndef zp(a, w):\n    b = np.pad(a, w, mode='constant')\n    return b\n"
    out = [o.split("\n")[2].strip() for o in edit_once(text, 3, "b", Mistake("pad-every-axis", "padding"), Known("m"))]
    assert out == ["b = np.pad(a, ((0, 0), (w, w), (w, w), (0, 0)), mode='constant')", "b = np.pad(a, ((0, 0), (0, 0), (w, w), (w, w)), mode='constant')"]


def test_a_max_over_one_axis_becomes_the_max_of_the_window():
    text = "import numpy as np\ndef mk(v):\n    t = v == np.max(v, axis=1)\n    return t\n"
    out = edit_once(text, 3, "t", Mistake("max-axis", "wrong-sum-axis", ("1",)), Known("m"))
    assert out[0].split("\n")[2].strip() == "t = v == np.max(v)"


def test_a_wrong_operator_turns_where_the_expression_has_the_right_shape():
    text = "def share(z, size):\n    (a, b) = size\n    v = z / (a + b)\n    return v\n"
    out = edit_once(text, 3, "v", Mistake("operator", "wrong-operator", ("u * w",)), Known("m"))
    assert out[0].split("\n")[2].strip() == "v = z / (a * b)"
    assert edit_once(text, 3, "v", Mistake("operator", "wrong-operator", ("f(u)",)), Known("m")) == []


def test_operand_swap_reads_the_first_differing_argument():
    parse = lambda t: ast.parse(t, mode="eval").body  # noqa: E731
    assert operand_swap(parse("back(g, k, s, x)"), parse("back_in(g, x, 2, s)")) == ("k", "x")
    assert operand_swap(parse("sum(g * xh, axis=0)"), parse("sum(g * (x - mu), axis=0)")) == ("xh", "x - mu")
    assert operand_swap(parse("back(g)"), parse("back(g)")) is None


def test_a_mode_translation_names_this_checks_literal_first():
    one = SimpleNamespace(name="pool_one", function="pool", args=["a", "=one"])
    two = SimpleNamespace(name="pool_two", function="pool", args=["a", "=two"])
    spec = SimpleNamespace(functions=(one, two))
    assert translate_more(spec, two, None, Mistake("all-zeros", "not-computed")) == Mistake("all-zeros", "not-computed", ("two",), ("one",))
    assert translate_more(spec, one, None, Mistake("spec", "padding", ("0",))) is None  # a spec mistake needs its formula


def test_keepdims_on_a_method_sum_is_added_or_taken_out():
    text = "def back(g, xn):\n    dg = (g * xn).sum(axis=(0, 2, 3))\n    return dg\n"
    added = edit_once(text, 2, "dg", Mistake("drop-keepdims", "missing-keepdims"), Known("N"))
    assert added[0].split("\n")[1].strip() == "dg = (g * xn).sum(axis=(0, 2, 3), keepdims=True)"
    removed = edit_once(added[0], 2, "dg", Mistake("add-keepdims", "extra-keepdims"), Known("N"))
    assert removed[0] == text


def test_a_mask_computed_and_never_read_multiplies_the_window_gradient():
    text = (
        "import numpy as np\ndef pool_back(g, a):\n    out = np.zeros_like(a)\n    for i in range(3):\n"
        "        win = a[i:i + 2]\n        hit = win == np.max(win)\n        out[i:i + 2] += g[i] + 0\n    return out\n"
    )
    out = edit_once(text, 7, "out", Mistake("mask-unused", "pool-mask"), Known("N"))
    assert out[0].split("\n")[6].strip() == "out[i:i + 2] += hit * (g[i] + 0)"


def test_rows_of_an_nchw_array_move_the_channels_last_and_back():
    text = (
        "def sbn_back(g, saved):\n    N, C, H, W = g.shape\n    rows = g.reshape(-1, C)\n"
        "    gr, d1, d2 = bn_back(rows, saved)\n    gx = gr.reshape(N, C, H, W)\n    return gx, d1, d2\n"
    )
    out = edit_once(text, 4, "d1", Mistake("channels-last", "reshape-not-transpose"), Known("N"))
    assert lines_changed(text, out[0]) == [
        ("rows = g.reshape(-1, C)", "rows = g.transpose(0, 2, 3, 1).reshape(-1, C)"),
        ("gx = gr.reshape(N, C, H, W)", "gx = gr.reshape(N, H, W, C).transpose(0, 3, 1, 2)"),
    ]


SOFT = (
    "import numpy as np\n\ndef soft(s, y):\n    N = s.shape[0]\n    p = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)\n"
    "    g = p.copy()\n    g /= N\n    return g\n"
)


def test_the_correct_class_gets_its_own_line_before_the_scaling():
    out = edit_once(SOFT, 7, "g", Mistake("correct-class-line", "correct-class", ("y", "1")), Known("N"))
    assert out[0].split("\n")[5:8] == ["    g = p.copy()", "    g[np.arange(N), y] -= 1", "    g /= N"]


def test_a_negated_value_built_over_lines_is_negated_back_on_each():
    text = SOFT.replace("g = p.copy()", "g = -p\n    g[np.arange(N), y] += 1")
    out = edit_once(text, 7, "g", Mistake("negate", "sign-flip"), Known("N"))
    assert lines_changed(text, out[0]) == [("g = -p", "g = p"), ("g[np.arange(N), y] += 1", "g[np.arange(N), y] -= 1")]


def test_the_margins_correct_class_is_zeroed_after_the_margins_line():
    text = "import numpy as np\n\ndef hinge(s, y, N):\n    mg = np.maximum(0, s - s[np.arange(N), y][:, None] + 1)\n    return np.sum(mg) / N\n"
    out = edit_once(text, 4, "loss", Mistake("margin-line", "correct-class", ("y",), (), "mg"), Known("N"))
    assert out[0].split("\n")[4] == "    mg[np.arange(N), y] = 0"


def test_a_flat_gradient_is_reshaped_to_the_inputs_shape():
    text = "def back(g, x, w):\n    gx = g @ w.T\n    return gx\n"
    out = edit_once(text, 2, "gx", Mistake("drop-reshape", "missing-reshape", ("x",)), Known("N"))
    assert out[0].split("\n")[1].strip() == "gx = (g @ w.T).reshape(x.shape)"


def test_a_line_edit_that_adds_a_line_keeps_the_line_before_it_and_applies():
    from gradcheck.fixes.verify import _line_edit, apply

    old = "a = 1\nb = 2\nc = 3"
    edit = _line_edit(None, old, "a = 1\nb = 2\nb += 1\nc = 3")
    assert (edit.line, edit.end_line, edit.before, edit.after) == (2, 2, "b = 2", "b = 2\nb += 1")
    other = _line_edit(None, old, "a = 0\nb = 2\nc = 3")
    assert apply({None: old}, [other, edit]) == {None: "a = 0\nb = 2\nb += 1\nc = 3"}
    assert _line_edit(None, old, old) is None and _line_edit(None, old, "x\ny\n" + old) is None


CHECK = '''import numpy as np


def check_n(params, grad, cost, eps=1e-7):
    n = params.shape[0]
    up, down, approx = np.zeros(n), np.zeros(n), np.zeros(n)
    for k in range(n):
        tp = params
        tp[k] = tp[k] + eps
        up[k] = cost(tp)
        tm = params
        tm[k] = tm[k] - eps
        down[k] = cost(tm)
        approx[k] = (down[k] - up[k]) / eps
    top = np.linalg.norm(grad - approx)
    diff = top / np.linalg.norm(grad) + np.linalg.norm(approx)
    return diff
'''


def repairs(tag: str, text: str = CHECK) -> list[list[tuple[str, str]]]:
    return [lines_changed(text, o) for o in edit_once(text, line_of(text, "diff ="), "diff", Mistake("difference-repair", tag), Known("m"))]


def test_a_central_difference_symptom_proposes_each_repair_its_function_allows():
    found = repairs("central-difference")
    assert [("approx[k] = (down[k] - up[k]) / eps", "approx[k] = (down[k] - up[k]) / (2 * eps)")] in found
    assert [("approx[k] = (down[k] - up[k]) / eps", "approx[k] = (up[k] - down[k]) / eps")] in found
    assert [("tp = params", "tp = np.copy(params)"), ("tm = params", "tm = np.copy(params)")] in found


def test_every_entry_moved_becomes_a_copy_with_entry_k_moved():
    text = CHECK.replace("tp = params\n        tp[k] = tp[k] + eps", "tp = params + eps\n        pass")
    found = repairs("central-difference", text)
    assert [("tp = params + eps", "tp = np.copy(params); tp[k] = tp[k] + eps")] in found


def test_the_denominator_is_parenthesized_and_a_bare_numerator_divided():
    assert repairs("missing-parentheses")[0] == [
        ("diff = top / np.linalg.norm(grad) + np.linalg.norm(approx)", "diff = top / (np.linalg.norm(grad) + np.linalg.norm(approx))")
    ]
    bare = CHECK.replace("diff = top / np.linalg.norm(grad) + np.linalg.norm(approx)", "diff = top")
    assert repairs("difference-formula", bare)[0] == [("diff = top", "diff = top / (np.linalg.norm(grad) + np.linalg.norm(approx))")]


def test_sums_of_squares_become_norms():
    text = CHECK.replace("np.linalg.norm(grad - approx)", "np.sum((grad - approx) ** 2)")
    assert repairs("difference-formula", text)[0] == [("top = np.sum((grad - approx) ** 2)", "top = np.linalg.norm(grad - approx)")]


def test_two_calls_at_the_same_point_move_the_first_to_the_other():
    text = "def check(x, th, f, eps=1e-7):\n    hi = th + eps\n    lo = th - eps\n    a = f(x, lo)\n    b = f(x, lo)\n    return (a - b) / (2 * eps)\n"
    found = [lines_changed(text, o) for o in edit_once(text, 6, "d", Mistake("difference-repair", "central-difference"), Known("m"))]
    assert [("a = f(x, lo)", "a = f(x, hi)")] in found


def test_a_key_one_layer_off_is_shifted_back():
    text = 'def back(gs, n):\n    out = {}\n    for j in range(n):\n        out["dq" + str(j + 1)] = gs[j]\n        out[f"dq{j}"] = gs[j]\n    return out\n'
    first = edit_once(text, 4, "dq3", Mistake("value-of", "wrong-index", ("dq2",)), Known("m"))
    assert first[0].split("\n")[3].strip() == 'out["dq" + str(j)] = gs[j]'
    second = edit_once(text, 5, "dq3", Mistake("value-of", "wrong-index", ("dq2",)), Known("m"))
    assert second[0].split("\n")[4].strip() == 'out[f"dq{j - 1}"] = gs[j]'


def test_a_helpers_derivative_at_z_gets_the_activation_on_a_line_of_its_own():
    text = (
        "import numpy as np\n\ndef act_back(g, saved):\n    z = saved\n    gz = g * z * (1 - z)\n    return gz\n\n"
        "def layer_back(g, saved):\n    gz = act_back(g, saved)\n    return gz\n"
    )
    out = edit_once(text, 9, "gz", Mistake("deriv-form-at-Z", "derivative-at-wrong-point", (), ("sigmoid", "z", "a")), Known("m"))
    assert out[0].split("\n")[3:6] == ["    z = saved", "    s = 1 / (1 + np.exp(-z))", "    gz = g * s * (1 - s)"]


def test_a_line_shaped_like_the_specs_wrong_formula_is_rewritten_into_the_right_one():
    text = "def bn_back(g, saved):\n    xh, k, sd, M = saved\n    db = g.sum(axis=0)\n    dk = (g * xh).sum(axis=0)\n    gx = k / sd * g\n    return gx\n"
    wrong, right = "k / sqrt(v + e) * g", "k / sqrt(v + e) / M * (M * g - db - x_h * dk)"
    out = edit_once(text, 5, "gx", Mistake("spec-rewrite", "missing-path", (wrong, right)), Known("M"))
    assert out[0].split("\n")[4].strip() == "gx = k / sd / M * (M * g - db - xh * dk)"
    unknown = (wrong, "k / sqrt(v + e) * (g - mean_of_g)")  # a name the function has no counterpart for
    assert edit_once(text, 5, "gx", Mistake("spec-rewrite", "missing-path", unknown), Known("M")) == []
