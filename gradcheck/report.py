"""The report: plain data that every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .findings import Finding

Status = Literal["pass", "fail", "skip"]

SCHEMA_VERSION = "1.2"  # 1.1: isolation; 1.2: fixes, and each finding's fix


@dataclass
class CheckResult:
    id: str  # "backward_propagation:dW1"
    function: str
    target: str  # student-facing name: dW1, cost, forward_propagation
    status: Status
    points: float = 0.0
    max_points: float = 0.0
    summary: str = ""  # one short line for the table


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

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]
