-- The triggers on churn.customer_profile. pgchurn never writes that table; these only react to
-- the application's writes.

-- New profiles get their churn.customer_score row at once (a row nobody else can see yet, so
-- creating it can wait for no one), and the current ones (churned_at IS NULL) are scored when
-- the transaction commits, as a profile change is. While no model is active there is nothing
-- to score with: the rows stay unscored (churn.scoring_health.unscored_profiles) until a
-- rescore, and the insert never fails for it.
CREATE OR REPLACE FUNCTION churn.on_profile_insert()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    INSERT INTO churn.customer_score (customer_id)
    SELECT n.customer_id FROM new_profiles n;
    IF EXISTS (SELECT 1 FROM churn.model m WHERE m.status = 'active') THEN
        INSERT INTO churn.rescore_request AS r (customer_ids, complaint_ids, causes)
        SELECT array_agg(n.customer_id), array_fill(NULL::bigint, ARRAY[count(*)::integer]),
               array_fill('profile_insert'::text, ARRAY[count(*)::integer])
          FROM new_profiles n
         WHERE n.churned_at IS NULL
        HAVING count(*) > 0
            ON CONFLICT (xid) DO UPDATE
           SET customer_ids = r.customer_ids || excluded.customer_ids,
               complaint_ids = r.complaint_ids || excluded.complaint_ids,
               causes = r.causes || excluded.causes;
    END IF;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_profile_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_profile_insert() IS 'Statement trigger function: creates the churn.customer_score row of each inserted profile and, when a model is active, asks for the current ones (churned_at IS NULL) to be scored once when the transaction commits (triggered_by = profile_insert).';

-- Changed profiles are rescored when the transaction commits. Any column counts, so a column a
-- DBA adds later counts too, except updated_at and churned_at (a churned customer keeps the
-- score it had when it left).
CREATE OR REPLACE FUNCTION churn.on_profile_update()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    INSERT INTO churn.rescore_request AS r (customer_ids, complaint_ids, causes)
    SELECT array_agg(n.customer_id), array_fill(NULL::bigint, ARRAY[count(*)::integer]),
           array_fill('profile_update'::text, ARRAY[count(*)::integer])
      FROM new_profiles n JOIN old_profiles o ON o.customer_id = n.customer_id
     WHERE to_jsonb(n) - 'updated_at' - 'churned_at'
           IS DISTINCT FROM to_jsonb(o) - 'updated_at' - 'churned_at'
    HAVING count(*) > 0
        ON CONFLICT (xid) DO UPDATE
       SET customer_ids = r.customer_ids || excluded.customer_ids,
           complaint_ids = r.complaint_ids || excluded.complaint_ids,
           causes = r.causes || excluded.causes;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_profile_update() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_profile_update() IS 'Statement trigger function: after an application changes profiles, asks for each profile whose columns changed (other than updated_at and churned_at) to be rescored once when the transaction commits.';

CREATE OR REPLACE FUNCTION churn.refuse_customer_id_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'customer_id of a profile cannot be changed (from % to %)',
                    OLD.customer_id, NEW.customer_id
        USING ERRCODE = 'integrity_constraint_violation',
              CONSTRAINT = 'profile_customer_id_is_immutable',
              COLUMN = 'customer_id', TABLE = 'customer_profile', SCHEMA = 'churn',
              DETAIL = 'The complaints, the score and the score history of a customer are '
                       'filed under its customer_id.',
              HINT = 'insert a new profile with the new customer_id instead';
END
$$;

REVOKE EXECUTE ON FUNCTION churn.refuse_customer_id_change() FROM PUBLIC;

COMMENT ON FUNCTION churn.refuse_customer_id_change() IS 'Trigger function: refuses an UPDATE that changes a profile''s customer_id (SQLSTATE 23000, constraint profile_customer_id_is_immutable).';
