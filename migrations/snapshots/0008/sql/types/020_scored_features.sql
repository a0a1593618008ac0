-- churn._score also returns the features the score log records (the model's input fields),
-- written by the scorer, which knows which fields its model reads.
ALTER TYPE churn.scored ADD ATTRIBUTE features jsonb;

COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score, its top reasons and the model''s input features as logged, or, with a NULL score, the error and its SQLSTATE.';
