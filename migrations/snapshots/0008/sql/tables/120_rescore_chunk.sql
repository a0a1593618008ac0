-- The chunks of a batch rescoring run: claimed one at a time, by one or more sessions.
CREATE TABLE churn.rescore_chunk (
    run_id             bigint  NOT NULL REFERENCES churn.rescore_run (run_id) ON DELETE CASCADE,
    chunk_no           integer NOT NULL,
    after_customer_id  bigint  NOT NULL,
    up_to_customer_id  bigint,
    rows_done          integer,
    done_at            timestamptz,
    PRIMARY KEY (run_id, chunk_no)
);

CREATE INDEX rescore_chunk_open ON churn.rescore_chunk (run_id, chunk_no) WHERE done_at IS NULL;

COMMENT ON TABLE churn.rescore_chunk IS 'Chunks of a batch rescoring run (churn.rescore_batch): consecutive customer_id ranges of batch_size profiles, each committed with the scores it wrote.';
COMMENT ON COLUMN churn.rescore_chunk.run_id IS 'The run the chunk belongs to.';
COMMENT ON COLUMN churn.rescore_chunk.chunk_no IS 'Position of the chunk in the run, from 0.';
COMMENT ON COLUMN churn.rescore_chunk.after_customer_id IS 'The chunk starts after this customer_id.';
COMMENT ON COLUMN churn.rescore_chunk.up_to_customer_id IS 'The chunk ends at this customer_id, inclusive; NULL for the last chunk, which has no end.';
COMMENT ON COLUMN churn.rescore_chunk.rows_done IS 'Profiles rescored by the chunk, once done.';
COMMENT ON COLUMN churn.rescore_chunk.done_at IS 'When the chunk committed; NULL while it is to do.';
