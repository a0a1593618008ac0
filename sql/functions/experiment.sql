-- Champion and challenger.

CREATE OR REPLACE FUNCTION churn.experiment_bucket(customer_id bigint)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ('x' || substr(md5(customer_id::text), 1, 8))::bit(32)::bigint / 4294967296.0 $$;

COMMENT ON FUNCTION churn.experiment_bucket(bigint) IS 'The customer''s experiment bucket in [0, 1), from the md5 of its id: the challenger covers customers whose bucket is below its traffic share.';

CREATE OR REPLACE FUNCTION churn.set_challenger(model_id bigint, traffic_share double precision DEFAULT 1.0,
                                                serve_share boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    target churn.model%ROWTYPE;
    bad    record;
BEGIN
    IF traffic_share IS NULL OR traffic_share <= 0 OR traffic_share > 1 THEN
        RAISE EXCEPTION 'traffic_share must be in (0, 1], not %', traffic_share
            USING ERRCODE = 'invalid_parameter_value', HINT = 'for example 0.2 for a fifth of the customers';
    END IF;
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO target FROM churn.model m WHERE m.model_id = set_challenger.model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model % does not exist', set_challenger.model_id USING ERRCODE = 'no_data_found';
    END IF;
    IF target.status IN ('active', 'retired') THEN
        RAISE EXCEPTION 'model % is %; only a registered model can be a challenger', target.model_id, target.status
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO bad FROM churn.unbindable_fields(target.model_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'model % cannot be a challenger: input field % cannot be bound: %',
                        target.model_id, quote_literal(bad.field), bad.problem
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE churn.model m SET status = 'registered', challenger_share = NULL, challenger_serves = false
     WHERE m.status = 'challenger' AND m.model_id <> target.model_id;
    UPDATE churn.model m
       SET status = 'challenger', challenger_share = traffic_share, challenger_serves = serve_share
     WHERE m.model_id = target.model_id;
    INSERT INTO churn.model_audit (action, model_id, reason)
    VALUES ('challenger', target.model_id,
            'traffic share ' || traffic_share || CASE WHEN serve_share THEN ', served' ELSE ', shadow' END);
END
$$;

REVOKE EXECUTE ON FUNCTION churn.set_challenger(bigint, double precision, boolean) FROM PUBLIC;
COMMENT ON FUNCTION churn.set_challenger(bigint, double precision, boolean) IS 'Makes a registered model the challenger for a share of customers (by churn.experiment_bucket): the triggers also score and log it, in shadow, or, with serve_share, serve its score to those customers. Replaces any earlier challenger.';

CREATE OR REPLACE FUNCTION churn.clear_challenger()
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
UPDATE churn.model SET status = 'registered', challenger_share = NULL, challenger_serves = false
 WHERE status = 'challenger'
$$;

REVOKE EXECUTE ON FUNCTION churn.clear_challenger() FROM PUBLIC;
COMMENT ON FUNCTION churn.clear_challenger() IS 'Ends the experiment: the challenger becomes a plain registered model again.';
