"""Loading a .py as handed in: the evidence rule, the line-for-line build, package files."""

from __future__ import annotations

from pathlib import Path

from gradcheck.submission import Submission
from gradcheck.submission.script import build, evidence, package_of

EXPORT = '''#!/usr/bin/env python
# coding: utf-8

# In[1]:


import numpy as np
import matplotlib.pyplot as plt
from planar_utils import sigmoid, load_planar_dataset
get_ipython().run_line_magic('matplotlib', 'inline')

X, Y = load_planar_dataset()
n = X.shape[0]
plt.scatter(X[0, :], X[1, :])


# In[2]:


def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])

layer_sizes_test(layer_sizes); print("done")
for i in range(3):
    layer_sizes(X, Y)
'''


def test_plain_file_has_no_evidence_and_runs_as_written(tmp_path: Path):
    src = "import numpy as np\n\ndef f(x):\n    return x\n\nprint(f(np.ones(3)))\n"
    assert evidence(src) == []
    path = tmp_path / "plain.py"
    path.write_text(src)
    sub = Submission.from_path(path)
    assert sub.source == src and sub.left_out == [] and sub.loading == {}
    with sub.module_file() as module:
        assert module == path


def test_missing_module_alone_is_no_evidence():
    assert evidence("import planar_utils_missing\n") == []


def test_each_kind_of_evidence():
    assert evidence("# In[3]:\nx = 1\n") == ["nbconvert cell markers (# In[ ]:)"]
    assert "get_ipython() calls" in evidence("get_ipython().run_line_magic('a', 'b')\n")
    assert evidence("import h5py\nfrom past.builtins import xrange\n") == ["imports h5py, past"]
    assert evidence("from public_tests import *\nsigmoid_test(sigmoid)\n") == [
        "imports public_tests", "top-level calls to sigmoid_test, which the file does not define"]


def test_build_keeps_line_numbers_and_says_what_was_left_out():
    source, left_out = build(EXPORT)
    lines, original = source.split("\n"), EXPORT.split("\n")
    assert len(lines) == len(original)
    kept = {i + 1 for i, (a, b) in enumerate(zip(lines, original)) if a == b}
    assert {7, 9, 20, 21} <= kept  # numpy, the course import, the def
    reasons = dict(left_out)
    assert reasons[8] == "imports matplotlib.pyplot (a plotting module)"
    assert reasons[10].startswith("runs code: get_ipython")
    assert reasons[12].startswith("assigns the result of load_planar_dataset")
    assert reasons[13] == "uses X, which only dropped code defines"
    assert reasons[14].startswith("plotting call")
    assert lines[22] == '# (skipped) layer_sizes_test(layer_sizes); print("done")'
    assert lines[23].startswith("# (skipped) for") and lines[24].startswith("# (skipped) ")
    compile(source, "built.py", "exec")


def test_statements_sharing_a_line_with_different_fates():
    source, left_out = build("# In[1]:\nimport numpy as np; np.random.seed(1)\n")
    assert source.split("\n")[1] == "import numpy as np; pass"
    assert left_out == [(2, "runs code: np.random.seed(...)")]


def test_export_is_built_in_a_temporary_folder_with_stand_ins(tmp_path: Path):
    path = tmp_path / "export.py"
    path.write_text(EXPORT)
    sub = Submission.from_path(path)
    assert sub.loading == {"stand_ins": True}
    with sub.module_file() as module:
        assert module != path and module.read_text(encoding="utf-8") == sub.source
    assert not module.exists()


def test_package_of(tmp_path: Path):
    pkg = tmp_path / "checkout" / "cs231n"
    (pkg / "classifiers").mkdir(parents=True)
    for f in ("__init__.py", "layers.py", "classifiers/__init__.py", "classifiers/softmax.py"):
        (pkg / f).write_text("")
    assert package_of(pkg / "layers.py") == ((tmp_path / "checkout").resolve(), "cs231n.layers")
    assert package_of(pkg / "classifiers" / "softmax.py") == ((tmp_path / "checkout").resolve(), "cs231n.classifiers.softmax")
    assert package_of(tmp_path / "checkout" / "alone.py") is None


def test_package_file_is_loaded_as_written_with_its_package(tmp_path: Path):
    pkg = tmp_path / "cs231n"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    src = "from past.builtins import xrange\nimport numpy as np\n\ndef f(x):\n    return x\n"
    (pkg / "softmax.py").write_text(src)
    sub = Submission.from_path(pkg / "softmax.py")
    assert sub.source == src and sub.left_out == []
    assert sub.loading == {"stand_ins": True, "package_root": str(tmp_path.resolve()), "module_name": "cs231n.softmax"}
