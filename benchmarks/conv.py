"""Conv benchmark (issue 21): how long a check of a loop-based conv submission takes.

Run:  python benchmarks/conv.py           (3 rounds per size)
      python benchmarks/conv.py --quick   (1 round)

For the notebook's own four-nested-loop solution (tests/corpus/conv/correct/course_loops.py):
- the CLI check at the course's sizes, a fresh process (start-up and the reference's own
  finite-difference validation included), wall time, median of the rounds;
- the library check at the course's sizes and at a larger size (--dims: one trial);
- one forward+backward of the student's own code at the same sizes (conv_forward,
  conv_backward, pool_forward and pool_backward in both modes), in a process of its own,
  and the ratio check ÷ forward+backward. Rounds alternate the two so both see the same
  load on a shared machine.
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
from gradcheck.grade import grade, validate_spec  # noqa: E402
from gradcheck.spec.loader import load_spec  # noqa: E402

FILE = ROOT / "tests" / "corpus" / "conv" / "correct" / "course_loops.py"
HELPERS = ROOT / "assignments" / "conv" / "helpers.py"
COURSE = {"m": 2, "n_H_prev": 5, "n_W_prev": 7, "n_C_prev": 4, "n_C": 8}  # the notebook's conv test sizes
LARGER = {"m": 8, "n_H_prev": 16, "n_W_prev": 16, "n_C_prev": 6, "n_C": 12}
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# One forward+backward of the student's code, timed in a process of its own (as the check's child runs it).
STUDENT = r"""
import sys, time, types
import numpy as np
helpers = {}
exec(open(sys.argv[2]).read(), helpers)
module = types.ModuleType("student")
module.float = helpers["float"]  # the numpy-1 float the check gives the module (the course's float(b))
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), module.__dict__)
m, h, w, c, k = (int(x) for x in sys.argv[3:8])
rng = np.random.default_rng(0)
A = rng.standard_normal((m, h, w, c)); W = rng.standard_normal((3, 3, c, k)); b = rng.standard_normal((1, 1, 1, k))
hp, pp = {"stride": 2, "pad": 1}, {"stride": 1, "f": 3}
best = []
for _ in range(3):
    t = time.perf_counter()
    Z, cache = module.conv_forward(A, W, b, hp)
    module.conv_backward(np.ones_like(Z), cache)
    for mode in ("max", "average"):
        P, pcache = module.pool_forward(A, pp, mode)
        module.pool_backward(np.ones_like(P), pcache, mode)
    best.append(time.perf_counter() - t)
print(min(best))
"""


def student_time(sizes: dict[str, int]) -> float:
    args = [str(sizes[k]) for k in ("m", "n_H_prev", "n_W_prev", "n_C_prev", "n_C")]
    out = subprocess.run([sys.executable, "-c", STUDENT, str(FILE), str(HELPERS), *args], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def cli_time() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gradcheck.cli", str(FILE), "--format", "json"], capture_output=True, env=CLI_ENV, check=True)  # a passing file exits 0
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 1 if parser.parse_args().quick else 3
    spec = load_spec(resolve("conv"))
    validate_spec(spec)
    rows = []
    cli = []
    for _ in range(rounds):
        cli.append(cli_time())
    rows.append(("CLI check, course sizes, fresh process (3 trials)", statistics.median(cli), None))
    for label, sizes in (("course", COURSE), ("larger", LARGER)):
        checks, students = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            report = grade(spec, FILE, sizes=sizes)
            checks.append(time.perf_counter() - t)
            assert report.passed, [f.message for f in report.findings]
            students.append(student_time(sizes))
        check, fb = statistics.median(checks), statistics.median(students)
        shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
        rows.append((f"library check, one trial at {label} size ({shown})", check, None))
        rows.append((f"student's forward+backward at {label} size", fb, check / fb))
    print(f"conv benchmark: {FILE.relative_to(ROOT)}, {rounds} round(s), load average {os.getloadavg()[0]:.1f}")
    for label, seconds, ratio in rows:
        extra = f"   ratio check ÷ forward+backward {ratio:.1f} ×" if ratio is not None else ""
        print(f"  {label:<78} {seconds:7.3f} s{extra}")


if __name__ == "__main__":
    main()
