"""The words of ``check_grads`` reports: one place, built from numbers the check hands over."""

from __future__ import annotations

from typing import Any

import numpy as np

from .check import fd
from .check.compare import RULE as COMPARE_RULE
from .check.compare import Comparison
from .findings import CODES
from .report import Report


def label(name: str | None, position: int) -> str:
    """How a message names an argument: its parameter name and position."""
    return f"{name} (args[{position}])" if name else f"args[{position}]"


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


def _short(value: Any, limit: int = 60) -> str:
    """A value named by its type and shape, never dumped."""
    if isinstance(value, np.ndarray):
        return f"{type(value).__name__} of shape {value.shape} and dtype {value.dtype}"
    text = f"{type(value).__name__}"
    if isinstance(value, (tuple, list)):
        text += f" of length {len(value)}"
    return text[:limit]


def raised(target: str, exc: BaseException, when: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{target} raised {type(exc).__name__}{': ' + text if text else ''} ({when})."


def mutated(fname: str, what: str) -> str:
    return f"{fname} changed one of its differentiated arguments in place; finite differences of {what} would not mean anything."


def bad_value_type(fname: str, out: Any) -> str:
    return f"{fname} returned a {_short(out)}; it must return a real number or a float array."


def not_finite_value(fname: str) -> str:
    return f"{fname} returned NaN or infinity at the given arguments: nothing can be compared with it."


def not_finite_fd(fname: str) -> str:
    return f"{fname} is NaN or infinite at some θ ± h·v of the finite differences: nothing can be compared with it."


def bad_count(gname: str, got: Any, n: int, labels: list[str]) -> str:
    return (f"{gname} returned a {_short(got)}; it must return {n} gradient(s), one for each of {', '.join(labels)} "
            "(argnums= chooses the arguments that are differentiated).")


def bad_grad_type(gname: str, what: str, g: Any) -> str:
    return f"the gradient with respect to {what} from {gname} is a {_short(g)}; it must be a float numpy array."


def bad_shape(gname: str, what: str, got: tuple, expected: tuple, transposed: bool) -> str:
    text = f"the gradient with respect to {what} from {gname} has shape {got}; {what} has shape {expected}, and its gradient must too."
    return text + (" It is transposed." if transposed else "")


def not_finite_grad(gname: str, what: str, index: tuple[int, ...], count: int) -> str:
    return f"the gradient with respect to {what} from {gname} holds {count} NaN or infinite entr{'y' if count == 1 else 'ies'} (first at {_index(index) or 'the value'})."


def kinks(count: int, what: str) -> str:
    return f"{count} {what} straddle a kink (relu, max, abs) and were not compared."


def how_elementwise(total: int) -> str:
    return f"element by element: {total} entr{'y' if total == 1 else 'ies'}, 2 evaluations each"


def how_directional(kept: int, total: int) -> str:
    return f"{kept} random direction(s) through all {total} entries at once"


def worst_sentence(what: str, result: Comparison) -> str:
    if not result.worst:
        return ""
    index, got, exp = result.worst[0]
    return f" Worst at {what.split(' ')[0]}{_index(tuple(index))}: your gradient gives {got:.6g}, finite differences give {exp:.6g}."


def mismatch(what: str, fname: str, result: Comparison, tags: tuple[str, ...], sampled: bool) -> tuple[str, str]:
    checked = "entries checked one by one" if sampled else "entries"
    text = (f"The gradient with respect to {what} disagrees with central finite differences of {fname}: {result.mismatched} of "
            f"{result.total} {checked} differ (largest error by the rule {result.max_rel:.3g}, passes at ≤ {result.rtol:.3g}).")  # fmt: skip
    text += worst_sentence(what, result)
    if "transpose" in tags:
        return text + " Its transpose matches.", f"transpose the gradient of {what.split(' ')[0]} (a square matrix hides the wrong shape)"
    return text, f"re-derive the gradient of {what.split(' ')[0]} and compare it with its finite differences entry by entry"


def scale(what: str, ratio: float, shapes: list[tuple[int, ...]]) -> tuple[tuple[str, ...], str, str]:
    """Tags, sentence and fix for a gradient that is ``ratio`` times the finite differences."""
    name = what.split(" ")[0]
    sign = ("sign-flip",) if ratio < 0 else ()
    flipped = " and its sign is flipped" if ratio < 0 else ""
    mag = abs(ratio)
    sizes = sorted({int(d) for s in shapes for d in s if d > 1})
    if np.isclose(mag, 1.0, rtol=1e-6):
        return ("sign-flip",), f"The gradient with respect to {what} has the wrong sign: it is exactly −1 times the finite differences.", f"negate the gradient of {name}"
    for n in sizes:
        if np.isclose(mag, n, rtol=1e-6):
            return (sign + ("missing-mean",), f"The gradient with respect to {what} is {n} times too large{flipped}: {n} is a size of the inputs, "
                    "so a mean (1/N) is probably missing.", f"divide the gradient of {name} by {n} where f takes a mean")  # fmt: skip
        if np.isclose(mag * n, 1.0, rtol=1e-6):
            return (sign + ("extra-mean",), f"The gradient with respect to {what} is {n} times too small{flipped}: {n} is a size of the inputs, "
                    "so it is probably divided by N once too often.", f"remove the extra 1/{n} from the gradient of {name}")  # fmt: skip
    return (sign + ("wrong-scale",), f"The gradient with respect to {what} is off by a constant factor {ratio:.6g}.", f"remove the factor {ratio:.6g} from the gradient of {name}")


def joint_only(fname: str, result: Comparison) -> str:
    return (f"Random directional derivatives of {fname} through all arguments disagree with your gradients (largest error by the rule "
            f"{result.max_rel:.3g}), but neither the directions through each argument alone nor the entries checked one by one "
            f"located it. Run again with mode='elementwise' (slow) or more samples=.")  # fmt: skip


def directions_only(what: str, fname: str, result: Comparison, n_samples: int) -> tuple[str, str]:
    text = (f"The gradient with respect to {what} disagrees with finite differences of {fname} along random directions through "
            f"{what.split(' ')[0]} alone (largest error by the rule {result.max_rel:.3g}, passes at ≤ {result.rtol:.3g}); the {n_samples} "
            f"entries checked one by one agree, so few entries are wrong.")  # fmt: skip
    return text, f"pass a larger samples= or mode='elementwise' to find the entries of {what.split(' ')[0]} that are wrong"


def rules(rtol: float, itemsize: int, vjp: bool) -> list[str]:
    out = [f"finite differences: {fd.RULE} ({fd.dtype_name(itemsize)})",
           f"gradients: {COMPARE_RULE}, rtol = {rtol:g}, plus the rounding noise of one central difference; kinks are not compared"]  # fmt: skip
    if vjp:
        out.append("array-valued f: the gradients checked are those of Σ dout · f(*args), dout standard normal (seeded)")
    return out


def check_summary(findings: list, target: str) -> str:
    mine = [f for f in findings if f.target == target and f.level == "error"] or [f for f in findings if f.level == "error"]
    return f"{mine[0].code} {CODES[mine[0].code].name}" if mine else ""


def explanation(report: Report) -> str:
    """The plain-text reason a check failed, for an AssertionError (pytest shows it whole)."""
    errors = [f for f in report.findings if f.level == "error"]
    lines = [f"check_grads: {report.title}: {len(errors)} problem{'s' if len(errors) != 1 else ''}"]
    for f in errors:
        lines.append(f"{f.code} {CODES[f.code].name} · {f.target}: {f.message}")
        worst = f.stats.get("worst") or []
        if worst:
            lines.append(f"    {'index':<14}{'got':>14}{'expected':>14}")
            for idx, got, exp in worst[:5]:
                lines.append(f"    {str(tuple(idx)):<14}{got:>14.6g}{exp:>14.6g}")
        if f.hint:
            lines.append(f"    fix: {f.hint}")
    lines += [f"rule: {r}" for r in report.rules]
    return "\n".join(lines)


def render_text(report: Report) -> str:
    from .render.console import capture
    from .render.text import render

    return capture(lambda console: render(report, console), width=100)
