"""Settings a DBA controls, read from churn.setting (writable only by the migration owner)."""

from __future__ import annotations

from . import db, errors

SETTING = "SELECT value FROM churn.setting WHERE name = $1"


def get_int(name: str) -> int:
    """An integer setting; a missing or malformed row is a clear error, never a silent default."""
    rows = db.execute(SETTING, ["text"], [name])
    if len(rows) == 0:
        errors.not_found(
            f"setting {name!r} is missing from churn.setting", hint="re-run migrations"
        )
    value = str(rows[0]["value"])
    try:
        return int(value)
    except ValueError:
        errors.refuse(f"setting {name!r} must be an integer, not {value!r}")
