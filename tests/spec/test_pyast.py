"""gradcheck.spec.pyast: the grader's threads never parse at once (CPython 3.11, python/cpython#106905)."""

from __future__ import annotations

import ast
import threading
import time

from gradcheck.spec import pyast


def test_parses_on_several_threads_never_overlap(monkeypatch):
    inside, most = [0], [0]
    real = ast.parse

    def slow(*args, **kwargs):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.01)
        inside[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", slow)
    threads = [threading.Thread(target=pyast.parse, args=("x = 1",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_parse_is_ast_parse():
    assert ast.dump(pyast.parse("y = f(x) + 1")) == ast.dump(ast.parse("y = f(x) + 1"))
    assert isinstance(pyast.parse("a + b", mode="eval"), ast.Expression)
