"""One console factory: honours NO_COLOR, FORCE_COLOR and the terminal width."""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

from rich.console import Console


def make_console(file: TextIO | None = None, width: int | None = None, color: bool | None = None) -> Console:
    env_width = os.environ.get("COLUMNS")
    if width is None and env_width and env_width.isdigit():
        width = int(env_width)
    no_color = color is False or ("NO_COLOR" in os.environ and color is not True)
    force = True if color is True or os.environ.get("FORCE_COLOR") else None
    return Console(
        file=file or sys.stdout,
        width=width,
        no_color=no_color,
        force_terminal=force,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def capture(render, width: int = 100) -> str:
    """Render to a plain string (no colour), for tests and files."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, force_terminal=False, color_system=None, highlight=False, emoji=False)
    render(console)
    return buf.getvalue()
