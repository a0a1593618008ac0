-- The single definition of the model features, as of a point in time. Training reads it for
-- all customers at a cutoff; scoring reads it for one customer as of now(). Same SQL, so no
-- train/serve skew. Complaint-derived features count only complaints at or before as_of.
-- max_severity_30d and severity_sum_90d (revision 0014) come last, after attributes: the
-- composite churn.features gained them with ALTER TYPE ... ADD ATTRIBUTE, which appends, and
-- churn._rescore casts ROW(f.*) to it by position.
CREATE OR REPLACE FUNCTION churn.feature_frame(as_of timestamptz,
                                               every_column boolean DEFAULT false)
RETURNS TABLE (
    customer_id               bigint,
    tenure_months             integer,
    complaints_total          integer,
    complaints_30d            integer,
    complaints_90d            integer,
    severe_complaints_90d     integer,
    days_since_last_complaint double precision,
    attributes                jsonb,
    max_severity_30d          integer,
    severity_sum_90d          integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT p.customer_id,
       (extract(year FROM age(as_of, p.customer_since::timestamptz)) * 12
        + extract(month FROM age(as_of, p.customer_since::timestamptz)))::integer,
       c.complaints_total::integer,
       c.complaints_30d::integer,
       c.complaints_90d::integer,
       c.severe_complaints_90d::integer,
       extract(epoch FROM as_of - c.last_complaint_at)::double precision / 86400.0,
       -- The company's attributes: every profile column that is a model input, read from the
       -- catalog (an uncorrelated subquery, once per statement), so a column added with ALTER
       -- TABLE is in the frame at once. Booleans stay JSON true/false (scored as 1/0).
       -- Scoring passes every_column => true: a model reads its own inputs by name, and the
       -- constant folds the catalog lookup (about 1.3 ms a statement) out of the plan.
       CASE WHEN every_column
            THEN to_jsonb(p) - '{customer_id,customer_since,churned_at,updated_at}'::text[]
            ELSE to_jsonb(p) - (SELECT churn._non_input_columns()) END,
       c.max_severity_30d::integer,
       c.severity_sum_90d::integer
  FROM churn.customer_profile p
 CROSS JOIN LATERAL (
        SELECT count(*) AS complaints_total,
               count(*) FILTER (WHERE x.created_at > as_of - interval '30 days') AS complaints_30d,
               count(*) FILTER (WHERE x.created_at > as_of - interval '90 days') AS complaints_90d,
               count(*) FILTER (WHERE x.created_at > as_of - interval '90 days'
                                  AND x.severity >= 4) AS severe_complaints_90d,
               coalesce(max(x.severity) FILTER (WHERE x.created_at > as_of - interval '30 days'),
                        0) AS max_severity_30d,
               coalesce(sum(x.severity) FILTER (WHERE x.created_at > as_of - interval '90 days'),
                        0) AS severity_sum_90d,
               max(x.created_at) AS last_complaint_at
          FROM churn.complaint x
         WHERE x.customer_id = p.customer_id AND x.created_at <= as_of
           AND isfinite(x.created_at)
       ) c
 -- A customer_since of infinity or -infinity (refused since revision 0010, but possibly
 -- stored before) gives no row, rather than failing the whole frame.
 WHERE p.customer_since <= as_of AND isfinite(p.customer_since)
$$;

REVOKE EXECUTE ON FUNCTION churn.feature_frame(timestamptz, boolean) FROM PUBLIC;

COMMENT ON FUNCTION churn.feature_frame(timestamptz, boolean) IS 'Model features of every customer as of a point in time: tenure at as_of (whole months since customer_since), complaint counts from complaints at or before as_of (30/90-day windows, severity >= 4 is severe), the highest severity in the last 30 days (0 when none) and the sum of severities in the last 90 days, and in attributes the profile columns that are model inputs (see churn.profile_attribute), as a jsonb object; with every_column, every column but the key and the dates (what scoring reads: a model takes its own inputs by name). The one definition used by training and scoring.';

CREATE OR REPLACE FUNCTION churn.customer_features(customer_id bigint, as_of timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT f.attributes || (to_jsonb(f) - 'customer_id' - 'attributes')
  FROM churn.feature_frame(as_of) f
 WHERE f.customer_id = customer_features.customer_id
$$;

REVOKE EXECUTE ON FUNCTION churn.customer_features(bigint, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION churn.customer_features(bigint, timestamptz) IS 'Model features of one customer as of a point in time (default now), as one flat jsonb object of the derived features and the attributes: the input churn.predict takes.';
