"""`gradcheck check FILE` (the default command): options, grading, reports, exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .cli_base import CI_FORMATS, Format, app, check_writable, fail_usage, require_pinned, state


@app.command("check")
def check(
    file: Path = typer.Argument(..., help="The student's submission (.py or .ipynb)."),
    assignment: list[str] = typer.Option([], "--assignment", "-a", help="Built-in assignment name or a spec.yaml path; repeat it (or separate with commas) to grade a file holding several. Default: picked from the functions the file defines."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for the trials' sizes and inputs (stated in the report; default 0)."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="What to print on stdout (default text)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the JSON report to this file (atomically)."),
    reports: list[str] = typer.Option([], "--report", help="Also write FORMAT=FILE (repeatable): json, markdown, junit, gradescope, classroom50, classroom, text."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds allowed per call (default from the spec: 10)."),
    memory_mb: Optional[int] = typer.Option(None, "--memory-mb", help="Memory cap of the student's process in MiB (default 2048)."),
    processes: Optional[int] = typer.Option(None, "--processes", help="RLIMIT_NPROC for the student's process (default 64; process creation is refused regardless)."),
    output_kb: Optional[int] = typer.Option(None, "--output-kb", help="Printed output kept from the submission, in KiB (default 256)."),
    total_timeout: Optional[float] = typer.Option(None, "--total-timeout", help="Seconds allowed for the whole submission (default 120)."),
    width: Optional[int] = typer.Option(None, "--width", help="Terminal width for the text report."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Force colour on or off (NO_COLOR is honoured)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show more detail."),
    min_score: Optional[float] = typer.Option(None, "--min-score", help="Pass (exit 0) when the score reaches this, even with findings."),
    sizes: Optional[str] = typer.Option(None, "--sizes", help="Layer sizes of the network you train, e.g. 12288,20,7,5,1 (L-layer assignments): one trial at that size."),
    m: Optional[int] = typer.Option(None, "--m", help="Number of examples for --sizes / --dims (e.g. 209)."),
    dims: Optional[str] = typer.Option(None, "--dims", help="Fix sizes by name, e.g. n_x=400,n_h=20,m=500: one trial at that size."),
    exhaustive: bool = typer.Option(False, "--exhaustive", help="Finite differences for every parameter element (slow at large sizes: the time is estimated first)."),
    directions: Optional[int] = typer.Option(None, "--directions", help="Random directions for the finite-difference check of big networks (default 4)."),
    fix: bool = typer.Option(False, "--fix", help="Write every verified fix into FILE.fixed.py (.fixed.ipynb) next to the file, never over it, and print the new score."),
    samples: Optional[int] = typer.Option(None, "--samples", help="When random directions disagree: entries per parameter checked one by one to say where (default 4, 0 for none)."),
    max_elements: Optional[int] = typer.Option(None, "--max-elements", help="Largest array the reference may build, in elements (default 50000000; the grader needs about 8 bytes × 5 per element)."),
    select: Optional[str] = typer.Option(None, "--select", help="Report only these finding codes or prefixes (GC302,GC3); the score is unchanged."),
    ignore: Optional[str] = typer.Option(None, "--ignore", help="Do not report these finding codes or prefixes; the score is unchanged."),
    visibility: Optional[str] = typer.Option(None, "--visibility", help="Gradescope: every test's visibility (visible, hidden, after_due_date, after_published), over the spec's."),
) -> None:
    """Check a submission and print the report (the default command: `gradcheck FILE`)."""
    from .errors import GradcheckError
    from .render import formats
    state.json_errors = state.json_errors or fmt is Format.json
    try:
        extra = [formats.parse_report_option(r) for r in reports]
    except ValueError as exc:
        raise fail_usage(f"--report: {exc}") from None
    actions = os.environ.get("GITHUB_ACTIONS") == "true"
    settings = _settings(file, fmt, [kind for kind, _ in extra], actions)
    fmt, seed = fmt or Format(settings.get("format", "text")), seed if seed is not None else settings.get("seed", 0)
    timeout, memory_mb = (timeout if timeout is not None else settings.get("timeout"), memory_mb if memory_mb is not None else settings.get("memory_mb"))
    require_pinned(",".join(assignment) or None, fmt.value, [kind for kind, _ in extra], actions)
    shown = _more_options(settings, max_elements, select, ignore, visibility)
    # Every file is known writable before any student code runs (a usage error, exit 2).
    if output is not None:
        check_writable(output, "--output")
    for kind, target in extra:
        check_writable(Path(target), f"--report {kind}")
    try:
        from .api import choose_specs
        from .spec.loader import load_spec
        from .submission import Submission

        submission = Submission.from_path(file)
        spec_paths, picked = choose_specs(submission, assignment or None)
        if len(spec_paths) > 1 and (sizes or dims):
            raise fail_usage("--sizes and --dims fix one assignment's sizes: grade one assignment at a time with them (--assignment NAME)")
        fixed, depth = _fixed_sizes(sizes, m, dims)
        specs = [load_spec(p, depth=depth) for p in spec_paths]
        if fixed is not None and m is not None:
            fixed[specs[0].batch] = m
        limits = [_limits(spec.limits, timeout, memory_mb, processes, output_kb, total_timeout) for spec in specs]
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None
    fd_options = _fd_options(exhaustive, directions, samples)
    report = _grade_all(specs, submission, fmt, fix, picked, seed=seed, limits=limits, sizes=fixed, fd_options=fd_options)
    _finish(report, fmt, _spec_codes(shown, specs), min_score, output, extra, (width, color, verbose), actions)


def _grade_all(specs: list, submission, fmt: Format, fix: bool, picked: str | None, *, limits: list, **grading):
    """Grade the file on each spec (one report; several add up, ``combine.merge``), each with
    its verified fixes. ``--fix`` writes the fixes of one assignment: the only one failing."""
    from . import combine
    from .errors import GradcheckError
    from .grade import grade, internal_error_report

    specs = combine.apart(specs)
    reports = []
    for spec, own in zip(specs, limits):
        try:
            report = grade(spec, submission, picked=picked if len(specs) == 1 else None, limits=own, **grading)
        except GradcheckError as exc:
            raise fail_usage(exc.one_line()) from None
        except Exception as exc:  # noqa: BLE001 - the report must exist even when gradcheck fails
            report = internal_error_report(spec.name, submission.path, grading["seed"], f"{type(exc).__name__}: {exc}")
        reports.append((spec, report))
    failing = [spec for spec, r in reports if not r.passed]
    if fix and len(failing) > 1:
        sys.stderr.write("gradcheck: --fix: the file fails in " + " and ".join(s.name for s in failing) + "; the fixes are "
                         "written for one assignment at a time: add --assignment NAME\n")  # fmt: skip
    done = [_with_fixes(r, spec, submission, fmt, fix and len(failing) == 1, limits=own, **grading)
            for (spec, r), own in zip(reports, limits)]  # fmt: skip
    return combine.merge(done, picked)


def _with_fixes(report, spec, submission, fmt: Format, fix: bool, **grading):
    """The verified fixes of a failing report (gradcheck/fixes), as the format and spec allow.
    Their re-grades fork from a warm server, started only now: the file itself was graded by
    the child the command line started first, and a file that passes needs neither."""
    from .render.common import has_internal_error

    if report.passed or has_internal_error(report):
        return report
    from . import fixes

    mode = fixes.mode_for(fmt.value, getattr(spec, "fixes", None))
    with fixes.warm(mode, fix) as zygote:
        report, said = fixes.for_command(spec, submission, report, mode, fix, zygote=zygote, **grading)
    if said:
        sys.stderr.write(said + "\n")
    return report


def _finish(report, fmt: Format, shown, min_score: float | None, output: Path | None, extra, look: tuple, actions: bool) -> None:
    """Filter what is shown, apply --min-score, write every report, print one, exit."""
    from .config import select as select_findings
    from .render import formats

    select_findings(report, *shown)
    if min_score is not None and not formats.has_internal_error(report):
        report.passed = report.score >= min_score
        report.rules.append(f"pass threshold: score ≥ {min_score:g} (--min-score)")
    _write_reports(report, output, extra)
    if fmt is Format.text:
        _print_text(report, *look, actions)
    else:
        doc = _render(report, fmt.value)
        sys.stdout.write(formats.safe_document(doc, fmt.value, getattr(sys.stdout, "encoding", None)))
    if actions:
        _github_actions(report, to_stderr=fmt is not Format.text)
    policy = "classroom50" if fmt is Format.classroom50 or any(k == "classroom50" for k, _ in extra) else fmt.value
    raise typer.Exit(formats.exit_code(report, policy))


def _more_options(settings, max_elements: int | None, select: str | None, ignore: str | None, visibility: str | None):
    """--max-elements, --visibility (checked and kept), and the codes shown (--select / --ignore)."""
    _set_max_elements(max_elements if max_elements is not None else settings.get("max_elements"))
    if visibility is not None and visibility not in ("visible", "hidden", "after_due_date", "after_published"):
        raise fail_usage(f"--visibility must be visible, hidden, after_due_date or after_published (got {visibility!r})")
    state.visibility = visibility
    return _codes(select, ignore, settings)


def _settings(file: Path, fmt: Format | None, extra: list[str], actions: bool):
    """[tool.gradcheck] from the submission's folder upward, unless the command line grades for a
    course (a CI format, GITHUB_ACTIONS): there the folder is the student's, and so would be the
    settings (a longer timeout, a chosen seed). Pass them on the command line instead."""
    from .config import Settings, load
    from .errors import GradcheckError

    if actions or any(k in CI_FORMATS for k in [fmt.value if fmt else "", *extra]):
        return Settings()
    try:
        settings = load(file)
        if settings.get("format") is not None and settings.get("format") not in Format.__members__:
            raise fail_usage(f"{settings.path}: 'format' must be one of {', '.join(Format.__members__)} (got {settings.get('format')!r})")
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None
    return settings


def _codes(select: str | None, ignore: str | None, settings) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """--select / --ignore (or the file's), each code checked; the command line wins. None where
    neither says, so the spec's own ``select`` / ``ignore`` apply (``_spec_codes``)."""
    from .config import parse_codes
    from .errors import GradcheckError

    picked = select if select is not None else settings.get("select")
    dropped = ignore if ignore is not None else settings.get("ignore")
    try:
        return (None if picked is None else parse_codes(picked, "--select"),
                None if dropped is None else parse_codes(dropped, "--ignore"))  # fmt: skip
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None


def _spec_codes(shown: tuple, specs: list) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes shown: each of select and ignore from the command line, else [tool.gradcheck]
    (not read for a course's CI formats), else the specs' (the instructor's display default;
    with several assignments, only what all of them say)."""
    select, ignore = shown

    def common(key: str) -> tuple[str, ...]:
        said = {tuple(getattr(spec, key, ())) for spec in specs}
        return said.pop() if len(said) == 1 else ()

    return (select if select is not None else common("select"),
            ignore if ignore is not None else common("ignore"))  # fmt: skip


def _set_max_elements(value: int | None) -> None:
    if value is None:
        return
    if not 1000 <= value <= 10**12:
        raise fail_usage(f"--max-elements must be between 1000 and 1000000000000 (got {value})")
    from .spec.formula import set_max_elements

    set_max_elements(value)


def _limits(limits, timeout: float | None, memory_mb: int | None, processes: int | None, output_kb: int | None,
            total_timeout: float | None):  # fmt: skip
    """The spec's limits with the command line's overrides, each checked against its range."""
    from dataclasses import replace

    if timeout is not None:
        if not 0.1 <= timeout <= 3600:
            raise fail_usage("--timeout must be between 0.1 and 3600 seconds")
        limits = replace(limits, timeout=timeout)
    for flag, value, low, high, key in (
        ("--memory-mb", memory_mb, 256, 1 << 20, "memory_mb"),
        ("--processes", processes, 1, 4096, "processes"),
        ("--output-kb", output_kb, 1, 1 << 20, "output_kb"),
        ("--total-timeout", total_timeout, 1, 86400, "total_timeout"),
    ):
        if value is not None:
            if not low <= value <= high:
                raise fail_usage(f"{flag} must be between {low} and {high} (got {value})")
            limits = replace(limits, **{key: value})
    return limits


def _fd_options(exhaustive: bool, directions: int | None, samples: int | None):
    """The finite-difference options, checked before grading starts (a bad value is a usage error, exit 2)."""
    if directions is not None and not 1 <= directions <= 1000:
        raise fail_usage("--directions must be between 1 and 1000")
    if samples is not None and not 0 <= samples <= 10000:
        raise fail_usage("--samples must be between 0 and 10000")
    from .check.student_fd import FDOptions

    return FDOptions(_exhaustive() if exhaustive else None, directions, samples)


def _write_reports(report, output: Path | None, extra: list[tuple[str, str]]) -> None:
    """--output (the JSON report) and each --report FORMAT=FILE, written atomically."""
    from .render import formats

    if output is not None:
        _write_atomic(output, formats.render_format(report, "json"))
    for kind, target in extra:
        _write_atomic(Path(target), _render(report, kind))


def _render(report, kind: str) -> str:
    """A format's document; gradescope with --visibility for its tests."""
    from .render import formats, gradescope

    if kind == "gradescope" and state.visibility:
        return formats.safe_document(gradescope.render(report, test_visibility=state.visibility), kind)
    return formats.render_format(report, kind)


def _print_text(report, width, color, verbose, actions: bool) -> None:
    from .render.console import make_console
    from .render.text import render

    if not actions:
        render(report, make_console(width=width, color=color), verbose=verbose)
        return
    # Under GitHub Actions the report quotes student text: stop workflow-command processing
    # around it so printed "::error ::" lines cannot fake annotations.
    from .render.annotations import new_token
    from .render.console import capture, safe_stream

    token = new_token()
    text = capture(lambda console: render(report, console, verbose=verbose), width=width or 120)
    safe_stream(sys.stdout).write(f"::stop-commands::{token}\n{text}::{token}::\n")


def _github_actions(report, to_stderr: bool) -> None:
    from .render.annotations import annotations
    from .render.console import safe_stream
    from .render.markdown import append_step_summary

    stream = safe_stream(sys.stderr if to_stderr else sys.stdout)
    for line in annotations(report):
        stream.write(line + "\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        append_step_summary(report, summary)
    target = os.environ.get("GITHUB_OUTPUT")
    if target:  # the step's outputs, from the grader itself (no results file read back)
        from .render.files import step_outputs

        try:
            step_outputs(report, target)
        except OSError as exc:
            sys.stderr.write(f"gradcheck: warning: GITHUB_OUTPUT {target}: {exc.strerror or exc}\n")


def _exhaustive():
    """Estimate before starting, then a progress bar on stderr (when it is a terminal)."""
    from .check.student_fd import Exhaustive

    state: dict = {}

    def estimate(evaluations: int, seconds: float) -> None:
        sys.stderr.write(f"gradcheck: exhaustive check: {evaluations:,} evaluations of your forward pass and cost, "
                         f"about {evaluations * seconds:.0f} s\n")  # fmt: skip
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            bar = Progress("finite differences", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("fd", total=evaluations // 2)

    def progress(done: int, total: int) -> None:
        if "bar" in state:
            state["bar"].update(state["task"], completed=done)
            if done >= total:
                state["bar"].stop()

    return Exhaustive(estimate, progress)


def _fixed_sizes(sizes: str | None, m: int | None, dims: str | None) -> tuple[dict[str, int] | None, int | None]:
    """--sizes 12288,20,7,5,1 (layer sizes n0..nL, so depth L = 4) and --dims name=value,…"""
    fixed: dict[str, int] = {}
    depth = None
    try:
        if sizes:
            values = [int(v) for v in sizes.split(",")]
            if len(values) < 2 or min(values) < 1:
                raise ValueError
            fixed.update({f"n{i}": v for i, v in enumerate(values)})
            depth = len(values) - 1
        if dims:
            for item in dims.split(","):
                name, _, value = item.partition("=")
                fixed[name.strip()] = int(value)
                if fixed[name.strip()] < 1:
                    raise ValueError
    except ValueError:
        raise fail_usage("--sizes takes positive whole numbers like 12288,20,7,5,1; --dims takes name=number pairs like n_h=20,m=500") from None
    if m is not None and m < 1:
        raise fail_usage("--m must be a positive whole number")
    if m is not None and not fixed:
        raise fail_usage("--m goes with --sizes or --dims")
    return (fixed or None), depth


def _write_atomic(path: Path, text: str) -> None:
    from .render.files import write_atomic
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise fail_usage(f"{path}: {exc.strerror or exc}") from None
