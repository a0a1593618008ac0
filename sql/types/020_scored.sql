-- What churn._score returns: a score and the model's inputs as the score log keeps them (packed
-- by plpython/log_codec.py, in the model's input order), or (score NULL) the error. Revision 0016
-- replaced the reasons and the features jsonb (0007) by the packed inputs: the write path no
-- longer explains, and churn.score_log recomputes the reasons from the inputs on demand.
CREATE TYPE churn.scored AS (
    score    double precision,
    inputs   bytea,
    error    text,
    sqlstate text
);

COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score and the model''s inputs packed as the score log keeps them, or, with a NULL score, the error and its SQLSTATE.';
