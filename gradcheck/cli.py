"""The command line: a thin layer over the library. Heavy imports happen inside commands.

The app and what every command shares are in cli_base.py; `check` (the default command) is in
cli_check.py; the other commands and the entry point are here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from . import cli_check  # noqa: F401  (registers `check`)
from .cli_base import APP_OPTIONS, COMMANDS, app, check_writable, fail_usage, plural, require_pinned, state, stdout_stream


@app.command("list")
def list_assignments() -> None:
    """List the built-in assignments and the functions each expects."""
    from .catalog import builtins

    entries = builtins()
    width = max((len(e.name) for e in entries), default=0)
    for e in entries:
        stdout_stream().write(f"{e.name:<{width}} {e.title}" + (f" ({e.course})" if e.course else "") + "\n")
        stdout_stream().write(f"{'':<{width}} functions: {', '.join(e.functions)}" + (f" (optional: {', '.join(e.optional)})" if e.optional else "") + "\n")


@app.command("explain")
def explain(
    topic: str = typer.Argument(..., help="A finding code (GC302), a tag (missing-mean) or a quantity of the assignment (dZ1, dW1, cost)."),
    file: Optional[Path] = typer.Argument(None, help="Your submission: quantities are shown for the assignment it matches."),
    assignment: Optional[str] = typer.Option(None, "--assignment", "-a", help="Assignment whose notation to use for quantities."),
    width: Optional[int] = typer.Option(None, "--width"),
    color: Optional[bool] = typer.Option(None, "--color/--no-color"),
) -> None:
    """Explain a finding code or walk the chain rule for one quantity."""
    from .errors import GradcheckError
    from .explain import page_for
    from .render.console import make_console

    try:
        page = page_for(topic, assignment, file)
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None
    from rich.markdown import Markdown

    make_console(width=width, color=color).print(Markdown(f"*{page.note}*\n\n{page.body}" if page.note else page.body))


@app.command("validate")
def validate(spec_file: str = typer.Argument(..., help="A spec.yaml to check, or a built-in assignment's name (see `gradcheck list`).")) -> None:
    """Check a spec file: schema, formulas, and the reference against its own finite differences."""
    from .catalog import resolve
    from .errors import GradcheckError
    from .grade import validate_spec
    from .spec import cache
    from .spec.loader import load_spec

    cache.disable()  # asked for: checked now, whatever an earlier run found
    try:
        spec = load_spec(resolve(spec_file))
        validate_spec(spec)
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None
    stdout_stream().write(f"{spec_file}: ok — '{spec.name}', {plural(len(spec.functions), 'function')}, {plural(len(spec.backward), 'gradient')}; "
                    "the reference passes its finite-difference check\n")  # fmt: skip


@app.command("grade")
def grade_many(
    target: str = typer.Argument(..., help="A directory of submissions (one folder or file per student) or a glob ('subs/*.py')."),
    assignment: Optional[str] = typer.Option(None, "--assignment", "-a", help="Built-in assignment name or a spec.yaml path. Default: picked per file."),
    jobs: int = typer.Option(2, "--jobs", "-j", help="Submissions graded at once (each in its own process)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="The gradebook: results.csv or results.json (all reports and the summary)."),
    feedback: Optional[Path] = typer.Option(None, "--feedback", help="Write STUDENT.md and STUDENT.html (self-contained) per student into this folder."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write the class summary page (histogram, common mistakes, every student) here."),
    shard_spec: Optional[str] = typer.Option(None, "--shard", help="Grade only shard i of n (e.g. 2/5); combine shards with `gradcheck merge`."),
    seed: int = typer.Option(0, "--seed"),
    seed_from_id: bool = typer.Option(False, "--seed-from-id", help="Each student's own seed, derived from their id (stated in their feedback)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds allowed per call."),
) -> None:
    """Grade many submissions (instructors): one row per student, feedback files, what the class got wrong."""
    from . import batch, gradebook
    from .errors import GradcheckError

    require_pinned(assignment, "text", [], os.environ.get("GITHUB_ACTIONS") == "true")
    if not 1 <= jobs <= 64:
        raise fail_usage("--jobs must be between 1 and 64")
    for path, flag in ((output, "--output"), (html, "--html")):
        if path is not None:
            check_writable(path, flag)
    try:
        files = batch.collect(target)
        if shard_spec:
            files = batch.shard(files, shard_spec)
        for path, flag in ((output, "--output"), (html, "--html"), (feedback, "--feedback")):
            inside = batch.graded_folder_holding(path, files) if path is not None else None
            if inside is not None:
                raise fail_usage(f"{flag} {path}: inside {inside}, a folder being graded, where the students' code could read it; write it elsewhere")
        # Each student's row is saved as it completes: a batch killed midway keeps them.
        journal = batch.Journal(output) if output is not None else None
        result = gradebook.run_with_progress(len(files), lambda progress: gradebook.grade_class(
            target, files, assignment=assignment, seed=seed, seed_from_id=seed_from_id, timeout=timeout, jobs=jobs, feedback=feedback,
            progress=progress, on_row=journal.add if journal else None))  # fmt: skip
        meta = {"assignment": ", ".join(result.assignments), "seed": "from id" if seed_from_id else seed, "shard": shard_spec, "target": target}
        if output is not None:
            batch.write(output, result.rows, meta)
            journal.close(done=True)  # type: ignore[union-attr]
        if html is not None:
            gradebook.summary_page(html, result, feedback)
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None
    except OSError as exc:
        raise fail_usage(f"{getattr(exc, 'filename', None) or output}: {exc.strerror or exc}") from None
    gradebook.print_class(result, stdout_stream())


def _print_summary(s: dict) -> None:
    from .render.class_summary import summary_text
    stdout_stream().write(summary_text(s))


@app.command("merge")
def merge(
    shards: list[Path] = typer.Argument(..., help="results.json files written by `gradcheck grade --shard`."),
    output: Path = typer.Option(..., "--output", "-o", help="results.csv or results.json"),
) -> None:
    """Combine the results of several shards into one file and summary."""
    from . import batch
    from .errors import GradcheckError

    check_writable(output, "--output")
    try:
        rows, metas = [], []
        for path in shards:
            r, meta = batch.load_rows(path)
            rows += r
            metas.append(meta)
        seen = set()
        dupes = [r.file for r in rows if r.file in seen or seen.add(r.file)]
        if dupes:
            raise fail_usage(f"{dupes[0]} appears in more than one shard")
        rows.sort(key=lambda r: r.file)
        batch.write(output, rows, {"merged": [str(p) for p in shards], "assignment": metas[0].get("assignment") if metas else None})
    except GradcheckError as exc:
        raise fail_usage(exc.one_line()) from None
    _print_summary(batch.summary(rows))


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    single_blas_thread()
    if args == ["--version"]:  # fast: no app built
        from ._version import __version__

        sys.stdout.write(f"gradcheck {__version__}\n")
        return
    if args and _mistyped_command(args[0], _asks_for_json(args)):
        raise SystemExit(2)
    # `gradcheck FILE` means `gradcheck check FILE`.
    if args and args[0] not in COMMANDS and not args[0].startswith("-") or args and args[0].startswith("-") and args[0] not in APP_OPTIONS:
        args.insert(0, "check")
    if len(args) > 1 and args[0] == "check" and args[1].endswith(".py") and os.path.isfile(args[1]):
        _start_child_early(args[1])
    for stream in (sys.stdout, sys.stderr):  # the last guard: an output problem is never a traceback
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass
    state.json_errors = _asks_for_json(args)
    if not state.json_errors:
        app(args=args, prog_name="gradcheck")
        return
    err, said = sys.stderr, []

    class Tee:  # what the option parser says on stderr, to repeat it as JSON
        def write(self, text) -> int:
            if isinstance(text, (bytes, bytearray)):  # the parser may write bytes
                text = bytes(text).decode("utf-8", "replace")
            said.append(text)
            return err.write(text)

        def __getattr__(self, name: str):
            return getattr(err, name)

    sys.stderr = Tee()  # type: ignore[assignment]
    try:
        app(args=args, prog_name="gradcheck")
    except SystemExit as exc:
        if exc.code == 2 and not any(t.startswith("gradcheck: error:") for t in said):  # the parser's error, not ours
            lines = [line.strip(" │╭╮╰╯─") for line in "".join(said).splitlines()]
            message = next((line for line in lines if line.lower().startswith("error")), "") or " ".join(filter(None, lines[-3:]))
            sys.stderr = err
            fail_usage(message.removeprefix("Error: ").strip() or "invalid command line")
        raise
    finally:
        sys.stderr = err


def run() -> None:
    """The program (``gradcheck`` and ``python -m gradcheck``): ``main()``, then the process
    ends at once. Python's own shutdown tears down every module the grader imported (numpy,
    rich, the checks): ~40 ms of CPU that no one waits for. The exit handlers still run
    (children killed, temporary folders removed) and the output is flushed first; where that
    cannot be done cleanly (a thread still running, an output that fails to flush), Python
    exits as usual, with the same code. ``main()`` itself never ends the process (tests call it).
    Only here, in a process of its own, is what an earlier run found remembered (spec/cache.py)."""
    from .spec import cache

    cache.enable()
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    _exit_now(code)


def _exit_now(code: object) -> None:
    import threading

    if code is None:
        code = 0
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 255 or others:
        raise SystemExit(code)  # Python's own way: prints a message code, joins the threads
    import atexit

    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None  # e.g. a closed pipe: Python reports it and exits 120, as before
    os._exit(code)


def _start_child_early(file: str) -> None:
    """`gradcheck FILE.py`: the child process (bubblewrap, Python, numpy) starts first, while
    the grader imports its own modules and reads the spec; grading takes it over when its
    sandbox is the one it would make (sandbox/start.py), else it is ended unused."""
    from .sandbox import start

    start.early(Path(file))


def _mistyped_command(word: str, json_errors: bool) -> bool:
    """`gradcheck lst`: a bare word that is neither a file nor a command but close to one is a
    typo of the command (exit 2 with a suggestion); anything path-like stays `check`'s to report."""
    if word in COMMANDS or word.startswith("-") or "/" in word or "\\" in word or "." in word or Path(word).exists():
        return False
    import difflib

    close = difflib.get_close_matches(word, sorted(COMMANDS), n=1, cutoff=0.6)
    if not close:
        return False
    state.json_errors = json_errors
    fail_usage(f"no such file or command '{word}'; did you mean '{close[0]}'?")
    return True


def _asks_for_json(args: list[str]) -> bool:
    """Whether the command line asks for --format json (in any of its spellings)."""
    for i, arg in enumerate(args):
        if arg in ("--format", "-f") and args[i + 1 : i + 2] == ["json"] or arg in ("--format=json", "-fjson"):
            return True
    return False


def single_blas_thread() -> None:
    """Before numpy loads: one BLAS thread for the grader itself. Its matrices are small, and
    OpenBLAS's idle workers spin on the core the submission's process needs (a cat-size check
    took 247 ms with two grader threads, 201 ms with one). A user's own setting wins."""
    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")


if __name__ == "__main__":
    run()
