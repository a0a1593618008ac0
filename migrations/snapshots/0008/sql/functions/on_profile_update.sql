CREATE OR REPLACE FUNCTION churn.on_profile_update()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    -- The UPDATE that fired this trigger holds the row lock already.
    IF NOT churn._rescore_one(NEW.customer_id, NULL, NULL, NULL, 'profile_update') THEN
        PERFORM churn._rescore(ARRAY[NEW.customer_id], NULL, NULL, NULL, 'profile_update');
    END IF;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_profile_update() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_profile_update() IS 'Row trigger function: after an application changes a model input of a profile, rescores that customer once.';
