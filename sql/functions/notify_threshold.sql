-- The score whose crossing sends a notification: churn.setting notify_threshold, where 'auto'
-- (the default since revision 0014) means the threshold `pgchurn train` chose on the active
-- model's holdout (metrics->notify_threshold), or 0.5 when that model has none.
CREATE OR REPLACE FUNCTION churn.notify_threshold()
RETURNS double precision
LANGUAGE sql STABLE
AS $$
SELECT CASE WHEN s.value = 'auto'
            THEN coalesce((SELECT (m.metrics ->> 'notify_threshold')::double precision
                             FROM churn.model m
                            WHERE m.status = 'active'), 0.5)
            ELSE s.value::double precision END
  FROM churn.setting s
 WHERE s.name = 'notify_threshold'
$$;

REVOKE EXECUTE ON FUNCTION churn.notify_threshold() FROM PUBLIC;

COMMENT ON FUNCTION churn.notify_threshold() IS 'The notification threshold in force: the setting notify_threshold as a number, or with ''auto'' the active model''s holdout threshold (metrics->>''notify_threshold'', chosen by pgchurn train; docs/training.md), or 0.5 when the model has none.';
