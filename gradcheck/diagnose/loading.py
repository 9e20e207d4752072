"""Problems with loading and running the submission: it does not parse or import, a function
is missing, a call raised, hung or died; and the closing notes (output cut, limits unavailable)."""

from __future__ import annotations

from ..findings import CODES, GC, Location
from ..report import CheckResult
from ..sandbox.runner import Failure
from . import crash, lines_conv, locate
from . import problems as P
from .case import FIRST, LOADING, Case, Rank
from .source_lines import exit_call


def load(case: Case) -> bool:
    """Whether the file imported; its problems (and its row of the table) recorded."""
    obs = case.obs
    if obs.syntax_error is not None:
        line, col, msg = obs.syntax_error
        where = Location(str(obs.path), line, line) if line else None
        case.emit((LOADING, FIRST), P.Unparsable(target="submission", where=where, error=msg, line=line, column=col))
        case.checks.append(CheckResult("load", "", "submission", "fail", summary="syntax error"))
        return False
    if obs.import_failure is not None:
        case.emit((LOADING, FIRST), run_failed(case, obs.import_failure, "submission", None))
        case.checks.append(CheckResult("load", "", "submission", "fail", summary=f"import failed ({obs.import_failure.kind})"))
        return False
    case.checks.append(CheckResult("load", "", "submission", "pass", summary="imported"))
    reported: set[str] = set()
    for fi, f in enumerate(case.spec.functions):
        if f.name in obs.missing and f.call not in reported:
            reported.add(f.call)
            suggestion = obs.missing[f.name]
            span = locate.locate_function(obs.source, suggestion) if suggestion else None
            case.emit(
                (fi, FIRST),
                P.MissingFunction(
                    target=f.call, where=case.loc(span), call=f.call, suggestion=suggestion, args=tuple(case.spec.arg_names(f))
                ),  # the student's names: never '@batchnorm_forward.1'
            )
    return True


MATMUL_MISFIT = ("not aligned", "mismatch in its core dimension")  # np.dot's and matmul's ValueError


def matmul_misfit(error_type: str, message: str) -> bool:
    """A matrix product whose operands' shapes do not fit: a shape problem as much as a crash."""
    return error_type == "ValueError" and any(text in message for text in MATMUL_MISFIT)


def run_failed(case: Case, failure: Failure, target: str, function: str | None, nd_args: tuple[str, ...] = ()) -> P.RunFailed:
    """A failed call (``function``) or import (``function`` None), located; ``nd_args``: the
    call's arguments of more than two dimensions."""
    where = case.line_of_failure(failure, function)
    if function is None and failure.frames and isinstance(failure.frames[0][0], int):
        where = Location(str(case.obs.path), failure.frames[0][0], failure.frames[0][0])  # the top-level statement
    if failure.kind in ("died", "protocol") and function:
        exit_line = exit_call(case.obs.source, function)
        where = case.loc(exit_line) if exit_line else where
    shape_misfit = function is not None and matmul_misfit(failure.type, failure.message)
    callee, misfit = None, None
    blamed = passing_callee(case, failure, function) if function and failure.kind == "exception" else None
    if blamed is not None:
        k, callee = blamed
        inner = failure.frames[-1][0]
        call_line = failure.frames[k - 1][0]
        where = Location(str(case.obs.path), call_line, call_line, via=Location(str(case.obs.path), inner, inner))
        misfit = crash.misfit(case, function, call_line, callee)
    elif function and failure.kind == "exception" and where is not None:  # the line that made what the raising line could not take
        traces = [case.obs.traces[f.name] for f in case.spec.functions if f.call == function and f.name in case.obs.traces]
        cause = lines_conv.crash_cause(case.obs.source, function, where.line, failure.type, failure.message, traces)
        where = Location(where.file, cause, cause, via=where) if cause is not None and cause != where.line else where
    return P.RunFailed(
        target=target,
        where=where,
        tags=(*CODES[GC.CALL_RAISED].tags, "shape") if shape_misfit else None,  # additive: still a runtime error
        kind=failure.kind,
        error_type=failure.type,
        error=failure.message,
        name=failure.name,
        function=function,
        nd_args=nd_args if shape_misfit else (),
        callee=callee,
        misfit=misfit,
    )


def passing_callee(case: Case, failure: Failure, function: str) -> tuple[int, str] | None:
    """(k, name) when the exception left, at frame k of the traceback, a graded function other than
    ``function`` that passes its own checks (every entry of it judged already, none with an error):
    a right function that raised was handed something it cannot take, and the call is the caller's line."""
    frames = [fr for fr in failure.frames if isinstance(fr, (list, tuple)) and len(fr) == 3 and isinstance(fr[0], int)]
    if len(frames) != len(failure.frames) or len(frames) < 2 or frames[0][1] != function:
        return None
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(case.spec.functions):
        groups.setdefault(f.call, []).append(i)
    judged = {r[0] for r, _ in case.findings} | {
        i for i, f in enumerate(case.spec.functions) if any(c.function == f.name for c in case.checks)
    }
    for k in range(1, len(frames)):
        name = frames[k][1]
        entries = groups.get(name, [])
        if name != function and entries and all(i in judged and not case.has_error(i) for i in entries):
            return k, name
    return None


def notes(case: Case) -> None:
    """What the student should know about the run itself."""
    obs = case.obs
    group = case.notes_group
    if obs.output_truncated:
        case.emit((group, 0), P.OutputTruncated(target="submission"))
    if obs.unavailable:
        case.emit((group, 1), P.LimitUnavailable(target="submission", limits=tuple(obs.unavailable)))


def older_api(case: Case, rank: Rank, call: str, convention: str) -> None:
    case.emit(rank, P.OlderApi(target=call, where=case.function_loc(call), call=call, convention=convention))
