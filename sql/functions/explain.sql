-- Since revision 0014: which model (default: the active one) and as of when (default: now).
CREATE OR REPLACE FUNCTION churn.explain(customer_id bigint, model_id bigint DEFAULT NULL,
                                         as_of timestamptz DEFAULT now())
RETURNS TABLE (feature text, value text, contribution double precision)
LANGUAGE plpython3u
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH explain.explain_customer(customer_id, model_id, as_of)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.explain(bigint, bigint, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION churn.explain(bigint, bigint, timestamptz) IS 'Why a model (default: the active one) scores a customer as it does, from the customer''s features as of a time (default: now): each input''s contribution to the margin, measured from the expected value over the training data (linear terms: coefficient * (x - training mean); trees: Saabas path attribution with node weights from training), largest first, and a last row "(base value)", the mean training margin. The contributions and the base value add up to the margin, logit(score) for logistic and boosted models, the probability for a forest.';
