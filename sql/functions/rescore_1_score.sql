-- Rescoring, stage 1 of 3: one feature row in, a score and the packed inputs out (PL/Python).
-- churn._rescore (rescore_3_write.sql) calls it once per customer and model.

CREATE OR REPLACE FUNCTION churn._score(pmml_sha256 text, features churn.features)
RETURNS churn.scored
LANGUAGE plpython3u
-- VOLATILE: a backend that compiles a model from its document stores the compiled code.
VOLATILE
-- Not SECURITY DEFINER: only the owner may execute it, and its only callers are the owner's
-- SECURITY DEFINER functions, whose pinned search_path it inherits. A definer with SET costs
-- ~14 µs per call (the search path is set and restored), and it is called once per row.
AS $pgchurn$
@DISPATCH rescoring.score_row(pmml_sha256, features)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._score(text, churn.features) FROM PUBLIC;

COMMENT ON FUNCTION churn._score(text, churn.features) IS 'Internal: score and packed inputs (the model''s input fields, as the score log keeps them) of one feature row under the model with this PMML sha256 (compiled code cached per backend). A failure comes back as error and sqlstate with a NULL score, unless on_score_error is raise.';
