"""churn.customer_score's counters and score columns have one writer: churn._rescore."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITES = re.compile(r"\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+churn\.customer_score\b", re.I)
SCORE_COLUMNS = re.compile(r"\b(churn_score|churn_model_id|complaints_total)\s*=", re.I)


def _writers() -> list[tuple[str, str]]:
    found = []
    for path in sorted([*(ROOT / "sql").rglob("*.sql"), *(ROOT / "plpython").rglob("*.py")]):
        text = path.read_text()
        for match in WRITES.finditer(text):
            found.append((path.relative_to(ROOT).as_posix(), match.group(0).split()[0].upper()))
    return found


def test_only_the_set_based_writer_updates_customer_score():
    updates = [path for path, verb in _writers() if verb == "UPDATE"]
    assert updates == ["sql/functions/rescore_3_write.sql"]
    text = (ROOT / updates[0]).read_text()
    assert len(WRITES.findall(text)) == 1


def test_other_statements_only_create_or_erase_the_row():
    """A new profile's empty row (on_profile_insert) and an erasure: no score is written."""
    for path, verb in _writers():
        if verb != "UPDATE":
            assert verb in ("INSERT", "DELETE"), (path, verb)
            statement = (ROOT / path).read_text()
            start = WRITES.search(statement).start()  # type: ignore[union-attr]
            assert not SCORE_COLUMNS.search(statement[start : statement.find(";", start)]), path
