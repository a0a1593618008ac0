-- Drift baselines for a model that `pgchurn train` did not train (an external PMML document):
-- its input fields and scores over a sample of the current customers, binned as training bins
-- them, so that churn.feature_drift and churn.score_drift watch the model.
CREATE OR REPLACE FUNCTION churn.compute_baselines(
    model_id bigint,
    sample_rows integer DEFAULT 10000,
    replace boolean DEFAULT false
)
RETURNS jsonb
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH current_baselines.compute_baselines(model_id, sample_rows, replace)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.compute_baselines(bigint, integer, boolean) FROM PUBLIC;

COMMENT ON FUNCTION churn.compute_baselines(bigint, integer, boolean) IS 'Computes a model''s drift baselines from a random sample of sample_rows current customers (churned_at IS NULL) in churn.feature_frame(now()): bins per numeric input, shares per category, and the distribution of the model''s scores of those rows, by the rules training uses. Stores them in churn.model.baselines when that is empty, or always with replace => true, and returns the model''s baselines.';
