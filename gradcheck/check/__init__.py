"""Numeric checks: trials, the reference computation, comparisons, finite differences."""
