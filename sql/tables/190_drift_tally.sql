-- Feature drift, folded by the hour (revision 0014). churn.feature_drift compares the last
-- 30 days of logged model inputs with the training baselines. Reading 1M logged scores and
-- binning each of their ~20 inputs took about 40 s; so churn.fold_feature_drift() counts each
-- closed hour once, here, and the view adds the counts of the folded hours to the raw rows of
-- the hours not folded yet (the newest ones, and the part of the oldest hour inside the window).
CREATE TABLE churn.drift_tally (
    model_id bigint      NOT NULL REFERENCES churn.model (model_id),
    hour     timestamptz NOT NULL,
    feature  text        NOT NULL,
    bucket   text        NOT NULL,
    n        bigint      NOT NULL,
    PRIMARY KEY (model_id, hour, feature, bucket)
);

COMMENT ON TABLE churn.drift_tally IS 'Logged model inputs counted per model, hour, feature and bin (numeric) or category, by churn.fold_feature_drift(); what churn.feature_drift reads for the hours it folded. Scores of customers who had churned when scored are not counted.';
COMMENT ON COLUMN churn.drift_tally.model_id IS 'The model whose logged inputs are counted (its own baseline bins).';
COMMENT ON COLUMN churn.drift_tally.feature IS 'The input field.';
COMMENT ON COLUMN churn.drift_tally.hour IS 'Start of the hour of scored_at.';
COMMENT ON COLUMN churn.drift_tally.bucket IS 'Numeric features: the baseline bin, 0 for a missing value. Categorical features: the category, ''null'' for a missing value.';
COMMENT ON COLUMN churn.drift_tally.n IS 'Logged scores of that model, hour and bucket.';

CREATE TABLE churn.drift_fold (
    singleton    boolean     PRIMARY KEY DEFAULT true CONSTRAINT drift_fold_one_row CHECK (singleton),
    folded_until timestamptz NOT NULL
);

COMMENT ON TABLE churn.drift_fold IS 'How far churn.fold_feature_drift() has counted the score log into churn.drift_tally: every hour before folded_until.';
COMMENT ON COLUMN churn.drift_fold.singleton IS 'Always true: the table has one row.';
COMMENT ON COLUMN churn.drift_fold.folded_until IS 'Every hour before this one is counted in churn.drift_tally.';
