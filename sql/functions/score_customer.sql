CREATE OR REPLACE FUNCTION churn.score_customer(customer_id bigint)
RETURNS double precision
LANGUAGE plpython3u
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $pgchurn$
@DISPATCH scoring.score_customer(customer_id)@
$pgchurn$;

COMMENT ON FUNCTION churn.score_customer(bigint) IS 'Probability of churn of one customer, from churn.feature_frame(now()) and the active model. Writes nothing.';
