"""The report: plain data that every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .findings import Finding

Status = Literal["pass", "fail", "skip"]

SCHEMA_VERSION = "1.3"  # 1.1: isolation; 1.2: fixes, and each finding's fix; 1.3: several assignments in one report


@dataclass
class CheckResult:
    id: str  # "backward_propagation:dW1"
    function: str
    target: str  # student-facing name: dW1, cost, forward_propagation
    status: Status
    points: float = 0.0
    max_points: float = 0.0
    summary: str = ""  # one short line for the table
    assignment: str = ""  # the assignment that graded it ("": the report's only one)


@dataclass(frozen=True)
class Part:
    """One assignment of a report that grades a file on several (``combine.merge``)."""

    assignment: str
    title: str
    passed: bool
    score: float
    max_score: float
    picked: str | None = None  # the version graded and its conventions (``versions.describe``)
    functions: tuple[str, ...] = ()  # the functions its checks grade
    explain_dir: str | None = None  # its spec's explain pages (not in the JSON report)


@dataclass
class Report:
    assignment: str
    title: str
    file: str
    seed: int
    passed: bool
    score: float
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    output: str = ""  # what the submission printed (capped)
    output_truncated: bool = False
    picked: str | None = None  # how the assignment was chosen, when not given
    trials: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # the comparison rules, stated
    limits: dict = field(default_factory=dict)
    seconds: float = 0.0
    isolation: str = "none"  # how the OS isolated the submission's process (sandbox.isolation.LEVELS)
    startup_seconds: float = 0.0  # of seconds, waiting for the child process to start (not in the JSON report)
    source: str = ""  # the submission's text, for showing lines
    explain_dir: str | None = None
    version: str = ""
    cells: dict[int, str] = field(default_factory=dict)  # notebook code cells by number, for showing lines
    fixes: str = "off"  # verified fixes: "off" (not looked for), "hint" (words only), "diff" (gradcheck/fixes/)
    visibility: dict[str, str] = field(default_factory=dict)  # the spec's Gradescope visibility by check (Spec.test_visibility; not in the JSON report)
    parts: list[Part] = field(default_factory=list)  # the assignments, when the file was graded on several (else empty)

    def assignments(self) -> list[Part]:
        """Each assignment graded, with its points: ``parts``, or this report as its only one."""
        if self.parts:
            return list(self.parts)
        functions = tuple(dict.fromkeys(c.function for c in self.checks if c.function))
        return [Part(self.assignment, self.title, self.passed, self.score, self.max_score, self.picked, functions, self.explain_dir)]

    def assignment_of(self, check: CheckResult | Finding) -> str | None:
        """The assignment a check or finding belongs to: the report's own when it has one; with
        several, the one whose check produced it, or whose function it names; None for what is
        about the whole file (a finding on ``submission``)."""
        if not self.parts:
            return self.assignment
        if isinstance(check, CheckResult):
            return check.assignment or None
        owner = {c.id: c.assignment for c in self.checks}
        if check.check is not None and owner.get(check.check):
            return owner[check.check]
        function = (check.check or "").split(":", 1)[0] or check.target
        return next((p.assignment for p in self.parts if function in p.functions), None)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]
