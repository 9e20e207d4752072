"""One console factory: honours NO_COLOR, FORCE_COLOR and the terminal width, and writes
through ``SafeStream``: whatever the output encoding (an ASCII or cp1252 console, a file
redirected without UTF-8 mode), every character is written, as itself, as an ASCII glyph
(``✓`` → ``+``) or as an escape (``\\u2713``, a lone surrogate as ``\\udc80``); never a
``UnicodeEncodeError``. Plain output (not a terminal) carries no trailing spaces."""

from __future__ import annotations

import codecs
import io
import os
import sys
from typing import TextIO

from rich.console import Console

# ASCII stand-ins for the glyphs the reports use, one character each where a table aligns them.
GLYPHS = {
    "✓": "+", "✗": "x", "·": "-", "—": "-", "–": "-", "…": "~", "≤": "<=", "≥": ">=", "−": "-", "∛": "cbrt", "█": "#", "→": ">",
    "×": "x", "✅": "+", "❌": "x", "⚠": "!", "±": "+-", "≈": "~", "²": "^2", "⁻": "-", "¹": "1",
    "─": "-", "│": "|", "╭": "+", "╮": "+", "╰": "+", "╯": "+", "━": "-", "┃": "|", "▶": ">", "❱": ">",
    "░": ".", "▒": "+", "▓": "#", "∂": "d", "Σ": "sum", "ᵢ": "_i", "ᵀ": "^T", "⁽": "^(", "ⁱ": "i", "⁾": ")",
    "√": "sqrt", "∞": "inf", "≠": "!=", "ε": "eps", "σ": "sigma", "θ": "theta", "Δ": "delta",
}  # fmt: skip


def fits(text: str, encoding: str | None) -> bool:
    try:
        text.encode(encoding or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def encodable(text: str, encoding: str | None) -> str:
    """``text`` with every character ``encoding`` cannot hold replaced by its ASCII glyph or
    a backslash escape (lone surrogates included, also for UTF-8)."""
    encoding = encoding or "utf-8"
    if fits(text, encoding):
        return text
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "ascii"
    return "\n".join(_line(line, encoding) for line in text.split("\n"))


def _line(line: str, encoding: str) -> str:
    out = "".join(ch if fits(ch, encoding) else GLYPHS.get(ch) or ch.encode("ascii", "backslashreplace").decode("ascii") for ch in line)
    grown = len(out) - len(line)
    end = out.rstrip(" ").rfind("|")
    if grown > 0 and end > 0:  # a panel's right border stays where the layout put it
        head = out[:end]
        kept = head.rstrip(" ")
        pad = len(head) - len(kept)
        if pad > grown:
            out = kept + " " * (pad - grown) + out[end:]
    return out


class SafeStream:
    """A text stream in front of another that never raises for an unencodable character
    (``encodable``) and, when ``strip`` is set, drops the spaces that end a line."""

    def __init__(self, stream: TextIO, strip: bool = False) -> None:
        self._stream = stream
        self._strip = strip
        self._spaces = ""  # spaces at the end of the last write, held until the line goes on

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        out = encodable(text, self.encoding)
        if self._strip:
            out = self._stripped(out)
        try:
            self._stream.write(out)
        except UnicodeEncodeError:  # an encoding the stream reports wrongly: ASCII is safe
            self._stream.write(encodable(out, "ascii"))
        return len(text)

    def _stripped(self, text: str) -> str:
        lines = (self._spaces + text).split("\n")
        last = lines.pop()
        body = "\n".join(line.rstrip(" ") for line in lines) + ("\n" if lines else "")
        kept = last.rstrip(" ")
        self._spaces = last[len(kept) :]
        return body + kept

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except (AttributeError, ValueError):
            return False

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def safe_stream(stream: TextIO | None = None) -> SafeStream:
    """``stream`` (stdout by default) made encoding-safe; trailing spaces stripped off a terminal."""
    stream = stream if stream is not None else sys.stdout
    if isinstance(stream, SafeStream):
        return stream
    plain = not SafeStream(stream).isatty()
    return SafeStream(stream, strip=plain)


def make_console(file: TextIO | None = None, width: int | None = None, color: bool | None = None) -> Console:
    env_width = os.environ.get("COLUMNS")
    if width is None and env_width and env_width.isdigit():
        width = int(env_width)
    no_color = color is False or ("NO_COLOR" in os.environ and color is not True)
    force = True if color is True or os.environ.get("FORCE_COLOR") else None
    return Console(
        file=safe_stream(file),  # type: ignore[arg-type]
        width=width,
        no_color=no_color,
        force_terminal=force,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def capture(render, width: int = 100) -> str:
    """Render to a plain string (no colour, no trailing spaces), for tests and files."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, force_terminal=False, color_system=None, highlight=False, emoji=False)
    render(console)
    return "\n".join(line.rstrip(" ") for line in buf.getvalue().split("\n"))
