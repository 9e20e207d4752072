"""Problems as data: what detection found, with its numbers and where it is, and no words.

One frozen record per problem family. ``messages.py`` turns each into a finding's title,
message and fix; detection never writes a sentence. A record's ``code`` is the finding code it
becomes (some families choose among codes by their fields, such as a value mismatch that is a
scale mismatch when a constant factor explains it).
"""

from __future__ import annotations

import functools
import reprlib
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ..findings import GC, Location, Severity
from .mutations import Mutation
from .scale import Scale

Combo = tuple[Mutation, ...]  # mutations applied together that reproduce the student's value


def _record(cls):
    """A problem family: a frozen, keyword-only dataclass whose ``==``, ``hash()`` and ``repr()``
    are Problem's (the same as dataclass's, from the fields): generating those three for each of
    some thirty families cost ~15 ms of every run's start (one exec() per method)."""
    return dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)


@_record
class Problem:
    """What every problem carries: the value (or function) it is about and where it is."""

    CODE: ClassVar[str] = ""
    target: str
    where: Location | None = None
    tags: tuple[str, ...] | None = None  # None: the code's own tags (findings.CODES)
    check: str | None = None  # the table row it fails
    formula: str | None = None  # the reference formula, shown
    chain: str | None = None  # the chain-rule step with shapes
    stats: dict = field(default_factory=dict, hash=False, compare=False)
    caused_by: str | None = None
    severity: Severity | None = None  # None: the code's own; "warning" for what is not graded (scoring.graded)
    ungraded: str | None = None  # why it is not graded: "warn" (the spec says so) or "no-points"

    @property
    def code(self) -> str:
        return self.CODE

    def _values(self, what: str) -> tuple:
        return tuple(getattr(self, f.name) for f in _fields(type(self), what))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._values("compare") == other._values("compare")

    def __hash__(self) -> int:
        return hash(self._values("hash"))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in _fields(type(self), "repr"))
        return f"{type(self).__qualname__}({shown})"


@functools.cache
def _fields(cls: type, what: str) -> tuple:
    """The fields dataclass would compare, hash or show, in its order."""
    if what == "hash":
        return tuple(f for f in fields(cls) if (f.compare if f.hash is None else f.hash))
    return tuple(f for f in fields(cls) if getattr(f, what))


# -- loading and running -----------------------------------------------------------------------
@_record
class Unparsable(Problem):
    CODE: ClassVar[str] = GC.SYNTAX_ERROR
    error: str
    line: int | None = None
    column: int | None = None
    cell: Place | None = None  # a notebook cell that does not parse (its functions were not checked)


@_record
class MissingFunction(Problem):
    CODE: ClassVar[str] = GC.MISSING_FUNCTION
    call: str  # the name the assignment needs
    suggestion: str | None = None  # the file's near miss
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Misfit:
    """An argument passed to a graded function that is not what it takes: ``caches`` (a list of 3)
    where ``linear_backward`` expects one cache. ``got``: check/traces.Structure; ``expected``: the spec's template."""

    expr: str  # the argument as the caller wrote it
    param: str  # the callee's parameter it lands in
    got: Any
    expected: Any
    shown: tuple[tuple[str, str], ...] = ()  # spec name -> the student's name, for the template's names


@_record
class RunFailed(Problem):
    """A call (or the import) raised, hung, ran out of memory, exited or died."""

    kind: str  # runner.Failure.kind: timeout, memory, died, protocol, exit, name, exception, …
    error_type: str = ""
    error: str = ""  # the exception's message (or the runner's account)
    name: str | None = None  # the undefined name, for a NameError
    function: str | None = None  # None while importing the file
    nd_args: tuple[str, ...] = ()  # arguments of more than two dimensions (CS231n's x of shape (N, d1, ..., dk))
    callee: str | None = None  # raised inside this graded function, which passes its own checks: the call is at ``where``
    misfit: Misfit | None = None  # the argument of that call that is not what the callee takes

    @property
    def importing(self) -> bool:
        return self.function is None

    @property
    def code(self) -> str:
        if self.kind == "timeout":
            return GC.TIMEOUT
        if self.kind == "memory":
            return GC.MEMORY_LIMIT
        if self.kind in ("died", "protocol", "exit"):
            return GC.PROCESS_DIED
        if self.kind == "name" and self.name:
            return GC.UNDEFINED_NAME
        return GC.IMPORT_FAILED if self.importing else GC.CALL_RAISED


@_record
class OlderApi(Problem):
    CODE: ClassVar[str] = GC.OLDER_API
    call: str
    convention: str


@dataclass(frozen=True)
class Place:
    """A line as the student finds it: a line of the file, or a line of a notebook cell (``cell``, with
    its saved execution count ``count`` when there is one). ``line`` None: the whole cell."""

    line: int | None
    cell: int | None = None
    count: int | None = None


@_record
class SkippedCode(Problem):
    """Top-level code of a notebook, or of a .py exported from one, that was not run: each statement
    (or whole cell) with the loader's reason (submission/select.py), in file order."""

    CODE: ClassVar[str] = GC.SKIPPED_CODE
    left_out: tuple[tuple[Place, str], ...]


@_record
class DefinedTwice(Problem):
    """A function defined in more than one notebook cell, and the cell whose definition was graded."""

    CODE: ClassVar[str] = GC.SKIPPED_CODE
    function: str
    cells: tuple[Place, ...]  # each cell that defines it, in notebook order
    graded: Place
    by_count: bool  # chosen by execution counts (else by cell order: no counts were saved)


@_record
class OutputTruncated(Problem):
    CODE: ClassVar[str] = GC.OUTPUT_TRUNCATED


@_record
class LimitUnavailable(Problem):
    CODE: ClassVar[str] = GC.LIMIT_UNAVAILABLE
    limits: tuple[str, ...]  # runner names: processes, memory, cpu, file-size


# -- what a function returned --------------------------------------------------------------------
@_record
class WrongStructure(Problem):
    """The returned tree does not fit the template (templates.Problem, kind "wrong-type")."""

    CODE: ClassVar[str] = GC.WRONG_TYPE
    account: str  # templates' account of the mismatch
    returns: str  # the template, shown: what to return


@_record
class MissingKey(Problem):
    CODE: ClassVar[str] = GC.MISSING_KEY
    account: str
    key: str
    suggested: bool  # a near key exists


@_record
class NotANumber(Problem):
    """A single number was expected (a cost); something else came back."""

    CODE: ClassVar[str] = GC.WRONG_TYPE
    call: str
    got: str  # templates.Value.described
    empty_tuple: bool = False
    is_cost: bool = False


@_record
class NotAnArray(Problem):
    CODE: ClassVar[str] = GC.WRONG_TYPE
    call: str
    got: str
    shape: tuple[int, ...]
    why: str | None = None  # "list" | "matrix" | "integer" | "complex"


@_record
class NotFinite(Problem):
    CODE: ClassVar[str] = GC.NOT_FINITE
    kinds: tuple[str, ...]  # "NaN", "inf"
    count: int
    size: int


@_record
class WrongShape(Problem):
    CODE: ClassVar[str] = GC.WRONG_SHAPE
    got: str  # symbolic shapes: (n_h, m)
    expected: str
    wrt: str | None = None  # a gradient is shaped like what it differentiates
    fixed_shape: tuple[int, ...] | None = None  # the same in every trial while the sizes change
    explained: tuple[Combo, ...] = ()  # mistakes that reproduce the value
    layout: str | None = None  # "transpose" | "keepdims": what the shapes alone say
    local: bool = False  # an intermediate (a local variable), not a returned value
    consistent: bool = False  # a local of another layout while every graded value of the function is right


@_record
class LocalMissing(Problem):
    CODE: ClassVar[str] = GC.INTERMEDIATE_NOT_FOUND
    call: str
    shown: str  # the spec's name for it, shown
    reference: str  # its formula, pretty, or the name


# -- values ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeanStory:
    """The J-versus-L account of a missing or extra 1/m, for a gradient."""

    name: str
    wrt: str
    per_example: bool
    batch: str


@_record
class ValueMismatch(Problem):
    """A value that is wrong at its root: a forward value, the cost, a derived value, a gradient."""

    role: str  # "forward" | "cost" | "derived" | "gradient"
    scale: Scale | None = None
    mean_story: MeanStory | None = None
    explained: tuple[Combo, ...] = ()
    mismatched: int = 0
    total: int = 0
    max_rel: float = 0.0
    note: str | None = None  # the spec author's words on this value

    @property
    def code(self) -> str:
        if self.role == "forward":
            return GC.FORWARD_MISMATCH
        if self.role == "cost":
            return GC.COST_MISMATCH
        if self.role == "derived":
            return GC.VALUE_MISMATCH
        return GC.SCALE_MISMATCH if self.scale is not None else GC.GRADIENT_MISMATCH


@_record
class FollowsUpstream(Problem):
    CODE: ClassVar[str] = GC.FOLLOWS_UPSTREAM
    causes: str


@_record
class CalleeBroken(Problem):
    """An error in a function that calls a broken graded function."""

    CODE: ClassVar[str] = GC.FOLLOWS_UPSTREAM
    caller: str
    cause: str
    seen: str  # the finding's own message


# -- side effects --------------------------------------------------------------------------------
@_record
class Nondeterministic(Problem):
    CODE: ClassVar[str] = GC.NONDETERMINISTIC
    call: str
    names: tuple[str, ...]


@_record
class Mutated(Problem):
    CODE: ClassVar[str] = GC.INPLACE_MUTATION
    call: str
    names: tuple[str, ...]


@_record
class ThreadLeftRunning(Problem):
    """A call (``call``) or the import (``call`` None) returned with threads it started still
    running (``own``), or a call returned while threads started elsewhere ran (not ``own``)."""

    CODE: ClassVar[str] = GC.THREAD_LEFT_RUNNING
    call: str | None
    threads: int
    own: bool = True


# -- other sizes -----------------------------------------------------------------------------------
@_record
class Fragile(Problem):
    """Right at the assignment's sizes, wrong at a probe's."""

    CODE: ClassVar[str] = GC.FRAGILE_BY_SIZE
    call: str
    sizes: str  # the probe's sizes, shown
    depth: int | None = None  # a probe with another number of layers
    spec_depth: int | None = None


@_record
class FragileRaised(Fragile):
    error_type: str
    error: str
    matmul: bool = False  # an elementwise * where the formula has a matrix product


@_record
class FragileIncomplete(Fragile):
    account: str  # templates' account of what is missing (a key such as dW4)


@_record
class FragileValue(Fragile):
    shown: str
    got_shape: tuple[int, ...] | None = None  # when the shapes differ
    expected_shape: tuple[int, ...] | None = None
    explained: tuple[Combo, ...] = ()


# -- finite differences ------------------------------------------------------------------------------
@_record
class FdDisagreement(Problem):
    CODE: ClassVar[str] = GC.FD_DISAGREEMENT
    names: tuple[str, ...]  # gradients that match the reference but not the finite differences
    worst: float
    functions: tuple[str, ...]  # the student's own forward and cost functions
    example: str | None = None  # the worst entry checked one by one, in words


@_record
class KinkSkipped(Problem):
    CODE: ClassVar[str] = GC.KINK_SKIPPED
    count: int
    directional: bool  # random directions (else elements)
    everything: bool = False  # every direction crossed a kink: nothing was compared


# -- checks: more calls of a function (another mode, arguments read back, a dropout mask's statistics) --
@_record
class CheckMismatch(Problem):
    """A value of a ``checks:`` call differs from the reference, or could not be read."""

    CODE: ClassVar[str] = GC.FORWARD_MISMATCH
    function: str  # the student's function
    label: str  # the check's label ("test mode", "running averages")
    read_back: bool = False  # an argument read back after the call (bn_param['running_mean'])
    mismatched: int = 0
    total: int = 0
    max_rel: float = 0.0
    unreadable: str | None = None  # why the value could not be compared (the template's account)


@_record
class DropoutStatistic(Problem):
    """A dropout forward pass whose mask fails a statistical test (check/stats.py)."""

    CODE: ClassVar[str] = GC.FORWARD_MISMATCH
    function: str
    kind: str  # "mask-values" | "kept-fraction" | "scale" | "shared-mask"
    keep: float
    units: int
    low: float = 0.0
    high: float = 0.0
    scale: float = 0.0
    kept: float = 0.0
    kept_tolerance: float = 0.0
    mean_ratio: float = 0.0
    mean_tolerance: float = 0.0
    axis: int | None = None
    agree: float = 0.0
    agree_expected: float = 0.0
    agree_tolerance: float = 0.0
    alpha: float = 0.0
    keeps_complement: bool = False  # the kept fraction is 1 − keep, within its tolerance
