"""Load YAML keeping the line of every mapping key and sequence item."""

from __future__ import annotations

import bisect
import re
from typing import Any

import yaml

from ..errors import SpecError

MAX_DEPTH = 50
MAX_NODES = 50_000  # aliases can expand a small file into a huge tree ("billion laughs")
MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads 1e-3 as a number (YAML 1.2, what editors and JSON Schema assume)."""


_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789"))

# libyaml's parser, when PyYAML was built with it: the same node graph, with the same marks
# (character index, line), in a tenth of the time (a spec: ~1 ms instead of ~9). A document
# it refuses is read again by the pure-Python parser, whose words the error messages quote.
_CLoader: type | None = None
_DIFFERENT = re.compile(r"[\t?!\ufeff]")
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        """CSafeLoader with _Loader's resolvers (1e-3 is a number here too)."""

    _CLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789"))


class LDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int | None = None
    lines: dict[str, int]


class LList(list):
    line: int | None = None
    lines: list[int]


def line_of(container: Any, key: Any = None) -> int | None:
    """Line of ``container[key]`` (or of the container itself)."""
    if key is not None:
        lines = getattr(container, "lines", None)
        if isinstance(lines, dict) and isinstance(key, str) and key in lines:
            return lines[key]
        if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
            return lines[key]
    return getattr(container, "line", None)


def one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line: control and separator characters escaped, the middle of very long text cut."""
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(out) > limit:
        out = out[: limit // 2] + " … " + out[-limit // 2 :]
    return out


class Lines:
    """Line numbers as an editor counts them ("\n"): YAML also breaks lines at NEL, U+2028
    and U+2029, so its marks' own line numbers can point past the end of the file."""

    def __init__(self, text: str) -> None:
        self.breaks = [i for i, ch in enumerate(text) if ch == "\n"]

    def __call__(self, mark: Any) -> int | None:
        if mark is None:
            return None
        return bisect.bisect_left(self.breaks, mark.index) + 1


def _compose_fast(text: str) -> yaml.Node | None:
    """The node graph read by libyaml, or None where it is not there, refuses the text, or
    might read it otherwise than PyYAML (whose errors our messages quote). Those texts have a
    tab, a "?", a "!" or a byte-order mark (found by comparing the two on thousands of damaged
    specs: libyaml accepts tabs where PyYAML does not, "?" inside a flow collection and a BOM
    within the text, and reads an empty value under a bare "!" tag as a string); they are left
    to PyYAML whole (tests/spec/test_yamlsrc.py)."""
    if _CLoader is None or _DIFFERENT.search(text):
        return None
    try:
        return yaml.compose(text, Loader=_CLoader)
    except Exception:  # noqa: BLE001 - whatever it was, the pure-Python parser says it in its words
        return None


def load(text: str, file: str) -> Any:
    lines = Lines(text)
    node = _compose_fast(text)
    if node is not None:
        return _Converter(file, lines).convert(node, 0)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise SpecError(_marked_problem(exc, lines), file, lines(exc.problem_mark or exc.context_mark)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        char = chr(exc.character) if isinstance(exc.character, int) and 0 <= exc.character <= 0x10FFFF else exc.character
        shown = repr(char) if isinstance(char, str) else "?"
        raise SpecError(one_line(f"invalid YAML: character {shown} is not allowed ({exc.reason})"), file, line) from None
    except yaml.YAMLError as exc:
        raise SpecError(one_line(f"invalid YAML: {exc}"), file) from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", file) from None
    if node is None:
        raise SpecError("the spec is empty", file, 1)
    return _Converter(file, lines).convert(node, 0)


def _marked_problem(exc: yaml.MarkedYAMLError, lines: Lines) -> str:
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    context, start = exc.context, lines(exc.context_mark)
    if exc.problem and context and start is not None and start != lines(exc.problem_mark):
        problem += f" ({context.strip()} that starts on line {start})"
    if "'\\t'" in problem:
        problem += "; indent with spaces, not tabs"
    return one_line(f"invalid YAML: {problem}")


class _Converter:
    """Node graph -> LDict/LList/scalars, with a budget on depth and on the number of nodes."""

    def __init__(self, file: str, lines: Lines) -> None:
        self.file, self.lines = file, lines
        self.count = 0

    def convert(self, node: yaml.Node, depth: int) -> Any:
        line = self.lines(node.start_mark)
        self.count += 1
        if depth > MAX_DEPTH:
            raise SpecError("nested too deeply", self.file, line)
        if self.count > MAX_NODES:
            raise SpecError(f"the spec has more than {MAX_NODES} values (do aliases expand it?)", self.file, line)
        if isinstance(node, yaml.MappingNode):
            out = LDict()
            out.line, out.lines = line, {}
            for key_node, value_node in node.value:
                key_line = self.lines(key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SpecError("mapping keys must be plain names", self.file, key_line)
                if key_node.tag == MERGE_TAG:
                    raise SpecError("merge keys (<<) are not supported; write the keys out", self.file, key_line)
                key = _scalar(key_node, self.file, key_line)
                if isinstance(key, bool) or not isinstance(key, (str, int)) or isinstance(key, int) and abs(key) >= 10**18:
                    raise SpecError(one_line(f"mapping key {short_repr(key)} must be a name"), self.file, key_line)
                key = str(key)
                if key in out:
                    raise SpecError(one_line(f"duplicate key {key!r} (first on line {out.lines[key]})"), self.file, key_line)
                out[key] = self.convert(value_node, depth + 1)
                out.lines[key] = key_line
            return out
        if isinstance(node, yaml.SequenceNode):
            items = LList()
            items.line, items.lines = line, []
            for item in node.value:
                items.append(self.convert(item, depth + 1))
                items.lines.append(self.lines(item.start_mark))
            return items
        return _scalar(node, self.file, line)


def short_repr(value: Any) -> str:
    """repr() cut to 40 characters, and safe for ints too long to print."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "(a very large number)"
    return text if len(text) <= 40 else text[:37] + "..."


def _scalar(node: yaml.Node, file: str, line: int | None) -> Any:
    try:
        return _Loader(" ").construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(one_line(f"invalid value: {problem}"), file, line) from None
    except Exception as exc:  # noqa: BLE001 - PyYAML's constructors raise KeyError, AttributeError... on bad tagged scalars
        tag = node.tag.rsplit(":", 1)[-1]
        raise SpecError(one_line(f"invalid value {node.value[:40]!r} for the tag !!{tag} ({type(exc).__name__})"), file, line) from None
