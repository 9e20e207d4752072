"""Grade one submission: spec → trials → sandbox → judge → report."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._version import __version__
from .check import compare, fd
from .check.engine import make_sandbox, observe
from .check.trials import label_dims, make_trials, reference_problems
from .diagnose import problems as P
from .diagnose import scoring
from .diagnose.judge import Judge
from .diagnose.messages import finding
from .diagnose.values import report_trial_label
from .errors import SpecError
from .findings import GC, Finding, Location
from .report import CheckResult, Report
from .spec import cache
from .spec import formula as spec_formula
from .spec.model import Limits, Spec
from .spec.versions import describe, option_specs, variants
from .submission import Submission

DEFAULT_SEED = 0


_VALIDATED: dict[tuple, Spec] = {}  # specs whose reference passed, per (spec, seed, probes): once per process


def validate_spec(spec: Spec, seed: int = DEFAULT_SEED, probes: bool = True, trials: list | None = None) -> None:
    """The reference must pass its own finite-difference check before anyone is graded
    (``probes=False``: only where grading will use it, when --sizes drops the probes).

    ``trials``: the spec's own trials for ``seed``, when the caller has made them already.
    The check depends only on the spec's formulas and the seed, so a spec that passed is not
    checked again in the same process (a notebook re-running %gradcheck, a pytest session)."""
    key = (spec.text or id(spec), spec.depth, str(spec.path), seed, probes, spec.variant)
    if _VALIDATED.get(key) is not None and (spec.text or _VALIDATED[key] is spec):
        return
    # A fresh command line: the same spec text passed in an earlier run (spec/cache.py).
    on_disk = (spec.text, spec.depth, str(spec.path), seed, probes, spec.variant, np.__version__, spec_formula.MAX_ELEMENTS) if spec.text else None
    if on_disk is not None and cache.read("validated", *on_disk) is True:
        _VALIDATED[key] = spec
        return
    for other in option_specs(spec):  # every option of every convention, each on its own
        validate_spec(other, seed, probes)
    if trials is None:
        trials = make_trials(spec, seed, only_first=not probes)
    for trial in trials[:1] + [t for t in trials if t.probe is not None and probes]:
        problems = reference_problems(trial.spec or spec, trial)
        if problems:
            name, problem = problems[0]
            formula = spec.formula_for(name)
            raise SpecError(f"the reference fails its own gradient check in {trial.label}: {problem}", str(spec.path) if spec.path else None,
                            formula.line if formula else None)  # fmt: skip
    _VALIDATED[key] = spec
    if on_disk is not None:
        cache.write("validated", True, *on_disk)


def grade(spec: Spec, submission: Submission | Path, *, seed: int = DEFAULT_SEED, limits: Limits | None = None, picked: str | None = None,
          trials: list | None = None, sizes: dict[str, int] | None = None, zygote=None, fd_options=None) -> Report:  # fmt: skip
    """Grade one submission (a path is read first). ``trials``: precomputed (and validated) trials, when grading many files.

    One path for every kind of submission: the child imports ``submission.module_file()``;
    a notebook's report is then moved to its cells (``_notebook_report``)."""
    if not isinstance(submission, Submission):
        submission = Submission.from_path(submission)
    # The version of the assignment the file is graded on, and the options of its conventions
    # to try in turn: the first under which the file passes is kept, else the best-scoring one.
    best = None
    for variant in variants(spec, set(submission.defined), submission.source):
        own = variant.spec
        with submission.module_file() as module:
            report = _grade_module(own, submission.source, module, seed=seed, limits=limits, picked=picked,
                                   trials=trials if variant.same_reference else None, sizes=sizes, zygote=zygote, fd_options=fd_options,
                                   loading=submission.loading)  # fmt: skip
        if best is None or report.score > best[1].score:
            best = (variant, report)
        if report.passed or any(f.target == "submission" and f.level == "error" for f in report.findings):
            best = (variant, report) if report.passed else best
            break  # right, or not gradable at all (it does not import): no other convention changes that
    assert best is not None
    variant, report = best
    said = describe(variant, matched=report.passed)
    if said is not None:
        report = replace(report, picked=f"{picked} {said[0].upper()}{said[1:]}" if picked else f"{said[0].upper()}{said[1:]}")
    report = _named_as_handed_in(report, str(submission.path)) if submission.notebook is None else _notebook_report(variant.spec, submission, report)
    return replace(report, findings=list(report.findings) + skipped_code(submission, report))


def _named_as_handed_in(report: Report, path: str) -> Report:
    """A .py export is graded from a built copy in a temporary folder (its left-out statements
    commented out, line for line): the report names the student's own file, never that copy."""
    built = report.file
    if built == path:
        return report

    def moved(loc: Location | None) -> Location | None:
        if loc is None or loc.file != built:
            return loc
        return replace(loc, file=path, via=moved(loc.via))

    return replace(report, file=path, findings=[replace(f, location=moved(f.location)) for f in report.findings])


def _grade_module(spec: Spec, source: str, path: Path, *, seed: int, limits: Limits | None, picked: str | None, trials: list | None,
                  sizes: dict[str, int] | None, zygote, fd_options, loading: dict | None = None) -> Report:  # fmt: skip
    """Run the module at ``path`` (holding ``source``) against the trials and judge what it did."""
    start = time.perf_counter()
    limits = limits or spec.limits
    sandbox = make_sandbox(spec, path, limits, zygote, loading)
    sandbox.spawn()  # the child starts (and imports numpy) while the trials are prepared
    try:
        if trials is None:
            trials = make_trials(spec, seed, sizes, background=bool(sizes))  # big: reference computed while calls run
            # At the spec's own (small) sizes: validity does not depend on them.
            validate_spec(spec, seed, probes=not sizes, trials=None if sizes else trials)
        else:  # drawn for the whole spec (a batch, a fix's re-grade): labelled for this version's functions
            shown = label_dims(spec)
            trials = [t if t.spec is not None or t.shown == shown else replace(t, shown=shown) for t in trials]  # a depth probe names its own
    except BaseException:
        sandbox.close()
        raise
    judges: list[Judge] = []

    def judge_calls(obs) -> None:  # while the child computes the finite differences
        judges.append(Judge(obs))
        judges[0].judge_calls()

    obs = observe(spec, path, trials, limits, source, sandbox, fd_options, meanwhile=judge_calls)
    try:
        for trial in trials:
            trial.complete()
        if not judges:  # observe stopped before the calls were done (a file that does not import)
            judge_calls(obs)
        checks, findings = judges[0].finish()
    finally:
        if obs.closing is not None:
            obs.closing.result()  # the child has been killed, even when judging failed
    report = build_report(spec, path, seed, checks, findings, obs.output, obs.output_truncated, [report_trial_label(spec, t) for t in trials],
                          limits, time.perf_counter() - start, source, picked)  # fmt: skip
    report.startup_seconds = obs.startup
    report.isolation = sandbox.isolation
    return report


def build_report(spec, path, seed, checks: list[CheckResult], findings: list[Finding], output: str, truncated: bool,
                 trials: list[str], limits: Limits, seconds: float, source: str, picked: str | None) -> Report:  # fmt: skip
    score, max_score = scoring.score(spec, checks)
    passed, score = scoring.verdict(checks, findings, score, max_score)  # the one place score and verdict are decided
    return Report(
        assignment=spec.name, title=spec.title, file=str(path), seed=seed, passed=passed, score=score,
        max_score=max_score, checks=checks, findings=findings, output=output, output_truncated=truncated,
        picked=picked, trials=trials,
        rules=[f"values: {compare.RULE}; rtol = {spec.tolerance.rtol['float64']:g} for float64, {spec.tolerance.rtol['float32']:g} for float32",
               f"finite differences: {fd.RULE}; rtol = {spec.tolerance.fd_rtol['float64']:g} (float64), {spec.tolerance.fd_rtol['float32']:g} (float32)"],
        limits={"timeout_s": limits.timeout, "memory_mb": limits.memory_mb, "processes": limits.processes, "output_kb": limits.output_kb, "total_timeout_s": limits.total_timeout},
        seconds=seconds, source=source, explain_dir=str(spec.explain_dir) if spec.explain_dir else None, version=__version__,
        visibility=spec.test_visibility(),
    )  # fmt: skip


def _notebook_report(spec: Spec, submission: Submission, report: Report) -> Report:
    """Findings moved to (cell, line within the cell); a graded function lost to a cell that does
    not parse is reported as that cell's syntax error (GC001), not as a missing function."""
    nb = submission.notebook
    assert nb is not None
    path = str(submission.path)
    report = nb.relocate_report(report, path)
    wanted = {f.call for f in spec.functions} | {a for f in spec.functions for a in f.aliases}
    broken = [e for e in nb.syntax_errors if set(nb.cell(e.cell).functions if nb.cell(e.cell) else ()) & wanted]
    if broken:
        lost = {n for e in broken for n in (nb.cell(e.cell).functions if nb.cell(e.cell) else ())}
        findings = [f for f in report.findings if not (f.code == GC.MISSING_FUNCTION and f.target in lost)]
        for e in broken:
            count = nb.counts.get(e.cell)
            where = Location(path, e.line or 1, e.line or 1, cell=e.cell, execution_count=count)
            findings.insert(0, finding(P.Unparsable(target="submission", where=where, error=e.message, line=e.line, cell=P.Place(None, e.cell, count))))
        report = replace(report, findings=findings, passed=False)
    cells = {}
    for c in nb.cells:
        text = nb.cell_text(c.number)
        if text is not None:
            cells[c.number] = text
    return replace(report, cells=cells)


def skipped_code(submission: Submission, report: Report) -> list[Finding]:
    """GC011 (info): the top-level code a notebook or a .py export had left out, in one finding, and one
    finding for each function defined in more than one notebook cell. Never a change of score or verdict."""
    nb = submission.notebook
    path = str(submission.path)
    if nb is None:
        left = [(P.Place(line), why) for line, why in submission.left_out]
        return [finding(P.SkippedCode(target="submission", left_out=tuple(left)))] if left else []
    twice = nb.defined_twice()
    losers = {place for _, places, graded in twice for place in places if place[0] != graded}
    reported = {f.location.cell for f in report.findings if f.code == GC.SYNTAX_ERROR and f.location is not None}
    unparsable = {e.cell for e in nb.syntax_errors}
    left = []
    for c in nb.cells:
        count = nb.counts.get(c.number)
        left += [(P.Place(line, c.number, count), why) for line, why in c.dropped if (c.number, line) not in losers]
        whole = c.number in unparsable - reported or c.reason.startswith("cell magic")
        if not c.kept and not c.dropped and whole:  # a cell magic's cell, a cell that does not parse
            left.append((P.Place(None, c.number, count), c.reason))
    out = [finding(P.SkippedCode(target="submission", left_out=tuple(left)))] if left else []
    for name, places, graded in twice:
        line = next(line for cell, line in places if cell == graded)
        out.append(finding(P.DefinedTwice(
            target=name, where=Location(path, line, cell=graded, execution_count=nb.counts.get(graded)), function=name,
            cells=tuple(P.Place(None, cell, nb.counts.get(cell)) for cell, _ in places),
            graded=P.Place(line, graded, nb.counts.get(graded)), by_count=all(cell in nb.counts for cell, _ in places))))  # fmt: skip
    return out


def internal_error_report(spec_name: str, path: Path, seed: int, message: str) -> Report:
    """A report that still exists when gradcheck itself fails."""
    finding = Finding(GC.INTERNAL_ERROR, "gradcheck", f"gradcheck failed while grading this file: {message}. The submission was not fully graded.")
    return Report(assignment=spec_name, title=spec_name, file=str(path), seed=seed, passed=False, score=0.0, max_score=0.0,
                  findings=[finding], version=__version__)  # fmt: skip
