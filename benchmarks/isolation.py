"""What isolation costs: the child's start-up at each level this machine has, and a planar
check's wall time (a fresh CLI process, as a student runs it) at the strongest level and with
none.

The planar check is ``gradcheck examples/planar/buggy.py`` (the assignment picked from the
file, as a student runs it); the load average is printed with the figures, since the
machine the figures come from is shared.

Run:  python benchmarks/isolation.py          (medians of 7 runs)
      python benchmarks/isolation.py --quick  (3 runs)

Start-up is from spawning the child to its answer to the import of a one-line submission
(Python, numpy, the confinement, the import), measured in the grader.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.sandbox import isolation  # noqa: E402
from gradcheck.sandbox.runner import Sandbox  # noqa: E402

PLANAR = ROOT / "examples" / "planar" / "buggy.py"


def startup(level: str, n: int) -> float:
    os.environ["GRADCHECK_ISOLATION"] = level
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sub.py"
        path.write_text("import numpy as np\n", encoding="utf-8")
        for _ in range(n):
            started = time.perf_counter()
            with Sandbox(path) as box:
                reply = box.start()
                assert reply.ok and box.isolation == level, (reply.failure, box.isolation)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def planar_wall(level: str, n: int) -> float:
    submission = PLANAR
    env = {**os.environ, "GRADCHECK_ISOLATION": level}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gradcheck", str(submission)],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)  # fmt: skip
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    n = 3 if parser.parse_args().quick else 7
    why = isolation.available()
    levels = [name for name in isolation.LEVELS if not why[name]]
    startup(levels[0], 1)  # the probes and the private copy, once per process
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"{'level':<20} {'child start-up (median)':>24}")
    for level in levels:
        print(f"{level:<20} {startup(level, n) * 1000:>21.0f} ms")
    for level in isolation.LEVELS:
        if why[level]:
            print(f"{level:<20} {'not available: ' + why[level]}")
    print()
    for level in (levels[0], "none"):
        print(f"gradcheck examples/planar/buggy.py, wall time (median of {n}), {level}: {planar_wall(level, n):.3f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
