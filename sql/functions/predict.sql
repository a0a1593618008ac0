CREATE OR REPLACE FUNCTION churn.predict(features jsonb, model_id bigint DEFAULT NULL)
RETURNS double precision
LANGUAGE plpython3u
STABLE
-- PARALLEL UNSAFE (the default), as every PL/Python function: loading the package or a model
-- may cache compiled code, which starts a subtransaction, and that is refused (and used to
-- crash the backend) in a parallel query.
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH scoring.predict(features, model_id)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.predict(jsonb, bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.predict(jsonb, bigint) IS 'Probability of churn for a jsonb object of features (for example churn.customer_features(42)), scored by the given model or, when model_id is NULL, the active one; NULL where the PMML''s own rules give no prediction (as JPMML-Evaluator returns a missing value). Writes nothing.';

-- The set-based twin of churn.predict: one PL/Python call and one model lookup for a whole
-- array of feature rows, so a scan pays PL/Python's per-call cost once, not once per row.
CREATE OR REPLACE FUNCTION churn.predict_many(features churn.features[], model_id bigint DEFAULT NULL)
RETURNS double precision[]
LANGUAGE plpython3u
STABLE
-- PARALLEL UNSAFE (the default), as every PL/Python function: loading the package or a model
-- may cache compiled code, which starts a subtransaction, and that is refused (and used to
-- crash the backend) in a parallel query.
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH scoring.predict_many(features, model_id)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.predict_many(churn.features[], bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.predict_many(churn.features[], bigint) IS 'Probabilities of churn for an array of churn.features rows (for example array_agg(f::churn.features) over churn.feature_frame(now()) f), in order, scored by the given model or, when model_id is NULL, the active one. A NULL element, or one the model gives no prediction for, gives NULL. Writes nothing.';

-- The same for rows as an analyst has them at hand: a jsonb array of feature objects
-- (jsonb_agg(churn.customer_features(customer_id)), or jsonb_agg of frame rows).
CREATE OR REPLACE FUNCTION churn.predict_many(features jsonb, model_id bigint DEFAULT NULL)
RETURNS double precision[]
LANGUAGE plpython3u
STABLE
-- PARALLEL UNSAFE (the default), as every PL/Python function.
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH scoring.predict_many_json(features, model_id)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.predict_many(jsonb, bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.predict_many(jsonb, bigint) IS 'Probabilities of churn for a jsonb array of feature objects (flat, as churn.customer_features gives, or churn.feature_frame rows with their attributes object), in order, scored by the given model or, when model_id is NULL, the active one. A JSON null element, or one the model gives no prediction for, gives NULL. Writes nothing.';

-- And for any array of rows: array_agg(f) over churn.feature_frame (a record[]), an array of
-- jsonb objects, or rows of the analyst's own table or query whose columns are named as the
-- model's inputs. PL/Python cannot take anyarray; to_jsonb can, and keeps the column names.
CREATE OR REPLACE FUNCTION churn.predict_many(features anyarray, model_id bigint DEFAULT NULL)
RETURNS double precision[]
LANGUAGE sql
STABLE
AS $$
SELECT churn.predict_many(to_jsonb(features), model_id)
$$;

REVOKE EXECUTE ON FUNCTION churn.predict_many(anyarray, bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.predict_many(anyarray, bigint) IS 'Probabilities of churn for any array of rows whose fields are named as the model''s inputs (array_agg(f) over churn.feature_frame, jsonb[] of churn.customer_features, rows of your own query), in order: churn.predict_many(to_jsonb(features), model_id).';

-- The column form (revision 0016): the records as two 2-D arrays, one row per record, numbers
-- (float8) for the fields of a numeric dataType and texts for the string ones, each beside the
-- names of its columns. PL/Python receives a few lists of plain values instead of a dict per
-- record, and the model scores each row in its input order: the fastest form, the same scores.
CREATE OR REPLACE FUNCTION churn.predict_many(
    model_id bigint,
    number_fields text[],
    numbers double precision[],
    text_fields text[] DEFAULT '{}',
    texts text[] DEFAULT '{}'
)
RETURNS double precision[]
LANGUAGE plpython3u
STABLE
-- PARALLEL UNSAFE (the default), as every PL/Python function.
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH scoring.predict_many_columns(model_id, number_fields, numbers, text_fields, texts)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.predict_many(bigint, text[], double precision[], text[], text[]) FROM PUBLIC;

COMMENT ON FUNCTION churn.predict_many(bigint, text[], double precision[], text[], text[]) IS 'Probabilities of churn for records given as 2-D arrays, one row per record: numbers (array_agg(ARRAY[...]::float8[])) holds the fields the model reads as numbers, named in order by number_fields; texts the fields it reads as strings, named by text_fields. Scored in order by the given model or, when model_id is NULL, the active one; NULL for a record the model gives no prediction for. The fastest form of churn.predict_many, with the same scores. Writes nothing.';
