"""Planar benchmarks: wall time of a full check, and how well the diagnosis names mistakes.

Run:  python benchmarks/planar.py            (prints a table; medians of repeated runs)
      python benchmarks/planar.py --quick    (fewer repeats)

Speed: `gradcheck --help` and a full CLI check of a correct and a buggy submission,
each a fresh process (so start-up is included), median of N runs, plus the library call.
Diagnosis: every file of tests/corpus/planar, counted as benchmarks/diagnosis.py counts every
corpus — detected (a buggy file fails), localized (the first error names the manifest's target,
at its marked line where there is one), diagnosed (target and every manifest tag), false
positives (a correct file fails).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.catalog import resolve  # noqa: E402
from gradcheck.grade import grade  # noqa: E402
from gradcheck.spec.loader import load_spec  # noqa: E402

# As an installed package runs: with its bytecode (see perf.py).
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], n: int) -> float:
    times = []
    subprocess.run(cmd, capture_output=True, check=False, env=CLI_ENV)  # bytecode written once
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=CLI_ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def speed(n: int) -> list[tuple[str, float]]:
    py = [sys.executable, "-m", "gradcheck"]
    spec = load_spec(resolve("planar"))
    lib = []
    for _ in range(n):
        start = time.perf_counter()
        grade(spec, ROOT / "examples" / "planar" / "buggy.py")
        lib.append(time.perf_counter() - start)
    return [
        ("gradcheck --help (process)", wall([*py, "--help"], n)),
        ("gradcheck list (process)", wall([*py, "list"], n)),
        ("full planar check, correct file (process)", wall([*py, str(ROOT / "examples/planar/correct.py")], n)),
        ("full planar check, buggy file (process)", wall([*py, str(ROOT / "examples/planar/buggy.py")], n)),
        ("full planar check, buggy file (library call)", statistics.median(lib)),
    ]


def diagnosis() -> dict[str, object]:
    from diagnosis import score  # the same counts for every corpus (benchmarks/diagnosis.py)

    return score("planar")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 3 if args.quick else 11
    print(f"python {sys.version.split()[0]} · {n} runs each, medians")
    print(f"{'measure':<48}{'seconds':>10}")
    for label, seconds in speed(n):
        print(f"{label:<48}{seconds:>10.3f}")
    d = diagnosis()
    b = d["buggy"]
    print()
    print(f"buggy submissions        {b}")
    print(f"detected                 {d['detected']}/{b} ({d['detected'] / b:.0%})")
    print(f"localized (right target) {d['localized']}/{b} ({d['localized'] / b:.0%})")
    print(f"diagnosed (target + tags){d['diagnosed']:>3}/{b} ({d['diagnosed'] / b:.0%})")
    print(f"correct submissions      {d['correct']}, rejected: {d['false_positives']}")
    print(f"fragile-by-size          {d['fragile_warned']}/{d['fragile']} passed with their GC401 warning")
    for m in d["misses"]:
        print("  miss:", m)


if __name__ == "__main__":
    main()
