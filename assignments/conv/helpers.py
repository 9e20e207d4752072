"""Course helpers for "Convolutional Model: Step by Step" (the notebook imports public_tests).

The notebook's own conv_single_step line ``Z = Z + float(b)`` with b of shape (1, 1, 1) was
fine under numpy 1 and raises a TypeError under numpy 2 ("only 0-dimensional arrays can be
converted to Python scalars"). That is the environment, not the student's mistake, so the
submission's module is given this ``float``, which converts a one-element array as numpy 1
did and is the builtin float in every other respect (isinstance, dtype=float, float("3")).
A file that defines its own ``float`` keeps it.
"""

import builtins

import numpy as np


class _FloatType(type):
    """isinstance(x, float) and issubclass(t, float) answer as for the builtin float."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, builtins.float)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, builtins.float)


class float(builtins.float, metaclass=_FloatType):  # noqa: A001 - the point is to stand in for the builtin
    dtype = np.dtype(np.float64)  # np.zeros(n, dtype=float) is float64, as with the builtin

    def __new__(cls, x=0.0):
        if isinstance(x, np.ndarray) and x.ndim and x.size == 1:
            x = x.reshape(())  # numpy 1: float() of any one-element array
        return builtins.float(x)
