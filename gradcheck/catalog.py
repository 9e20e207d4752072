"""Built-in assignments: find them, list them, and pick one for a file (or several, ``pick_all``).

Only YAML and the standard library here, so ``gradcheck list`` stays fast.
"""

from __future__ import annotations

import ast
import difflib
import json
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import UsageError
from .spec import cache, pyast
from .spec.fit import rank


def assignments_dir() -> Path:
    try:
        from importlib.resources import files

        root = Path(str(files("gradcheck.assignments")))
        if root.is_dir():
            return root
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "assignments"  # a source checkout


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    course: str
    description: str
    functions: tuple[str, ...]  # the ones a file must define
    aliases: dict[str, tuple[str, ...]]
    path: Path
    optional: tuple[str, ...] = ()  # graded when defined
    versions: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()  # (name, its functions, its optional ones)

    def matched(self, defined: Set[str]) -> frozenset[str]:
        """The functions of the version the file fits best (of all of them, without versions)
        that the file defines, by name or alias: what grading it on this assignment would grade."""
        version = self.fit(defined)[2]
        names = next((fns for name, fns, _ in self.versions if name == version), self.functions + self.optional)
        return frozenset(f for f in names if f in defined or any(a in defined for a in self.aliases.get(f, ())))

    def fit(self, defined: Set[str]) -> tuple[float, int, str | None]:
        """(share of the required functions the file defines, how many it defines, the version) for
        the version the file fits best (the spec's own rule: most functions, then the larger share)."""
        if not self.versions:
            required = sum(1 for f in self.functions if f in defined or any(a in defined for a in self.aliases.get(f, ())))
            return required / max(1, len(self.functions)), required, None
        ranked = []
        for i, (name, fns, optional) in enumerate(self.versions):
            hits, frac = rank(defined, [(f, self.aliases.get(f, ()), f in optional) for f in fns])
            ranked.append(((hits, frac, -i), name))
        (hits, frac, _), name = max(ranked)
        return frac, hits, name


# libyaml's parser when PyYAML was built with it: the catalog reads every spec's names (45 ms
# of pure-Python parsing for seven specs, 6 ms in C; none where a run left them in spec/cache.py).
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAMES = ("name", "title", "course", "description", "functions", "versions")  # what an Entry is made of


def _read_names(texts: dict[Path, str]) -> dict[Path, object]:
    """Each spec's YAML (or None where it does not parse), cut to the keys an Entry is made of.
    A fresh command line finds them where an earlier run left them (spec/cache.py), keyed by
    every spec's text: ~1 ms instead of ~20."""
    key = [[str(p), t] for p, t in texts.items()]
    cached = cache.read("catalog", key)
    if isinstance(cached, list) and len(cached) == len(texts):
        return dict(zip(texts, cached))
    out: dict[Path, object] = {}
    for path, text in texts.items():
        try:
            data = yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            data = None
        out[path] = {k: data[k] for k in _NAMES if k in data} if isinstance(data, dict) else data
    values = list(out.values())
    if json.loads(json.dumps(values, default=repr)) == values:  # JSON gives them back alike
        cache.write("catalog", values, key)
    return out


def builtins() -> list[Entry]:
    out = []
    texts = {}
    for spec in sorted(assignments_dir().glob("*/spec.yaml")):
        try:
            texts[spec] = spec.read_text(encoding="utf-8")
        except OSError:
            continue
    for spec, data in _read_names(texts).items():
        if not isinstance(data, dict) or not isinstance(data.get("functions"), dict):
            continue
        fns: dict[str, tuple[str, ...]] = {}  # the student's function names, once each
        optional: list[str] = []
        for key, value in data["functions"].items():
            value = value if isinstance(value, dict) else {}
            name = str(value.get("function") or key)
            fns[name] = fns.get(name, ()) + tuple(str(a) for a in value.get("aliases", []))
            if value.get("optional") is True:
                optional.append(name)
        required = tuple(n for n in fns if n not in optional)
        out.append(
            Entry(str(data.get("name", spec.parent.name)), str(data.get("title", "")), str(data.get("course", "")),
                  " ".join(str(data.get("description", "")).split()), required, fns, spec, tuple(optional),
                  _versions(data))  # fmt: skip
        )
    return out


def _versions(data: dict) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """Each version with the names its functions have in the student's file (a key's `function`)."""
    raw, fns = data.get("versions"), data["functions"]
    if not isinstance(raw, dict):
        return ()
    call = {k: str((v if isinstance(v, dict) else {}).get("function") or k) for k, v in fns.items()}
    out = []
    for name, v in raw.items():
        if isinstance(v, dict) and isinstance(v.get("functions"), list):
            listed = [call.get(str(k), str(k)) for k in v["functions"]]
            opt = [call.get(str(k), str(k)) for k in v.get("optional") or [] if isinstance(k, str)]
            out.append((str(name), tuple(dict.fromkeys(listed)), tuple(dict.fromkeys(opt))))
    return tuple(out)


def resolve(name_or_path: str) -> Path:
    """A built-in name or a path to a spec file."""
    for entry in builtins():
        if entry.name == name_or_path:
            return entry.path
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise UsageError(f"{name_or_path}: spec file not found")
        return path
    names = [e.name for e in builtins()]
    close = difflib.get_close_matches(name_or_path, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; built-in assignments: {', '.join(names)}"
    raise UsageError(f"--assignment: unknown assignment '{name_or_path}'{hint}")


def hidden_definitions(source: str) -> list[str]:
    """How the file binds names the picker cannot read from its syntax (``exec``, assignments
    through ``globals()``/``vars()``, ``setattr`` on a module), one short description each."""
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[str] = []
    namespaces = ("globals", "vars", "locals")

    def is_call(node: ast.AST, names: tuple[str, ...]) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names

    for node in ast.walk(tree):
        if is_call(node, ("exec",)):
            found.append(f"exec() on line {node.lineno}")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and is_call(node.value, namespaces):
            found.append(f"{node.value.func.id}()[…] = on line {node.lineno}")  # type: ignore[attr-defined]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_call(node.func.value, namespaces):
            if node.func.attr in ("update", "setdefault", "__setitem__"):
                found.append(f"{node.func.value.func.id}().{node.func.attr}() on line {node.lineno}")  # type: ignore[attr-defined]
        elif is_call(node, ("setattr",)) and node.args and "modules" in ast.dump(node.args[0]):
            found.append(f"setattr() on a module on line {node.lineno}")
    return found[:3]


def _names(entry: Entry, defined: Set[str]) -> str:
    shared = [f for f in entry.functions if f in defined or any(a in defined for a in entry.aliases.get(f, ()))]
    return ", ".join(shared) or "none"


def pick(defined: Set[str], source: str | None = None, entries: list[Entry] | None = None) -> tuple[Entry, str]:
    """The built-in assignment whose functions the file defines (``Submission.defined``), and a
    sentence saying so. A usage error instead when the choice is not plain (docs/hostile.md,
    "Assignment steering"): two assignments fit equally; the file shares more functions with
    another assignment than with the one it fits best (a partial match to a bigger one); or
    ``source`` binds names in ways its syntax does not show (exec, ``globals()[…] =``)."""
    scored = []
    for e in builtins() if entries is None else entries:
        frac, hits, _ = e.fit(defined)
        scored.append((frac, hits, e))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2].name))
    if not scored or scored[0][1] == 0:
        listed = ", ".join(f"{e.name} ({', '.join(e.functions[:4])}{', …' if len(e.functions) > 4 else ''})" for _, _, e in scored)  # every one: a cap dropped planar once there were more than six
        raise UsageError(f"no built-in assignment matches the functions in this file; the built-in ones are: {listed}. Use --assignment NAME or a spec file")
    frac, hits, entry = scored[0]
    if len(scored) > 1 and scored[1][0] == frac and scored[1][1] == hits:
        raise UsageError(f"the file fits both '{entry.name}' and '{scored[1][2].name}'; choose one with --assignment")
    most = max(scored, key=lambda t: (t[1], t[0]))
    if most[1] > hits and most[2] is not entry:
        other = most[2]
        raise UsageError(
            f"the file defines all of '{entry.name}' ({_names(entry, defined)}) but more of '{other.name}' "
            f"({_names(other, defined)}: {most[1]} of {len(other.functions)}); gradcheck will not guess which one "
            f"to grade: choose with --assignment {other.name} or --assignment {entry.name}"
            if frac == 1 else
            f"the file defines functions of both '{entry.name}' ({_names(entry, defined)}) and '{other.name}' "
            f"({_names(other, defined)}); gradcheck will not guess which one to grade: choose with "
            f"--assignment {other.name} or --assignment {entry.name}"
        )  # fmt: skip
    hidden = hidden_definitions(source) if source is not None else []
    if hidden:
        raise UsageError(
            f"the file binds names in ways gradcheck cannot read before running it ({'; '.join(hidden)}), so it "
            f"cannot tell which assignment it is; choose with --assignment NAME (it fits '{entry.name}' by the "
            f"functions it defines plainly)"
        )
    version = entry.fit(defined)[2]
    if version is not None:  # the version and its conventions are stated by the grader
        return entry, f"assignment '{entry.name}' picked automatically: the file defines the functions of one of its versions (override with --assignment)."
    how = "defines all of its functions" if frac == 1 else f"defines {hits} of its {len(entry.functions)} functions"
    return entry, f"assignment '{entry.name}' picked automatically: the file {how} (override with --assignment)"


def several(defined: Set[str], entries: list[Entry] | None = None) -> list[Entry]:
    """The built-in assignments a file holds at once, in catalog order; fewer than two: not several.

    An assignment counts when the file defines every required function of one of its versions
    (``fit`` share 1). Of those, one whose graded functions are all graded by another too is
    explained by it (its functions are that one's helpers, or the same functions) and is dropped;
    the rest must grade disjoint sets of functions, else the file is not several plain
    assignments and the single pick decides (``pick``). docs/reports.md, "Several assignments
    in one report"."""
    complete = [(e, e.matched(defined)) for e in (builtins() if entries is None else entries) if e.fit(defined)[:2] >= (1, 1)]
    own = [(e, m) for e, m in complete if not any(o is not e and m <= om for o, om in complete)]
    if len(own) < 2:
        return []
    seen: set[str] = set()
    for _, m in own:
        if seen & m:
            return []
        seen |= m
    return [e for e, _ in own]


def pick_all(defined: Set[str], source: str | None = None) -> tuple[list[Entry], str]:
    """``pick``, or the assignments of ``several`` with one sentence saying why, when the file
    holds more than one (a CS231n layers.py with the conv layers and rnn_layers.py's)."""
    entries = builtins()  # read once for both
    found = several(defined, entries)
    if not found:
        entry, said = pick(defined, source, entries)
        return [entry], said
    hidden = hidden_definitions(source) if source is not None else []
    if hidden:  # as in pick: what the file binds unseen could change the answer
        raise UsageError(
            f"the file binds names in ways gradcheck cannot read before running it ({'; '.join(hidden)}), so it "
            f"cannot tell which assignments it holds; choose with --assignment NAME (repeatable)"
        )
    names = " and ".join(f"'{e.name}'" for e in found)
    each = "; ".join(f"{e.name}: {_few(sorted(e.matched(defined), key=_order(e)))}" for e in found)
    return found, (f"assignments {names} picked automatically: the file defines the functions of a version of each, "
                   f"and no function belongs to two of them ({each}); each is graded on its own and the points add up "
                   f"(override with --assignment)")  # fmt: skip


def _order(entry: Entry):
    listed = {f: i for i, f in enumerate(entry.functions + entry.optional)}
    return lambda f: listed.get(f, len(listed))


def _few(names: list[str], n: int = 3) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")
