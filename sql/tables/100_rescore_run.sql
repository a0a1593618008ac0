-- Progress of batch rescoring runs, committed with each batch so a run can resume.
CREATE TABLE churn.rescore_run (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id          bigint      REFERENCES churn.model (model_id),
    batch_size        integer     NOT NULL CONSTRAINT rescore_run_batch_size_positive CHECK (batch_size > 0),
    total_rows        bigint,
    last_customer_id  bigint      NOT NULL DEFAULT -9223372036854775808,
    rows_done         bigint      NOT NULL DEFAULT 0,
    batches           integer     NOT NULL DEFAULT 0,
    started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at       timestamptz
);

-- Only the newest unfinished run resumes; its batches are split into churn.rescore_chunk.
CREATE UNIQUE INDEX rescore_run_at_most_one_open ON churn.rescore_run ((true))
    WHERE finished_at IS NULL;

COMMENT ON TABLE churn.rescore_run IS 'Batch rescoring runs (churn.rescore_all): progress is committed after every batch, and an unfinished run resumes after last_customer_id.';
COMMENT ON COLUMN churn.rescore_run.run_id IS 'Identifier of the run.';
COMMENT ON COLUMN churn.rescore_run.model_id IS 'Active model of the latest batch.';
COMMENT ON COLUMN churn.rescore_run.batch_size IS 'Profiles per batch (and per commit).';
COMMENT ON COLUMN churn.rescore_run.total_rows IS 'Profiles when the run started, for progress.';
COMMENT ON COLUMN churn.rescore_run.last_customer_id IS 'Highest customer_id of the last committed batch; the run resumes after it.';
COMMENT ON COLUMN churn.rescore_run.rows_done IS 'Profiles rescored so far.';
COMMENT ON COLUMN churn.rescore_run.batches IS 'Batches committed so far.';
COMMENT ON COLUMN churn.rescore_run.started_at IS 'When the run started.';
COMMENT ON COLUMN churn.rescore_run.updated_at IS 'When the last batch committed.';
COMMENT ON COLUMN churn.rescore_run.finished_at IS 'When the run finished; NULL while it is unfinished.';
