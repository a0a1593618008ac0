-- Which columns of churn.customer_profile are model inputs, and why the others are not. Read
-- from the catalog on every use, so a column a DBA adds with ALTER TABLE is an input at once,
-- with no change to pgchurn: churn.feature_frame, training, activation, drift and the score log
-- all go through this view (directly or through churn.feature_frame).
CREATE VIEW churn.profile_attribute AS
SELECT a.attnum::integer AS position,
       a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       k.kind,
       CASE
           WHEN a.attname IN ('customer_id', 'customer_since', 'churned_at', 'updated_at')
               THEN 'owned by pgchurn (the key, the dates, the label)'
           WHEN a.attname IN ('tenure_months', 'complaints_total', 'complaints_30d',
                              'complaints_90d', 'severe_complaints_90d',
                              'days_since_last_complaint', 'attributes',
                              'max_severity_30d', 'severity_sum_90d')
               THEN 'a feature pgchurn derives has this name, so the column is never read; rename it'
           WHEN i.column_name IS NOT NULL
               THEN 'listed in churn.ignored_attribute: ' || i.reason
           WHEN k.kind IS NULL
               THEN 'its type ' || format_type(a.atttypid, a.atttypmod)
                    || ' is not an input type (numbers, boolean and text are); add a derived column of one of those'
       END AS not_an_input_because
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  -- a domain is judged by its base type
  JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
 CROSS JOIN LATERAL (
        SELECT CASE WHEN b.oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                                   'float4'::regtype, 'float8'::regtype, 'numeric'::regtype)
                         THEN 'numeric'
                    WHEN b.oid = 'bool'::regtype THEN 'boolean'
                    WHEN b.oid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
                         OR b.typtype = 'e' THEN 'categorical'
               END AS kind) k
  LEFT JOIN churn.ignored_attribute i ON i.column_name = a.attname
 WHERE a.attrelid = 'churn.customer_profile'::regclass AND a.attnum > 0 AND NOT a.attisdropped;

COMMENT ON VIEW churn.profile_attribute IS 'Every column of churn.customer_profile: its type, its kind as a model input (numeric, boolean as 0/1, categorical) and, when it is not an input, why (owned by pgchurn, a derived feature''s name, listed in churn.ignored_attribute, or a type that is not an input).';
COMMENT ON COLUMN churn.profile_attribute.position IS 'The column''s position in the table.';
COMMENT ON COLUMN churn.profile_attribute.column_name IS 'The column, which is the input field''s name in a model.';
COMMENT ON COLUMN churn.profile_attribute.data_type IS 'Its SQL type.';
COMMENT ON COLUMN churn.profile_attribute.kind IS 'numeric, boolean (read as 1 and 0) or categorical (text, varchar, char or an enum); NULL for other types.';
COMMENT ON COLUMN churn.profile_attribute.not_an_input_because IS 'NULL for a model input; otherwise why the column is not one.';

-- The names churn.feature_frame leaves out of its attributes (computed once per statement).
CREATE FUNCTION churn._non_input_columns()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT coalesce(array_agg(column_name), '{}')
  FROM churn.profile_attribute
 WHERE not_an_input_because IS NOT NULL
$$;

REVOKE EXECUTE ON FUNCTION churn._non_input_columns() FROM PUBLIC;

COMMENT ON FUNCTION churn._non_input_columns() IS 'Internal: the profile columns that are not model inputs (see churn.profile_attribute).';
