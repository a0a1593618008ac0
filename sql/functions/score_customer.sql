CREATE OR REPLACE FUNCTION churn.score_customer(customer_id bigint)
RETURNS double precision
LANGUAGE plpython3u
STABLE
-- PARALLEL UNSAFE (the default), as every PL/Python function: loading the package or a model
-- may cache compiled code, which starts a subtransaction, and that is refused (and used to
-- crash the backend) in a parallel query.
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH scoring.score_customer(customer_id)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.score_customer(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.score_customer(bigint) IS 'Probability of churn of one customer, from churn.feature_frame(now()) and the active model; NULL where the PMML''s own rules give no prediction for the customer. Writes nothing.';
