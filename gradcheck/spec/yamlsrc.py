"""Load YAML keeping the line of every mapping key and sequence item."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import SpecError


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
        if isinstance(lines, dict) and key in lines:
            return lines[key]
        if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
            return lines[key]
    return getattr(container, "line", None)


def load(text: str, file: str) -> Any:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise SpecError(f"invalid YAML: {problem}", file, line) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", file) from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", file) from None
    if node is None:
        raise SpecError("the spec is empty", file, 1)
    return _convert(node, file, depth=0)


def _convert(node: yaml.Node, file: str, depth: int) -> Any:
    line = node.start_mark.line + 1
    if depth > 50:
        raise SpecError("nested too deeply", file, line)
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.line, out.lines = line, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError("mapping keys must be plain names", file, key_node.start_mark.line + 1)
            key = _scalar(key_node, file)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise SpecError(f"mapping key {key!r} must be a name", file, key_node.start_mark.line + 1)
            key = str(key)
            if key in out:
                raise SpecError(f"duplicate key {key!r}", file, key_node.start_mark.line + 1)
            out[key] = _convert(value_node, file, depth + 1)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LList()
        items.line, items.lines = line, []
        for item in node.value:
            items.append(_convert(item, file, depth + 1))
            items.lines.append(item.start_mark.line + 1)
        return items
    return _scalar(node, file)


def _scalar(node: yaml.Node, file: str) -> Any:
    try:
        return yaml.SafeLoader(" ").construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"invalid value: {problem}", file, node.start_mark.line + 1) from None
    except (ValueError, OverflowError) as exc:
        raise SpecError(f"invalid value: {exc}", file, node.start_mark.line + 1) from None
