"""Which code of a notebook is kept, how IPython syntax is handled, and the line map."""

from __future__ import annotations

import pytest

from gradcheck.findings import Location
from gradcheck.submission.notebook import SKIPPED_PREFIX, extract

nbformat = pytest.importorskip("nbformat")


def build(tmp_path, *cells: str, name: str = "t.ipynb"):
    """Write a notebook whose cells are ``cells`` (a cell starting with 'md:' is markdown) and extract it."""
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_markdown_cell(c[3:]) if c.startswith("md:") else v4.new_code_cell(c) for c in cells])
    path = tmp_path / name
    nbformat.write(nb, str(path))
    return extract(path)


def live(ex) -> list[str]:
    """Lines of the built source that run (not comments, not blank)."""
    return [ln for ln in ex.source.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]


def check_map(ex) -> None:
    """Every built line with an origin is that cell line, commented, guarded or a magic turned into pass."""
    for number, line in enumerate(ex.source.split("\n"), 1):
        where = ex.origin(number)
        if where is None:
            assert not line.strip() or line.startswith("# "), line
            continue
        original = ex.cell_text(where[0]).split("\n")[where[1] - 1]
        allowed = {original, SKIPPED_PREFIX + original, "try: " + original, "except ImportError: pass", "# " + original.lstrip()}
        assert line in allowed or line.strip().startswith("pass  # ") or original.endswith(line), (number, line, original)


def test_training_plot_and_test_cells_are_dropped(tmp_path):
    ex = build(
        tmp_path,
        "md:# A notebook",
        "import numpy as np\nimport matplotlib.pyplot as plt\nfrom testCases_v2 import *\nfrom public_tests import *\n%matplotlib inline",
        "X, Y = load_planar_dataset()",
        "plt.scatter(X[0, :], X[1, :], c=Y)\nplt.show()",
        "# GRADED FUNCTION: layer_sizes\ndef layer_sizes(X, Y):\n    return X.shape[0], 4, Y.shape[0]",
        "t_X, t_Y = layer_sizes_test_case()\nprint(layer_sizes(t_X, t_Y))\nlayer_sizes_test(layer_sizes)",
        "parameters = nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)",
        "backward_propagation_test(backward_propagation)",
        "assert layer_sizes(np.zeros((2, 3)), np.zeros((1, 3))) == (2, 4, 1)",
        "for n_h in [1, 2, 3]:\n    parameters = nn_model(X, Y, n_h)",
        "with open('log.txt', 'w') as fh:\n    fh.write('x')",
        "np.random.seed(1)\nlayer_sizes",
    )
    kept = {c.number: c for c in ex.cells if c.kept}
    assert sorted(kept) == [1, 4]
    reasons = {c.number: c.reason for c in ex.cells}
    assert reasons[2] == "runs code only: assigns the result of load_planar_dataset(...), which runs code"
    assert reasons[3] == "runs code only: plotting call plt.scatter(...); plotting call plt.show(...)"
    assert "test call layer_sizes_test_case(...)" in reasons[5] and "output call print(...)" in reasons[5]
    assert reasons[6] == "runs code only: assigns the result of a training call nn_model(...)"
    assert reasons[7] == "runs code only: test call backward_propagation_test(...)"
    assert reasons[8] == "runs code only: assert (a test)"
    assert reasons[9] == "runs code only: a loop at top level"
    assert reasons[10] == "runs code only: a with block at top level"
    assert reasons[11] == "runs code only: runs code: np.random.seed(...); shows a value"
    assert ex.cells[4].dropped == ((1, "assigns the result of a test call layer_sizes_test_case(...)"), (2, "output call print(...)"),
                                   (3, "test call layer_sizes_test(...)"))  # fmt: skip
    assert kept[4].graded and kept[4].functions == ("layer_sizes",)
    assert live(ex) == ["import numpy as np", "def layer_sizes(X, Y):", "    return X.shape[0], 4, Y.shape[0]"]
    assert ex.functions == ["layer_sizes"]
    check_map(ex)


def test_imports(tmp_path):
    ex = build(
        tmp_path,
        "import numpy as np\nimport numpy\nfrom numpy import random as npr\nimport numpy.linalg as la\n"
        "import copy, math\nimport matplotlib.pyplot as plt\nimport matplotlib\nfrom matplotlib import cm\nimport seaborn as sns\n"
        "import sklearn.datasets\nfrom testCases_v2 import *\nfrom testCases import backward_propagation_test_case\n"
        "from public_tests import *\nfrom test_utils import single_test\nimport w3_unittest\nfrom dnn_app_utils_v3 import *\n"
        "from planar_utils import (plot_decision_boundary,\n    sigmoid, load_planar_dataset)\nfrom IPython.display import display\n"
        "from __future__ import annotations\nimport gradcheck\nimport h5py",
    )
    built = live(ex)
    assert built[:4] == ["import numpy as np", "import numpy", "from numpy import random as npr", "import numpy.linalg as la"]
    assert built[4:] == [
        "try: import copy, math", "except ImportError: pass",
        "try: from dnn_app_utils_v3 import *", "except ImportError: pass",
        "try: from planar_utils import (plot_decision_boundary,", "    sigmoid, load_planar_dataset)", "except ImportError: pass",
        "try: import h5py", "except ImportError: pass",
    ]  # fmt: skip
    dropped = dict(ex.cells[0].dropped)
    assert dropped[6] == "imports matplotlib.pyplot (a plotting module)"
    assert dropped[11] == "imports testCases_v2 (a test module)"
    assert dropped[13] == "imports public_tests (a test module)"
    assert dropped[15] == "imports w3_unittest (a test module)"
    assert dropped[20] == "a __future__ import is only valid at the top of a file"
    assert set(dropped) == {6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 19, 20, 21}
    # the guarded imports run: missing course modules do not stop the module from loading
    namespace: dict = {}
    exec(compile(ex.source, "built.py", "exec"), namespace)
    assert namespace["np"].__name__ == "numpy" and "plot_decision_boundary" not in namespace
    check_map(ex)


def test_constants_and_names_from_dropped_code(tmp_path):
    ex = build(
        tmp_path,
        "import numpy as np\nimport math",
        "n_h = 4\nlearning_rate = 1.2\nsizes = [1, 2, n_h]\nEPS = np.finfo(np.float64).eps\nW = np.zeros((n_h, 2))\n"
        "scale = float(len(sizes)) * -1\nconfig = {'lr': learning_rate, 'n': (1, 2)}\ncount: int = 3\ncount += 1\n"
        "act = lambda z: unknown_name(z)\nsquares = [i * i for i in range(3)]\nR2 = math.sqrt(2)",
        "X, Y = load_planar_dataset()\nshape_X = X.shape\nm = shape_X[1]\ndata = np.load('data.npy')\nrng = np.random.default_rng(0)\n"
        "Z = np.dot(W, W.T)\nY[0] = 1\nundefined_here = session_value + 1",
    )
    keep = live(ex)
    for line in ("n_h = 4", "sizes = [1, 2, n_h]", "EPS = np.finfo(np.float64).eps", "W = np.zeros((n_h, 2))", "count += 1",
                 "act = lambda z: unknown_name(z)", "squares = [i * i for i in range(3)]", "rng = np.random.default_rng(0)", "R2 = math.sqrt(2)"):  # fmt: skip
        assert line in keep
    dropped = dict(ex.cells[2].dropped)
    assert dropped == {
        1: "assigns the result of load_planar_dataset(...), which runs code",
        2: "uses X, which only dropped code defines",
        3: "uses shape_X, which only dropped code defines",
        4: "reads or writes files: np.load(...)",
        6: "assigns the result of np.dot(...), which runs code",
        7: "uses Y, which only dropped code defines",
        8: "uses session_value, which only the notebook session had",
    }
    exec(compile(ex.source, "built.py", "exec"), {})
    check_map(ex)


def test_graded_marker_keeps_the_cell_as_written(tmp_path):
    body = (
        "import numpy as np\n\n"
        "def compute_eps():\n    return 1e-8\n\n"
        "EPS = compute_eps()\nTABLE = np.cumsum(np.arange(3))\nSTEP = helper_from_course()\n"
        "if EPS > 0:\n    SMALL = True\nelse:\n    SMALL = False\n"
        "print(EPS)\nresult = nn_model(1, 2)\nplot_it = plot_decision_boundary(EPS)\nvalue = await compute_eps()"
    )
    ex = build(tmp_path, "from course_utils import helper_from_course", body, "# GRADED FUNCTION: f\n" + body)
    plain, graded = ex.cells[1], ex.cells[2]
    assert not plain.graded and graded.graded
    assert dict(plain.dropped) == {
        6: "assigns the result of compute_eps(...), which runs code",
        7: "assigns the result of np.cumsum(...), which runs code",
        8: "assigns the result of helper_from_course(...), which runs code",
        9: "an if block that uses EPS, which only dropped code defines",
        13: "output call print(...)",
        14: "assigns the result of a training call nn_model(...)",
        15: "assigns the result of a plotting call plot_decision_boundary(...)",
        16: "await or yield at top level",
    }
    assert dict(graded.dropped) == {
        9: "calls helper_from_course from a course module, which may be missing when grading",
        14: "output call print(...)",
        15: "assigns the result of a training call nn_model(...)",
        16: "assigns the result of a plotting call plot_decision_boundary(...)",
        17: "await or yield at top level",
    }
    namespace: dict = {}
    exec(compile(ex.source, "built.py", "exec"), namespace)
    assert namespace["EPS"] == 1e-8 and namespace["SMALL"] is True and "STEP" not in namespace
    check_map(ex)


def test_blocks_semicolons_and_decorators(tmp_path):
    ex = build(
        tmp_path,
        "import numpy as np\nimport functools",
        "try:\n    import cupy as xp\nexcept ImportError:\n    import numpy as xp",
        "try:\n    data = load()\nexcept Exception:\n    data = None",
        "if __name__ == '__main__':\n    main()",
        "@functools.lru_cache(maxsize=None)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)",
        "np.random.seed(1); K = 3; print(K)",
        "A = 1; B = 2",
        "del A\nglobal B\nraise SystemExit",
    )
    reasons = {c.number: c.reason for c in ex.cells}
    assert ex.cells[1].kept and ex.cells[1].reason == "keeps a definition block"
    assert reasons[3].startswith("runs code only: an try block with code that is not kept")
    assert reasons[4] == 'runs code only: the if __name__ == "__main__" block'
    assert ex.cells[4].kept and ex.cells[4].functions == ("fib",)
    assert reasons[8] == "runs code only: del at top level; global at top level; raise at top level"
    lines = ex.source.split("\n")
    decorator = lines.index("@functools.lru_cache(maxsize=None)") + 1
    assert ex.origin(decorator) == (5, 1)
    # a; b with different fates: each statement on its own line, all mapped to the cell's line 1
    i = lines.index(SKIPPED_PREFIX + "np.random.seed(1)")
    assert lines[i : i + 3] == [SKIPPED_PREFIX + "np.random.seed(1)", "K = 3", SKIPPED_PREFIX + "print(K)"]
    assert {ex.origin(j + 1) for j in range(i, i + 3)} == {(6, 1)}
    assert "A = 1; B = 2" in lines
    namespace: dict = {}
    exec(compile(ex.source, "built.py", "exec"), namespace)
    assert namespace["fib"](10) == 55 and namespace["K"] == 3 and namespace["xp"].__name__ in ("numpy", "cupy")


def test_magics_and_shell_lines(tmp_path):
    ex = build(
        tmp_path,
        "%matplotlib inline\n%load_ext autoreload\n%autoreload 2",
        "!pip install numpy\nfiles = !ls\nnp.dot?\n??np.sum\nimport numpy as np\n%time x = 1",
        "%%time\ndef slow(x):\n    %timeit x + 1\n    return x",
        "%%bash\necho not python",
        "%%writefile helper.py\ndef helper():\n    return 1",
        "total = (10\n% 3)",
    )
    reasons = {c.number: c.reason for c in ex.cells}
    assert reasons[1] == "only IPython magics and comments"
    assert reasons[4] == "cell magic %%bash: the cell is not Python"
    assert reasons[5] == "cell magic %%writefile: the cell is not Python"
    assert ex.cells[4].functions == ("helper",)
    lines = ex.source.split("\n")
    for text in (
        "# !pip install numpy",
        "# files = !ls",
        "# np.dot?",
        "# ??np.sum",
        "# %time x = 1",
        "# %%time",
        "    pass  # %timeit x + 1",
    ):
        assert text in lines, text
    assert ex.origin(lines.index("    pass  # %timeit x + 1") + 1) == (3, 3)
    assert "% 3)" in lines  # valid Python: a continuation line starting with % is not a magic
    assert not ex.syntax_errors
    namespace: dict = {}
    exec(compile(ex.source, "built.py", "exec"), namespace)
    assert namespace["slow"](4) == 4 and namespace["total"] == 1
    check_map(ex)


def test_syntax_errors_are_recorded_and_the_cell_skipped(tmp_path):
    ex = build(
        tmp_path,
        "import numpy as np",
        "%matplotlib inline\n# GRADED FUNCTION: backward_propagation\ndef backward_propagation(parameters, cache, X, Y)\n    return {}",
        "def fine():\n    return 1",
        "x = (",
    )
    assert [tuple(e) for e in ex.syntax_errors] == [(2, 3, ex.syntax_errors[0].message), (4, 1, ex.syntax_errors[1].message)]
    assert "expected ':'" in ex.syntax_errors[0].message or "invalid syntax" in ex.syntax_errors[0].message
    broken = ex.cell(2)
    assert not broken.kept and broken.graded and broken.functions == ("backward_propagation",)
    assert broken.reason.startswith("syntax error at line 3: ")
    assert ex.cell(3).kept and ex.functions == ["fine"]
    compile(ex.source, "built.py", "exec")


def test_origin_and_cell_info(tmp_path):
    ex = build(tmp_path, "md:text", "import numpy as np\n\n\ndef f(x):\n    return x", "print(1)", "def g():\n    pass\nprint(2)\n")
    f_cell, skipped, g_cell = ex.cells
    assert (f_cell.number, f_cell.index, f_cell.cell_lines, f_cell.line_count) == (1, 1, 5, 5)
    assert (skipped.first_line, skipped.line_count, skipped.kept) == (None, 0, False)
    assert (g_cell.number, g_cell.index, g_cell.cell_lines, g_cell.line_count) == (3, 3, 3, 3)
    lines = ex.source.split("\n")
    for info in (f_cell, g_cell):
        assert lines[info.first_line - 2] == f"# %% cell [{info.number}]"
        assert ex.origin(info.first_line - 1) is None
        for k in range(info.line_count):
            assert ex.origin(info.first_line + k) == (info.number, k + 1)
    assert ex.origin(1) is None and ex.origin(0) is None and ex.origin(10_000) is None and ex.origin(None) is None
    moved = ex.relocate(Location("built.py", g_cell.first_line + 1, g_cell.first_line + 2))
    assert moved == Location(str(tmp_path / "t.ipynb"), 2, 3, cell=3)
    across = ex.relocate(Location("built.py", f_cell.first_line, g_cell.first_line), file="nb")
    assert across == Location("nb", 1, 1, cell=1)
    assert ex.relocate(Location("built.py", 1), file="nb") == Location("nb", 1)
    assert ex.relocate(None) is None
