"""One customer's features as a model reads them: a churn.feature_frame row, made flat.

churn.feature_frame returns the features pgchurn derives (tenure, complaint counts) as
columns, and the company's own attributes as one jsonb object (`attributes`), so that a
column added with ALTER TABLE reaches the models without a change to pgchurn. Every path that
scores a customer (the commit trigger, batches, churn.score_customer, churn.explain,
churn.predict_many) goes through `flatten`, and training does the same in train/dataset.py:
booleans become 1 and 0, JSON null a missing value.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class _Context:
    """What the C JSON scanner reads from a decoder: the defaults of json.loads."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict[str, str] = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name)  # NaN, Infinity, -Infinity: never in jsonb output, kept for safety


def _scanner() -> Callable[[str], Any]:
    """json.loads for jsonb's output, without importing json (and re: ~9 ms in a cold backend).

    jsonb text is always one well-formed value, so CPython's C scanner (what json.loads runs)
    reads it directly; where that is unavailable, json.loads itself.
    """
    try:
        from _json import make_scanner  # type: ignore[attr-defined]

        scan = make_scanner(_Context())
    except (ImportError, AttributeError, TypeError):  # another Python: the plain way
        import json

        return json.loads  # type: ignore[no-any-return]

    def loads(text: str) -> Any:
        value, _ = scan(text, 0)
        return value

    return loads


loads = _scanner()


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """The derived features and the attributes in one record, booleans as 1 and 0."""
    record = dict(row)
    attributes = record.pop("attributes", None)
    if attributes:
        for name, value in loads(attributes).items():
            if value is True or value is False:
                value = int(value)
            # a derived feature wins over a column of the same name (which
            # churn.profile_attribute already leaves out of the attributes)
            record.setdefault(name, value)
    return record
