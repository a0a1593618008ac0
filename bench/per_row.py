"""Section 4, per-row model evaluation: one record at a time, for LR, RF-50 and GBDT-100.

Engines, all on the same N records of churn.feature_frame(now()) and the same fitted models:
  in_db        SELECT count(churn.predict(f, model_id)) over a table of N jsonb rows, per row
               (PL/Python call, jsonb argument, model lookup and scoring included)
  in_db_noop   the same scan calling a PL/Python function that takes the jsonb and returns 0:
               the floor any PL/Python scorer pays
  in_db_batch  SELECT churn.predict_many(array_agg(f), model_id) over a table of N churn.features
               rows, per row, end to end: aggregating the rows, PL/Python's conversion of each
               one into a dict, scoring, and returning the array of scores
  in_db_columns  churn.predict_many's column form (revision 0016) over the same N records held
               as the analyst's own table, one typed column per field (bench_probe.feature_table):
               SELECT churn.predict_many(model_id, number_fields, array_agg(ARRAY[...]::float8[]
               ORDER BY customer_id), text_fields, array_agg(ARRAY[...] ORDER BY customer_id)),
               per row, end to end, the fields the model was trained on (the pipeline's own lists)
  in_db_columns_rows  the same form, the arrays built from the churn.features rows of in_db_batch
               ((f).tenure_months, (f).attributes->>'plan', ... per row)
               Each repetition times in_db_batch, in_db_columns and in_db_columns_rows in turn
  in_db_runtime  the runtime inside PostgreSQL timed as the JPMML harness times JPMML: a backend
               holds the N records as the Python dicts PostgreSQL gives it (converted once,
               untimed), then times pgchurn's predict_many over them, per record, after a
               warm-up pass (bench_probe.runtime_per_record); the conversion it leaves out is
               in_db_batch minus this
  python       pgchurn's runtime in plain Python: compile_pmml(text).score(record)
  python_explain  the same model's explain(record), which the trigger also runs for reasons
  jpmml        JPMML-Evaluator 1.7.7 in the JVM (bench/jpmml/Harness.java), warm
  sklearn_row  scikit-learn predict_proba on a one-row DataFrame (what a REST service does)
  sklearn_batch  predict_proba on all N rows at once, divided by N (for scale, not a rival)
Parity: the largest |difference| from scikit-learn's probabilities, per engine. A profiled scan
times churn.predict's phases per row (bench.backend_profile).
"""

from __future__ import annotations

import csv
import json
import subprocess
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
from pgchurn.plpython.pmml import compile_pmml
from psycopg2 import sql

from bench import backend_profile, env
from bench.models import Trained, model_ids
from bench.prepare import Prepared
from bench.rest_service import frame_of
from bench.stats import spread

JARS = Path(__import__("jpmml_evaluator").__file__).parent / "dependencies"
HARNESS = env.ROOT / "bench" / "jpmml" / "Harness.java"
NOOP = """
CREATE FUNCTION bench_probe.noop(features jsonb, model_id bigint) RETURNS double precision
LANGUAGE plpython3u STABLE AS 'return 0.0';
SET max_parallel_workers_per_gather = 0;
"""
# Times the product's own scoring.predict_many inside the backend on records already held as
# Python dicts: like bench/jpmml/Harness.java, which times prepare() + evaluate() on records
# already held as Java maps. The package is the one the migrations installed (GD["pgchurn"],
# loaded by the empty churn.predict_many call).
RUNTIME = """
CREATE FUNCTION bench_probe.runtime_per_record(model_id bigint, passes integer)
RETURNS double precision[] LANGUAGE plpython3u AS $probe$
import time
plan = plpy.prepare("SELECT churn.predict_many(ARRAY[]::churn.features[], $1)", ["bigint"])
plpy.execute(plan, [model_id])
predict_many = GD["pgchurn"].scoring.predict_many
rows = [r["f"] for r in plpy.execute(
    "SELECT f FROM bench_probe.feature_rows ORDER BY (f).customer_id")]
predict_many(rows, model_id)
times = []
for _ in range(passes):
    started = time.perf_counter()
    predict_many(rows, model_id)
    times.append((time.perf_counter() - started) / len(rows) * 1e6)
return times
$probe$;
"""


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    n, reps = prep.scale.per_row_records, prep.scale.reps
    out: dict[str, Any] = {"records": n, "models": {}}
    inputs = {}
    for label, model in prep.models.items():
        bundle = model.bundle()
        inputs[label] = (bundle["numeric"], bundle["categorical"])
    with env.copy_of(prep.cluster, prep.write_template) as url:
        records = feature_records(url, n)
        in_db = in_database(url, n, reps, inputs)
    classpath = compile_harness()
    for label, model in prep.models.items():
        arms = in_db["batch"][label]
        figures = {
            "in_db": in_db[label],
            "in_db_noop": in_db["noop"],
            **{arm: figure for arm, (figure, _) in arms.items()},
            "in_db_runtime": in_db["runtime"][label],
            "in_db_profile": in_db["profile"][label],
        }
        figures |= engines(model, records, prep, classpath)
        reference = figures.pop("reference")
        for arm, (_, scores) in arms.items():
            figures["parity_max_abs_diff"][arm] = float(
                np.max(np.abs(np.asarray(scores, dtype=float) - reference))
            )
        batch_bits = np.asarray(arms["in_db_batch"][1], dtype=float).tobytes()
        figures["columns_bit_identical"] = all(
            np.asarray(scores, dtype=float).tobytes() == batch_bits for _, scores in arms.values()
        )
        out["models"][label] = figures
        say(
            f"  {label:<9} "
            + "  ".join(
                f"{k} {v['median']:.1f}"
                for k, v in figures.items()
                if isinstance(v, dict) and "median" in v
            )
            + " µs/row"
        )
    return out


def engines(model: Trained, records: list[dict[str, Any]], prep: Prepared, classpath: str) -> dict:
    bundle = model.bundle()
    reference = bundle["pipeline"].predict_proba(frame_of(bundle, records))[:, 1]
    python, python_scores = plain_python(model, records, prep.scale.reps)
    jpmml, jpmml_scores = jvm(model, records, bundle, prep.scale.reps, classpath)
    return python | {
        "reference": reference,
        "jpmml": jpmml,
        "sklearn_row": sklearn_one_row(bundle, records[: prep.scale.sklearn_rows], prep.scale.reps),
        "sklearn_batch": sklearn_batch(bundle, records, prep.scale.reps),
        "parity_max_abs_diff": {
            "python": float(np.max(np.abs(np.asarray(python_scores) - reference))),
            "jpmml": float(np.max(np.abs(np.asarray(jpmml_scores) - reference))),
        },
    }


# ---------------------------------------------------------------------------- records
def feature_records(url: str, n: int) -> list[dict[str, Any]]:
    """The first n customers' live features, frozen once in two tables (churn.features rows
    and jsonb) so that every engine scores exactly the same values, and returned as the Python
    values the trigger sees."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS bench_probe")
        cur.execute(
            "CREATE TABLE bench_probe.feature_rows AS SELECT x::churn.features AS f"
            " FROM churn.feature_frame(now()) x ORDER BY customer_id LIMIT %s",
            (n,),
        )
        cur.execute(  # flat, as churn.customer_features gives: the input churn.predict takes
            "CREATE TABLE bench_probe.features AS SELECT (r.f).attributes"
            " || (to_jsonb(r.f) - 'customer_id' - 'attributes') AS f"
            " FROM bench_probe.feature_rows r ORDER BY (r.f).customer_id"
        )
        cur.execute("SELECT (f).* FROM bench_probe.feature_rows ORDER BY (f).customer_id")
        names = [d.name for d in cur.description]
        records = [flat(dict(zip(names, row, strict=True))) for row in cur.fetchall()]
        feature_table(cur, records[0])
        conn.commit()
    return records


JSON_TYPES = {float: "double precision", int: "double precision", bool: "boolean", str: "text"}


def feature_table(cur: Any, first: dict[str, Any]) -> None:
    """bench_probe.feature_table: the same rows as an analyst's own table, one typed column per
    field (the derived features as churn.features types them, the attributes by their JSON
    type), for churn.predict_many's column form."""
    cur.execute("SELECT (f).attributes FROM bench_probe.feature_rows LIMIT 1")
    attributes = cur.fetchone()[0]
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(k), sql.SQL(JSON_TYPES[type(v)]))
        for k, v in attributes.items()
    )
    derived = sql.SQL(", ").join(
        sql.SQL("(r.f).{}").format(sql.Identifier(k))
        for k in first
        if k not in attributes and k != "customer_id"
    )
    cur.execute(
        sql.SQL(
            "CREATE TABLE bench_probe.feature_table AS SELECT (r.f).customer_id, {}, a.*"
            " FROM bench_probe.feature_rows r, jsonb_to_record((r.f).attributes) AS a({})"
            " ORDER BY (r.f).customer_id"
        ).format(derived, columns)
    )


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """A frame row as the models read it: its attributes merged in, booleans as 1 and 0
    (what pgchurn's features.flatten does in the server)."""
    attributes = row.pop("attributes") or {}
    for name, value in attributes.items():
        row.setdefault(name, int(value) if isinstance(value, bool) else value)
    return row


# ---------------------------------------------------------------------------- in the database
def in_database(
    url: str, n: int, reps: int, inputs: dict[str, tuple[list[str], list[str]]]
) -> dict[str, Any]:
    """µs per row of churn.predict and predict_many's forms for each model, and of the no-op
    PL/Python function."""
    ids = model_ids(url)
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(NOOP)
        cur.execute(RUNTIME)
        for table in ("features", "feature_rows", "feature_table"):
            cur.execute(f"VACUUM ANALYZE bench_probe.{table}")
        out = {label: scan(cur, "churn.predict", mid, n, reps) for label, mid in ids.items()}
        out["noop"] = scan(cur, "bench_probe.noop", 0, n, reps)
        out["batch"] = {
            label: batch_arms(cur, mid, *inputs[label], n, reps) for label, mid in ids.items()
        }
        out["runtime"] = {label: runtime(cur, mid, reps) for label, mid in ids.items()}
    query = "SELECT churn.predict(f, %s) FROM bench_probe.features"
    out["profile"] = {
        label: backend_profile.profile_scan(url, query, (mid,), n) for label, mid in ids.items()
    }
    return out


def scan(cur: Any, function: str, model_id: int, n: int, reps: int) -> dict[str, Any]:
    """Time `SELECT count(function(f, model_id))` over the table; one untimed warm-up scan."""
    query = f"SELECT count({function}(f, %s)) FROM bench_probe.features"  # noqa: S608 - constants
    return timed_per_row(cur, query, model_id, n, reps)[0]


def batch_arms(
    cur: Any, model_id: int, numeric: list[str], categorical: list[str], n: int, reps: int
) -> dict[str, tuple[dict[str, Any], list[float]]]:
    """µs per row of each form of churn.predict_many over all rows in one call, and its scores
    (in the order of feature_records, for the parity check): one untimed warm-up call each,
    then the repetitions interleaved (old form, column form, column form from rows, ...)."""
    flags = bench_flags(cur)
    numbers = sql.SQL(", ").join(
        sql.SQL("{}::int" if c in flags else "{}").format(sql.Identifier(c)) for c in numeric
    )
    texts = sql.SQL(", ").join(sql.Identifier(c) for c in categorical)
    from_rows = sql.SQL(", ").join(
        sql.SQL("(f).{}").format(sql.Identifier(c))
        if c in ROW_FIELDS
        else sql.SQL("((f).attributes->>{})::{}").format(
            sql.Literal(c), sql.SQL("boolean::int" if c in flags else "float8")
        )
        for c in numeric
    )
    texts_from_rows = sql.SQL(", ").join(
        sql.SQL("(f).attributes->>{}").format(sql.Literal(c)) for c in categorical
    )
    columns = sql.SQL(
        "SELECT churn.predict_many(%s, %s, array_agg(ARRAY[{}]::float8[] ORDER BY {}), %s,"
        " array_agg(ARRAY[{}] ORDER BY {})) FROM bench_probe.{}"
    )
    queries = {
        "in_db_batch": (
            "SELECT churn.predict_many(array_agg(f ORDER BY (f).customer_id), %s)"
            " FROM bench_probe.feature_rows",
            (model_id,),
        ),
        "in_db_columns": (
            columns.format(
                numbers,
                sql.SQL("customer_id"),
                texts,
                sql.SQL("customer_id"),
                sql.Identifier("feature_table"),
            ),
            (model_id, numeric, categorical),
        ),  # fmt: skip
        "in_db_columns_rows": (
            columns.format(
                from_rows,
                sql.SQL("(f).customer_id"),
                texts_from_rows,
                sql.SQL("(f).customer_id"),
                sql.Identifier("feature_rows"),
            ),
            (model_id, numeric, categorical),
        ),  # fmt: skip
    }
    values = {}
    for arm, (query, args) in queries.items():
        cur.execute(query, args)
        values[arm] = cur.fetchone()[0]
    times: dict[str, list[float]] = {arm: [] for arm in queries}
    for _ in range(reps):
        for arm, (query, args) in queries.items():
            started = time.perf_counter()
            cur.execute(query, args)
            cur.fetchone()
            times[arm].append((time.perf_counter() - started) / n * 1e6)
    return {arm: (spread(times[arm]), values[arm]) for arm in queries}


# The fields of churn.features itself; the others are read from its attributes.
ROW_FIELDS = frozenset(
    ("tenure_months complaints_total complaints_30d complaints_90d severe_complaints_90d"
     " days_since_last_complaint max_severity_30d severity_sum_90d").split()
)  # fmt: skip


def bench_flags(cur: Any) -> set[str]:
    """The boolean columns of bench_probe.feature_table (cast to int for float8[])."""
    cur.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'bench_probe.feature_table'::regclass"
        " AND atttypid = 'boolean'::regtype AND attnum > 0"
    )
    return {r[0] for r in cur.fetchall()}


def runtime(cur: Any, model_id: int, reps: int) -> dict[str, Any]:
    """µs per record of pgchurn's predict_many timed inside the backend (see RUNTIME)."""
    cur.execute("SELECT bench_probe.runtime_per_record(%s, %s)", (model_id, max(reps, 3)))
    return spread(cur.fetchone()[0])


def timed_per_row(cur: Any, query: str, model_id: int, n: int, reps: int) -> tuple[dict, Any]:
    """Run the one-row query once untimed, then `reps` timed times: (µs per row, its value)."""
    cur.execute(query, (model_id,))
    value = cur.fetchone()[0]
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        cur.execute(query, (model_id,))
        cur.fetchone()
        times.append((time.perf_counter() - started) / n * 1e6)
    return spread(times), value


# ---------------------------------------------------------------------------- outside
def plain_python(model: Trained, records: list[dict[str, Any]], reps: int) -> tuple[dict, list]:
    """µs per record of score() and of explain() (the reasons the trigger also computes)."""
    compiled = compile_pmml(model.pmml())
    inputs = [f["name"] for f in compiled.input_fields]
    rows = [{k: r[k] for k in inputs} for r in records]
    scores = [compiled.score(r) for r in rows]  # warm-up pass, kept for parity
    figures = {
        "python": spread([per_record(compiled.score, rows) for _ in range(reps)]),
        "python_explain": spread([per_record(compiled.explain, rows) for _ in range(reps)]),
    }
    return figures, scores


def per_record(function: Any, rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for r in rows:
        function(r)
    return (time.perf_counter() - started) / len(rows) * 1e6


def sklearn_one_row(bundle: dict[str, Any], records: list[dict[str, Any]], reps: int) -> dict:
    pipeline = bundle["pipeline"]
    pipeline.predict_proba(frame_of(bundle, records[:1]))
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        for r in records:
            pipeline.predict_proba(frame_of(bundle, [r]))
        times.append((time.perf_counter() - started) / len(records) * 1e6)
    return spread(times)


def sklearn_batch(bundle: dict[str, Any], records: list[dict[str, Any]], reps: int) -> dict:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        bundle["pipeline"].predict_proba(frame_of(bundle, records))
        times.append((time.perf_counter() - started) / len(records) * 1e6)
    return spread(times)


# ---------------------------------------------------------------------------- the JVM
def compile_harness() -> str:
    """javac Harness.java into bench/.build; returns the classpath to run it with."""
    env.BUILD.mkdir(parents=True, exist_ok=True)
    jars = ":".join(str(p) for p in sorted(JARS.glob("*.jar")))
    subprocess.run(
        ["javac", "-cp", jars, "-d", str(env.BUILD), str(HARNESS)], check=True, timeout=300
    )
    return f"{jars}:{env.BUILD}"


def jvm(
    model: Trained, records: list[dict[str, Any]], bundle: dict[str, Any], reps: int, classpath: str
) -> tuple[dict, list]:
    inputs = bundle["numeric"] + bundle["categorical"]
    csv_path, scores_path = env.BUILD / f"{model.label}.csv", env.BUILD / f"{model.label}.scores"
    write_csv(csv_path, records, inputs)
    cmd = [
        "java",
        "-cp",
        classpath,
        "Harness",
        str(model.pmml_path),
        str(csv_path),
        "5",
        str(reps),
        str(scores_path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    scores = [float(x) for x in scores_path.read_text().split()]
    return spread(report["us_per_record"]) | {"load_ms": report["load_ms"]}, scores


def write_csv(path: Path, records: list[dict[str, Any]], inputs: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(inputs)
        for r in records:
            writer.writerow(["" if r[k] is None else r[k] for k in inputs])
