"""Hardening: no crash from a query, no stale score, no jammed batch, no deadlock, no leak.

Two-session tests step psycopg2 asynchronous connections one statement at a time, and ask the
server (pg_isolation_test_session_is_blocked, as PostgreSQL's own isolation tester does)
whether a statement waits on a lock, so every interleaving is run exactly.
"""

import itertools
import json
import random
import re
import select
import threading
import time

import psycopg2
import psycopg2.extensions
import pytest

from tests.db.helpers import activate, add_customer, complain, register

pytestmark = pytest.mark.demo_profile

A, B = 11, 12


@pytest.fixture
def active_lr(conn, trained):
    with conn.cursor() as cur:
        model_id = register(cur, trained("logistic").pmml, "lr")
        activate(cur, model_id)
    conn.commit()
    return model_id


@pytest.fixture
def two_customers(conn, trained):
    """Customers A and B, then the logistic model activated: neither has a score yet."""
    with conn.cursor() as cur:
        add_customer(cur, A)
        add_customer(cur, B)
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
    conn.commit()


def one(conn, query, args=()):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchone()


def logged_total(conn, score_log_id):
    return one(
        conn,
        "SELECT (features->>'complaints_total')::int FROM churn.score_log WHERE score_log_id = %s",
        (score_log_id,),
    )[0]


# ---------------------------------------------------------------- stepping two sessions
class Session:
    """An asynchronous connection: send a statement, then find out whether it waits."""

    def __init__(self, url):
        self.conn = psycopg2.connect(url, async_=1)
        self._wait()
        self.cur = self.conn.cursor()
        self.pending = False
        self.error = None
        self.run("SELECT pg_backend_pid()")
        self.pid = self.cur.fetchone()[0]

    def _wait(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            state = self.conn.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("statement did not finish")
            fd = [self.conn.fileno()]
            select.select(
                fd if state == psycopg2.extensions.POLL_READ else [],
                fd if state == psycopg2.extensions.POLL_WRITE else [],
                [],
                0.05,
            )

    def run(self, sql):
        self.cur.execute(sql)
        self._wait()

    def send(self, sql):
        self.cur.execute(sql)
        self.pending = True

    def done(self):
        """True when the pending statement finished (its error, if any, kept in .error)."""
        try:
            if self.conn.poll() != psycopg2.extensions.POLL_OK:
                return False
        except psycopg2.Error as exc:
            self.error = exc
        self.pending = False
        return True

    def close(self):
        self.conn.close()


def blocked(monitor, session, others):
    return one(
        monitor,
        "SELECT pg_isolation_test_session_is_blocked(%s, %s)",
        (session.pid, [o.pid for o in others]),
    )[0]


def play(monitor, sessions, schedule):
    """Run (session index, sql) steps in order; a waiting session's later steps wait for it."""
    todo = list(schedule)
    while todo:
        step = next((s for s in todo if not sessions[s[0]].pending), None)
        if step is None:  # every remaining step belongs to a waiting session
            if not any(s.done() for s in sessions if s.pending):
                time.sleep(0.002)
            continue
        todo.remove(step)
        session = sessions[step[0]]
        if session.error is not None:
            continue  # its transaction failed: the rest of its steps are moot
        session.send(step[1])
        others = [s for s in sessions if s is not session]
        while not session.done():
            if blocked(monitor, session, others):
                break
            time.sleep(0.001)
    deadline = time.monotonic() + 30
    while any(s.pending for s in sessions):
        if not any(s.done() for s in sessions if s.pending):
            assert time.monotonic() < deadline, "a session hangs"
            time.sleep(0.002)


STATEMENTS = {
    "complaint A": f"INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    f" VALUES ({A}, 'billing', 3, 'phone')",
    "complaint B": f"INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    f" VALUES ({B}, 'network', 4, 'chat')",
    "update A": f"UPDATE churn.customer_profile SET monthly_charges = monthly_charges + 1"
    f" WHERE customer_id = {A}",
    "update B": f"UPDATE churn.customer_profile SET monthly_charges = monthly_charges + 1"
    f" WHERE customer_id = {B}",
}


def interleavings(first, second):
    """Every merge of two step lists that keeps each list's own order."""
    n = len(first) + len(second)
    for picks in itertools.combinations(range(n), len(first)):
        a, b, out = iter(first), iter(second), []
        for k in range(n):
            out.append((0, next(a)) if k in picks else (1, next(b)))
        yield out


PGCHURN_TRIGGERS = (
    ("complaint", "complaint_after_insert"),
    ("customer_profile", "profile_after_update"),
)


def run_schedule(monitor, sessions, schedule):
    """Play one interleaving of two transactions; the names of the errors, per session."""
    for s in sessions:
        s.error = None
        s.run("BEGIN")
    play(monitor, sessions, schedule)
    errors = []
    for s in sessions:
        errors.append(type(s.error).__name__ if s.error else None)
        if s.error is not None:
            s.run("ROLLBACK")
    return errors


def without_pgchurn(monitor, sessions, schedule):
    """The same interleaving with pgchurn's triggers off: what the application does alone."""
    with monitor.cursor() as cur:
        for table, trigger in PGCHURN_TRIGGERS:
            cur.execute(f"ALTER TABLE churn.{table} DISABLE TRIGGER {trigger}")
    try:
        return run_schedule(monitor, sessions, schedule)
    finally:
        with monitor.cursor() as cur:
            for table, trigger in PGCHURN_TRIGGERS:
                cur.execute(f"ALTER TABLE churn.{table} ENABLE TRIGGER {trigger}")


def test_no_order_of_two_statements_in_two_sessions_deadlocks(conn, db_url, two_customers):
    """Every pair of 2-statement transactions, in every order; a deadlock the application's
    own statements cause without pgchurn (UPDATE A, B against UPDATE B, A) is not pgchurn's."""
    monitor = psycopg2.connect(db_url)
    monitor.autocommit = True
    sessions = [Session(db_url), Session(db_url)]
    for s in sessions:
        s.run("SET deadlock_timeout = '20ms'")
    pairs = list(itertools.permutations(STATEMENTS, 2))
    ours, theirs, runs = [], 0, 0
    try:
        for p1, p2 in itertools.product(pairs, pairs):
            steps1 = [STATEMENTS[p1[0]], STATEMENTS[p1[1]], "COMMIT"]
            steps2 = [STATEMENTS[p2[0]], STATEMENTS[p2[1]], "COMMIT"]
            for schedule in interleavings(steps1, steps2):
                runs += 1
                errors = run_schedule(monitor, sessions, schedule)
                if errors == [None, None]:
                    continue
                # Which of two deadlocked sessions PostgreSQL cancels is its choice; what
                # counts is whether the application alone deadlocks in this schedule too.
                if any(without_pgchurn(monitor, sessions, schedule)):
                    theirs += 1
                else:
                    ours.append((p1, p2, errors))
    finally:
        for s in sessions:
            s.close()
        monitor.close()
    print(
        f"\n{runs} interleavings of two 2-statement transactions: {len(ours)} deadlocks"
        f" caused by pgchurn, {theirs} that the application's own statements cause alone"
    )
    assert runs == len(pairs) ** 2 * 20
    assert ours == []


def test_eight_random_sessions_never_deadlock(conn, db_url, active_lr):
    customers = list(range(21, 27))
    with conn.cursor() as cur:
        for c in customers:
            add_customer(cur, c)
    conn.commit()
    deadlocks, committed = [], []

    def worker(seed):
        rng = random.Random(seed)
        c = psycopg2.connect(db_url)
        try:
            for _ in range(25):
                # Complaints for any customers in any order, and at most one profile row
                # updated: alone, such transactions can never deadlock each other.
                steps = ["complaint"] * rng.randint(1, 4) + ["update"] * rng.randint(0, 1)
                rng.shuffle(steps)
                with c.cursor() as cur:
                    try:
                        for step in steps:
                            if step == "complaint":
                                cur.execute(
                                    "INSERT INTO churn.complaint (customer_id, category,"
                                    " severity, channel) SELECT unnest(%s::bigint[]), 'billing',"
                                    " %s, 'phone'",
                                    (rng.sample(customers, rng.randint(1, 3)), rng.randint(1, 5)),
                                )
                            else:
                                cur.execute(
                                    "UPDATE churn.customer_profile SET monthly_charges ="
                                    " monthly_charges + 1 WHERE customer_id = %s",
                                    (rng.choice(customers),),
                                )
                        c.commit()
                        committed.append(1)
                    except psycopg2.errors.DeadlockDetected:
                        deadlocks.append(1)
                        c.rollback()
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    print(f"\n8 sessions: {len(committed)} transactions committed, {len(deadlocks)} deadlocks")
    assert deadlocks == [] and len(committed) == 8 * 25
    with conn.cursor() as cur:  # and the counters are exact
        cur.execute(
            "SELECT count(*) FROM churn.customer_score s WHERE s.complaints_total <>"
            " (SELECT count(*) FROM churn.complaint c WHERE c.customer_id = s.customer_id)"
        )
        assert cur.fetchone() == (0,)


def test_case_one_eighty_transaction_pairs_in_opposite_orders(conn, db_url, two_customers):
    """The reported case: A then B against B then A, 80 pairs at once."""
    deadlocks = []

    def worker(order):
        c = psycopg2.connect(db_url)
        try:
            for _ in range(80):
                with c.cursor() as cur:
                    try:
                        for who in order:
                            cur.execute(STATEMENTS[f"complaint {who}"])
                            time.sleep(0.001)
                        c.commit()
                    except psycopg2.errors.DeadlockDetected:
                        deadlocks.append(1)
                        c.rollback()
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(o,)) for o in ("AB", "BA")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    print(f"\ncase one: 80 transaction pairs, {len(deadlocks)} deadlocks")
    assert deadlocks == []


def test_the_application_can_ask_for_its_scores_before_commit(
    conn, db_url, login_as, two_customers
):
    app = login_as("pgchurn_app")
    app.autocommit = False
    other = psycopg2.connect(db_url)
    try:
        with app.cursor() as cur:
            cur.execute(STATEMENTS["complaint A"])
        with other.cursor() as cur:  # nothing locked yet: scoring waits for the commit
            cur.execute(
                f"SELECT 1 FROM churn.customer_score WHERE customer_id = {A} FOR UPDATE NOWAIT"
            )
        other.rollback()
        with app.cursor() as cur:  # the documented way to have it scored now
            cur.execute("SET CONSTRAINTS churn.rescore_request_at_commit IMMEDIATE")
        with other.cursor() as cur, pytest.raises(psycopg2.errors.LockNotAvailable):
            cur.execute(
                f"SELECT 1 FROM churn.customer_score WHERE customer_id = {A} FOR UPDATE NOWAIT"
            )
        other.rollback()
        app.commit()
    finally:
        other.close()
    assert one(conn, "SELECT count(*) FROM churn.score_log WHERE customer_id = %s", (A,)) == (1,)


# ---------------------------------------------------------------- scores see every commit
def test_trigger_path_counts_a_complaint_committed_while_it_waited(conn, db_url, two_customers):
    monitor = psycopg2.connect(db_url)
    monitor.autocommit = True
    late, early = Session(db_url), Session(db_url)
    try:
        late.run("BEGIN")
        late.run("SELECT now()")  # this transaction's now() is earlier than the other's
        time.sleep(0.02)
        play(
            monitor,
            [early, late],
            [
                (0, "BEGIN"),
                (0, STATEMENTS["complaint A"]),
                (1, STATEMENTS["complaint A"]),
                (0, "COMMIT"),
                (1, "COMMIT"),
            ],
        )
        assert early.error is None and late.error is None
    finally:
        late.close(), early.close(), monitor.close()
    last = one(conn, "SELECT max(score_log_id) FROM churn.score_log WHERE customer_id = %s", (A,))
    assert logged_total(conn, last[0]) == 2, "the later score counts both complaints"


def test_batch_waiting_on_a_lock_counts_the_complaint_committed_meanwhile(
    conn, db_url, two_customers
):
    monitor = psycopg2.connect(db_url)
    monitor.autocommit = True
    batch, app = Session(db_url), Session(db_url)
    try:
        batch.run("BEGIN")
        batch.run("SELECT now()")
        time.sleep(0.02)
        play(
            monitor,
            [app, batch],
            [
                (0, "BEGIN"),
                (0, f"SELECT 1 FROM churn.customer_score WHERE customer_id = {A} FOR UPDATE"),
                (0, STATEMENTS["complaint A"]),
                (1, "SELECT * FROM churn.rescore_batch(100)"),  # waits for A's score row
                (0, "COMMIT"),
                (1, "COMMIT"),
            ],
        )
        assert app.error is None and batch.error is None
    finally:
        batch.close(), app.close(), monitor.close()
    rows = one(
        conn,
        "SELECT array_agg(score_log_id ORDER BY score_log_id),"
        " array_agg(triggered_by ORDER BY score_log_id) FROM churn.score_log"
        " WHERE customer_id = %s",
        (A,),
    )
    assert rows[1] == ["complaint", "batch"]
    assert logged_total(conn, rows[0][1]) == 1, "the batch counts the complaint it waited for"
    assert one(
        conn, "SELECT complaints_total FROM churn.customer_score WHERE customer_id = %s", (A,)
    ) == (1,)


def test_concurrent_load_misses_no_committed_complaint(conn, db_url, active_lr):
    customers = [31, 32, 33]
    with conn.cursor() as cur:
        for c in customers:
            add_customer(cur, c)
    conn.commit()
    stop = threading.Event()

    def writer(seed):
        rng = random.Random(seed)
        c = psycopg2.connect(db_url)
        with c.cursor() as cur:
            for _ in range(40):
                cur.execute(
                    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (%s, 'billing', 2, 'phone')",
                    (rng.choice(customers),),
                )
                time.sleep(rng.random() * 0.003)
                c.commit()
        c.close()

    def batcher():
        c = psycopg2.connect(db_url)
        c.autocommit = True
        with c.cursor() as cur:
            while not stop.is_set():
                cur.execute("CALL churn.rescore_all(2)")
        c.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    rescorer = threading.Thread(target=batcher)
    rescorer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    stop.set()
    rescorer.join(60)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT customer_id, score_log_id, triggered_by,"
            " (features->>'complaints_total')::int FROM churn.score_log"
            " WHERE customer_id = ANY(%s) ORDER BY customer_id, score_log_id",
            (customers,),
        )
        rows = cur.fetchall()
    misses, scores = 0, {"complaint": 0, "batch": 0, "profile_insert": 0}
    for _, group in itertools.groupby(rows, key=lambda r: r[0]):
        committed_before = 0  # complaints whose own score was logged (and committed) earlier
        for _, _, cause, total in group:
            scores[cause] += 1
            own = 1 if cause == "complaint" else 0
            if total < committed_before + own:
                misses += 1
            committed_before += own
    print(
        f"\n{scores['complaint']} complaint scores and {scores['batch']} batch scores,"
        f" {misses} missed a committed complaint"
    )
    assert scores["complaint"] == 6 * 40 and scores["batch"] > 0
    assert misses == 0


# ---------------------------------------------------------------- bad rows are refused
REFUSED = [
    (
        "customer_since",
        f"UPDATE churn.customer_profile SET customer_since = '-infinity' WHERE customer_id = {A}",
        "profile_customer_since_is_finite",
        "23514",
    ),
    (
        "churned_at",
        f"UPDATE churn.customer_profile SET churned_at = 'infinity' WHERE customer_id = {A}",
        "profile_churned_at_is_finite",
        "23514",
    ),
    (
        "total_charges NaN",
        f"UPDATE churn.customer_profile SET total_charges = 'NaN' WHERE customer_id = {A}",
        "profile_total_charges_is_finite",
        "23514",
    ),
    (
        "total_charges inf",
        f"UPDATE churn.customer_profile SET total_charges = 'Infinity' WHERE customer_id = {A}",
        "profile_total_charges_is_finite",
        "23514",
    ),
    (
        "monthly_charges NaN",
        f"UPDATE churn.customer_profile SET monthly_charges = 'NaN' WHERE customer_id = {A}",
        "profile_monthly_charges_in_range",
        "23514",
    ),
    (
        "customer_id",
        f"UPDATE churn.customer_profile SET customer_id = 99 WHERE customer_id = {A}",
        "profile_customer_id_is_immutable",
        "23000",
    ),
    (
        "severity 3.5",
        "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
        f" VALUES ({A}, 'billing', 3.5, 'phone')",
        "complaint_severity_between_1_and_5",
        "23514",
    ),
    (
        "created_at 2100",
        "INSERT INTO churn.complaint (customer_id, created_at, category,"
        f" severity, channel) VALUES ({A}, '2100-01-01', 'billing', 3, 'phone')",
        "complaint_created_at_finite_and_at_most_5_minutes_ahead",
        "23514",
    ),
    (
        "created_at -infinity",
        "INSERT INTO churn.complaint (customer_id, created_at, category,"
        f" severity, channel) VALUES ({A}, '-infinity', 'billing', 3, 'phone')",
        "complaint_created_at_finite_and_at_most_5_minutes_ahead",
        "23514",
    ),
]


@pytest.mark.parametrize(
    ("field", "statement", "constraint", "sqlstate"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_bad_values_are_refused_by_a_named_constraint_as_the_application(
    conn, login_as, two_customers, field, statement, constraint, sqlstate
):
    app = login_as("pgchurn_app")
    with app.cursor() as cur, pytest.raises(psycopg2.Error) as caught:
        cur.execute(statement)
    assert caught.value.pgcode == sqlstate
    assert caught.value.diag.constraint_name == constraint
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.complaint")
        assert cur.fetchone() == (0,), "nothing was written"


def test_a_complaint_up_to_five_minutes_ahead_is_kept_and_counted(conn, two_customers):
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, created_at, category, severity,"
            " channel) VALUES (%s, now() + interval '4 minutes', 'billing', 3, 'phone')",
            (A,),
        )
    conn.commit()
    assert one(
        conn,
        "SELECT (features->>'complaints_total')::int, scored_at > now()"
        " FROM churn.score_log WHERE customer_id = %s",
        (A,),
    ) == (1, True)


def plant(conn, table, constraint, statement):
    """Store a row that breaks a constraint, as a database from before revision 0010 could."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", (constraint,)
        )
        (definition,) = cur.fetchone()
        cur.execute(f"ALTER TABLE churn.{table} DROP CONSTRAINT {constraint}")
        cur.execute(statement)
        cur.execute(
            f"ALTER TABLE churn.{table} ADD CONSTRAINT {constraint} {definition} NOT VALID"
        )  # as the migration leaves it when stored rows break it
    conn.commit()


def test_a_batch_records_unusable_rows_marks_them_stale_and_finishes(conn, db_url, active_lr):
    with conn.cursor() as cur:
        for c in (1, 2, 3, 4):
            add_customer(cur, c)
    conn.commit()
    plant(
        conn,
        "customer_profile",
        "profile_customer_since_is_finite",
        "UPDATE churn.customer_profile SET customer_since = '-infinity' WHERE customer_id = 2",
    )
    plant(
        conn,
        "customer_profile",
        "profile_monthly_charges_in_range",
        "UPDATE churn.customer_profile SET monthly_charges = 'NaN' WHERE customer_id = 3",
    )
    batch = psycopg2.connect(db_url)
    batch.autocommit = True
    with batch.cursor() as cur:
        cur.execute("CALL churn.rescore_all(2)")
    batch.close()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT customer_id, churn_score IS NOT NULL, churn_score_stale"
            " FROM churn.customer_score ORDER BY 1"
        )
        assert cur.fetchall() == [  # 2 and 3 keep the score of their insert, marked stale
            (1, True, False),
            (2, True, True),
            (3, True, True),
            (4, True, False),
        ]
        cur.execute(
            "SELECT customer_id, error FROM churn.scoring_error"
            " WHERE triggered_by = 'batch' ORDER BY 1"
        )
        errors = cur.fetchall()
        cur.execute("SELECT finished_at IS NOT NULL FROM churn.rescore_run")
        assert cur.fetchall() == [(True,)]
    assert [e[0] for e in errors] == [2, 3]
    assert "customer_since" in errors[0][1]
    assert "'monthly_charges' is nan" in errors[1][1] and "fix" in errors[1][1]


# ---------------------------------------------------------------- cancels stay cancels
@pytest.mark.parametrize("how", ["pg_cancel_backend", "statement_timeout", "pg_terminate_backend"])
def test_a_cancel_during_scoring_propagates_and_nothing_commits(conn, db_url, two_customers, how):
    holder = psycopg2.connect(db_url)
    victim = psycopg2.connect(db_url)  # a new backend: it must read churn.model_compiled
    try:
        with holder.cursor() as cur:  # make the scorer's own query wait inside Python
            cur.execute("LOCK TABLE churn.model_compiled IN ACCESS EXCLUSIVE MODE")
        pid = one(victim, "SELECT pg_backend_pid()")[0]
        if how == "statement_timeout":
            # PostgreSQL stops the statement timer before the work of COMMIT, so a timeout can
            # fire during scoring only where scoring runs inside a statement.
            with victim.cursor() as cur:
                cur.execute("SET statement_timeout = '300ms'")
                cur.execute("SET CONSTRAINTS churn.rescore_request_at_commit IMMEDIATE")
        outcome = {}

        def commit():
            try:
                with victim.cursor() as cur:
                    cur.execute(STATEMENTS["complaint A"])
                victim.commit()
                outcome["ok"] = True
            except psycopg2.Error as exc:
                outcome["error"] = exc

        t = threading.Thread(target=commit)
        t.start()
        deadline = time.monotonic() + 10
        while (
            one(conn, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,))[0]
            != "Lock"
        ):
            assert time.monotonic() < deadline, "the scorer never waited"
            conn.rollback()
            time.sleep(0.01)
        conn.rollback()
        if how != "statement_timeout":
            one(conn, f"SELECT {how}(%s)", (pid,))
            conn.rollback()
        t.join(10)
    finally:
        holder.close()
        victim.close()
    assert "ok" not in outcome, "the complaint must not commit"
    if how == "pg_terminate_backend":
        assert isinstance(outcome["error"], psycopg2.OperationalError)
    else:
        assert outcome["error"].pgcode == "57014"
    assert one(conn, "SELECT count(*) FROM churn.complaint") == (0,)
    assert one(conn, "SELECT count(*) FROM churn.scoring_error") == (0,)


# ---------------------------------------------------------------- parallel plans
FORCE_PARALLEL = (
    "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
    " SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;"
)
ARGUMENTS = {
    "bigint": "l.customer_id",
    "integer": "1",
    "double precision": "l.score",
    "text": "l.triggered_by",
    "jsonb": "l.features",
    "timestamp with time zone": "l.scored_at",
    "boolean": "true",
    "bigint[]": "ARRAY[l.customer_id]",
    "integer[]": "ARRAY[1]",
    "double precision[]": "ARRAY[l.score]",
    "text[]": "ARRAY[l.triggered_by]",
    "churn.features": "(SELECT f::churn.features FROM churn.feature_frame(now()) f LIMIT 1)",
    "churn.features[]": "(SELECT array_agg(f::churn.features) FROM churn.feature_frame(now()) f)",
}


def callable_functions(cur):
    cur.execute(
        "SELECT p.proname, array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t),"
        " p.proretset FROM pg_proc p WHERE p.pronamespace = 'churn'::regnamespace"
        " AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype ORDER BY 1"
    )
    return cur.fetchall()


def test_every_function_and_view_under_forced_parallel_plans_twice(conn, db_url, two_customers):
    with conn.cursor() as cur:
        for _ in range(3):
            complain(cur, A)
            complain(cur, B)
    conn.commit()
    started = one(conn, "SELECT pg_postmaster_start_time()")[0]
    conn.commit()
    # A crashed backend makes PostgreSQL end every session and reinitialize shared memory,
    # but the postmaster (and so pg_postmaster_start_time()) stays: an idle session opened
    # before is what a crash would kill.
    sentinel = psycopg2.connect(db_url)
    sentinel.autocommit = True
    session = psycopg2.connect(db_url)
    queries = []
    with session.cursor() as cur:
        for name, args, returns_set in callable_functions(cur):
            call = f"churn.{name}({', '.join(ARGUMENTS.get(a, f'NULL::{a}') for a in args)})"
            queries.append(
                f"SELECT count(*) FROM churn.score_log l WHERE EXISTS (SELECT {call})"
                if returns_set
                else f"SELECT count(*) FROM churn.score_log l WHERE {call} IS NOT NULL"
            )
        cur.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'churn'::regnamespace"
            " AND c.relkind = 'v'"
        )
        queries += [f"SELECT count(*) FROM churn.{v}" for (v,) in cur.fetchall()]
        session.rollback()
        cur.execute(FORCE_PARALLEL)
        # the view churn.score_log calls PL/Python (never in parallel): its table, since 0016
        cur.execute("EXPLAIN SELECT count(*) FROM churn.score_log_data")
        assert "Gather" in " ".join(r[0] for r in cur.fetchall()), "parallel plans are forced"
        failures = {}
        for query in queries:
            for _ in range(2):  # the crash came on the second run in one session
                cur.execute("SAVEPOINT q")
                try:
                    cur.execute(query)
                    cur.execute("RELEASE SAVEPOINT q")
                except psycopg2.Error as exc:
                    cur.execute("ROLLBACK TO SAVEPOINT q")
                    failures[query] = exc.pgcode
        session.rollback()
    session.close()
    print(
        f"\n{len(queries)} queries twice under forced parallel plans;"
        f" refused with an error: {len(failures)}"
    )
    assert "55000" not in failures.values(), "no 'cannot ... during a parallel operation'"
    assert one(conn, "SELECT pg_postmaster_start_time()")[0] == started
    assert one(sentinel, "SELECT 'still connected'") == ("still connected",), "no crash restart"
    sentinel.close()


SAFE_BODY_FORBIDS = re.compile(r"\b(INSERT|UPDATE|DELETE|EXCEPTION|pg_notify|nextval)\b", re.I)


def test_parallel_labels_follow_the_catalog_rule(conn):
    """PL/Python is never parallel safe; a safe function writes nothing and calls only safe ones."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT p.proname, l.lanname, p.proparallel, p.prosrc FROM pg_proc p"
            " JOIN pg_language l ON l.oid = p.prolang"
            " WHERE p.pronamespace = 'churn'::regnamespace"
        )
        functions = cur.fetchall()
    labels = {name: parallel for name, _, parallel, _ in functions}
    wrong = []
    for name, language, parallel, body in functions:
        if parallel == "u":
            continue
        if language not in ("sql", "plpgsql") or SAFE_BODY_FORBIDS.search(body):
            wrong.append(name)
        called = re.findall(r"churn\.(\w+)\s*\(", body)
        wrong += [f"{name} calls {c}" for c in called if labels.get(c, "s") == "u"]
    assert wrong == []
    assert {lang for _, lang, parallel, _ in functions if parallel != "u"} <= {"sql", "plpgsql"}


# ---------------------------------------------------------------- batches tell the truth
def test_rescore_all_finishes_the_chunk_of_a_session_that_was_killed(conn, db_url, active_lr):
    with conn.cursor() as cur:
        for c in range(1, 9):
            add_customer(cur, c)
    conn.commit()
    killed = psycopg2.connect(db_url)
    with killed.cursor() as cur:
        cur.execute("SELECT * FROM churn.rescore_batch(4)")  # holds chunk 0, uncommitted
        killed_pid = one(killed, "SELECT pg_backend_pid()")[0]
    out = {}

    def other():
        c = psycopg2.connect(db_url)
        c.autocommit = True
        try:
            with c.cursor() as cur:
                cur.execute("CALL churn.rescore_all(4)")  # does chunk 1, then waits for chunk 0
            out["ok"] = True
        except psycopg2.Error as exc:
            out["error"] = exc
        finally:
            c.close()

    t = threading.Thread(target=other)
    t.start()
    time.sleep(1.0)
    one(conn, "SELECT pg_terminate_backend(%s)", (killed_pid,))
    conn.rollback()
    t.join(30)
    assert out == {"ok": True}
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT customer_id), count(*) FROM churn.score_log"
            " WHERE triggered_by = 'batch'"
        )
        assert cur.fetchone() == (8, 8)
        cur.execute("SELECT rows_done, finished_at IS NOT NULL FROM churn.rescore_run")
        assert cur.fetchall() == [(8, True)]


def test_pgchurn_rescore_reports_only_the_rows_it_scored_after_a_resume(conn, db_url, active_lr):
    from click.testing import CliRunner

    from pgchurn.cli import main

    with conn.cursor() as cur:
        for c in range(1, 11):
            add_customer(cur, c)
    conn.commit()
    first = psycopg2.connect(db_url)
    with first.cursor() as cur:
        cur.execute("SELECT * FROM churn.rescore_batch(4)")  # 4 of 10, committed
    first.commit()
    first.close()
    result = CliRunner().invoke(main, ["--database-url", db_url, "rescore", "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    assert re.search(r"rescored 6 profiles in .*the run holds 10 in all", result.output)


# ---------------------------------------------------------------- notifications and erasure
def test_a_login_without_grants_that_listens_learns_no_score(conn, login_as, two_customers):
    nobody = login_as(None)
    with nobody.cursor() as cur:
        cur.execute("LISTEN churn_score")
    with conn.cursor() as cur:
        cur.execute("UPDATE churn.setting SET value = '0' WHERE name = 'notify_threshold'")
        complain(cur, A, severity=5)
    conn.commit()
    deadline = time.monotonic() + 5
    while not nobody.notifies and time.monotonic() < deadline:
        select.select([nobody], [], [], 0.2)
        nobody.poll()
    assert nobody.notifies, "the event is announced"
    payload = json.loads(nobody.notifies[0].payload)
    assert set(payload) == {"customer_id", "score_log_id"} and payload["customer_id"] == A
    with nobody.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("SELECT score FROM churn.score_log")


def test_forget_customer_leaves_nothing_about_the_customer(conn, login_as, two_customers):
    with conn.cursor() as cur:
        cur.execute("UPDATE churn.setting SET value = 'outbox' WHERE name = 'notify_mode'")
        cur.execute("UPDATE churn.setting SET value = '0' WHERE name = 'notify_threshold'")
        cur.execute("UPDATE churn.setting SET value = '0' WHERE name = 'notify_delta'")
        for _ in range(3):
            complain(cur, A, severity=5)
        complain(cur, B)
        cur.execute(
            "INSERT INTO churn.scoring_error (customer_id, error, triggered_by)"
            " VALUES (%s, 'x', 'batch')",
            (A,),
        )
    conn.commit()
    deployer = login_as("pgchurn_deployer")
    with deployer.cursor() as cur:
        cur.execute("SELECT churn.forget_customer(%s)", (A,))
        deleted = cur.fetchone()[0]
    assert deleted == {
        "customer_profile": 1,
        "complaint": 3,
        "score_log": 3,
        "scoring_error": 1,
        "notification_outbox": 3,
    }
    with conn.cursor() as cur:
        for table, column in [
            ("customer_profile", "customer_id"),
            ("customer_score", "customer_id"),
            ("complaint", "customer_id"),
            ("score_log", "customer_id"),
            ("scoring_error", "customer_id"),
            ("notification_outbox", "(payload->>'customer_id')::bigint"),
        ]:
            cur.execute(f"SELECT count(*) FROM churn.{table} WHERE {column} = %s", (A,))
            assert cur.fetchone() == (0,), table
        cur.execute("SELECT count(*) FROM churn.score_log WHERE customer_id = %s", (B,))
        assert cur.fetchone() == (1,), "other customers are untouched"
        cur.execute("SELECT to_jsonb(e) FROM churn.erasure e")
        (record,) = cur.fetchall()
    assert set(record[0]) == {"erasure_id", "erased_at", "erased_by", "rows_deleted"}
    assert record[0]["rows_deleted"] == deleted, "counts only, never the customer"


def test_training_leaves_out_stored_rows_it_cannot_use_and_records_them(conn, db_url):
    from datetime import UTC, datetime

    from pgchurn.train import dataset, trainer

    from pgchurn.seed import SeedSpec, seed_database

    seed_database(db_url, SeedSpec(3000, seed=3, now=datetime(2026, 10, 1, tzinfo=UTC)))
    reference = dataset.latest_event(db_url)
    plant(
        conn,
        "complaint",
        "complaint_created_at_finite_and_at_most_5_minutes_ahead",
        "INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel)"
        " VALUES (1, '2100-01-01', 'billing', 3, 'phone'), (2, 'infinity', 'billing', 3, 'phone'),"
        " (3, '-infinity', 'billing', 3, 'phone')",
    )
    plant(
        conn,
        "customer_profile",
        "profile_customer_since_is_finite",
        "UPDATE churn.customer_profile SET customer_since = '-infinity' WHERE customer_id = 4",
    )
    assert dataset.latest_event(db_url) == reference, "no event from 2100 or infinity"
    said = []
    # 3,000 customers leave about 40 churners in the holdout: enough for this test's purpose.
    opts = trainer.Options("logistic", min_holdout_churners=20)
    result = trainer.run(db_url, opts, say=said.append)
    assert 0.5 < result.metrics["roc_auc"] <= 1.0
    assert result.summary["unusable_rows"] == {
        "complaints_with_created_at_implausible": 3,
        "profiles_with_customer_since_not_finite": 1,
    }
    assert any("left out stored rows" in line for line in said)


# ---------------------------------------------------------------- the revision itself
SCORES = (
    "SELECT customer_id, complaints_total, last_complaint_at, churn_score, churn_model_id,"
    " churn_scored_at, churn_score_stale FROM {} ORDER BY customer_id"
)


def test_0010_round_trip_on_a_database_that_holds_data_keeps_every_score(empty_db_url, trained):
    from pgchurn import migrate

    migrate.upgrade(empty_db_url, "0009")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
        for k in (1, 2, 3):
            add_customer(cur, k)
        for k in (1, 1, 2):
            cur.execute(STATEMENTS["complaint A"].replace(f"({A},", f"({k},"))
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(SCORES.format("churn.customer_profile"))
        at_0009 = cur.fetchall()
    assert [r[1] for r in at_0009] == [2, 1, 0] and at_0009[0][3] is not None

    migrate.upgrade(empty_db_url, "0010")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(SCORES.format("churn.customer_score"))
        assert cur.fetchall() == at_0009, "the columns moved with their values"
        cur.execute(STATEMENTS["complaint A"].replace(f"({A},", "(3,"))
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(SCORES.format("churn.customer_score"))
        at_0010 = cur.fetchall()
    assert at_0010[2][1] == 1 and at_0010[2][3] is not None, "0010 scores at commit"

    migrate.downgrade(empty_db_url, "0009")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(SCORES.format("churn.customer_profile"))
        assert cur.fetchall() == at_0010, "and back, with the scores 0010 wrote"
        cur.execute(STATEMENTS["complaint A"].replace(f"({A},", "(2,"))
        cur.execute("SELECT complaints_total FROM churn.customer_profile WHERE customer_id = 2")
        assert cur.fetchone() == (2,), "0009's triggers count again"
    migrate.upgrade(empty_db_url)


def test_the_deployer_runs_rescore_all_and_the_app_may_not(conn, login_as, active_lr):
    with conn.cursor() as cur:
        for c in range(1, 6):
            add_customer(cur, c)
    conn.commit()
    deployer = login_as("pgchurn_deployer")
    with deployer.cursor() as cur:
        cur.execute("CALL churn.rescore_all(2)")  # the procedure itself reads rescore_chunk
    assert one(conn, "SELECT count(*) FROM churn.customer_score WHERE churn_score IS NOT NULL") == (
        5,
    )
    app = login_as("pgchurn_app")
    with app.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("CALL churn.rescore_all(2)")
