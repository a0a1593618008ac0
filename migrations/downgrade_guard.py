"""What a downgrade asks before it loses data, in the syntax of the command the user typed.

`pgchurn migrate` runs the revisions with `-x via=pgchurn` (and `-x drop_data=yes` for
--drop-data), so that a hint shows `pgchurn migrate --down base --drop-data` to a CLI user and
`alembic -x drop_data=yes downgrade base` to an Alembic user.
"""

from __future__ import annotations

import roles
from alembic import context


def typed(alembic: str, pgchurn: str) -> str:
    """`pgchurn` when pgchurn's CLI runs the migration, else `alembic`."""
    return (
        pgchurn if context.get_x_argument(as_dictionary=True).get("via") == "pgchurn" else alembic
    )


def refuse_data_loss() -> str:
    """A DO block that refuses to drop customers or complaints unless drop_data=yes is given."""
    if context.get_x_argument(as_dictionary=True).get("drop_data") == "yes":
        return "SELECT 1"
    hint = typed(
        "back them up first (docs/operations.md), then: alembic -x drop_data=yes downgrade base",
        "back them up first (docs/operations.md), then: pgchurn migrate --down base --drop-data",
    )
    return f"""
        DO $$
        DECLARE
            profiles bigint := (SELECT count(*) FROM churn.customer_profile);
            complaints bigint := (SELECT count(*) FROM churn.complaint);
        BEGIN
            IF profiles > 0 OR complaints > 0 THEN
                RAISE EXCEPTION 'refused to downgrade to base: it would drop churn.customer_profile'
                                ' (% rows) and churn.complaint (% rows) with their data',
                                profiles, complaints
                    USING ERRCODE = 'object_not_in_prerequisite_state', HINT = {roles.literal(hint)};
            END IF;
        END
        $$;
        """
