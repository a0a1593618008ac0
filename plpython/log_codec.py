"""The score log's compact record of a score's inputs: the model's fields, packed in bytes.

Since revision 0016 a score-log row keeps the values its model read as one `bytea`, in the
model's input-field order (`CompiledModel.input_order`), instead of a jsonb object keyed by
name. The names come back from the model (churn.score_log_row.model_id), which is never
deleted while a score of it is logged. Every value comes back exactly as it went in (a float's
64 bits, an int's digits, a string's characters), so every logged score, and its reasons, can be
recomputed bit for bit from its row.

Format: a version byte (1), then one item per input field:
- 0x00: missing (None);
- 0x01 + varint: an int (zigzag, 7 bits per byte, low group first), for 0 <= n < 200 the
  single byte 0x10 + n instead (counts, days and flags take one byte);
- 0x02 + 8 bytes: a float (IEEE 754 binary64, big-endian);
- 0x03 + varint length + UTF-8: a string;
- 0x04 + varint length + UTF-8 JSON: anything else (a JSON list or object in an attribute).
"""

from __future__ import annotations

import struct

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from typing import Any

VERSION = 1
NONE, INT, FLOAT, STR, JSON = 0, 1, 2, 3, 4
SMALL = 0x10  # 0x10 + n for an int 0 <= n < SMALL_LIMIT
SMALL_LIMIT = 200
_DOUBLE = struct.Struct(">d")


class CorruptRecord(ValueError):
    """The bytes are not a record this module wrote for these fields."""


def encode(names: tuple[str, ...], record: dict[str, Any]) -> bytes:
    """The values of `names` in `record`, packed in that order."""
    out = bytearray((VERSION,))
    for name in names:
        value = record[name]
        kind = type(value)
        if value is None:
            out.append(NONE)
        elif kind is int:
            if 0 <= value < SMALL_LIMIT:
                out.append(SMALL + value)
            else:
                out.append(INT)
                _varint(out, (value << 1) if value >= 0 else ((-value << 1) - 1))
        elif kind is float:
            out.append(FLOAT)
            out += _DOUBLE.pack(value)
        elif kind is str:
            data = value.encode()
            out.append(STR)
            _varint(out, len(data))
            out += data
        else:
            import json  # rare: an attribute holding a JSON list or object

            data = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
            out.append(JSON)
            _varint(out, len(data))
            out += data
    return bytes(out)


def decode(names: tuple[str, ...], blob: bytes) -> dict[str, Any]:
    """The record `encode(names, record)` wrote, as {name: value} in the fields' order."""
    data = bytes(blob)
    if not data or data[0] != VERSION:
        raise CorruptRecord(
            f"score-log inputs start with {data[:1].hex() or 'nothing'}, not format version "
            f"{VERSION}; the row was not written by pgchurn's score log"
        )
    out: dict[str, Any] = {}
    at = 1
    try:
        for name in names:
            tag = data[at]
            at += 1
            if tag >= SMALL:
                out[name] = tag - SMALL
            elif tag == NONE:
                out[name] = None
            elif tag == FLOAT:
                out[name] = _DOUBLE.unpack_from(data, at)[0]
                at += 8
            elif tag == INT:
                zigzag, at = _read_varint(data, at)
                out[name] = (zigzag >> 1) if not zigzag & 1 else -((zigzag + 1) >> 1)
            elif tag in (STR, JSON):
                size, at = _read_varint(data, at)
                text = data[at : at + size].decode()
                if len(text.encode()) != size:
                    raise IndexError
                at += size
                if tag == STR:
                    out[name] = text
                else:
                    import json

                    out[name] = json.loads(text)
            else:
                raise CorruptRecord(f"score-log inputs: unknown tag {tag} for field {name!r}")
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise CorruptRecord(
            f"score-log inputs end early or are damaged at byte {at} (field {name!r}); they "
            f"hold fewer fields than the model's {len(names)}"
        ) from exc
    if at != len(data):
        raise CorruptRecord(
            f"score-log inputs hold {len(data) - at} bytes more than the model's {len(names)} "
            "fields; the row belongs to another model"
        )
    return out


def _varint(out: bytearray, number: int) -> None:
    while number >= 0x80:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    number = shift = 0
    while True:
        byte = data[at]
        at += 1
        number |= (byte & 0x7F) << shift
        if byte < 0x80:
            return number, at
        shift += 7
