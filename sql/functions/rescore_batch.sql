-- Batch rescoring in chunks: a run is split into chunks of batch_size profiles when it
-- starts; each call claims the next free chunk (FOR UPDATE SKIP LOCKED), so several sessions
-- can work through one run in parallel, and commits it. A crash loses only the chunks in
-- flight; the next call resumes the unfinished run and takes them over.
CREATE OR REPLACE FUNCTION churn.rescore_batch(batch_size integer DEFAULT 10000,
                                               join_run bigint DEFAULT NULL)
RETURNS TABLE (run_id bigint, rows_done bigint, total_rows bigint, finished boolean,
               rows_scored integer)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    active bigint;
    run    churn.rescore_run%ROWTYPE;
    chunk  churn.rescore_chunk%ROWTYPE;
    ids    bigint[];
    n      integer := 0;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be a positive integer, not %', batch_size
            USING ERRCODE = 'invalid_parameter_value', HINT = 'for example 10000';
    END IF;
    SELECT m.model_id INTO active FROM churn.model m WHERE m.status = 'active';
    IF active IS NULL THEN
        RAISE EXCEPTION 'no churn model is active'
            USING ERRCODE = 'no_data_found', HINT = 'activate one with churn.activate_model';
    END IF;

    IF join_run IS NOT NULL THEN
        -- A session that joined a run stops when it is finished, rather than start another
        -- (a parallel worker that calls once more after the last chunk was done).
        SELECT * INTO run FROM churn.rescore_run r WHERE r.run_id = join_run;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'rescore run % does not exist', join_run
                USING ERRCODE = 'no_data_found', HINT = 'see churn.rescore_run';
        END IF;
        IF run.finished_at IS NOT NULL THEN
            run_id := run.run_id;
            rows_done := run.rows_done;
            total_rows := run.total_rows;
            finished := true;
            rows_scored := 0;
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO run FROM churn.rescore_run r WHERE r.finished_at IS NULL;
    IF run.run_id IS NOT NULL AND run.model_id IS DISTINCT FROM active THEN
        -- The active model changed since the run's last batch: its done chunks hold the other
        -- model's scores, and resuming it would leave them so. Close it and start a new run.
        UPDATE churn.rescore_run r
           SET finished_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE r.run_id = run.run_id AND r.finished_at IS NULL;
        run := NULL;
    END IF;
    IF run.run_id IS NULL THEN
        -- At most one run is open (unique index); a session that loses the race joins it.
        INSERT INTO churn.rescore_run (model_id, batch_size, total_rows)
        VALUES (active, rescore_batch.batch_size,
                (SELECT count(*) FROM churn.customer_profile p WHERE p.churned_at IS NULL))
        ON CONFLICT DO NOTHING
        RETURNING * INTO run;
        IF NOT FOUND THEN
            SELECT * INTO run FROM churn.rescore_run r WHERE r.finished_at IS NULL;
        END IF;
    END IF;
    PERFORM churn._plan_rescore_chunks(run.run_id);

    -- The next chunk nobody holds; else wait for one that another session holds. When that
    -- session commits it, the chunk is done and skipped; when it dies or rolls back, the chunk
    -- is still undone and this session takes it over. Only when no undone chunk is left is the
    -- run finished.
    SELECT * INTO chunk FROM churn.rescore_chunk c
     WHERE c.run_id = run.run_id AND c.done_at IS NULL
     ORDER BY c.chunk_no LIMIT 1
       FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        SELECT * INTO chunk FROM churn.rescore_chunk c
         WHERE c.run_id = run.run_id AND c.done_at IS NULL
         ORDER BY c.chunk_no LIMIT 1
           FOR UPDATE;
    END IF;
    IF chunk.chunk_no IS NOT NULL THEN
        -- Lock the chunk's score rows in customer_id order, as every writer of them does.
        -- Current customers only: a churned customer keeps the score it had when it left.
        -- The range is spelled out for both tables: the planner does not carry it across the
        -- join, and read the whole of customer_profile for every chunk (revision 0017).
        SELECT array_agg(l.customer_id ORDER BY l.customer_id) INTO ids
          FROM (SELECT s.customer_id FROM churn.customer_score s
                  JOIN churn.customer_profile p ON p.customer_id = s.customer_id
                 WHERE s.customer_id > chunk.after_customer_id
                   AND s.customer_id <= coalesce(chunk.up_to_customer_id, 9223372036854775807)
                   AND p.customer_id > chunk.after_customer_id
                   AND p.customer_id <= coalesce(chunk.up_to_customer_id, 9223372036854775807)
                   AND p.churned_at IS NULL
                 ORDER BY s.customer_id
                   FOR NO KEY UPDATE OF s) l;
        n := coalesce(cardinality(ids), 0);
        IF n > 0 THEN
            PERFORM churn._rescore(ids, NULL, array_fill('batch'::text, ARRAY[n]));
        END IF;
        UPDATE churn.rescore_chunk c SET rows_done = n, done_at = clock_timestamp()
         WHERE c.run_id = chunk.run_id AND c.chunk_no = chunk.chunk_no;
    END IF;

    UPDATE churn.rescore_run r
       SET rows_done = r.rows_done + n,
           batches = r.batches + (n > 0)::integer,
           model_id = active,
           updated_at = clock_timestamp(),
           -- every customer up to here is done: where the revision-0005 code would resume
           last_customer_id = coalesce(
               (SELECT min(c.after_customer_id) FROM churn.rescore_chunk c
                 WHERE c.run_id = r.run_id AND c.done_at IS NULL),
               GREATEST(r.last_customer_id, ids[cardinality(ids)])),
           finished_at = CASE WHEN EXISTS (SELECT 1 FROM churn.rescore_chunk c
                                            WHERE c.run_id = r.run_id AND c.done_at IS NULL)
                              THEN NULL ELSE clock_timestamp() END
     WHERE r.run_id = run.run_id
    RETURNING * INTO run;

    run_id := run.run_id;
    rows_done := run.rows_done;
    total_rows := run.total_rows;
    finished := run.finished_at IS NOT NULL;
    rows_scored := n;
    RETURN NEXT;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.rescore_batch(integer, bigint) FROM PUBLIC;
COMMENT ON FUNCTION churn.rescore_batch(integer, bigint) IS 'One chunk of batch rescoring of the current customers (churned_at IS NULL; a churned customer keeps its last score) with the active model (of the open run, or of a new one split into chunks of batch_size; an open run of another model than the active one is closed and a new one started), for clients that commit after each call. With join_run, a session that joined that run gets finished = true once it is finished, instead of starting a new run. rows_scored is what this call scored; rows_done and total_rows are the run''s. finished is true only when every chunk of the run is done. Several sessions may call it at once to rescore in parallel; a chunk whose session died is taken over. churn.rescore_all() calls it in a loop.';

CREATE OR REPLACE FUNCTION churn._plan_rescore_chunks(run_id bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    run churn.rescore_run%ROWTYPE;
BEGIN
    IF EXISTS (SELECT 1 FROM churn.rescore_chunk c WHERE c.run_id = _plan_rescore_chunks.run_id) THEN
        RETURN;
    END IF;
    -- Only the first session plans; the others wait here, then find the chunks.
    SELECT * INTO run FROM churn.rescore_run r WHERE r.run_id = _plan_rescore_chunks.run_id
       FOR UPDATE;
    IF EXISTS (SELECT 1 FROM churn.rescore_chunk c WHERE c.run_id = run.run_id) THEN
        RETURN;
    END IF;
    -- Consecutive ranges (after, up_to] of batch_size current customers (churned_at IS NULL)
    -- after the run's resume point;
    -- the last one is open-ended, so profiles added during the run are rescored too.
    INSERT INTO churn.rescore_chunk (run_id, chunk_no, after_customer_id, up_to_customer_id)
    SELECT run.run_id, b.chunk_no,
           lag(b.last_id, 1, run.last_customer_id) OVER (ORDER BY b.chunk_no),
           CASE WHEN b.chunk_no < max(b.chunk_no) OVER () THEN b.last_id END
      FROM (SELECT k.chunk_no, max(k.customer_id) AS last_id
              FROM (SELECT p.customer_id,
                           (row_number() OVER (ORDER BY p.customer_id) - 1) / run.batch_size
                               AS chunk_no
                      FROM churn.customer_profile p
                     WHERE p.customer_id > run.last_customer_id AND p.churned_at IS NULL) k
             GROUP BY k.chunk_no
            UNION ALL
            SELECT 0, NULL
             WHERE NOT EXISTS (SELECT 1 FROM churn.customer_profile p
                                WHERE p.customer_id > run.last_customer_id
                                  AND p.churned_at IS NULL)) b;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._plan_rescore_chunks(bigint) FROM PUBLIC;
COMMENT ON FUNCTION churn._plan_rescore_chunks(bigint) IS 'Internal: splits a rescoring run into chunks of its batch_size once, for churn.rescore_batch.';
