-- Metrics and drift helpers used by the monitoring views.

CREATE OR REPLACE FUNCTION churn.roc_auc(scores double precision[], labels integer[])
RETURNS double precision
LANGUAGE plpython3u
IMMUTABLE
-- PARALLEL UNSAFE (the default), as every PL/Python function: a cold backend loads the
-- package and may cache bytecode, which starts a subtransaction (refused in a parallel query).
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH metrics.roc_auc(scores, labels)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.roc_auc(double precision[], integer[]) FROM PUBLIC;
COMMENT ON FUNCTION churn.roc_auc(double precision[], integer[]) IS 'ROC AUC of scores against 0/1 labels (average ranks for ties, as scikit-learn computes it); NULL without both classes. Call it with array_agg(score), array_agg(label).';

CREATE OR REPLACE FUNCTION churn.precision_at(scores double precision[], labels integer[], fraction double precision)
RETURNS double precision
LANGUAGE plpython3u
IMMUTABLE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH metrics.precision_at(scores, labels, fraction)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.precision_at(double precision[], integer[], double precision) FROM PUBLIC;
COMMENT ON FUNCTION churn.precision_at(double precision[], integer[], double precision) IS 'Share of churners among the top fraction of customers by score (for example 0.1 for the top 10%).';

CREATE OR REPLACE FUNCTION churn.bin_of(value double precision, edges double precision[])
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT count(*)::integer + 1 FROM unnest(edges) AS e WHERE value > e $$;

COMMENT ON FUNCTION churn.bin_of(double precision, double precision[]) IS 'The 1-based bin of value among the bins (-inf, e1], (e1, e2], ..., (ek, inf) that the training baselines use; NULL stays NULL.';

CREATE OR REPLACE FUNCTION churn.psi_term(expected double precision, actual double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT (greatest(actual, 1e-4) - greatest(expected, 1e-4))
       * ln(greatest(actual, 1e-4) / greatest(expected, 1e-4))
$$;

COMMENT ON FUNCTION churn.psi_term(double precision, double precision) IS 'One bin''s term of the population stability index, (a - e) ln(a / e), with shares floored at 1e-4 so that empty bins stay finite.';

CREATE OR REPLACE FUNCTION churn.psi_band(psi double precision)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN psi IS NULL THEN NULL WHEN psi < 0.1 THEN 'stable (< 0.1)'
                  WHEN psi <= 0.25 THEN 'moderate (0.1-0.25)' ELSE 'significant (> 0.25)' END $$;

COMMENT ON FUNCTION churn.psi_band(double precision) IS 'The conventional PSI band: stable below 0.1, moderate from 0.1 to 0.25, significant above 0.25.';

CREATE OR REPLACE FUNCTION churn.jsonb_floats(value jsonb)
RETURNS double precision[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT array_agg(e::double precision ORDER BY o) FROM jsonb_array_elements_text(value) WITH ORDINALITY AS t(e, o) $$;

COMMENT ON FUNCTION churn.jsonb_floats(jsonb) IS 'A jsonb array of numbers as double precision[], in order.';
