"""A complaint never lowers a score, and a severe one never scores below a mild one.

A model trained by `pgchurn train`'s own code at its default kind is activated; random current
customers each get one complaint of every severity 1..5, inserted by an application login in
one transaction that is rolled back (a savepoint per severity), and the new score is read
from churn.customer_score (bench/complaint_push.py, which also gives the report's 1,000-customer
figures). On the demo's data and on the fitness club of `pgchurn example-data`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pgchurn.train import trainer
from pgchurn.train.kinds import DEFAULT_KIND

from bench import complaint_push
from pgchurn import seed
from tests.db.test_your_data import add_attributes, files, load, now  # noqa: F401 - fixtures

CUSTOMERS = 200  # the report's measurement uses 1,000 (python -m bench.complaint_push)
SEED = 3


def train_default(
    url: str, *, snapshot: bool = False, kind: str = DEFAULT_KIND
) -> trainer.TrainResult:
    """`pgchurn train --activate` (at the default kind unless `kind`), in-process."""
    opts = trainer.Options(kind, snapshot=snapshot, name="push-test")
    return trainer.run(url, opts, register_to=url, activate_it=True, say=lambda s: None)


def measured(conn, login_as) -> dict:
    app = login_as("pgchurn_app")  # an application that reads its scores back (analyst)
    with conn.cursor() as cur:
        cur.execute(f'GRANT pgchurn_analyst TO "{app.info.user}"')
    conn.commit()
    conn.autocommit = True
    ids = complaint_push.sample_current(conn, CUSTOMERS, SEED)
    frame = complaint_push.push(conn, app, ids)
    assert len(frame) == CUSTOMERS and frame["before"].notna().all()
    counts = complaint_push.summary(frame)
    print(counts)
    return counts


@pytest.mark.parametrize("kind", sorted({DEFAULT_KIND, "gbdt", "logistic"}))
def test_on_the_demo_data_a_complaint_never_lowers_a_score(db_url, conn, login_as, kind):
    seeded_at = datetime.now(UTC).replace(microsecond=0)
    seed.seed_database(db_url, seed.SeedSpec(customers=8000, seed=SEED, now=seeded_at))
    result = train_default(db_url, kind=kind)
    assert result.activated and result.summary["model"] == kind
    counts = measured(conn, login_as)
    assert counts["scores_down"] == 0, counts
    assert counts["severity5_below_severity1"] == 0, counts
    assert counts["severity5_above_severity1_share"] > 0.5, counts
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.complaint WHERE created_at > %s", (seeded_at,))
        assert cur.fetchone() == (0,), "every complaint was rolled back"


def test_on_your_data_a_complaint_never_lowers_a_score(db_url, conn, login_as, files):  # noqa: F811
    add_attributes(conn, files)
    load(login_as("pgchurn_app"), files)
    train_default(db_url, snapshot=True)
    counts = measured(conn, login_as)
    assert counts["scores_down"] == 0, counts
    assert counts["severity5_below_severity1"] == 0, counts
