"""What every command of the command line shares: the app, the formats, usage errors."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    help="Check hand-written backprop in numpy: which gradient is wrong, why, and on which line.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

COMMANDS = {"check", "list", "explain", "validate", "grade", "merge"}
# Options of the app itself (everything else starting with "-" belongs to `check`).
APP_OPTIONS = ("--help", "-h", "--version", "--install-completion", "--show-completion")


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    junit = "junit"
    gradescope = "gradescope"
    classroom50 = "classroom50"
    classroom = "classroom"


# Formats that grade for a course: the assignment must be pinned (a submission never picks it).
CI_FORMATS = frozenset({"junit", "gradescope", "classroom50", "classroom"})



class _State:
    """What one command line has asked for so far."""

    # --format json: usage errors then also print a JSON object on stdout (docs/reports.md),
    # so a tool reading stdout always gets JSON.
    json_errors = False
    visibility: str | None = None  # --visibility, for the gradescope format


state = _State()


def stdout_stream():
    """stdout that writes whatever its encoding (render.console.SafeStream)."""
    from .render.console import safe_stream

    return safe_stream(sys.stdout)


def fail_usage(message: str) -> typer.Exit:
    sys.stderr.write(f"gradcheck: error: {message}\n")
    if state.json_errors:
        from .render.formats import usage_error_document

        sys.stdout.write(usage_error_document(message, getattr(sys.stdout, "encoding", None)))
    return typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        from ._version import __version__

        sys.stdout.write(f"gradcheck {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _app(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit.")) -> None:
    """Check hand-written backprop in numpy: which gradient is wrong, why, and on which line.

    `gradcheck FILE` is `gradcheck check FILE`."""


def require_pinned(assignment: str | None, fmt: str, extra: list[str], actions: bool) -> None:
    """CI formats and GitHub Actions grade for a course: without --assignment the submission
    would choose its own assignment (hide one function, add another: graded as something
    easier). Auto-pick stays for students at their own machine (text, json, markdown)."""
    if assignment:
        return
    why = next((f"--format {k}" if k == fmt else f"--report {k}=…" for k in [fmt, *extra] if k in CI_FORMATS), None)
    if why is None and actions:
        why = "GITHUB_ACTIONS=true"
    if why is not None:
        raise fail_usage(f"{why} grades for a course, so the assignment must be pinned: add --assignment NAME "
                          "(see `gradcheck list`) or --assignment path/to/spec.yaml; otherwise the submission's own "
                          "function names would choose how it is graded")  # fmt: skip


def check_writable(path: Path, flag: str) -> None:
    """A report path that cannot be written is a usage error before any student code runs."""
    from .render.files import unwritable
    why = unwritable(path)
    if why is not None:
        raise fail_usage(f"{flag} {path}: {why}")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
