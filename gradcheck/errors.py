"""The grader's own errors. Only the CLI catches them (exit code 2)."""

from __future__ import annotations


class GradcheckError(Exception):
    """Base class: a problem with the grader's input, not with the submission."""

    exit_code = 2

    def one_line(self) -> str:
        return str(self)


class UsageError(GradcheckError):
    """A bad command line."""


class SpecError(GradcheckError):
    """A malformed assignment spec; carries where and what."""

    def __init__(self, problem: str, file: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.file or "<spec>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.problem}"


class FormulaError(ValueError):
    """A formula that cannot be parsed or is not allowed. SpecError wraps it with a location."""


class InternalError(GradcheckError):
    """gradcheck itself failed."""
