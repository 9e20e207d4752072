"""Grading from inside Jupyter: ``check_notebook()`` and the ``%gradcheck`` line magic.

``%load_ext gradcheck`` (or ``%load_ext gradcheck.notebook``) registers ``%gradcheck
[assignment]``. Both read the session's input history (``In``) into a ``Submission``
(``gradcheck.submission``: which cells are kept and why), grade it exactly as
``gradcheck Notebook.ipynb`` grades the saved file, and show the report with the notebook's
cells and lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .submission import Submission


def _ipython():
    try:
        from IPython import get_ipython  # lazy: gradcheck does not depend on IPython
    except ImportError:
        return None
    return get_ipython()


def _notebook_name(ns: dict) -> str:
    for key in ("__session__", "__vsc_ipynb_file__"):
        value = ns.get(key)
        if isinstance(value, str) and value.strip():
            return Path(value).name
    return "notebook.ipynb"


def check_notebook(assignment: str | None = None, *, globals_: dict | None = None, seed: int = 0) -> Any:
    """Grade the functions defined so far in this Jupyter session and show the report.

    Call it from a notebook cell: ``gradcheck.check_notebook()`` (or ``%gradcheck`` after
    ``%load_ext gradcheck``). ``globals_`` is the namespace holding ``In``
    (default: the running IPython's ``user_ns``). Returns the report, its findings'
    locations moved to (cell, line within the cell).
    """
    if globals_ is None:
        ip = _ipython()
        if ip is None:
            raise RuntimeError(
                "check_notebook() grades a Jupyter session and must be called from a notebook cell (no IPython is running); "
                "outside Jupyter, run `gradcheck Notebook.ipynb` or `gradcheck file.py`"
            )
        globals_ = ip.user_ns
    history = globals_.get("In")
    if history is None:
        raise RuntimeError(
            "no input history: the namespace has no 'In' list (call check_notebook() from a notebook cell, or pass globals_=globals())"
        )
    from .api import check_submission

    submission = Submission.from_history(history, _notebook_name(globals_))
    report = check_submission(submission, assignment, seed=seed)
    _display(report, submission)
    return report


def _console():
    """Rich output in the notebook (a terminal IPython gets the ordinary console)."""
    ip = _ipython()
    if ip is not None and type(ip).__name__ == "TerminalInteractiveShell":
        from .render.console import make_console

        return make_console()
    from rich.console import Console

    return Console(force_jupyter=True)


def _display(report: Any, submission: Submission) -> None:
    """The text report, then where each finding is in the notebook (cell and line)."""
    from rich.table import Table

    from .render.common import cell_label, cell_name
    from .render.text import render

    console = _console()
    render(report, console)
    nb = submission.notebook
    rows = []
    for f in report.findings:
        text = nb.cell_text(f.location.cell) if nb is not None and f.location is not None and f.location.cell is not None else None
        if text is not None:
            lines = text.split("\n")
            shown = lines[f.location.line - 1].strip() if 1 <= f.location.line <= len(lines) else ""
            rows.append((f.code, f.target, cell_label(f.location), str(f.location.line), shown))
    if rows:
        table = Table(title="In the notebook", title_justify="left", show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("code", "target", "cell", "line", "code line"):
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for c in submission.skipped:
        if c.reason.startswith("syntax error"):
            count = nb.counts.get(c.number) if nb is not None else None
            console.print(f"{cell_name(c.number, count)} was not graded: {c.reason}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gradcheck`` (or ``gradcheck.notebook``) registers ``%gradcheck [assignment]``."""

    def gradcheck(line: str = "") -> None:
        check_notebook(line.strip() or None, globals_=ipython.user_ns)

    ipython.register_magic_function(gradcheck, magic_kind="line", magic_name="gradcheck")
