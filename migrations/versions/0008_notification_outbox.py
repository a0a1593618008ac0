"""Notification outbox: notify_mode = 'outbox' queues churn_score notifications for a relay.

pg_notify takes a cluster-wide lock when a notifying transaction commits and holds it until
the commit is flushed, so notifying transactions commit one at a time; under many concurrent
writers that queue is the write path's tail latency. With the new setting notify_mode =
'outbox' the scoring transaction queues its notification in churn.notification_outbox
instead, and churn.relay_notifications() (run every second by pg_cron or `pgchurn relay`)
sends the queued ones, oldest first, in one transaction. The default stays 'commit', which
sends them as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "ee90913ebd98de7285d997b9fbf64f0b0f6da8cbc607689f4e10f0fdb8b66a29"
SNAPSHOT = Snapshot("0008", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0007", "9614ff68a83afe030aabdcb904a3f8829fac673766af5a1aa1aef4e4c95d7d2f")

NEW_FUNCTIONS = (
    "churn._notify(text, text)",
    "churn.relay_notifications(integer)",
)


def upgrade() -> None:
    """Create the outbox and the notify_mode setting; install the code that uses them."""
    SNAPSHOT.run_sql("tables/140_notification_outbox.sql")
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    names = roles.names()
    analyst, deployer = roles.ident(names["analyst"]), roles.ident(names["deployer"])
    op.execute(f"GRANT SELECT ON TABLE churn.notification_outbox TO {analyst}, {deployer}")
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.relay_notifications(integer) TO {deployer}")


def downgrade() -> None:
    """Refuse while notifications are queued; else restore revision 0007's code and drop ours."""
    execute_sql(
        """
        DO $$
        DECLARE
            queued bigint := (SELECT count(*) FROM churn.notification_outbox);
        BEGIN
            IF queued > 0 THEN
                RAISE EXCEPTION 'churn.notification_outbox holds % unsent notifications', queued
                    USING ERRCODE = 'object_in_use',
                          HINT = 'send them first: SELECT churn.relay_notifications() until it'
                                 ' returns 0 (set notify_mode to commit first so that no more'
                                 ' are queued), then downgrade again';
            END IF;
        END
        $$;
        """
    )
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    for function in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        ALTER TABLE churn.setting DROP CONSTRAINT setting_notify_mode_is_known;
        DELETE FROM churn.setting WHERE name = 'notify_mode';
        DROP TABLE churn.notification_outbox;
        """
    )
