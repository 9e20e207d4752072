"""How well the diagnosis names mistakes in every assignment's corpus, and what a failing check costs.

Run:  python benchmarks/diagnosis.py            (every corpus; 5 timed runs)
      python benchmarks/diagnosis.py --repeat 3 --only planar deep

A corpus is a directory of tests/corpus/ named after a built-in assignment, with a manifest:
a new assignment's corpus is counted as soon as it is there. For each buggy file (README.md,
"Diagnosis"): detected, the file fails; localized, the first error names the manifest's value
or function and, where the manifest marks the line of the mistake (``line:``), points at it;
diagnosed, the first error has the right target and every tag the manifest expects. Correct
files that fail are counted as false positives. Then the run time of a failing planar check
(tracing included: the failing call is run again under the line tracer), as a fresh process
and as a library call, medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from planar import ROOT, wall  # noqa: E402  (puts the checkout on sys.path)

from gradcheck.catalog import resolve  # noqa: E402
from gradcheck.grade import grade  # noqa: E402
from gradcheck.spec.loader import load_spec  # noqa: E402
from tests.conftest import assignment_corpora, case_spec, corpus_assignment  # noqa: E402  (a case's ``spec:`` variant, as the corpus tests grade it)

CORPUS = ROOT / "tests" / "corpus"
FAILING = CORPUS / "planar" / "buggy" / "backward_uses_w1.py"  # as benchmarks/tracing.py


def _lines(case: dict) -> list[int]:
    line = case.get("line")
    return [] if line is None else line if isinstance(line, list) else [line]


def _buggy(report, case: dict, out: dict) -> None:
    """Count one buggy file; a miss is described in ``out["misses"]``."""
    name = case["file"]
    if report.passed:
        out["misses"].append(f"{name}: not detected")
        return
    out["detected"] += 1
    errors = [f for f in report.findings if f.level == "error"]
    root = errors[0] if errors else None
    if root is None or root.target != case["target"]:
        out["misses"].append(f"{name}: first error {root.target if root else None}, expected {case['target']}")
        return
    lines, shown = _lines(case), root.location.line if root.location else None
    if lines and shown not in lines:
        out["misses"].append(f"{name}: line {shown}, expected {lines}")
    else:
        out["localized"] += 1
    if set(case.get("tags", [])) <= set(root.tags):
        out["diagnosed"] += 1
    else:
        out["misses"].append(f"{name}: tags {list(root.tags)} lack {case.get('tags')}")


def score(name: str) -> dict:
    """Detected / localized / diagnosed counts of one corpus, with its correct files' verdicts."""
    spec = load_spec(resolve(corpus_assignment(name) or name))
    cases = yaml.safe_load((CORPUS / name / "manifest.yaml").read_text(encoding="utf-8"))
    out: dict = {"buggy": 0, "detected": 0, "localized": 0, "diagnosed": 0, "correct": 0, "false_positives": 0,
                 "fragile": 0, "fragile_warned": 0, "misses": []}  # fmt: skip
    for case in cases:
        report = grade(case_spec(spec, case), CORPUS / name / case["file"])
        if not case["passed"]:
            out["buggy"] += 1
            _buggy(report, case, out)
        elif "warning" in case:  # right only at these sizes: passes with its warning
            out["fragile"] += 1
            warned = any(f.code == case["warning"] and f.target == case["target"] for f in report.findings)
            out["fragile_warned"] += int(report.passed and warned)
        else:
            out["correct"] += 1
            out["false_positives"] += int(not report.passed)
    return out


def failing_check_seconds(n: int) -> tuple[float, float]:
    """(fresh process, library call): medians of ``n`` checks of a failing planar file, traced."""
    spec = load_spec(resolve("planar"))
    lib = []
    for _ in range(n):
        start = time.perf_counter()
        grade(spec, FAILING)
        lib.append(time.perf_counter() - start)
    process = wall([sys.executable, "-m", "gradcheck", "-a", "planar", str(FAILING)], n)
    return process, statistics.median(lib)


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.0%})" if n else "0/0 (-)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the failing planar check")
    parser.add_argument("--only", nargs="*", help="these corpora only")
    args = parser.parse_args()
    names = [n for n in assignment_corpora() if not args.only or n in args.only]
    total = dict.fromkeys(("buggy", "detected", "localized", "diagnosed", "correct", "false_positives"), 0)
    print(f"python {sys.version.split()[0]}")
    print(f"{'corpus':<20}{'buggy':>6}{'detected':>16}{'localized':>16}{'diagnosed':>16}{'correct rejected':>18}")
    misses = []
    for name in names:
        d = score(name)
        for k in total:
            total[k] += d[k]
        b = d["buggy"]
        print(f"{name:<20}{b:>6}{_pct(d['detected'], b):>16}{_pct(d['localized'], b):>16}{_pct(d['diagnosed'], b):>16}"
              f"{d['false_positives']:>11}/{d['correct']:<6}")  # fmt: skip
        misses += [f"{name}/{m}" for m in d["misses"]]
    b = total["buggy"]
    print(f"{'total':<20}{b:>6}{_pct(total['detected'], b):>16}{_pct(total['localized'], b):>16}{_pct(total['diagnosed'], b):>16}"
          f"{total['false_positives']:>11}/{total['correct']:<6}")  # fmt: skip
    for m in misses:
        print("  miss:", m)
    process, library = failing_check_seconds(args.repeat)
    print(f"failing planar check with tracing ({FAILING.name}), median of {args.repeat}: "
          f"{process:.3f} s as a fresh process, {library:.3f} s as a library call")  # fmt: skip


if __name__ == "__main__":
    main()
