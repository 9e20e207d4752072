"""The time verified fixes add to a failing check: `python benchmarks/fixes.py` (not a test)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.catalog import resolve  # noqa: E402
from gradcheck.fixes import with_fixes  # noqa: E402
from gradcheck.grade import grade  # noqa: E402
from gradcheck.spec.loader import load_spec  # noqa: E402
from gradcheck.submission import Submission  # noqa: E402

FILES = {"planar": ["dw1_missing_mean.py", "dz1_tanh_prime_at_z1.py", "pair_dw1_transposed_db1_no_keepdims.py"]}


def main() -> None:
    for assignment, names in FILES.items():
        spec = load_spec(resolve(assignment))
        for name in names:
            sub = Submission.from_path(ROOT / "tests" / "corpus" / assignment / "buggy" / name)
            start = time.perf_counter()
            report = grade(spec, sub)
            graded = time.perf_counter() - start
            outcome = with_fixes(spec, sub, report)
            shown = sum(f.fix is not None for f in outcome.report.findings)
            print(f"{assignment}/{name}: grade {graded:.2f} s, fixes +{outcome.seconds:.2f} s ({outcome.grades} re-grades, {shown} shown)")


if __name__ == "__main__":
    main()
