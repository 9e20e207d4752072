"""templates.match decodes each returned value once into a typed record (Value)."""

from __future__ import annotations

import numpy as np

from gradcheck.check.templates import MISSING, match, value_of
from gradcheck.sandbox import wire


def test_a_returned_array_becomes_a_typed_value_and_its_array():
    blobs: list = []
    node = wire.encode_array(np.ones((2, 3), dtype=np.float32), blobs)
    got = match({"dW1": "dW1"}, {"t": "dict", "items": {"dW1": node}}, blobs, "backward").leaves["dW1"]
    assert got.value.is_plain_array and got.value.float_kind and got.value.shape == (2, 3)
    assert got.value.dtype == "<f4" and got.array.dtype == np.float32 and got.path == ("return", "dW1")
    assert got.same_kind(np.zeros((2, 3), dtype=np.float32)) and not got.same_kind(np.zeros((3, 2), dtype=np.float32))


def test_numbers_and_containers():
    assert value_of({"t": "float", "v": 1.5}).is_number
    assert value_of({"t": "nd", "cls": "numpy.ndarray", "dtype": "<i8", "shape": []}).is_number
    assert value_of({"t": "nd", "cls": "numpy.matrix", "dtype": "<f8", "shape": [2, 2]}).is_matrix
    empty = value_of({"t": "tuple", "items": []})
    assert empty.kind == "tuple" and empty.length == 0 and empty.described == "tuple of length 0"
    assert value_of(None) is MISSING and MISSING.described == "nothing"


def test_an_undecodable_array_is_an_object_not_an_array():
    node = {"t": "nd", "cls": "numpy.ndarray", "dtype": "<f8", "shape": [2], "b": 7}
    got = match("x", node, [], "f").leaves["x"]
    assert got.array is None and got.value.kind == "other" and got.value.described == "object of type undecodable array"


def test_a_malformed_node_is_described_not_raised():
    assert value_of({"t": "nd", "cls": "numpy.ndarray", "dtype": "<f8", "shape": 5}).described == "object of type numpy.ndarray"
