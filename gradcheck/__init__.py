"""gradcheck: a gradient checker and auto-grader for hand-written backprop in numpy.

The public API is re-exported lazily, so that ``gradcheck --help`` does not import numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

__all__ = [
    "CODES",
    "CheckResult",
    "Finding",
    "GradcheckError",
    "Report",
    "SpecError",
    "TAGS",
    "UsageError",
    "assert_grads",
    "check_file",
    "check_grads",
    "check_notebook",
    "load_ipython_extension",
    "load_spec",
]

_LAZY = {
    "CODES": "gradcheck.findings",
    "TAGS": "gradcheck.findings",
    "Finding": "gradcheck.findings",
    "CheckResult": "gradcheck.report",
    "Report": "gradcheck.report",
    "GradcheckError": "gradcheck.errors",
    "SpecError": "gradcheck.errors",
    "UsageError": "gradcheck.errors",
    "assert_grads": "gradcheck.grads",
    "check_file": "gradcheck.api",
    "check_grads": "gradcheck.grads",
    "check_notebook": "gradcheck.notebook",
    "load_ipython_extension": "gradcheck.notebook",
    "load_spec": "gradcheck.spec.loader",
}

if TYPE_CHECKING:
    from .api import check_file
    from .errors import GradcheckError, SpecError, UsageError
    from .findings import CODES, TAGS, Finding
    from .grads import assert_grads, check_grads
    from .notebook import check_notebook, load_ipython_extension
    from .report import CheckResult, Report
    from .spec.loader import load_spec


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gradcheck' has no attribute {name!r}")
