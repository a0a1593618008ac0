-- The model lifecycle in SQL: activate, roll back, retire. Each runs in the caller's
-- transaction, takes a lock that serializes lifecycle changes, and writes churn.model_audit.

CREATE OR REPLACE FUNCTION churn.unbindable_fields(model_id bigint)
RETURNS TABLE (field text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, churn, pg_temp
AS $$
WITH supplied AS (
    -- the features pgchurn derives (the columns of churn.feature_frame but the key and the
    -- attributes) and the profile columns that are model inputs
    SELECT a.name, CASE WHEN a.type = 'text'::regtype THEN 'categorical' ELSE 'numeric' END AS kind,
           format_type(a.type, NULL) AS type_name
      FROM pg_proc p,
           unnest(p.proargnames, p.proallargtypes, p.proargmodes) AS a(name, type, mode)
     WHERE p.oid = 'churn.feature_frame(timestamptz, boolean)'::regprocedure AND a.mode = 't'
       AND a.name NOT IN ('customer_id', 'attributes')
    UNION ALL
    SELECT column_name, kind, data_type
      FROM churn.profile_attribute
     WHERE not_an_input_because IS NULL
), needed AS (
    SELECT f->>'name' AS name, f->>'optype' AS optype, f->>'dataType' AS data_type
      FROM churn.model m, jsonb_array_elements(m.input_fields) f
     WHERE m.model_id = unbindable_fields.model_id
)
SELECT n.name,
       CASE WHEN s.name IS NULL AND a.column_name IS NOT NULL
            THEN 'churn.customer_profile has a column ' || quote_literal(n.name)
                 || ', but it is not a model input: ' || a.not_an_input_because
            WHEN s.name IS NULL
            THEN 'churn.customer_profile has no column named ' || quote_literal(n.name)
                 || ' and pgchurn derives no feature of that name'
            ELSE 'the model reads it as ' || n.optype || ' ' || n.data_type
                 || ' but churn.feature_frame supplies ' || s.type_name
       END
  FROM needed n
  LEFT JOIN supplied s ON s.name = n.name
  LEFT JOIN churn.profile_attribute a ON a.column_name = n.name
 WHERE s.name IS NULL
    -- a category the model compares as a string must come from a text column
    OR (n.optype <> 'continuous' AND n.data_type = 'string' AND s.kind <> 'categorical')
    OR (n.optype = 'continuous' AND s.kind = 'categorical')
$$;

REVOKE EXECUTE ON FUNCTION churn.unbindable_fields(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.unbindable_fields(bigint) IS 'Input fields of a model that churn.feature_frame cannot supply (no such derived feature or profile column, or the column is not an input), or supplies with the wrong kind; empty when the model can be activated.';

CREATE OR REPLACE FUNCTION churn.unseen_categories(model_id bigint)
RETURNS TABLE (field text, customers bigint, unseen_customers bigint,
               unseen_share double precision, unseen_values jsonb, expected_values jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, churn, pg_temp
AS $$
WITH fields AS (
    -- the model's categorical inputs that list their categories and come from the profile
    SELECT f->>'name' AS name, f->'values' AS expected
      FROM churn.model m, jsonb_array_elements(m.input_fields) f
     WHERE m.model_id = unseen_categories.model_id
       AND f->>'optype' <> 'continuous'
       AND jsonb_typeof(f->'values') = 'array' AND jsonb_array_length(f->'values') > 0
       AND EXISTS (SELECT 1 FROM churn.profile_attribute a
                    WHERE a.column_name = f->>'name' AND a.not_an_input_because IS NULL)
), current AS (
    SELECT to_jsonb(p) AS row FROM churn.customer_profile p WHERE p.churned_at IS NULL
), counted AS (
    -- a NULL is a missing value, which the model imputes or treats as missing: not unseen
    SELECT f.name, c.row ->> f.name AS value, count(*) AS n,
           NOT f.expected ? (c.row ->> f.name) AS unseen
      FROM fields f CROSS JOIN current c
     WHERE c.row ->> f.name IS NOT NULL
     GROUP BY f.name, f.expected, c.row ->> f.name
), totals AS (
    SELECT count(*) AS customers FROM current
)
SELECT f.name,
       t.customers,
       coalesce(sum(c.n) FILTER (WHERE c.unseen), 0)::bigint,
       coalesce(sum(c.n) FILTER (WHERE c.unseen), 0)::double precision / greatest(t.customers, 1),
       coalesce((SELECT jsonb_agg(jsonb_build_object('value', u.value, 'customers', u.n)
                                  ORDER BY u.n DESC, u.value)
                   FROM (SELECT x.value, x.n FROM counted x
                          WHERE x.name = f.name AND x.unseen
                          ORDER BY x.n DESC, x.value LIMIT 5) u), '[]'),
       f.expected
  FROM fields f
 CROSS JOIN totals t
  LEFT JOIN counted c ON c.name = f.name
 GROUP BY f.name, f.expected, t.customers
$$;

REVOKE EXECUTE ON FUNCTION churn.unseen_categories(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.unseen_categories(bigint) IS 'For each categorical input of a model that comes from the profile: how many current customers (churned_at IS NULL) hold a value the model has never seen (NULL, a missing value, does not count), their share, the 5 most common such values with their counts, and the values the model expects. churn.activate_model refuses a model when a share exceeds the setting max_unseen_category_share.';

CREATE OR REPLACE FUNCTION churn.activate_model(model_id bigint,
                                                allow_unseen_categories boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    target   churn.model%ROWTYPE;
    previous bigint;
    bad      record;
    limit_share double precision := coalesce(
        (SELECT s.value::double precision FROM churn.setting s
          WHERE s.name = 'max_unseen_category_share'), 0.1);
    failing  text[];
    details  text[];
BEGIN
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO target FROM churn.model m WHERE m.model_id = activate_model.model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model % does not exist', activate_model.model_id
            USING ERRCODE = 'no_data_found', HINT = 'see pgchurn models list or churn.model';
    END IF;
    IF target.status = 'retired' THEN
        RAISE EXCEPTION 'model % is retired and cannot be activated', target.model_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'register the document again if you really want it back';
    END IF;
    SELECT array_agg(quote_literal(u.field) ORDER BY u.field),
           array_agg(u.field || ': ' || u.problem ORDER BY u.field)
      INTO failing, details
      FROM churn.unbindable_fields(target.model_id) u;
    IF failing IS NOT NULL THEN
        RAISE EXCEPTION 'model % cannot be activated: input field(s) % cannot be bound',
                        target.model_id, array_to_string(failing, ', ')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = array_to_string(details, E'\n'),
                  HINT = 'add the column to churn.customer_profile (ALTER TABLE ... ADD COLUMN), '
                         'or activate a model trained on the columns you have';
    END IF;
    IF NOT coalesce(allow_unseen_categories, false) THEN
        SELECT array_agg(quote_literal(u.field) ORDER BY u.field),
               array_agg(u.field || ': ' || u.unseen_customers || ' of ' || u.customers
                         || ' current customers ('
                         || round((100 * u.unseen_share)::numeric, 1)
                         || '%) hold values the model has never seen: '
                         || (SELECT string_agg(quote_literal(v->>'value') || ' ('
                                               || (v->>'customers') || ')', ', ')
                               FROM jsonb_array_elements(u.unseen_values) v)
                         || '; the model expects '
                         || (SELECT string_agg(quote_literal(e), ', ')
                               FROM jsonb_array_elements_text(u.expected_values) e)
                         ORDER BY u.field)
          INTO failing, details
          FROM churn.unseen_categories(target.model_id) u
         WHERE u.unseen_share > limit_share;
        IF failing IS NOT NULL THEN
            RAISE EXCEPTION 'model % cannot be activated: field(s) % hold values the model has never seen for more than % of current customers',
                            target.model_id, array_to_string(failing, ', '),
                            round((100 * limit_share)::numeric, 1) || '%'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = array_to_string(details, E'\n'),
                      HINT = 'make the profile''s values and the model''s agree (fix the spelling, '
                             'or retrain on the current values); to activate it anyway: '
                             'SELECT churn.activate_model(' || target.model_id
                             || ', allow_unseen_categories => true)';
        END IF;
    END IF;
    SELECT m.model_id INTO previous FROM churn.model m WHERE m.status = 'active';
    IF previous = target.model_id THEN
        RETURN previous;
    END IF;
    UPDATE churn.model m SET status = 'registered' WHERE m.model_id = previous;
    UPDATE churn.model m SET status = 'active', activated_at = clock_timestamp()
     WHERE m.model_id = target.model_id;
    INSERT INTO churn.model_audit (action, model_id, previous_model_id, reason)
    VALUES ('activate', target.model_id, previous,
            CASE WHEN allow_unseen_categories THEN 'allow_unseen_categories' END);
    RETURN previous;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.activate_model(bigint, boolean) FROM PUBLIC;
COMMENT ON FUNCTION churn.activate_model(bigint, boolean) IS 'Makes a registered model the one active model, in the caller''s transaction. Refuses it when churn.feature_frame cannot supply an input field (churn.unbindable_fields) or, unless allow_unseen_categories, when a categorical input holds values the model has never seen for more than max_unseen_category_share of current customers (churn.unseen_categories); every failing field is named. Returns the previously active model_id (NULL if none) and records the change in churn.model_audit.';

CREATE OR REPLACE FUNCTION churn.rollback_model()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    current_id bigint;
    back_to    bigint;
BEGIN
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT m.model_id INTO current_id FROM churn.model m WHERE m.status = 'active';
    IF current_id IS NULL THEN
        RAISE EXCEPTION 'no model is active, so there is nothing to roll back'
            USING ERRCODE = 'no_data_found', HINT = 'activate a model with churn.activate_model(id)';
    END IF;
    SELECT a.previous_model_id INTO back_to
      FROM churn.model_audit a
     WHERE a.model_id = current_id AND a.action IN ('activate', 'rollback', 'promote')
     ORDER BY a.audit_id DESC LIMIT 1;
    IF back_to IS NULL THEN
        RAISE EXCEPTION 'model % was the first active model; there is no earlier model to roll back to',
                        current_id
            USING ERRCODE = 'no_data_found', HINT = 'activate another model explicitly';
    END IF;
    IF (SELECT m.status FROM churn.model m WHERE m.model_id = back_to) = 'retired' THEN
        RAISE EXCEPTION 'cannot roll back to model %: it has been retired', back_to
            USING ERRCODE = 'invalid_parameter_value', HINT = 'activate another model explicitly';
    END IF;
    UPDATE churn.model m SET status = 'registered' WHERE m.model_id = current_id;
    UPDATE churn.model m SET status = 'active', activated_at = clock_timestamp()
     WHERE m.model_id = back_to;
    INSERT INTO churn.model_audit (action, model_id, previous_model_id)
    VALUES ('rollback', back_to, current_id);
    RETURN back_to;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.rollback_model() FROM PUBLIC;
COMMENT ON FUNCTION churn.rollback_model() IS 'Re-activates the model that was active before the current one, in the caller''s transaction; returns its model_id and records the rollback in churn.model_audit.';

CREATE OR REPLACE FUNCTION churn.retire_model(model_id bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    target churn.model%ROWTYPE;
BEGIN
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO target FROM churn.model m WHERE m.model_id = retire_model.model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model % does not exist', retire_model.model_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF target.status = 'active' THEN
        RAISE EXCEPTION 'model % is active and cannot be retired', target.model_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'activate another model (or roll back) first';
    END IF;
    IF target.status = 'retired' THEN
        RETURN;
    END IF;
    UPDATE churn.model m SET status = 'retired', retired_at = clock_timestamp()
     WHERE m.model_id = target.model_id;
    INSERT INTO churn.model_audit (action, model_id) VALUES ('retire', target.model_id);
END
$$;

REVOKE EXECUTE ON FUNCTION churn.retire_model(bigint) FROM PUBLIC;
COMMENT ON FUNCTION churn.retire_model(bigint) IS 'Retires a model that is not active: it stays for the record but can never be activated again. Recorded in churn.model_audit.';
