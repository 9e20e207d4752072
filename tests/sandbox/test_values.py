"""The child's encoding of what the student's code returned (gradcheck/sandbox/values.py)."""

from __future__ import annotations

import numpy as np

from gradcheck.sandbox import values, wire


def test_a_dict_keyed_by_time_step_keeps_every_item():
    """A cache such as {0: step_cache, 1: step_cache} (keys that are not strings) is encoded item
    by item: each key is named apart, so no array's bytes are sent without a value naming them."""
    steps = {t: (np.full((2, 3), float(t)), np.full(4, -float(t))) for t in range(3)}
    steps["0"] = np.zeros(1)  # a string key that looks like one of the others
    blobs: list = []
    node = values.Values(np, wire).enc(steps, blobs, values.Budget())
    assert node["t"] == "dict" and len(node["items"]) == 4
    named = [leaf["b"] for item in node["items"].values() for leaf in (item["items"] if item["t"] == "tuple" else [item])]
    assert sorted(named) == list(range(len(blobs))) == list(range(7))
    first = next(item for key, item in node["items"].items() if key != "0")
    assert np.array_equal(wire.decode_array(first["items"][0], blobs), np.zeros((2, 3)))
