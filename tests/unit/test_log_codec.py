"""plpython/log_codec.py: the score log's packed inputs come back exactly as they went in."""

from __future__ import annotations

import math
import random
import struct

import pytest

codec = pytest.importorskip("pgchurn.plpython.log_codec")

VALUES = [
    None, 0, 1, 199, 200, -1, -200, 2**31, -(2**63), 2**63 - 1, 10**30,
    0.0, -0.0, 0.1, 0.1 + 0.2, 1e-300, 5e-324, -1.5e308, 3.0, float("inf"), float("nan"),
    "", "Gold Plus", "two \"year\"\n", "naïve", "店", "😀", "NaN",
    [1, 2], {"k": [1, None, "x"]},
]  # fmt: skip


def same(a, b):
    """Equal, bit for bit for floats (-0.0 is not 0.0, NaN is NaN)."""
    if type(a) is float and type(b) is float:
        return struct.pack(">d", a) == struct.pack(">d", b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_kind_of_value_round_trips(value):
    record = {"x": value, "y": 7}
    back = codec.decode(("x", "y"), codec.encode(("x", "y"), record))
    assert list(back) == ["x", "y"]
    assert same(back["x"], value) and back["y"] == 7


def test_random_records_round_trip_in_field_order():
    rng = random.Random(19)
    for _ in range(2000):
        names = tuple(f"f{i}" for i in range(rng.randint(0, 40)))
        record = {n: rng.choice(VALUES) for n in names}
        record |= {n: rng.uniform(-1e6, 1e6) for n in names if rng.random() < 0.2}
        back = codec.decode(names, codec.encode(names, record | {"not_an_input": 1}))
        assert tuple(back) == names
        assert all(same(back[n], record[n]) for n in names)


def test_counts_take_one_byte_each():
    names = tuple("abcdefghij")
    blob = codec.encode(names, dict.fromkeys(names, 3))
    assert len(blob) == 1 + len(names)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "not format version 1"),
        (b"\x02\x10", "not format version 1"),
        (b"\x01\x10", "end early"),  # one field for two names
        (b"\x01\x10\x10\x10", "1 bytes more"),  # three for two
        (b"\x01\x02\x00\x00", "end early"),  # a float cut short
        (b"\x01\x09\x10", "unknown tag 9"),
        (b"\x01\x03\x05ab\x10", "end early"),  # a string cut short
    ],
)
def test_damaged_bytes_are_refused_naming_the_problem(blob, message):
    with pytest.raises(codec.CorruptRecord, match=message):
        codec.decode(("a", "b"), blob)


def test_nan_and_infinity_keep_their_bits():
    blob = codec.encode(("a", "b"), {"a": float("nan"), "b": -math.inf})
    back = codec.decode(("a", "b"), blob)
    assert math.isnan(back["a"]) and back["b"] == -math.inf
