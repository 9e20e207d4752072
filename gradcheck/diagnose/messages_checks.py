"""The words of GC201 for a function's extra checks (diagnose/extra_checks.py): a call in another
mode or an argument read back that differs from the reference, and the dropout statistics. Part
of messages.py, kept apart for size."""

from __future__ import annotations

from . import problems as P
from .wording import Words


# -- GC201 for checks: calls in another mode, arguments read back, dropout statistics --------------------
def check_mismatch(p: P.CheckMismatch) -> Words:
    what = f"{p.target} as {p.function} leaves it in its argument" if p.read_back else f"{p.target} from {p.function}"
    if p.unreadable:
        return Words(f"{_capital_first(p.label)}: {p.unreadable}.", None)
    text = (
        f"{_capital_first(p.label)}: {what} differs from the reference in {p.mismatched} of {p.total} entries "
        f"(largest relative error {p.max_rel:.3g})."
    )
    hint = f"Compare your code for {p.label} with the formula below." if p.formula else None
    return Words(text, hint)


def dropout_statistic(p: P.DropoutStatistic) -> Words:
    chance = f"false-alarm rate {p.alpha:.0e} per test"
    if p.kind == "mask-values":
        text = (
            f"{p.function}'s mask is not 0/1: over {p.units} units, out / x takes values from {p.low:.3g} to {p.high:.3g}, "
            f"where inverted dropout gives only 0 and one scale, 1/keep = {1 / p.keep:.4g}. The uniform draw is used as it is."
        )
        return Words(text, "Threshold the uniform draw against the keep probability (rand < keep), then divide the kept units by keep.")
    if p.kind == "kept-fraction":
        text = (
            f"{p.function} keeps {p.kept:.2%} of {p.units} units; with keep probability {p.keep:.4g} it should keep "
            f"{p.keep:.2%} (± {p.kept_tolerance:.2%} allows for chance, {chance})."
        )
        if p.keeps_complement:
            text += " It keeps 1 − keep: the comparison is the wrong way round (rand > keep keeps a unit with probability 1 − keep)."
        return Words(text, "Keep a unit when the uniform draw is below the keep probability: mask = rand < keep.")
    if p.kind == "scale":
        text = (
            f"{p.function} scales the kept units by {p.scale:.4g}; inverted dropout divides them by the keep probability "
            f"(1/{p.keep:.4g} = {1 / p.keep:.4g}) so that E[out] = x. Here mean(out / x) = {p.mean_ratio:.4g} "
            f"(1 ± {p.mean_tolerance:.2g} allows for chance, {chance})."
        )
        return Words(text, "Divide the kept units by the keep probability, in the forward pass and the same mask in the backward pass.")
    text = (
        f"{p.function} drops the same units all along axis {p.axis}: {p.agree:.1%} of neighbouring pairs along it are "
        f"kept or dropped together, where units drawn independently agree in {p.agree_expected:.1%} "
        f"(+{p.agree_tolerance:.2%} allows for chance, {chance}). The mask is reused instead of drawn for every unit."
    )
    return Words(text, "Draw the mask with the shape of the whole input (np.random.rand(*x.shape)), not one row or column.")


def _capital_first(text: str) -> str:
    return text[:1].upper() + text[1:]
