"""The demo company's own attributes: the columns it adds to churn.customer_profile.

pgchurn owns only the key, the dates and the label of a profile; every business attribute is
the company's, added with plain DDL. The demo is such a company: `pgchurn seed` (and so
`pgchurn demo`) adds these telecom attributes, with the demo's own CHECK constraints, before it
loads its customers. On a database upgraded from before revision 0011 they already exist (they
were pgchurn's then), and IF NOT EXISTS leaves them as they are.
"""

from __future__ import annotations

from psycopg2.extensions import cursor as PgCursor

DEMO_ATTRIBUTES = """
ALTER TABLE churn.customer_profile
    ADD COLUMN IF NOT EXISTS contract_type text NOT NULL
        CONSTRAINT profile_contract_type_is_known
        CHECK (contract_type IN ('month-to-month', 'one-year', 'two-year')),
    ADD COLUMN IF NOT EXISTS monthly_charges double precision NOT NULL
        CONSTRAINT profile_monthly_charges_in_range
        CHECK (monthly_charges >= 0 AND monthly_charges < 100000),
    ADD COLUMN IF NOT EXISTS total_charges double precision
        CONSTRAINT profile_total_charges_not_negative CHECK (total_charges >= 0)
        CONSTRAINT profile_total_charges_is_finite
        CHECK (total_charges < 'Infinity'::double precision),
    ADD COLUMN IF NOT EXISTS payment_method text NOT NULL
        CONSTRAINT profile_payment_method_is_known
        CHECK (payment_method IN ('electronic-check', 'mailed-check', 'bank-transfer',
                                  'credit-card')),
    ADD COLUMN IF NOT EXISTS internet_service text NOT NULL
        CONSTRAINT profile_internet_service_is_known
        CHECK (internet_service IN ('dsl', 'fiber-optic', 'none')),
    ADD COLUMN IF NOT EXISTS paperless_billing boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS senior_citizen boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS has_partner boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS has_dependents boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS phone_service boolean NOT NULL DEFAULT true,
    ADD COLUMN IF NOT EXISTS multiple_lines boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS online_security boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS tech_support boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS streaming_tv boolean NOT NULL DEFAULT false
"""
# total_charges is known only as of today, not as of a past cutoff: point-in-time training
# would learn from the future. The demo keeps it out of the model inputs.
IGNORE_TOTAL_CHARGES = """
INSERT INTO churn.ignored_attribute (column_name, reason)
VALUES ('total_charges',
        'known only as of today, so point-in-time training would learn from the future')
ON CONFLICT (column_name) DO NOTHING
"""


def install(cur: PgCursor) -> None:
    """Add the demo's attributes to churn.customer_profile (as its owner), if they are missing."""
    cur.execute(DEMO_ATTRIBUTES)
    cur.execute(IGNORE_TOTAL_CHARGES)
