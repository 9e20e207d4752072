"""The words of every finding, in one place: one function per code turns a problem record
(problems.py) into its message, its fix and its extra lines, as Elm's and ruff's diagnostics do.

Detection decides what is wrong and where; nothing here looks at a submission.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..findings import CODES, GC, Finding
from . import problems as P
from .messages_checks import check_mismatch, dropout_statistic
from .messages_loading import gc011, place_label
from .mutations import as_mistake
from .wording import Words, exception_hint, expected_words, j_vs_l, name_hint, sentence, structure_words


def finding(p: P.Problem) -> Finding:
    """The finding a problem becomes."""
    code = p.code
    words = WRITERS[code](p)
    tags = p.tags if p.tags is not None else CODES[code].tags
    details = words.details + ((UNGRADED[p.ungraded],) if p.ungraded else ())
    return Finding(
        code,
        p.target,
        words.message,
        tags=tags,
        severity=p.severity,
        location=p.where,
        hint=words.hint,
        formula=p.formula,
        chain=p.chain,
        stats=p.stats,
        check=p.check,
        caused_by=p.caused_by,
        details=details,
        mistakes=tuple(tuple(as_mistake(m) for m in combo) for combo in getattr(p, "explained", ())[:3]),
    )


UNGRADED = {
    "warn": "not graded: the assignment leaves this function's mistakes in place (graded: warn), so this is a warning and costs no points",
    "no-points": "not graded: this function is worth no points here, so this is a warning",
}


def _texts(combo: P.Combo) -> str:
    return "; ".join(m.text for m in combo)


def _fixes(combo: P.Combo) -> str:
    return "; ".join(m.fix for m in combo)


def _capital(text: str) -> str:
    return _capital_first(text) + "."


def _capital_first(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- GC0xx: loading and running ------------------------------------------------------------------------
def gc001(p: P.Unparsable) -> Words:
    if p.cell is not None:
        return Words(
            f"Python cannot read {place_label(p.cell)}: {p.error}",
            "fix the syntax error in that cell; the functions it defines were not checked",
        )
    where = f" (line {p.line}, column {p.column})" if p.line else ""
    return Words(
        f"Python cannot read this file: {p.error}{where}",
        "correct that line (or the one above it: an unclosed bracket is reported a line late); nothing else was checked",
    )


def _during(p: P.RunFailed) -> str:
    return "while importing the file" if p.importing else f"in {p.function}"


def gc002(p: P.RunFailed) -> Words:
    return Words(
        f"{p.error_type}: {p.error}".strip(": ") + f" {_during(p)}.",
        "this ran while importing the file, in top-level code: remove leftover tests, training or plotting, "
        'or put them under if __name__ == "__main__":',
    )


def gc003(p: P.MissingFunction) -> Words:
    if p.suggestion:
        return Words(f"The file defines {p.suggestion} but not {p.call}; did you mean {p.call}?", f"rename {p.suggestion} to {p.call}")
    return Words(
        f"The assignment needs a function named {p.call}, but the file does not define it.", f"define {p.call}({', '.join(p.args)})"
    )


def gc004(p: P.RunFailed) -> Words:
    who = "Importing the file" if p.importing else p.function
    limit = p.error.replace("no answer within ", "")
    return Words(
        f"{who} did not finish within the time limit ({limit}), so gradcheck stopped it.",
        "look for a loop that never ends, or work that does not depend on the inputs",
    )


def gc005(p: P.RunFailed) -> Words:
    text = f"{p.error_type}: {p.error}".strip(": ")
    return Words(
        f"The memory limit was exceeded {_during(p)} ({text}).",
        "an array far larger than the inputs was allocated; check the shapes you create",
    )


def gc006(p: P.RunFailed) -> Words:
    if p.kind == "exit":
        return Words(
            f"Your code called sys.exit() / raised SystemExit {_during(p)}; that is a failure, not a pass.",
            "remove the exit: return the values instead",
        )
    detail = p.error if p.kind == "protocol" else p.error.replace("the process ", "")
    who = "Importing the file" if p.importing else p.function
    return Words(
        f"{who} ended the whole Python process ({detail}) instead of returning a result.",
        "do not call os._exit, exit() or sys.exit() in graded code: return the values instead",
    )


def gc007(p: P.OutputTruncated) -> Words:
    return Words(
        "Your code printed more than the output limit; the rest of its output was dropped.", "remove debugging prints from graded functions"
    )


LIMITS = {
    "processes": "how many processes your code may start (gradcheck runs as root; starting processes is refused anyway)",
    "memory": "memory (this platform does not enforce the cap)",
    "cpu": "CPU time",
    "file-size": "file sizes",
    "file-view": "the file view that hides the rest of this computer from your code (gradcheck runs as root with neither namespaces nor Landlock, and could not chroot)",
}


def gc008(p: P.LimitUnavailable) -> Words:
    names = "; ".join(LIMITS.get(u, u) for u in p.limits)
    return Words(f"A limit cannot be enforced here: {names}. Your code is still graded, and every call still has its time limit.")


def gc009(p: P.RunFailed) -> Words:
    return Words(
        f"Your code uses the name '{p.name}' {_during(p)}, but the file never defines it (a notebook global or a helper from another cell?).",
        name_hint(p.name or ""),
    )


def gc010(p: P.OlderApi) -> Words:
    return Words(f"Your {p.call} follows {p.convention}; gradcheck called it and read its result that way.")


# -- GC1xx: what a function returned ---------------------------------------------------------------------
def gc101(p: P.RunFailed) -> Words:
    if p.callee:
        return _raised_in_callee(p)
    hint = exception_hint(p.error_type, p.error)
    if p.nd_args:  # an N-d input in a matrix product: flatten it, no transpose makes it fit
        names = " and ".join(p.nd_args)
        hint = (
            f"{names} can have more than two dimensions, (N, d1, ..., dk): reshape it to (N, D) first, "
            f"{p.nd_args[0]}.reshape({p.nd_args[0]}.shape[0], -1), before the matrix product (and reshape a gradient back to its shape)"
        )
    return Words(f"{p.error_type}: {p.error}".strip(": ") + f" {_during(p)}.", hint)


WHY_NOT_ARRAY = {
    "list": " A list is not an array: use np.array or keep the numpy result.",
    "matrix": " np.matrix changes what * means (matrix product); use plain arrays.",
    "integer": " An integer array truncates every gradient to whole numbers.",
    "complex": " Gradients are real numbers; a complex dtype means something went wrong upstream.",
}
EMPTY_TUPLE = (
    " An empty tuple () is what `.shape` of a 0-d array gives, and `np.allclose(x, ())` is vacuously True — "
    "which is why a notebook test may have passed."
)


def gc102(p: P.WrongStructure | P.NotANumber | P.NotAnArray) -> Words:
    if isinstance(p, P.WrongStructure):
        return Words(sentence(p.account), f"return {p.returns}")
    if isinstance(p, P.NotANumber):
        fix = "float(np.squeeze(cost))" if p.is_cost else f"a float for {p.target}"
        msg = f"{p.target} must be a single number (a float), but {p.call} returned {p.got}."
        return Words(msg + (EMPTY_TUPLE if p.empty_tuple else ""), f"return {fix}")
    why = WHY_NOT_ARRAY.get(p.why or "", "")
    return Words(
        f"{p.target} must be a float numpy array of shape {p.shape}, but {p.call} returned {p.got}.{why}",
        f"return {p.target} as a float numpy array",
    )


def gc103(p: P.MissingKey) -> Words:
    return Words(sentence(p.account), f"use the key '{p.key}'" if p.suggested else f"add '{p.key}' to the returned dict")


def gc104(p: P.WrongShape) -> Words:
    if p.consistent:
        return _other_layout(p)
    like = f" — a gradient has the shape of what it differentiates: {p.target} is shaped like {p.wrt}" if p.wrt else ""
    text = f"{p.target} has shape {p.got} but should have shape {p.expected}{like}."
    hint = None
    details: list[str] = []
    if p.fixed_shape is not None:
        text += f" It stays {p.fixed_shape} in every trial while the sizes change: a size looks hard-coded."
        hint = "take every size from the arguments (n_h, X.shape[1], …) instead of writing numbers"
    if p.explained:
        changes = {1: "one change", 2: "two changes"}.get(len(p.explained[0]), f"{len(p.explained[0])} changes")
        text += f" Your value matches the reference with {changes}: " + _texts(p.explained[0]) + "."
        hint = _fixes(p.explained[0])
        details = ["also consistent: " + _texts(other) for other in p.explained[1:3]]
    elif p.layout == "transpose":
        hint = "the result is transposed: swap the order of the matrix product or drop a .T"
    elif p.layout == "keepdims":
        hint = "add keepdims=True to the sum so the result stays a column"
    return Words(text, hint, tuple(details))


def _other_layout(p: P.WrongShape) -> Words:
    """A local variable laid out differently from the course, used consistently: a convention, not a mistake."""
    how = " (the transpose of the course's layout)" if p.layout == "transpose" else ""
    return Words(
        f"Your {p.target} has shape {p.got}{how}, where the course writes {p.expected}. You use it consistently and every "
        "graded value of this function is right, so this is a difference of convention, not a mistake.",
        f"to follow the course (its tests and the next assignments use that layout), build {p.target} with shape {p.expected}",
    )


def gc105(p: P.NotFinite) -> Words:
    return Words(
        f"{p.target} contains {', '.join(p.kinds)} in {p.count} of {p.size} entries.",
        "look for a division by zero, log(0), or an overflow in exp",
    )


def gc106(p: P.Nondeterministic) -> Words:
    names = ", ".join(p.names)
    return Words(
        f"Calling {p.call} twice with the same inputs gave different {names}. A gradient must be a function of the inputs only.",
        f"{p.call} must not draw random numbers (a dropout mask belongs in the forward pass's cache) or keep state between calls",
    )


def gc107(p: P.Mutated) -> Words:
    names = ", ".join(p.names)
    return Words(
        f"{p.call} changed its input {names} in place. The caller's arrays change too: in a notebook, whatever variable you pass in again "
        "(a cache, dout, X) now holds different values.",
        "make a copy before modifying (x = x.copy()), or use operations that return new arrays (dZ = dA * mask)",
    )


def gc108(p: P.ThreadLeftRunning) -> Words:
    what = f"{p.call} returned" if p.call else "Importing your file finished"
    count, was = ("a thread", "was") if p.threads == 1 else (f"{p.threads} threads", "were")
    origin = "it started" if p.own else "your file started between calls"
    return Words(
        f"{what} while {count} {origin} {was} still running. What a thread does later (writing into the arguments, a cache, a global) happens "
        "after the call was checked, so its side effects cannot be vouched for: in a notebook, the arrays you passed in may change under you.",
        "do the work in the function itself, or wait for the thread before returning (thread.join())",
    )


# -- GC2xx and GC3xx: wrong values -------------------------------------------------------------------------
def value_mismatch(p: P.ValueMismatch) -> Words:
    """GC201, GC202, GC203, GC301 and GC302: one account, whichever the role of the value."""
    details: list[str] = []
    if p.scale is not None:
        text = f"{p.scale.text}."
        if p.mean_story is not None:
            s = p.mean_story
            text += " " + j_vs_l(s.name, s.wrt, s.per_example, s.batch)
        details = ["matches: " + _texts(combo) for combo in p.explained[:2]]
        hint: str | None = _capital(p.scale.fix)
    elif p.explained:
        first = p.explained[0]
        text = f"{p.target} is wrong: {_texts(first)}."
        # Alternatives that name a different kind of mistake are worth showing; the same
        # mistake written two ways (relu′(Z1) and A1 > 0) is not.
        others = [o for o in p.explained[1:] if {m.tag for m in o} != {m.tag for m in first}]
        if others:
            text += " Another explanation fits equally well; see below."
            details = ["also fits: " + _texts(other) for other in others[:2]]
        hint = _capital(_fixes(first))
    else:
        text = (
            f"{p.target} differs from the reference in {p.mismatched} of {p.total} entries (largest relative error {p.max_rel:.3g}). "
            "No mistake in gradcheck's catalog reproduces your value, so here are the facts only."
        )
        hint = None
    if p.note and hint is None:
        hint = p.note
    elif p.note:
        details.append(p.note)
    return Words(text, hint, tuple(details))


def gc303(p: P.FollowsUpstream | P.CalleeBroken) -> Words:
    if isinstance(p, P.CalleeBroken):
        return Words(
            f"{p.caller} relies on {p.cause}, which is wrong (see above); this finding most likely follows from it: "
            f"fix {p.cause} first, then check again. What gradcheck saw: {p.seen}"
        )
    c = p.causes
    return Words(f"{p.target} is wrong only because {c} is wrong: given your {c}, your {p.target} is computed correctly. Fix {c} first.")


def follows_summary(cause: str, targets: Sequence[str], callee: bool) -> str:
    """The text report's one line for the GC303 findings that follow from one cause: a value of
    the same function (given your dZ1, your dW1 is right: checked), or a graded function the
    caller relies on (``callee``: its own error, most likely behind the caller's)."""
    names = ", ".join(dict.fromkeys(targets))
    if callee:
        return (
            f"{names}: most likely wrong only because {cause}, which these functions call, is wrong (see above) — "
            f"fix {cause} first, then check again (GC303)"
        )
    return f"{names}: computed correctly from your {cause}, wrong only because {cause} is wrong — fixing {cause} fixes them (GC303)"


def follows_note(cause: str) -> str:
    """The table's note for a value whose finding follows from another error (GC303)."""
    return f"follows from {cause}"


def gc304(p: P.FdDisagreement) -> Words:
    names = ", ".join(p.names)
    where = f" Entry by entry: {p.example}." if p.example else ""
    return Words(
        f"Your {names} match{'es' if len(p.names) == 1 else ''} the reference, but not finite differences of the cost computed by your own "
        f"{' and '.join(p.functions)} (largest relative error {p.worst:.3g}).{where} Your forward pass or cost disagrees with your backward pass "
        "— see their findings.",
        "fix the forward pass or the cost; a notebook gradient check would fail for the same reason",
    )


def gc305(p: P.LocalMissing) -> Words:
    return Words(
        f"{p.call} has no local variable named {p.target}, so gradcheck could not check that intermediate step on its own; "
        "the returned gradients are still checked.",
        f"name the intermediate {p.target} (it is {p.shown} = {p.reference}) to get step-by-step diagnosis",
    )


def sampled_entry(name: str, index: str, mine: float, numeric: float, mismatched: int, checked: int) -> str:
    """The worst entry of a gradient checked one by one against finite differences."""
    return (
        f"at {name}[{index}] your backward pass gives {mine:.6g}, finite differences of your forward pass "
        f"and cost give {numeric:.6g} ({mismatched} of {checked} entries checked one by one disagree)"
    )


# -- GC4xx: other sizes, kinks -------------------------------------------------------------------------------
def _because(p: P.Fragile) -> str:
    if p.depth is not None:  # another number of layers: a hard-coded layer count breaks here
        return (
            f"It works only for the number of layers in this assignment's trials (L = {p.spec_depth}): look for a layer count "
            "or a layer index written as a number instead of taken from len(parameters) // 2 or len(caches)."
        )
    return "It works here only because of the sizes, and would break in a network with more output units."


def gc401(p: P.Fragile) -> Words:
    because = _because(p)
    if isinstance(p, P.FragileRaised):
        hint = "use a matrix product (np.dot or @) where the math has one" if p.matmul else None
        return Words(
            f"Your {p.call} passes at this assignment's sizes but fails with {p.sizes}: {p.error_type}: {p.error}. {because}", hint
        )
    if isinstance(p, P.FragileIncomplete):
        return Words(f"Your {p.call} passes at this assignment's sizes but not with {p.sizes}: {p.account.rstrip('.')}. {because}")
    assert isinstance(p, P.FragileValue)
    shape_note = f" (shape {p.got_shape} instead of {p.expected_shape})" if p.got_shape is not None else ""
    what = _texts(p.explained[0]) if p.explained else "a different value"
    hint = _fixes(p.explained[0]) if p.explained else None
    return Words(
        f"Your {p.shown} is right at this assignment's sizes only by accident: with {p.sizes} it is wrong{shape_note} — {what}. {because}",
        hint,
    )


def gc402(p: P.KinkSkipped) -> Words:
    if p.everything:
        return Words(f"All {p.count} random directions straddle a kink (relu, max); the finite-difference check was skipped.")
    what = "random direction(s)" if p.directional else "finite-difference element(s)"
    return Words(f"{p.count} {what} straddle a kink (relu, max) and were not compared.")


WRITERS: dict[str, Callable] = {
    GC.SYNTAX_ERROR: gc001,
    GC.IMPORT_FAILED: gc002,
    GC.MISSING_FUNCTION: gc003,
    GC.TIMEOUT: gc004,
    GC.MEMORY_LIMIT: gc005,
    GC.PROCESS_DIED: gc006,
    GC.OUTPUT_TRUNCATED: gc007,
    GC.LIMIT_UNAVAILABLE: gc008,
    GC.UNDEFINED_NAME: gc009,
    GC.OLDER_API: gc010,
    GC.SKIPPED_CODE: gc011,
    GC.CALL_RAISED: gc101,
    GC.WRONG_TYPE: gc102,
    GC.MISSING_KEY: gc103,
    GC.WRONG_SHAPE: gc104,
    GC.NOT_FINITE: gc105,
    GC.NONDETERMINISTIC: gc106,
    GC.INPLACE_MUTATION: gc107,
    GC.THREAD_LEFT_RUNNING: gc108,
    GC.FORWARD_MISMATCH: value_mismatch,
    GC.COST_MISMATCH: value_mismatch,
    GC.VALUE_MISMATCH: value_mismatch,
    GC.GRADIENT_MISMATCH: value_mismatch,
    GC.SCALE_MISMATCH: value_mismatch,
    GC.FOLLOWS_UPSTREAM: gc303,
    GC.FD_DISAGREEMENT: gc304,
    GC.INTERMEDIATE_NOT_FOUND: gc305,
    GC.FRAGILE_BY_SIZE: gc401,
    GC.KINK_SKIPPED: gc402,
}


# -- notes in the table of checks ------------------------------------------------------------------------
def fd_summary(checked: int, directional: bool, disagree: list[str], example: str | None) -> str:
    """The gradient check's row: how much was compared, and which gradients disagree."""
    how = f"{checked} random directions through all parameters" if directional else f"{checked} finite differences"
    summary = f"{how} agree" if not disagree else "disagrees: " + ", ".join(disagree)
    return summary + (f" — {example}" if example is not None else "")


def constant_cost_note() -> str:
    return "your cost does not change when the parameters do: zero gradients agree with it without checking anything"


def side_effects_note(mutated: tuple[str, ...], changed: tuple[str, ...], threads: str = "") -> str:
    """``threads``: "call" when the function left a thread running, "elsewhere" when one started
    elsewhere still ran as it returned, "import" when the import left one running."""
    notes = []
    if threads == "call":
        notes.append("left a thread running")
    elif threads:
        notes.append(f"a thread your file started {'between calls' if threads == 'elsewhere' else 'at import'} was still running")
    if mutated:
        notes.append(f"modified its input {', '.join(mutated)}")
    if changed:
        notes.append(f"{', '.join(changed)} changed between calls")
    return "; ".join(notes)


def upstream_evidence(cause: str, wrong: tuple[str, ...], depends: bool, raised_before: bool = False) -> str:
    """One detail line: which upstream fix was tried for a caller's finding, and what it showed."""
    what = f"{cause}'s wrong {', '.join(wrong)}" if wrong else f"{cause}'s error"
    if raised_before:
        return f"Checked against {what}: the error was raised before {cause} was called, so fixing {cause} alone will not remove it."
    if depends:
        return f"Checked against {what}: this value is computed from it, so it follows from {cause}."
    return f"Checked against {what}: this value does not depend on it, so fixing {cause} alone will not correct it."


_FORWARD_VALUE = WRITERS[GC.FORWARD_MISMATCH]


def _forward_mismatch(p: P.Problem) -> Words:
    if isinstance(p, P.CheckMismatch):
        return check_mismatch(p)
    if isinstance(p, P.DropoutStatistic):
        return dropout_statistic(p)
    return _FORWARD_VALUE(p)


WRITERS[GC.FORWARD_MISMATCH] = _forward_mismatch


# -- GC101 raised inside a graded function that passes its own checks (diagnose/crash.py) ------------------
def _raised_in_callee(p: P.RunFailed) -> Words:
    said = f"{p.error_type}: {p.error}".strip(": ")
    msg = f"{said} inside {p.callee}, called from {p.function}. Your {p.callee} passes its own checks, so what goes wrong is what this call hands it."
    m = p.misfit
    if m is None:
        return Words(msg, f"check each argument of this call to {p.callee} against what {p.callee} takes")
    shown = dict(m.shown)
    items = m.got.items if m.got.type in ("list", "tuple") else ()
    whole = bool(items) and len({i.type for i in items}) == 1 and m.got.length != len(m.expected or ())
    got = structure_words(m.got)
    msg += f" `{m.expr}` is {got}; {p.callee} expects `{m.param}` to be {expected_words(m.expected, shown)}."
    if whole:
        msg += f" Did you mean one item of `{m.expr}` (such as `{m.expr}[l]`)?"
    return Words(msg, f"pass {p.callee} what it expects as `{m.param}`: {expected_words(m.expected, shown)}")
