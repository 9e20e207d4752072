"""The time verified fixes add to a failing check: `python benchmarks/fixes.py` (not a test).

Issue 19's budget: at most +1 s on a failing planar check, at most +2 s on a failing deep check at
the cat-classifier sizes (`--sizes 12288,20,7,5,1 --m 209`, what the deep run below uses).

As `gradcheck FILE` runs it: the fork server is started before the file is graded (the grade
forks its child from it), and the re-grades fork from the same warm server. Printed: the plain
grade (a spawned child, as without fixes), the grade from the fork server, the time the fixes
take after it, and what the whole run adds to the plain grade.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.catalog import resolve  # noqa: E402
from gradcheck.fixes import warm, with_fixes  # noqa: E402
from gradcheck.grade import grade  # noqa: E402
from gradcheck.spec.loader import load_spec  # noqa: E402
from gradcheck.submission import Submission  # noqa: E402

FILES = {
    "planar": ["dw1_missing_mean.py", "dz1_tanh_prime_at_z1.py", "pair_dw1_transposed_db1_no_keepdims.py"],
    "deep": ["linear_backward_dw_missing_mean.py", "L_model_backward_last_layer_relu.py"],
}


def run(assignment: str, name: str, sizes: dict[str, int] | None, depth: int | None) -> None:
    spec = load_spec(resolve(assignment), depth=depth)
    if sizes is not None and "m" in sizes:
        sizes = {**sizes, spec.batch: sizes.pop("m")}
    sub = Submission.from_path(ROOT / "tests" / "corpus" / assignment / "buggy" / name)
    start = time.perf_counter()
    grade(spec, sub, sizes=sizes)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    with warm("diff", False) as zygote:
        report = grade(spec, sub, sizes=sizes, zygote=zygote)
        graded = time.perf_counter() - start
        outcome = with_fixes(spec, sub, report, sizes=sizes, zygote=zygote)
        total = time.perf_counter() - start
    shown = sum(f.fix is not None for f in outcome.report.findings)
    where = f" at {','.join(f'{k}={v}' for k, v in sizes.items())}" if sizes else ""
    print(f"{assignment}/{name}{where}: plain grade {plain:.2f} s; forked grade {graded:.2f} s + fixes {outcome.seconds:.2f} s "
          f"({outcome.grades} re-grades, {shown} shown): adds {total - plain:+.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="12288,20,7,5,1", help="the deep run's layer sizes n0..nL")
    parser.add_argument("--m", type=int, default=209, help="the deep run's number of examples")
    args = parser.parse_args()
    for name in FILES["planar"]:
        run("planar", name, None, None)
    layers = [int(v) for v in args.sizes.split(",")]
    for name in FILES["deep"]:
        run("deep", name, {**{f"n{i}": v for i, v in enumerate(layers)}, "m": args.m}, len(layers) - 1)


if __name__ == "__main__":
    main()
