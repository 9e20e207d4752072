"""Conv and LSTM benchmark (issue 21): how long a check of loop-based submissions takes.

Run:  python benchmarks/conv.py           (3 rounds per size)
      python benchmarks/conv.py --quick   (1 round)

For the notebooks' own loop solutions (tests/corpus/conv/correct/course_loops.py, four nested
loops; tests/corpus/rnn/correct/course_loops.py, a loop over t calling the cell functions):
- the CLI check of the whole assignment at its own trial sizes, a fresh process (start-up
  and the reference's own finite-difference validation included), wall time, median;
- the library check of one function, conv_backward and lstm_backward, at the course's test
  sizes and at a larger size (sizes given: one trial);
- one forward+backward of the student's own code at the same sizes (conv_forward then
  conv_backward; lstm_forward then lstm_backward), in a process of its own, and the ratio
  check ÷ forward+backward. Rounds alternate the two so both see the same load on a shared
  machine. One BLAS thread throughout, as the check runs (its child process too): OpenBLAS's
  spinning workers make the student's LSTM ten times slower on a loaded 2-core machine.
"""

# ruff: noqa: E402 - the BLAS threads are chosen before numpy is imported

from __future__ import annotations

import os

if __name__ == "__main__":  # one BLAS thread, as `gradcheck` sets it for itself and the submission's process
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import argparse
import dataclasses
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.catalog import resolve
from gradcheck.grade import grade, validate_spec
from gradcheck.spec.loader import load_spec

CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# The student's module as the check's child loads it: the course helpers importable under
# their module names (rnn_utils), and the numpy-1 float the conv helpers give (float(b)).
LOAD = r"""
import sys, time, types
import numpy as np
helpers = types.ModuleType("helpers")
exec(open(sys.argv[2]).read(), helpers.__dict__)
for name in ("rnn_utils", "public_tests"):
    sys.modules[name] = helpers
module = types.ModuleType("student")
if "float" in helpers.__dict__:
    module.float = helpers.float
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), module.__dict__)
sizes = dict(arg.split("=") for arg in sys.argv[3:])
sizes = {k: int(v) for k, v in sizes.items()}
rng = np.random.default_rng(0)
"""
CONV_STEP = r"""
m, h, w, c, k = (sizes[n] for n in ("m", "n_H_prev", "n_W_prev", "n_C_prev", "n_C"))
A = rng.standard_normal((m, h, w, c)); W = rng.standard_normal((3, 3, c, k)); b = rng.standard_normal((1, 1, 1, k))
def step():
    Z, cache = module.conv_forward(A, W, b, {"stride": 2, "pad": 1})
    module.conv_backward(np.ones_like(Z), cache)
"""
LSTM_STEP = r"""
n_x, n_a, n_y, m, T_x = (sizes[n] for n in ("n_x", "n_a", "n_y", "m", "T_x"))
p = {k: rng.standard_normal((n_a, n_a + n_x)) * 0.5 for k in ("Wf", "Wi", "Wc", "Wo")}
p.update({k: rng.standard_normal((n_a, 1)) * 0.3 for k in ("bf", "bi", "bc", "bo")})
p["Wy"], p["by"] = rng.standard_normal((n_y, n_a)), rng.standard_normal((n_y, 1))
x, a0 = rng.standard_normal((n_x, m, T_x)), rng.standard_normal((n_a, m))
def step():
    a, y, c, caches = module.lstm_forward(x, a0, p)
    module.lstm_backward(np.ones_like(a), caches)
"""
TIME = r"""
best = []
for _ in range(3):
    t = time.perf_counter()
    step()
    best.append(time.perf_counter() - t)
print(min(best))
"""


@dataclasses.dataclass(frozen=True)
class Case:
    function: str
    assignment: str
    file: Path
    step: str  # the student's forward+backward, as code run after LOAD
    course: dict[str, int]
    larger: dict[str, int]

    @property
    def helpers(self) -> Path:
        return ROOT / "assignments" / self.assignment / "helpers.py"


CASES = (
    Case("conv_backward", "conv", ROOT / "tests/corpus/conv/correct/course_loops.py", CONV_STEP,
         {"m": 2, "n_H_prev": 5, "n_W_prev": 7, "n_C_prev": 4, "n_C": 8},  # the notebook's conv test sizes
         {"m": 8, "n_H_prev": 16, "n_W_prev": 16, "n_C_prev": 6, "n_C": 12}),
    Case("lstm_backward", "rnn", ROOT / "tests/corpus/rnn/correct/course_loops.py", LSTM_STEP,
         {"n_x": 3, "n_a": 5, "n_y": 2, "m": 10, "T_x": 7},  # the notebook's lstm_backward test sizes
         {"n_x": 90, "n_a": 64, "n_y": 90, "m": 60, "T_x": 30}),  # the size of the week's jazz LSTM (90 values, n_a = 64, Tx = 30, m = 60)
)  # fmt: skip


def student_time(case: Case, sizes: dict[str, int]) -> float:
    args = [f"{k}={v}" for k, v in sizes.items()]
    code = LOAD + case.step + TIME
    out = subprocess.run([sys.executable, "-c", code, str(case.file), str(case.helpers), *args], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def cli_time(file: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gradcheck.cli", str(file), "--format", "json"], capture_output=True, env=CLI_ENV, check=True)  # a passing file exits 0
    return time.perf_counter() - t


def rows_for(case: Case, rounds: int) -> list[tuple[str, float, float | None]]:
    spec = load_spec(resolve(case.assignment))
    validate_spec(spec)
    one = dataclasses.replace(spec, functions=(spec.function(case.function),))  # only this function is checked
    rows = [(f"{case.assignment}: CLI check of the whole assignment, fresh process (3 trials)", statistics.median(cli_time(case.file) for _ in range(rounds)), None)]
    for label, sizes in (("course", case.course), ("larger", case.larger)):
        checks, students = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            report = grade(one, case.file, sizes=sizes)
            checks.append(time.perf_counter() - t)
            assert report.passed, [f.message for f in report.findings]
            students.append(student_time(case, sizes))
        check, fb = statistics.median(checks), statistics.median(students)
        shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
        rows.append((f"{case.function}: library check, one trial at {label} size ({shown})", check, None))
        rows.append((f"{case.function}: the student's forward+backward at {label} size", fb, check / fb))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 1 if parser.parse_args().quick else 3
    rows = [row for case in CASES for row in rows_for(case, rounds)]
    print(f"conv and LSTM benchmark: the notebooks' loop solutions, {rounds} round(s), load average {os.getloadavg()[0]:.1f}")
    for label, seconds, ratio in rows:
        extra = f"   ratio check ÷ forward+backward {ratio:.1f} ×" if ratio is not None else ""
        print(f"  {label:<92} {seconds:7.3f} s{extra}")


if __name__ == "__main__":
    main()
