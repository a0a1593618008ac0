"""Small helpers shared by the database tests."""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from typing import Any

import pandas as pd

from tests.trained import INPUTS

DEFAULTS: dict[str, Any] = {
    "customer_since": date(2024, 1, 15),
    "contract_type": "month-to-month",
    "monthly_charges": 89.5,
    "total_charges": 1969.0,
    "payment_method": "electronic-check",
    "internet_service": "fiber-optic",
    "paperless_billing": True,
    "senior_citizen": False,
    "has_partner": False,
    "has_dependents": False,
    "phone_service": True,
    "multiple_lines": False,
    "online_security": False,
    "tech_support": False,
    "streaming_tv": True,
}
COLUMNS = ", ".join(DEFAULTS)
PLACEHOLDERS = ", ".join(f"%({c})s" for c in DEFAULTS)


def add_customer(cur: Any, customer_id: int, **attrs: Any) -> None:
    """Insert a profile with the demo's attributes and sensible defaults.

    `tenure_months=N` is not a column (tenure is derived from customer_since): it sets
    customer_since to N months and a week before today.
    """
    months = attrs.pop("tenure_months", None)
    if months is not None:
        today = date.today()
        total = today.year * 12 + today.month - 1 - months
        since = date(total // 12, total % 12 + 1, min(today.day, 28))
        attrs["customer_since"] = since - timedelta(days=7)
    row = DEFAULTS | attrs | {"customer_id": customer_id}
    cur.execute(
        f"INSERT INTO churn.customer_profile (customer_id, {COLUMNS})"  # noqa: S608 - test constants
        f" VALUES (%(customer_id)s, {PLACEHOLDERS})",
        row,
    )


def register(cur: Any, pmml: str, name: str) -> int:
    """Register through the gate and return the model_id."""
    cur.execute("SELECT churn.register_model(%s, %s)", (pmml, name))
    return int(cur.fetchone()[0])


def activate(cur: Any, model_id: int) -> None:
    """Activate a model."""
    cur.execute("SELECT churn.activate_model(%s)", (model_id,))


def complain(
    cur: Any,
    customer_id: int,
    *,
    days_ago: float = 0.0,
    severity: int = 3,
    category: str = "billing",
    channel: str = "phone",
    now: bool = True,
) -> int:
    """Insert one complaint and return its id; with now=True, score it before commit."""
    cur.execute(
        "INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel)"
        " VALUES (%s, now() - make_interval(secs => %s), %s, %s, %s) RETURNING complaint_id",
        (customer_id, days_ago * 86400.0, category, severity, channel),
    )
    complaint_id = int(cur.fetchone()[0])
    if now:
        score_now(cur)
    return complaint_id


def score_now(cur: Any) -> None:
    """Rescore what this transaction changed now instead of at commit (the documented way)."""
    cur.execute("SET CONSTRAINTS churn.rescore_request_at_commit IMMEDIATE")
    cur.execute("SET CONSTRAINTS churn.rescore_request_at_commit DEFERRED")


def features_of(cur: Any, customer_id: int) -> pd.DataFrame:
    """The customer's live features from churn.feature_frame, as a one-row frame."""
    cur.execute("SELECT churn.customer_features(%s)", (customer_id,))
    return pd.DataFrame([as_model_input(cur.fetchone()[0])])[INPUTS]


def scored_features(cur: Any, customer_id: int) -> pd.DataFrame:
    """The features as of the customer's current score (its churn_scored_at), as a frame."""
    cur.execute(
        "SELECT churn.customer_features(s.customer_id, s.churn_scored_at)"
        " FROM churn.customer_score s WHERE s.customer_id = %s",
        (customer_id,),
    )
    return pd.DataFrame([as_model_input(cur.fetchone()[0])])[INPUTS]


def as_model_input(features: dict[str, Any]) -> dict[str, Any]:
    """Features as the models read them: booleans as 1 and 0 (as pgchurn scores them)."""
    return {k: int(v) if isinstance(v, bool) else v for k, v in features.items()}


def logit(p: float) -> float:
    """The margin of a probability."""
    return math.log(p / (1.0 - p))


SCORE_COLUMNS = (
    "s.complaints_total, s.last_complaint_at, s.complaints_30d, s.complaints_90d,"
    " s.severe_complaints_90d, s.churn_score, s.churn_model_id, s.churn_variant,"
    " s.churn_scored_at, s.churn_score_stale"
)


def profile(cur: Any, customer_id: int) -> dict[str, Any]:
    """The profile row with its churn.customer_score columns, as a dict."""
    cur.execute(
        f"SELECT p.*, {SCORE_COLUMNS} FROM churn.customer_profile p"  # noqa: S608 - constants
        " JOIN churn.customer_score s USING (customer_id) WHERE customer_id = %s",
        (customer_id,),
    )
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def as_json(value: Any) -> Any:
    """Round-trip through JSON, as jsonb would."""
    return json.loads(json.dumps(value))


BODY = re.compile(
    r"CREATE OR REPLACE (?:FUNCTION|PROCEDURE) (churn\.\w+)\(.*?\$pgchurn\$\n(.*?)\$pgchurn\$",
    re.S,
)
INSTALLED_BODIES = """
SELECT p.oid::regproc::text, p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE l.lanname = 'plpython3u' AND p.pronamespace = 'churn'::regnamespace
"""


def _by_name(pairs: Any) -> dict[str, str]:
    """Bodies by name; the bodies of overloads of one name joined, in sorted order."""
    found: dict[str, list[str]] = {}
    for name, body in pairs:
        found.setdefault(name, []).append(body.strip("\n"))
    return {name: "\n-- overload --\n".join(sorted(b)) for name, b in found.items()}


def function_bodies(sql_texts: Any) -> dict[str, str]:
    """PL/Python bodies by qualified name (overloads joined), from rendered SQL files."""
    return _by_name(pair for text in sql_texts for pair in BODY.findall(text))


def installed_code(cur: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(modules by path, PL/Python bodies by qualified name) installed in the database."""
    cur.execute("SELECT module_path, source FROM churn.plpython_module")
    modules = dict(cur.fetchall())
    cur.execute(INSTALLED_BODIES)
    bodies = _by_name((n if n.startswith("churn.") else f"churn.{n}", s) for n, s in cur)
    return modules, bodies


def install_demo_attributes(url: str) -> None:
    """Add the demo's attributes to a database the test migrated itself (as `pgchurn seed` does)."""
    import psycopg2

    from pgchurn.seed import attributes

    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            attributes.install(cur)
    finally:
        conn.close()
