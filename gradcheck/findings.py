"""Findings: the data every renderer reads.

A finding is one observation about a submission. Codes and tags are a public
contract (see docs/codes.md): codes are never reused or renumbered; a retired code
stays in ``CODES`` with ``retired`` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]

# The stable tag vocabulary (README "Tags"). Order is documentation order.
TAGS: tuple[str, ...] = (
    "missing-mean",
    "extra-mean",
    "wrong-scale",
    "sign-flip",
    "transpose",
    "shape",
    "missing-keepdims",
    "wrong-sum-axis",
    "matmul-vs-elementwise",
    "wrong-operand",
    "wrong-activation-derivative",
    "derivative-at-wrong-point",
    "missing-activation-derivative",
    "forward-mismatch",
    "cost-mismatch",
    "value-mismatch",
    "missing-function",
    "missing-key",
    "wrong-type",
    "syntax-error",
    "runtime-error",
    "timeout",
    "memory",
    "not-finite",
    "nondeterministic",
    "inplace-mutation",
    "stride-ignored",
    "time-carry-missing",
    "wrong-gate",
    "pool-mask",
    "reshape-not-transpose",
    "not-accumulated",
    "dropout-mask",
    "kept-fraction",
    "shared-mask",
    "running-average",
    "test-mode",
    # Named mistakes of the forward pass, the L2 and dropout terms, the losses and the batch size.
    "missing-term",
    "wrong-activation",
    "missing-activation",
    "missing-l2-term",
    "l2-layer-missing",
    "l2-wrong-norm",
    "l2-wrong-factor",
    "extra-l2-term",
    "dropout-scale",
    "correct-class",
    "class-indexing",
    "m-wrong-axis",
    # Named mistakes of CS231n's recurrent layers: the upstream gradient, embeddings, masks.
    "upstream-not-added",
    "repeated-index",
    "mask-ignored",
    # Slips in writing a formula, the gradient check's own mistakes, a path of the chain rule.
    "missing-parentheses",
    "extra-activation-derivative",
    "swapped-log-terms",
    "wrong-operator",
    "central-difference",
    "difference-formula",
    "missing-path",
    "wrong-index",
    "not-computed",
    "extra-keepdims",
    "missing-reshape",
    "padding",
    "thread-left-running",
)


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str
    tags: tuple[str, ...] = ()
    retired: str | None = None


_CODE_LIST = (
    # GC0xx: loading the submission and running it
    Code("GC001", "syntax-error", "error", "The submission does not parse as Python.", ("syntax-error",)),
    Code("GC002", "import-failed", "error", "Importing the submission raised an exception.", ("runtime-error",)),
    Code("GC003", "missing-function", "error", "A function the assignment needs is not defined.", ("missing-function",)),
    Code("GC004", "timeout", "error", "A call did not finish within the time limit.", ("timeout",)),
    Code("GC005", "memory-limit", "error", "The submission exceeded the memory limit.", ("memory",)),
    Code("GC006", "process-died", "error", "The process running the submission exited or was killed.", ("runtime-error",)),
    Code("GC007", "output-truncated", "info", "The submission printed more than the output cap; the rest was dropped."),
    Code("GC008", "limit-unavailable", "info", "A resource limit cannot be enforced on this platform."),
    Code("GC009", "undefined-name", "error", "A function uses a name that is not defined in the file (often a notebook global).", ("runtime-error",)),
    Code("GC010", "older-api", "info", "The file uses an older generation of the course's API; gradcheck graded it that way."),
    Code("GC011", "skipped-code", "info", "Top-level notebook code was left out, or a function defined in two cells was graded from one of them."),
    # GC1xx: what a function returned
    Code("GC101", "call-raised", "error", "A graded function raised an exception.", ("runtime-error",)),
    Code("GC102", "wrong-type", "error", "A returned value has the wrong type.", ("wrong-type",)),
    Code("GC103", "missing-key", "error", "A returned dict (or cache) lacks a required key.", ("missing-key",)),
    Code("GC104", "wrong-shape", "error", "A returned array has the wrong shape.", ("shape",)),
    Code("GC105", "not-finite", "error", "A returned value contains NaN or infinity.", ("not-finite",)),
    Code("GC106", "nondeterministic", "error", "Two calls with the same inputs returned different values.", ("nondeterministic",)),
    Code("GC107", "inplace-mutation", "error", "A function modified one of its input arrays in place.", ("inplace-mutation",)),
    Code("GC108", "thread-left-running", "error", "A function (or the import) started a thread that was still running after it returned.",
         ("thread-left-running",)),
    # GC2xx: forward pass and cost
    Code("GC201", "forward-mismatch", "error", "A forward-pass value differs from the reference.", ("forward-mismatch",)),
    Code("GC202", "cost-mismatch", "error", "The cost differs from the reference.", ("cost-mismatch",)),
    Code(
        "GC203",
        "value-mismatch",
        "error",
        "A value computed from gradients (such as a gradient check's difference) differs from the reference.",
        ("value-mismatch",),
    ),
    # GC3xx: gradients
    Code("GC301", "gradient-mismatch", "error", "A gradient differs from the reference."),
    Code("GC302", "scale-mismatch", "error", "A gradient is off by a constant factor (J versus L: the 1/m)."),
    Code("GC303", "follows-upstream", "info", "A gradient is wrong only because an upstream gradient is wrong."),
    Code("GC304", "fd-disagreement", "error", "Your backward pass disagrees with finite differences of your own forward pass and cost."),
    Code("GC305", "intermediate-not-found", "info", "An intermediate gradient (such as dZ1) was not found among the function's local variables."),
    # GC4xx: code that is right here only by accident
    Code("GC401", "fragile-by-size", "warning", "Correct at this assignment's sizes only by accident; wrong at other sizes."),
    Code("GC402", "kink-skipped", "info", "Some finite-difference elements sit on a kink (relu, max) and were not compared."),
    # GC9xx: the grader itself
    Code("GC901", "internal-error", "error", "gradcheck itself failed; the submission was not fully graded."),
)

CODES: dict[str, Code] = {c.code: c for c in _CODE_LIST}


class GC:
    """Every code by its name, for the code that emits findings: ``GC.SCALE_MISMATCH``, never a
    literal "GC302". Checked against the table above when the module loads."""

    SYNTAX_ERROR = "GC001"
    IMPORT_FAILED = "GC002"
    MISSING_FUNCTION = "GC003"
    TIMEOUT = "GC004"
    MEMORY_LIMIT = "GC005"
    PROCESS_DIED = "GC006"
    OUTPUT_TRUNCATED = "GC007"
    LIMIT_UNAVAILABLE = "GC008"
    UNDEFINED_NAME = "GC009"
    OLDER_API = "GC010"
    SKIPPED_CODE = "GC011"
    CALL_RAISED = "GC101"
    WRONG_TYPE = "GC102"
    MISSING_KEY = "GC103"
    WRONG_SHAPE = "GC104"
    NOT_FINITE = "GC105"
    NONDETERMINISTIC = "GC106"
    INPLACE_MUTATION = "GC107"
    THREAD_LEFT_RUNNING = "GC108"
    FORWARD_MISMATCH = "GC201"
    COST_MISMATCH = "GC202"
    VALUE_MISMATCH = "GC203"
    GRADIENT_MISMATCH = "GC301"
    SCALE_MISMATCH = "GC302"
    FOLLOWS_UPSTREAM = "GC303"
    FD_DISAGREEMENT = "GC304"
    INTERMEDIATE_NOT_FOUND = "GC305"
    FRAGILE_BY_SIZE = "GC401"
    KINK_SKIPPED = "GC402"
    INTERNAL_ERROR = "GC901"


def _check_names() -> None:
    named = {k: v for k, v in vars(GC).items() if k.isupper()}
    wrong = [k for k, v in named.items() if v not in CODES or CODES[v].name != k.lower().replace("_", "-")]
    if wrong or set(named.values()) != set(CODES):
        raise AssertionError(f"findings.GC does not match CODES: {wrong or sorted(set(CODES) - set(named.values()))}")


_check_names()


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    end_line: int | None = None
    cell: int | None = None  # notebook cell index, when the source is a notebook
    execution_count: int | None = None  # the cell's saved In [N], when the notebook has one
    via: Location | None = None  # context: the line inside a helper or callee this line led to (a value made there, a raise)


@dataclass(frozen=True)
class Mistake:
    """A catalog mistake that reproduces a wrong value, as data (diagnose/rules.py): what a
    verified fix (gradcheck/fixes/) inverts. Names are the spec's, as the student sees them."""

    kind: str  # the mutation's kind: drop-mean, operand, drop-T, deriv-at-A, other-axis, … (docs/reports.md)
    tag: str
    args: tuple[str, ...] = ()  # operand:A2->A1 gives ("A2", "A1"): the right name, then the wrong one
    data: tuple[str, ...] = ()  # what the rule knew: (g, Z, A) for a derivative, the axis for a sum
    within: str | None = None  # a hidden intermediate the mistake is in (dZ1 inside the dW1 call)


@dataclass(frozen=True)
class Fix:
    """A change to one line of the student's file (or notebook cell) that was re-graded and made
    ``passes`` pass with no new error. ``before``: the whole line(s) as they stand; ``after``: the replacement
    (both None when the spec says ``fixes: hint``: verified, but the code is withheld)."""

    file: str
    line: int
    before: str | None
    after: str | None
    passes: tuple[str, ...] = ()
    cell: int | None = None
    verified: bool = True


@dataclass(frozen=True)
class Finding:
    """One observation. Renderers read these fields; they never parse ``message``."""

    code: str
    target: str
    message: str
    tags: tuple[str, ...] = ()
    severity: Severity | None = None  # None: the code's default
    location: Location | None = None
    hint: str | None = None  # the fix, one sentence
    formula: str | None = None  # the reference formula for the target
    chain: str | None = None  # the chain-rule step with shapes
    stats: dict = field(default_factory=dict, hash=False, compare=False)  # numbers: errors, ratio, worst
    check: str | None = None  # id of the check that produced it
    caused_by: str | None = None  # target of the root cause, for cascades
    details: tuple[str, ...] = ()  # extra plain lines (alternatives, context)
    mistakes: tuple[tuple[Mistake, ...], ...] = field(default=(), hash=False, compare=False)  # catalog explanations, best first
    fix: Fix | None = None  # a verified fix (gradcheck/fixes/); None: the hint stays words

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        bad = [t for t in self.tags if t not in TAGS]
        if bad:
            raise ValueError(f"unknown tag(s) {bad}")

    @property
    def level(self) -> Severity:
        return self.severity or CODES[self.code].severity
