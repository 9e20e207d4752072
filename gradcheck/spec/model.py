"""The assignment spec as plain, immutable data."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A template describes a structure of named values: a name (str), a dict of
# templates, or a list (tuple) of templates. "_" in a binding ignores a value.
Template = Any


def student_refs(template: Template) -> list[str]:
    """The ``"@entry.index"`` parts of a template: values the student's own code returned earlier."""
    if isinstance(template, str):
        return [template] if template.startswith("@") else []
    items = template.values() if isinstance(template, dict) else template if isinstance(template, (list, tuple)) else ()
    return [ref for sub in items for ref in student_refs(sub)]


@dataclass(frozen=True)
class Steps:
    """``{steps: T_x, item: [...]}`` in an argument template: a list of one item per time step
    (the course's ``caches`` of an RNN), T_x being a dim. In the item, ``"a[t]"`` is the value
    ``a`` at step t, a[..., t] (the last axis is time); other names are the whole value."""

    count: str
    item: Any


STEP_SUFFIX = "[t]"


def step_base(name: str) -> str:
    """``"a[t]"`` -> ``"a"``: the value a step's name slices."""
    return name[: -len(STEP_SUFFIX)] if name.endswith(STEP_SUFFIX) else name


_IDENT = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z_][A-Za-z0-9_]*")  # ASCII: W3_dropᵀ is W3_drop, then ᵀ

INITS = ("normal", "uniform", "bernoulli", "zeros", "ones", "positive", "labels", "mask")
# What an axis of a value means, for the reports' views of where an error lies (per channel,
# per time step, an H × W map); ``feature`` is any axis without a picture of its own.
AXIS_ROLES = ("batch", "time", "channel", "height", "width", "feature")




@dataclass(frozen=True)
class ValueGen:
    name: str
    shape: tuple[str | int, ...]
    init: str = "normal"
    scale: float | str = 1.0  # a number, or a formula over the dims (1.5 / sqrt(n0))
    classes: str | int | None = None  # init: labels — integer class indices in [0, classes)
    axes: tuple[str, ...] = ()  # one AXIS_ROLES entry per axis of shape, or () when the spec says nothing


@dataclass(frozen=True)
class Formula:
    name: str
    text: str
    tree: ast.expr = field(compare=False, repr=False)
    line: int | None = None


@dataclass(frozen=True)
class Dim:
    name: str
    low: int
    high: int
    per_trial: tuple[int, ...] = ()  # trial k takes per_trial[k % len]: hyperparameters every trial must vary (stride 1 and 2, pad 0)
    formula: Formula | None = None  # a size derived from the dims above (a conv's output size)


@dataclass(frozen=True)
class Mistake:
    """A wrong formula the spec author knows students write, in words (matched before the catalog)."""

    formula: Formula
    text: str  # what the student did
    fix: str
    tag: str = "value-mismatch"  # a tag of findings.TAGS naming the kind of mistake


@dataclass(frozen=True)
class Gradient:
    name: str  # dW1
    wrt: str  # W1
    formula: Formula
    per_example: bool  # True: dL/dwrt per example (dZ); False: dJ/dwrt (dW, db)


@dataclass(frozen=True)
class Alternative:
    """Another generation of the course's API for one function (older signature or keys)."""

    label: str
    args: tuple[Template, ...] | None = None
    returns: Template = None


@dataclass(frozen=True)
class DropoutCheck:
    """The statistics of a dropout forward pass (check/stats.py): ``output`` (a bound name) is
    ``input`` (a formula) times a 0/1 mask scaled by 1/``keep``, drawn anew for every unit."""

    output: str
    input: Any  # formula tree over the spec's names and the check's bound names
    keep: Any  # formula tree: the keep probability
    axes: tuple[int, ...]  # the mask must vary along each of these axes of the output
    input_text: str = ""
    keep_text: str = ""


@dataclass(frozen=True)
class ExtraCheck:
    """One more call of a function, in another mode or on other sizes (``checks:``)."""

    label: str
    args: tuple[Template, ...]
    returns: Template = None  # compared with the reference, like the function's own returns
    after: Template = None  # the arguments as they are after the call, compared the same way
    bind: Template = None  # names for parts of what came back (the student's own values)
    dims: dict[str, int] = field(default_factory=dict)  # one trial of these sizes instead of the normal trials
    dropout: DropoutCheck | None = None
    tags: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    args: tuple[Template, ...]
    returns: Template
    locals: tuple[str, ...] = ()
    points: float | None = None
    aliases: tuple[str, ...] = ()  # other names students use ("did you mean")
    repeat: bool = False  # call twice to detect nondeterminism
    line: int | None = None
    function: str | None = None  # the student's function, when one function is checked in several ways
    alternatives: tuple[Alternative, ...] = ()
    free: tuple[str, ...] = ()  # values the student chooses (dropout masks): checked given theirs
    shape_only: tuple[str, ...] = ()  # random initial values: type and shape are checked, not values
    optional: bool = False  # not every notebook has it: graded when defined, skipped when not
    checks: tuple[ExtraCheck, ...] = ()  # more calls: another mode, arguments read back, statistics
    graded: str = "yes"  # "warn": checked and reported as warnings, for no points (docs/spec-format.md)
    stand_ins: tuple[tuple[str, str], ...] = ()  # (module global, value): replaced during this check's calls
    visibility: str | None = None  # Gradescope visibility of this function's tests (None: the spec's)

    @property
    def call(self) -> str:
        return self.function or self.name


@dataclass(frozen=True)
class Step:
    call: str
    args: tuple[Template, ...]
    bind: Template


@dataclass(frozen=True)
class Probe:
    dims: dict[str, int]
    functions: tuple[str, ...]
    depth: int | None = None  # an L-layer spec checked again with this many layers


@dataclass(frozen=True)
class ConventionOption:
    """One way a course has written the same thing (dropout's p as the keep probability)."""

    name: str
    label: str  # for the report: "p is the probability of keeping a unit (2017 on)"
    sets: dict[str, Formula]  # forward value -> its formula under this option
    says: tuple[str, ...] = ()  # regular expressions: a docstring or comment that states this option


@dataclass(frozen=True)
class Convention:
    name: str
    about: str  # "dropout's p"
    options: tuple[ConventionOption, ...]
    read_in: tuple[str, ...] = ()  # functions whose docstrings and comments may state the option

    def option(self, name: str) -> ConventionOption:
        return next(o for o in self.options if o.name == name)


@dataclass(frozen=True)
class Version:
    """One version of an assignment: the functions it has, and its conventions."""

    name: str
    label: str
    functions: tuple[str, ...]  # keys of the spec's functions, in the spec's order
    optional: tuple[str, ...] = ()  # graded when the file defines them
    conventions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # convention -> options tried when the file states none


@dataclass(frozen=True)
class Tolerance:
    rtol: dict[str, float]  # by dtype name of the student's value
    fd_rtol: dict[str, float]

    def for_dtype(self, dtype_name: str, fd: bool = False) -> float:
        table = self.fd_rtol if fd else self.rtol
        return table.get(dtype_name, table["float64"])


DEFAULT_TOLERANCE = Tolerance(
    rtol={"float64": 1e-7, "float32": 1e-4, "float16": 1e-2},
    fd_rtol={"float64": 1e-5, "float32": 3e-3, "float16": 5e-2},
)


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds per call
    memory_mb: int = 2048  # address-space cap of the child
    processes: int = 64  # RLIMIT_NPROC headroom
    output_kb: int = 256  # captured stdout+stderr kept per stream
    total_timeout: float = 120.0  # whole submission


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    description: str
    path: Path | None
    dims: tuple[Dim, ...]
    batch: str
    trials: int
    values: tuple[ValueGen, ...]
    parameters: tuple[str, ...]
    forward: tuple[Formula, ...]
    loss: Formula
    cost: Formula
    backward: tuple[Gradient, ...]
    functions: tuple[FunctionSpec, ...]
    student_cost: tuple[Step, ...] = ()
    gradient_check_points: float | None = None
    probes: tuple[Probe, ...] = ()
    tolerance: Tolerance = DEFAULT_TOLERANCE
    limits: Limits = Limits()
    helpers: Path | None = None
    helper_modules: tuple[str, ...] = ()
    total_points: float = 100.0
    course: str = ""
    explain_dir: Path | None = None
    derived: tuple[Formula, ...] = ()  # values computed from the gradients, not differentiated
    atol: dict[str, float] = field(default_factory=dict)  # noise floors of values that are estimates themselves
    names: dict[str, str] = field(default_factory=dict)  # spec-internal name -> what the student calls it
    references: dict[str, str] = field(default_factory=dict)  # value -> its formula as the course writes it (reports only)
    depth: int | None = None  # the number of layers the families were written out for
    text: str = field(default="", repr=False, compare=False)  # the YAML, to write it out for another depth
    notes: dict[str, str] = field(default_factory=dict)  # derived value -> what a mismatch means, for the student
    mistakes: dict[str, tuple[Mistake, ...]] = field(default_factory=dict)  # derived value -> known wrong formulas
    versions: tuple[Version, ...] = ()  # the assignment's versions; a file is graded on the one it matches
    conventions: tuple[Convention, ...] = ()
    variant: str = ""  # the version and conventions this spec was narrowed to ("" = the whole spec)
    fixes: str | None = None  # off | hint | diff: what a failing student is shown of verified fixes (None: the format decides)
    visibility: str | None = None  # Gradescope visibility of every test without its own (None: visible)
    gradient_check_visibility: str | None = None
    select: tuple[str, ...] = ()  # finding codes shown when neither the command line nor pyproject says
    ignore: tuple[str, ...] = ()
    graded_elsewhere: frozenset[str] = frozenset()  # functions another assignment grades in the same file: never a rename of one of these

    def test_visibility(self) -> dict[str, str]:
        """Gradescope visibility by check: a function's name -> its visibility, ``":" + id`` for a
        check of no function (``":gradient_check"``; names never hold ":"), and ``""`` -> the
        spec's default for the rest. Empty when the spec sets none."""
        out = {f.name: f.visibility for f in self.functions if f.visibility}
        if self.gradient_check_visibility:
            out[":gradient_check"] = self.gradient_check_visibility
        if self.visibility:
            out[""] = self.visibility
        return out

    def shown(self, name: str) -> str:
        """The name a student knows a value by (``relu_dx`` is their ``dx``; J is the cost)."""
        return self.names.get(name) or {"J": "cost", "L": "loss"}.get(name, name)

    def shown_text(self, text: str) -> str:
        """``text`` with every spec-internal name replaced by the student's name for it."""
        if not self.names or not text:
            return text
        return _IDENT.sub(lambda m: self.names.get(m.group(0), m.group(0)), text)

    def arg_names(self, f: FunctionSpec) -> list[str]:
        """``f``'s arguments as the student knows them, never in spec-internal syntax: a value by
        the student's name for it, ``@batchnorm_forward.1`` (the student's own cache) as ``cache``."""
        out = []
        for a in f.args:
            if isinstance(a, str):
                out.append("cache" if a.startswith("@") else "mode" if a.startswith("=") else self.shown(a))
            else:
                out.append("parameters" if isinstance(a, dict) else "cache")
        return out

    @property
    def formulas(self) -> tuple[Formula, ...]:
        """Every reference formula in evaluation order."""
        return (*self.forward, self.loss, self.cost, *(g.formula for g in self.backward), *self.derived)

    def function(self, name: str) -> FunctionSpec:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def gradient_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.backward)

    def gradient(self, name: str) -> Gradient | None:
        for g in self.backward:
            if g.name == name:
                return g
        return None

    def axes_of(self, name: str) -> list[list[str]]:
        """The axes of value ``name`` (or of a gradient, through its ``wrt``) as [dim, role]
        pairs from the spec's ``shape`` and ``axes``; [] when the spec declares no roles."""
        seen: set[str] = set()
        while (g := self.gradient(name)) is not None and name not in seen:
            seen.add(name)
            name = g.wrt
        for v in self.values:
            if v.name == name and v.axes and len(v.axes) == len(v.shape):
                return [[self.shown(str(d)), role] for d, role in zip(v.shape, v.axes)]
        return []

    def formula_for(self, name: str) -> Formula | None:
        for f in self.forward:
            if f.name == name:
                return f
        g = self.gradient(name)
        if g is not None:
            return g.formula
        if name == "L":
            return self.loss
        if name == "J":
            return self.cost
        for f in self.derived:
            if f.name == name:
                return f
        return None
