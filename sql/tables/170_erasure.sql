-- What churn.forget_customer erased, and when: never who the customer was.
CREATE TABLE churn.erasure (
    erasure_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    erased_at       timestamptz NOT NULL DEFAULT now(),
    erased_by       text        NOT NULL DEFAULT session_user,
    rows_deleted    jsonb       NOT NULL
);

COMMENT ON TABLE churn.erasure IS 'One row per churn.forget_customer call: when, by which login, and how many rows of each table were deleted. It never holds the customer''s id or data.';
COMMENT ON COLUMN churn.erasure.erased_by IS 'The login (session_user) that called churn.forget_customer.';
COMMENT ON COLUMN churn.erasure.rows_deleted IS 'Rows deleted per table, for example {"complaint": 3, "score_log": 5, ...}.';
COMMENT ON COLUMN churn.erasure.erasure_id IS 'Identifier of the erasure, generated.';
COMMENT ON COLUMN churn.erasure.erased_at IS 'When the customer was erased.';
