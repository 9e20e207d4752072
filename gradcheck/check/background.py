"""Work on a helper thread while the child runs the submission (numpy's random generators
and BLAS release the GIL, and the grader mostly waits on a pipe)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Background:
    """``fn()`` started at once on a daemon thread; ``get()`` waits for it and returns its
    value or re-raises its exception. ``key``: what it was started for, to check it fits."""

    def __init__(self, fn: Callable[[], Any], key: Any = None) -> None:
        self.key, self._fn, self._out, self._err = key, fn, None, None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._out = self._fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised by get()
            self._err = exc

    def get(self) -> Any:
        self._thread.join()
        if self._err is not None:
            raise self._err
        return self._out

    def done(self) -> bool:
        return not self._thread.is_alive()

    def failed(self) -> bool:
        """Finished by raising (never waits)."""
        return self.done() and self._err is not None


class Ready:
    """A value already at hand, with Background's interface (nothing to wait for)."""

    def __init__(self, value: Any, key: Any = None) -> None:
        self.key, self._out = key, value

    def get(self) -> Any:
        return self._out

    def done(self) -> bool:
        return True

    def failed(self) -> bool:
        return False
