"""Champion and challenger: which customers an experiment covers, deterministically.

A customer's bucket is a number in [0, 1) from the md5 of its id, the same in Python and in
SQL (churn.experiment_bucket), so an analyst can always tell which customers a share covers.
The challenger is scored (and logged) for customers whose bucket is below its traffic share;
with serve_share, those customers are also served the challenger's score.
"""

from __future__ import annotations

import hashlib


def bucket(customer_id: int) -> float:
    """The customer's experiment bucket in [0, 1): first 32 bits of md5(id as text)."""
    digest = hashlib.md5(str(customer_id).encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) / 4294967296.0


def covered(customer_id: int, share: float) -> bool:
    """True when the experiment's traffic share covers this customer."""
    return bucket(customer_id) < share
