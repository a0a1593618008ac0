-- Every score pgchurn computes (revision 0016: compact and partitioned by month). The rows live in
-- churn.score_log_data, 24 month partitions in a cycle (churn._log_month): retention truncates
-- a whole month instead of deleting rows. A row keeps its model's inputs packed in bytes
-- (plpython/log_codec.py); the view churn.score_log shows every row as before 0016, its
-- features decoded and its reasons recomputed on demand, exactly as the scorer logged them.
CREATE SEQUENCE churn.score_log_id;

CREATE TABLE churn.score_log_data (
    -- Column order for alignment: 8-byte columns first, then 4, 2 and 1, then the varlenas.
    scored_at         timestamptz NOT NULL,
    score_log_id      bigint      NOT NULL DEFAULT nextval('churn.score_log_id'),
    customer_id       bigint      NOT NULL,
    complaint_id      bigint,
    score             double precision NOT NULL,
    previous_score    double precision,
    -- No foreign key: churn.model's trigger model_before_delete keeps every logged model.
    model_id          integer     NOT NULL,
    previous_model_id integer,
    -- No CHECK constraints: PostgreSQL plans each one again for every statement that inserts
    -- (one that calls churn._log_month parses its body each time), about 8% of a complaint's
    -- CPU. Only pgchurn writes here: churn._rescore and the view's INSERT trigger, both with
    -- churn._log_month(scored_at) and the codes below; the partitions accept 0-23 only.
    log_month         smallint    NOT NULL,
    triggered_by      "char"      NOT NULL,  -- c, i, u, b, m: see the column's comment
    challenger        boolean     NOT NULL DEFAULT false,
    served            boolean     NOT NULL DEFAULT true,
    inputs            bytea,
    features          jsonb,
    reasons           jsonb
) PARTITION BY LIST (log_month);

CREATE TABLE churn.score_log_m00 PARTITION OF churn.score_log_data FOR VALUES IN (0);
CREATE TABLE churn.score_log_m01 PARTITION OF churn.score_log_data FOR VALUES IN (1);
CREATE TABLE churn.score_log_m02 PARTITION OF churn.score_log_data FOR VALUES IN (2);
CREATE TABLE churn.score_log_m03 PARTITION OF churn.score_log_data FOR VALUES IN (3);
CREATE TABLE churn.score_log_m04 PARTITION OF churn.score_log_data FOR VALUES IN (4);
CREATE TABLE churn.score_log_m05 PARTITION OF churn.score_log_data FOR VALUES IN (5);
CREATE TABLE churn.score_log_m06 PARTITION OF churn.score_log_data FOR VALUES IN (6);
CREATE TABLE churn.score_log_m07 PARTITION OF churn.score_log_data FOR VALUES IN (7);
CREATE TABLE churn.score_log_m08 PARTITION OF churn.score_log_data FOR VALUES IN (8);
CREATE TABLE churn.score_log_m09 PARTITION OF churn.score_log_data FOR VALUES IN (9);
CREATE TABLE churn.score_log_m10 PARTITION OF churn.score_log_data FOR VALUES IN (10);
CREATE TABLE churn.score_log_m11 PARTITION OF churn.score_log_data FOR VALUES IN (11);
CREATE TABLE churn.score_log_m12 PARTITION OF churn.score_log_data FOR VALUES IN (12);
CREATE TABLE churn.score_log_m13 PARTITION OF churn.score_log_data FOR VALUES IN (13);
CREATE TABLE churn.score_log_m14 PARTITION OF churn.score_log_data FOR VALUES IN (14);
CREATE TABLE churn.score_log_m15 PARTITION OF churn.score_log_data FOR VALUES IN (15);
CREATE TABLE churn.score_log_m16 PARTITION OF churn.score_log_data FOR VALUES IN (16);
CREATE TABLE churn.score_log_m17 PARTITION OF churn.score_log_data FOR VALUES IN (17);
CREATE TABLE churn.score_log_m18 PARTITION OF churn.score_log_data FOR VALUES IN (18);
CREATE TABLE churn.score_log_m19 PARTITION OF churn.score_log_data FOR VALUES IN (19);
CREATE TABLE churn.score_log_m20 PARTITION OF churn.score_log_data FOR VALUES IN (20);
CREATE TABLE churn.score_log_m21 PARTITION OF churn.score_log_data FOR VALUES IN (21);
CREATE TABLE churn.score_log_m22 PARTITION OF churn.score_log_data FOR VALUES IN (22);
CREATE TABLE churn.score_log_m23 PARTITION OF churn.score_log_data FOR VALUES IN (23);

ALTER SEQUENCE churn.score_log_id OWNED BY churn.score_log_data.score_log_id;

CREATE INDEX score_log_data_customer_id_scored_at ON churn.score_log_data (customer_id, scored_at);
CREATE INDEX score_log_data_scored_at ON churn.score_log_data USING brin (scored_at)
    WITH (autosummarize = on);
-- A btree, not BRIN: a notification's consumer reads its score by id. With BRIN each lookup
-- scanned a 128-page range (and the unsummarized tail) of every partition, and its cost estimate
-- crossed jit_above_cost: 23-58 ms a lookup at 8.5M rows, against 0.6-1.8 ms with this btree
-- (about 22 bytes a row).
CREATE INDEX score_log_data_score_log_id ON churn.score_log_data (score_log_id);

COMMENT ON SEQUENCE churn.score_log_id IS 'Identifiers of score-log rows (one sequence over every partition: no primary key).';
COMMENT ON TABLE churn.score_log_data IS 'The score log''s rows, compact: partitioned by month bucket (log_month), the model''s inputs packed in bytes. Read it through the view churn.score_log. Holds customer data; see docs/security.md for retention.';
COMMENT ON COLUMN churn.score_log_data.scored_at IS 'When the score was computed (its features as of).';
COMMENT ON COLUMN churn.score_log_data.score_log_id IS 'Identifier of the log row, from the sequence churn.score_log_id.';
COMMENT ON COLUMN churn.score_log_data.customer_id IS 'Customer that was scored (no foreign key, so that logs survive profile deletion until purged).';
COMMENT ON COLUMN churn.score_log_data.complaint_id IS 'The complaint that triggered the score, when triggered_by = c.';
COMMENT ON COLUMN churn.score_log_data.score IS 'Churn probability computed.';
COMMENT ON COLUMN churn.score_log_data.previous_score IS 'The profile''s churn_score before this score, NULL if none.';
COMMENT ON COLUMN churn.score_log_data.model_id IS 'Model that computed the score; its input order decodes inputs.';
COMMENT ON COLUMN churn.score_log_data.previous_model_id IS 'The model of the profile''s score before this one; NULL for a first score.';
COMMENT ON COLUMN churn.score_log_data.log_month IS 'Partition key: churn._log_month(scored_at), as every writer computes it.';
COMMENT ON COLUMN churn.score_log_data.triggered_by IS 'What caused the score: c complaint, i profile_insert, u profile_update, b batch, m manual.';
COMMENT ON COLUMN churn.score_log_data.challenger IS 'True for the challenger''s score, false for the champion''s.';
COMMENT ON COLUMN churn.score_log_data.served IS 'True when this score was written to the profile; false for a shadow score.';
COMMENT ON COLUMN churn.score_log_data.inputs IS 'The model''s input values, packed in its input order (plpython/log_codec.py); NULL when features holds them.';
COMMENT ON COLUMN churn.score_log_data.features IS 'Features as jsonb, only for rows logged before revision 0016 or inserted through the view with features; otherwise NULL.';
COMMENT ON COLUMN churn.score_log_data.reasons IS 'Reasons as jsonb, only for rows logged before revision 0016 or inserted through the view; otherwise NULL (recomputed from inputs).';
COMMENT ON TABLE churn.score_log_m00 IS 'Score log, months whose churn._log_month is 0 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m01 IS 'Score log, months whose churn._log_month is 1 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m02 IS 'Score log, months whose churn._log_month is 2 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m03 IS 'Score log, months whose churn._log_month is 3 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m04 IS 'Score log, months whose churn._log_month is 4 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m05 IS 'Score log, months whose churn._log_month is 5 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m06 IS 'Score log, months whose churn._log_month is 6 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m07 IS 'Score log, months whose churn._log_month is 7 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m08 IS 'Score log, months whose churn._log_month is 8 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m09 IS 'Score log, months whose churn._log_month is 9 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m10 IS 'Score log, months whose churn._log_month is 10 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m11 IS 'Score log, months whose churn._log_month is 11 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m12 IS 'Score log, months whose churn._log_month is 12 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m13 IS 'Score log, months whose churn._log_month is 13 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m14 IS 'Score log, months whose churn._log_month is 14 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m15 IS 'Score log, months whose churn._log_month is 15 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m16 IS 'Score log, months whose churn._log_month is 16 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m17 IS 'Score log, months whose churn._log_month is 17 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m18 IS 'Score log, months whose churn._log_month is 18 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m19 IS 'Score log, months whose churn._log_month is 19 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m20 IS 'Score log, months whose churn._log_month is 20 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m21 IS 'Score log, months whose churn._log_month is 21 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m22 IS 'Score log, months whose churn._log_month is 22 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON TABLE churn.score_log_m23 IS 'Score log, months whose churn._log_month is 23 (truncated whole by churn.purge_score_log once all its rows are past retention).';
COMMENT ON COLUMN churn.score_log_m00.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m00.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m00.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m00.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m00.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m00.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m00.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m00.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m00.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m00.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m00.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m00.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m00.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m00.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m00.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m01.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m01.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m01.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m01.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m01.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m01.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m01.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m01.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m01.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m01.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m01.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m01.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m01.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m01.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m01.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m02.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m02.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m02.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m02.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m02.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m02.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m02.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m02.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m02.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m02.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m02.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m02.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m02.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m02.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m02.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m03.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m03.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m03.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m03.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m03.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m03.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m03.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m03.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m03.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m03.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m03.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m03.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m03.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m03.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m03.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m04.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m04.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m04.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m04.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m04.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m04.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m04.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m04.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m04.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m04.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m04.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m04.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m04.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m04.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m04.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m05.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m05.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m05.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m05.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m05.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m05.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m05.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m05.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m05.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m05.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m05.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m05.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m05.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m05.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m05.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m06.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m06.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m06.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m06.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m06.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m06.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m06.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m06.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m06.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m06.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m06.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m06.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m06.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m06.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m06.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m07.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m07.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m07.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m07.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m07.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m07.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m07.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m07.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m07.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m07.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m07.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m07.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m07.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m07.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m07.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m08.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m08.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m08.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m08.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m08.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m08.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m08.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m08.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m08.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m08.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m08.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m08.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m08.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m08.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m08.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m09.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m09.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m09.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m09.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m09.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m09.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m09.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m09.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m09.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m09.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m09.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m09.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m09.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m09.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m09.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m10.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m10.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m10.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m10.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m10.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m10.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m10.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m10.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m10.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m10.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m10.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m10.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m10.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m10.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m10.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m11.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m11.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m11.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m11.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m11.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m11.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m11.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m11.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m11.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m11.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m11.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m11.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m11.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m11.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m11.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m12.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m12.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m12.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m12.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m12.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m12.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m12.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m12.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m12.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m12.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m12.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m12.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m12.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m12.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m12.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m13.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m13.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m13.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m13.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m13.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m13.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m13.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m13.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m13.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m13.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m13.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m13.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m13.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m13.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m13.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m14.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m14.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m14.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m14.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m14.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m14.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m14.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m14.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m14.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m14.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m14.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m14.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m14.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m14.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m14.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m15.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m15.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m15.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m15.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m15.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m15.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m15.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m15.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m15.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m15.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m15.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m15.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m15.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m15.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m15.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m16.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m16.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m16.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m16.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m16.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m16.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m16.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m16.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m16.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m16.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m16.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m16.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m16.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m16.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m16.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m17.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m17.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m17.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m17.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m17.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m17.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m17.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m17.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m17.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m17.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m17.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m17.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m17.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m17.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m17.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m18.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m18.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m18.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m18.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m18.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m18.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m18.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m18.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m18.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m18.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m18.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m18.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m18.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m18.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m18.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m19.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m19.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m19.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m19.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m19.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m19.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m19.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m19.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m19.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m19.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m19.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m19.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m19.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m19.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m19.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m20.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m20.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m20.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m20.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m20.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m20.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m20.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m20.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m20.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m20.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m20.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m20.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m20.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m20.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m20.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m21.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m21.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m21.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m21.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m21.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m21.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m21.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m21.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m21.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m21.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m21.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m21.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m21.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m21.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m21.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m22.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m22.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m22.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m22.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m22.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m22.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m22.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m22.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m22.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m22.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m22.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m22.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m22.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m22.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m22.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON COLUMN churn.score_log_m23.scored_at IS 'As churn.score_log_data.scored_at.';
COMMENT ON COLUMN churn.score_log_m23.score_log_id IS 'As churn.score_log_data.score_log_id.';
COMMENT ON COLUMN churn.score_log_m23.customer_id IS 'As churn.score_log_data.customer_id.';
COMMENT ON COLUMN churn.score_log_m23.complaint_id IS 'As churn.score_log_data.complaint_id.';
COMMENT ON COLUMN churn.score_log_m23.score IS 'As churn.score_log_data.score.';
COMMENT ON COLUMN churn.score_log_m23.previous_score IS 'As churn.score_log_data.previous_score.';
COMMENT ON COLUMN churn.score_log_m23.model_id IS 'As churn.score_log_data.model_id.';
COMMENT ON COLUMN churn.score_log_m23.previous_model_id IS 'As churn.score_log_data.previous_model_id.';
COMMENT ON COLUMN churn.score_log_m23.log_month IS 'As churn.score_log_data.log_month.';
COMMENT ON COLUMN churn.score_log_m23.triggered_by IS 'As churn.score_log_data.triggered_by.';
COMMENT ON COLUMN churn.score_log_m23.challenger IS 'As churn.score_log_data.challenger.';
COMMENT ON COLUMN churn.score_log_m23.served IS 'As churn.score_log_data.served.';
COMMENT ON COLUMN churn.score_log_m23.inputs IS 'As churn.score_log_data.inputs.';
COMMENT ON COLUMN churn.score_log_m23.features IS 'As churn.score_log_data.features.';
COMMENT ON COLUMN churn.score_log_m23.reasons IS 'As churn.score_log_data.reasons.';
COMMENT ON INDEX churn.score_log_data_customer_id_scored_at IS 'A customer''s scores in time order (current_scores, explain, erasure).';
COMMENT ON INDEX churn.score_log_data_scored_at IS 'BRIN: time windows (monitoring, drift, purge).';
COMMENT ON INDEX churn.score_log_data_score_log_id IS 'Lookups by score_log_id (a notification names its row by id).';

-- The score log as every reader knows it (columns and meaning as before revision 0016).
CREATE VIEW churn.score_log AS
SELECT d.score_log_id,
       d.customer_id,
       d.model_id::bigint AS model_id,
       d.score,
       d.previous_score,
       coalesce(d.features, churn._logged_features(d.model_id, d.inputs)) AS features,
       coalesce(d.reasons, churn._logged_reasons(d.model_id, d.inputs)) AS reasons,
       CASE d.triggered_by WHEN 'c' THEN 'complaint' WHEN 'i' THEN 'profile_insert'
                           WHEN 'u' THEN 'profile_update' WHEN 'b' THEN 'batch'
                           WHEN 'm' THEN 'manual' END AS triggered_by,
       d.complaint_id,
       d.scored_at,
       CASE WHEN d.challenger THEN 'challenger' ELSE 'champion' END AS variant,
       d.served,
       d.previous_model_id::bigint AS previous_model_id
  FROM churn.score_log_data d;

ALTER VIEW churn.score_log ALTER COLUMN score_log_id SET DEFAULT nextval('churn.score_log_id');
ALTER VIEW churn.score_log ALTER COLUMN reasons SET DEFAULT '[]'::jsonb;
ALTER VIEW churn.score_log ALTER COLUMN scored_at SET DEFAULT now();
ALTER VIEW churn.score_log ALTER COLUMN variant SET DEFAULT 'champion';
ALTER VIEW churn.score_log ALTER COLUMN served SET DEFAULT true;

COMMENT ON VIEW churn.score_log IS 'Append-only history of churn scores: model, features, reasons and what triggered each score (rows in churn.score_log_data; features decoded and reasons recomputed on demand for compact rows). INSERT stores features and reasons as given; DELETE deletes rows. Holds customer data; see docs/security.md for retention.';
COMMENT ON COLUMN churn.score_log.score_log_id IS 'Identifier of the log row, generated.';
COMMENT ON COLUMN churn.score_log.customer_id IS 'Customer that was scored (no foreign key, so that logs survive profile deletion until purged).';
COMMENT ON COLUMN churn.score_log.model_id IS 'Model that computed the score.';
COMMENT ON COLUMN churn.score_log.score IS 'Churn probability computed.';
COMMENT ON COLUMN churn.score_log.previous_score IS 'The profile''s churn_score before this score, NULL if none.';
COMMENT ON COLUMN churn.score_log.features IS 'The exact feature values given to the model, as jsonb (decoded from inputs for a compact row).';
COMMENT ON COLUMN churn.score_log.reasons IS 'Top three reasons: feature, value and contribution to the margin (recomputed exactly for a compact row; select it only when needed).';
COMMENT ON COLUMN churn.score_log.triggered_by IS 'What caused the score: complaint, profile_insert, profile_update, batch or manual.';
COMMENT ON COLUMN churn.score_log.complaint_id IS 'The complaint that triggered the score, when triggered_by = complaint.';
COMMENT ON COLUMN churn.score_log.scored_at IS 'When the score was computed.';
COMMENT ON COLUMN churn.score_log.variant IS 'champion (the active model) or challenger (scored in the experiment).';
COMMENT ON COLUMN churn.score_log.served IS 'True when this score was written to the profile; false for a shadow score.';
COMMENT ON COLUMN churn.score_log.previous_model_id IS 'The model of the profile''s score before this one (with previous_score); NULL for a first score. A score whose model differs from it is a model change, not a change of the customer.';
