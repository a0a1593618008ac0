"""Your data: the profile's business attributes belong to the company; models read any of them.

- pgchurn owns only the key, the dates and the label of churn.customer_profile (customer_id,
  customer_since, churned_at, updated_at). Every other column is a business attribute of the
  company's, added with plain ALTER TABLE ... ADD COLUMN, and a model input from then on:
  churn.feature_frame returns the derived features (tenure, complaint counts) as columns and
  the attributes as one jsonb object, read through the new view churn.profile_attribute, so a
  column added later reaches training, activation, scoring, the score log and drift without a
  change to pgchurn and with no grant lost. churn.ignored_attribute keeps chosen columns out.
- The demo's telecom attributes are the demo's: on an empty profile table they are dropped
  (`pgchurn seed` adds them back for the demo); a table that holds customers keeps them, as the
  company's own columns, with their constraints, and total_charges, which training left out in
  code before, is listed in churn.ignored_attribute.
- tenure_months is no longer a column: it was never read (tenure is derived from
  customer_since), so a value loaded into it was a decoy.
- The application may insert and update every profile column (a table grant), so it can write
  the columns the company adds.
- churn.complaint's category and channel are the company's words: any non-blank text of up
  to 200 characters (they never reach a model; counts, times and severity do).
- churn.rescore_batch(batch_size, join_run): a parallel worker of `pgchurn rescore --jobs N`
  joins the run the first call opened and stops when it is finished; before, a worker that
  called once more after another had finished the run started a new run.
- churn.activate_model(model_id, allow_unseen_categories) refuses a model whose categorical
  inputs hold values it has never seen for more than max_unseen_category_share (10%) of the
  current customers, naming every failing field (churn.unseen_categories), unless overridden.

Downgrade restores revision 0010: the demo's attributes and tenure_months come back (nullable
when the table holds customers who never had them), the company's own columns stay (0010
ignores them), churn.ignored_attribute and its rows are dropped, and the complaint lists
come back (NOT VALID, with a warning, when stored complaints use other words).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "e15e650bbf7072c730cbbdaf8861640675125e99e97710ca466016738fbe51ec"
SNAPSHOT = Snapshot("0011", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0010", "755c60bc8aaf86620584f67ac2b450177a9b1e59a9ae7e6821da37568b20ba6d")

# The demo's attributes as revision 0010 defined them: (column, definition on an empty table,
# definition on a table that holds customers, who may never have had a value).
DEMO_ATTRIBUTES = (
    (
        "monthly_charges",
        "double precision NOT NULL CONSTRAINT profile_monthly_charges_in_range"
        " CHECK (monthly_charges >= 0 AND monthly_charges < 100000)",
        "double precision CONSTRAINT profile_monthly_charges_in_range"
        " CHECK (monthly_charges >= 0 AND monthly_charges < 100000)",
    ),
    (
        "total_charges",
        "double precision CONSTRAINT profile_total_charges_not_negative"
        " CHECK (total_charges >= 0) CONSTRAINT profile_total_charges_is_finite"
        " CHECK (total_charges < 'Infinity'::double precision)",
        None,
    ),
    (
        "contract_type",
        "text NOT NULL CONSTRAINT profile_contract_type_is_known"
        " CHECK (contract_type IN ('month-to-month', 'one-year', 'two-year'))",
        "text CONSTRAINT profile_contract_type_is_known"
        " CHECK (contract_type IN ('month-to-month', 'one-year', 'two-year'))",
    ),
    (
        "payment_method",
        "text NOT NULL CONSTRAINT profile_payment_method_is_known CHECK (payment_method IN"
        " ('electronic-check', 'mailed-check', 'bank-transfer', 'credit-card'))",
        "text CONSTRAINT profile_payment_method_is_known CHECK (payment_method IN"
        " ('electronic-check', 'mailed-check', 'bank-transfer', 'credit-card'))",
    ),
    (
        "internet_service",
        "text NOT NULL CONSTRAINT profile_internet_service_is_known"
        " CHECK (internet_service IN ('dsl', 'fiber-optic', 'none'))",
        "text CONSTRAINT profile_internet_service_is_known"
        " CHECK (internet_service IN ('dsl', 'fiber-optic', 'none'))",
    ),
    ("paperless_billing", "boolean NOT NULL DEFAULT false", None),
    ("senior_citizen", "boolean NOT NULL DEFAULT false", None),
    ("has_partner", "boolean NOT NULL DEFAULT false", None),
    ("has_dependents", "boolean NOT NULL DEFAULT false", None),
    ("phone_service", "boolean NOT NULL DEFAULT true", None),
    ("multiple_lines", "boolean NOT NULL DEFAULT false", None),
    ("online_security", "boolean NOT NULL DEFAULT false", None),
    ("tech_support", "boolean NOT NULL DEFAULT false", None),
    ("streaming_tv", "boolean NOT NULL DEFAULT false", None),
)
TENURE_MONTHS = (
    "integer NOT NULL DEFAULT 0"
    " CONSTRAINT profile_tenure_months_not_negative CHECK (tenure_months >= 0)"
)
# churn.features: revision 0010's attributes after customer_id and tenure_months, in order.
FEATURES_0010 = (
    ("monthly_charges", "double precision"),
    ("total_charges", "double precision"),
    ("contract_type", "text"),
    ("payment_method", "text"),
    ("internet_service", "text"),
    *((name, "integer") for name, *_ in DEMO_ATTRIBUTES[5:]),
)
COMPLAINT_FEATURES = (
    ("complaints_total", "integer"),
    ("complaints_30d", "integer"),
    ("complaints_90d", "integer"),
    ("severe_complaints_90d", "integer"),
    ("days_since_last_complaint", "double precision"),
)
# The columns revision 0003 let the application insert and update, one by one.
APP_COLUMNS_0010 = (
    "customer_id, customer_since, tenure_months, contract_type, monthly_charges, total_charges,"
    " payment_method, internet_service, paperless_billing, senior_citizen, has_partner,"
    " has_dependents, phone_service, multiple_lines, online_security, tech_support, streaming_tv,"
    " churned_at"
)
MAX_UNSEEN = (
    "max_unseen_category_share",
    "0.1",
    "churn.activate_model refuses a model when, for one of its categorical inputs, more than "
    "this share of the current customers hold a value the model has never seen (default 0.1: "
    "a misspelt vocabulary affects nearly everyone, a new product a few percent). Override "
    "one activation with allow_unseen_categories => true.",
)
VERSION_TABLE = "public.pgchurn_alembic_version"
# churn.complaint's category and channel: (column, revision 0010's constraint and check, its
# comment, this revision's constraint and check, its comment).
COMPLAINT_VOCABULARY = (
    (
        "category",
        "complaint_category_is_known",
        "category IS NOT NULL AND category IN"
        " ('billing', 'network', 'service', 'device', 'contract', 'other')",
        "What the complaint is about: billing, network, service, device, contract or other.",
        "complaint_category_is_given",
        "category IS NOT NULL AND btrim(category) <> '' AND length(category) <= 200",
        "What the complaint is about, in the company's own words (for example billing or late "
        "delivery); not blank, at most 200 characters.",
    ),
    (
        "channel",
        "complaint_channel_is_known",
        "channel IS NOT NULL AND channel IN ('phone', 'email', 'chat', 'store', 'social')",
        "Where the complaint arrived: phone, email, chat, store or social.",
        "complaint_channel_is_given",
        "channel IS NOT NULL AND btrim(channel) <> '' AND length(channel) <= 200",
        "Where the complaint arrived (for example phone, email or store), in the company's own "
        "words; not blank, at most 200 characters.",
    ),
)
COMPLAINT_OLD = {column: old for column, old, *_ in COMPLAINT_VOCABULARY}
KEPT_COMMENT = (
    "Kept by revision 0011 from the columns pgchurn defined before: the company's own "
    "attribute now, and a model input (see churn.profile_attribute)."
)


def upgrade() -> None:
    """Hand the attributes to the company, read them generically, check vocabularies."""
    op.execute("DROP FUNCTION churn.feature_frame(timestamptz)")  # its result type changes
    op.execute("DROP FUNCTION churn.activate_model(bigint)")  # gains allow_unseen_categories
    op.execute("DROP FUNCTION churn.rescore_batch(integer)")  # gains join_run
    SNAPSHOT.run_sql("tables/180_ignored_attribute.sql")
    _hand_over_attributes()
    op.execute(
        "ALTER TYPE churn.features "
        + ", ".join(f"DROP ATTRIBUTE {name}" for name, _ in FEATURES_0010)
        + ", ADD ATTRIBUTE attributes jsonb"
    )
    op.execute(
        "COMMENT ON TYPE churn.features IS 'One row of churn.feature_frame, as the composite"
        " churn._score takes: the derived features and the attributes jsonb.'"
    )
    SNAPSHOT.run_sql("views/profile_attribute.sql")
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    for column, _, _, _, name, check, comment in COMPLAINT_VOCABULARY:
        op.execute(
            f"ALTER TABLE churn.complaint DROP CONSTRAINT {COMPLAINT_OLD[column]},"
            f" ADD CONSTRAINT {name} CHECK ({check})"
        )
        op.execute(f"COMMENT ON COLUMN churn.complaint.{column} IS {roles.literal(comment)}")
    name, value, description = MAX_UNSEEN
    op.execute(
        "INSERT INTO churn.setting (name, value, description) VALUES"
        f" ({roles.literal(name)}, {roles.literal(value)}, {roles.literal(description)})"
    )
    _grant()


def _hand_over_attributes() -> None:
    """Drop tenure_months; drop the demo's attributes when no customer has them, else keep them."""
    demo = ", ".join(roles.literal(name) for name, *_ in DEMO_ATTRIBUTES)
    kept = roles.literal(KEPT_COMMENT)
    total_reason = roles.literal(
        "known only as of today, so point-in-time training would learn from the future "
        "(left out of training in code before revision 0011)"
    )
    execute_sql(
        f"""
        DO $$
        DECLARE
            customers bigint := (SELECT count(*) FROM churn.customer_profile);
            column_name text;
        BEGIN
            IF customers > 0 THEN
                RAISE WARNING 'churn.customer_profile.tenure_months is dropped: it was never read '
                              '(tenure is derived from customer_since), so any value stored in it '
                              'for the % customers was a decoy', customers;
            END IF;
            ALTER TABLE churn.customer_profile DROP COLUMN tenure_months;
            FOR column_name IN
                SELECT a.attname FROM pg_attribute a
                 WHERE a.attrelid = 'churn.customer_profile'::regclass AND a.attnum > 0
                   AND NOT a.attisdropped AND a.attname IN ({demo})
            LOOP
                IF customers = 0 THEN
                    EXECUTE format('ALTER TABLE churn.customer_profile DROP COLUMN %I',
                                   column_name);
                ELSE
                    EXECUTE format('COMMENT ON COLUMN churn.customer_profile.%I IS %L',
                                   column_name, {kept});
                    -- training left it out in code before: it stays out of the inputs
                    IF column_name = 'total_charges' THEN
                        INSERT INTO churn.ignored_attribute (column_name, reason)
                        VALUES ('total_charges', {total_reason});
                    END IF;
                END IF;
            END LOOP;
        END
        $$
        """
    )
    for target, text in (
        (
            "TABLE churn.customer_profile",
            "One row per customer, written by the application. pgchurn owns customer_id, "
            "customer_since, churned_at and updated_at; every other column is the company's own "
            "attribute and a model input (see churn.profile_attribute). Counters and scores are "
            "in churn.customer_score.",
        ),
        (
            "COLUMN churn.customer_profile.customer_since",
            "Date the customer signed up (default: the insert date); finite. The feature "
            "tenure_months is derived from it.",
        ),
    ):
        op.execute(f"COMMENT ON {target} IS {roles.literal(text)}")


def _grant() -> None:
    names = roles.names()
    app, analyst, deployer = (roles.ident(names[k]) for k in ("app", "analyst", "deployer"))
    for statement in (
        # every column, including those the company adds later
        f"REVOKE INSERT, UPDATE ON churn.customer_profile FROM {app}",
        f"GRANT INSERT, UPDATE ON churn.customer_profile TO {app}",
        f"GRANT SELECT ON churn.profile_attribute, churn.ignored_attribute TO {analyst}, {deployer}",
        f"GRANT EXECUTE ON FUNCTION churn._non_input_columns() TO {analyst}",
        f"GRANT EXECUTE ON FUNCTION churn.feature_frame(timestamptz, boolean) TO {analyst}",
        f"GRANT EXECUTE ON FUNCTION churn.unseen_categories(bigint) TO {analyst}",
        f"GRANT EXECUTE ON FUNCTION churn.activate_model(bigint, boolean) TO {deployer}",
        f"GRANT EXECUTE ON FUNCTION churn.rescore_batch(integer, bigint) TO {deployer}",
        f"GRANT EXECUTE ON FUNCTION churn.compute_baselines(bigint, integer, boolean)"
        f" TO {deployer}",
        # the CLI checks the revision before it runs a command as these roles
        f"GRANT SELECT ON TABLE {VERSION_TABLE} TO {analyst}, {deployer}",
    ):
        op.execute(statement)


def downgrade() -> None:
    """Restore revision 0010: its attributes and functions; the company's columns stay."""
    names = roles.names()
    analyst, deployer = (roles.ident(names[k]) for k in ("analyst", "deployer"))
    op.execute(f"REVOKE SELECT ON TABLE {VERSION_TABLE} FROM {analyst}, {deployer}")
    for function in (
        "churn.compute_baselines(bigint, integer, boolean)",
        "churn.activate_model(bigint, boolean)",
        "churn.rescore_batch(integer, bigint)",
        "churn.unseen_categories(bigint)",
        "churn.feature_frame(timestamptz, boolean)",
    ):
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        DROP VIEW churn.profile_attribute;
        DROP FUNCTION churn._non_input_columns();
        DROP TABLE churn.ignored_attribute;
        DELETE FROM churn.setting WHERE name = 'max_unseen_category_share';
        """
    )
    _restore_attributes()
    _restore_complaint_vocabulary()
    op.execute(
        "ALTER TYPE churn.features DROP ATTRIBUTE attributes, "
        + ", ".join(f"DROP ATTRIBUTE {name}" for name, _ in COMPLAINT_FEATURES)
        + ", "
        + ", ".join(
            f"ADD ATTRIBUTE {name} {kind}" for name, kind in (*FEATURES_0010, *COMPLAINT_FEATURES)
        )
    )
    op.execute(
        "COMMENT ON TYPE churn.features IS 'One row of churn.feature_frame, as the composite"
        " churn._score takes.'"
    )
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    app = roles.ident(names["app"])
    for statement in (
        f"REVOKE INSERT, UPDATE ON churn.customer_profile FROM {app}",
        f"GRANT INSERT ({APP_COLUMNS_0010}), UPDATE ({APP_COLUMNS_0010})"
        f" ON churn.customer_profile TO {app}",
        "REVOKE EXECUTE ON FUNCTION churn.feature_frame(timestamptz) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION churn.feature_frame(timestamptz) TO {analyst}",
        f"GRANT EXECUTE ON FUNCTION churn.activate_model(bigint) TO {deployer}",
        f"GRANT EXECUTE ON FUNCTION churn.rescore_batch(integer) TO {deployer}",
    ):
        op.execute(statement)


def _restore_complaint_vocabulary() -> None:
    """Revision 0010's lists; validated only when every stored complaint is in them."""
    for column, old, old_check, old_comment, name, _, _ in COMPLAINT_VOCABULARY:
        op.execute(
            f"ALTER TABLE churn.complaint DROP CONSTRAINT {name},"
            f" ADD CONSTRAINT {old} CHECK ({old_check}) NOT VALID"
        )
        op.execute(f"COMMENT ON COLUMN churn.complaint.{column} IS {roles.literal(old_comment)}")
        execute_sql(
            f"""
            DO $$
            BEGIN
                ALTER TABLE churn.complaint VALIDATE CONSTRAINT {old};
            EXCEPTION WHEN check_violation THEN
                RAISE WARNING 'churn.complaint holds complaints whose {column} is not in revision '
                              '0010''s list; {old} applies to new and changed rows only';
            END
            $$
            """
        )


def _restore_attributes() -> None:
    """Add back tenure_months and the demo's attributes that are missing."""
    columns = [("tenure_months", TENURE_MONTHS, None), *DEMO_ATTRIBUTES]
    on_empty = " ".join(
        f"WHEN {roles.literal(name)} THEN {roles.literal(empty)}" for name, empty, _ in columns
    )
    on_held = " ".join(
        f"WHEN {roles.literal(name)} THEN {roles.literal(held or empty)}"
        for name, empty, held in columns
    )
    names = ", ".join(roles.literal(name) for name, *_ in columns)
    tenure = roles.literal(
        "Whole months the customer has been with us (revision 0010 never reads it: tenure is "
        "derived from customer_since)."
    )
    execute_sql(
        f"""
        DO $$
        DECLARE
            customers bigint := (SELECT count(*) FROM churn.customer_profile);
            column_name text;
        BEGIN
            FOR column_name IN
                SELECT u.n FROM unnest(ARRAY[{names}]) WITH ORDINALITY AS u(n, i)
                 WHERE NOT EXISTS (
                        SELECT 1 FROM pg_attribute a
                         WHERE a.attrelid = 'churn.customer_profile'::regclass
                           AND a.attname = u.n AND NOT a.attisdropped)
                 ORDER BY u.i
            LOOP
                -- customers who never had the column get NULL where 0010 wanted a value
                EXECUTE format('ALTER TABLE churn.customer_profile ADD COLUMN %I ', column_name)
                        || CASE WHEN customers = 0 THEN CASE column_name {on_empty} END
                                ELSE CASE column_name {on_held} END END;
            END LOOP;
            EXECUTE format('COMMENT ON COLUMN churn.customer_profile.tenure_months IS %L',
                           {tenure});
        END
        $$
        """
    )
