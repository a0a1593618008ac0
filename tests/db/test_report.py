"""`pgchurn report --html`: one self-contained page whose four plots a real browser decodes."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from pgchurn.cli import Ctx
from pgchurn.report_cli import report_command
from tests.db.helpers import add_customer

pytestmark = pytest.mark.demo_profile

CHROMIUM = Path("/usr/bin/chromium")
PLOTS = ["score-distribution", "feature-drift", "performance", "champion-challenger"]
BASELINES = {
    "score": {"edges": [0.1, 0.2, 0.4, 0.6], "fractions": [0.3, 0.25, 0.2, 0.15, 0.1]},
    "numeric": {
        "monthly_charges": {
            "edges": [40.0, 80.0],
            "fractions": [0.3, 0.4, 0.3],
            "missing_fraction": 0.0,
        }
    },
    "categorical": {
        "contract_type": {"frequencies": {"month-to-month": 0.5, "one-year": 0.3, "two-year": 0.2}}
    },
}
# The fields the models read: feature drift covers these (revision 0007).
INPUT_FIELDS = [{"name": "monthly_charges"}, {"name": "contract_type"}]
IMG = re.compile(
    r'<img id="plot-([a-z-]+)" alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">'
)


def add_model(cur, name: str, status: str) -> int:
    cur.execute(
        "INSERT INTO churn.model (name, status, pmml, pmml_sha256, baselines, training_summary,"
        " input_fields) VALUES (%s, %s, '<PMML/>', encode(sha256(%s::bytea), 'hex'), %s,"
        " '{\"horizon_days\": 90}', %s) RETURNING model_id",
        (name, status, name, json.dumps(BASELINES), json.dumps(INPUT_FIELDS)),
    )
    return int(cur.fetchone()[0])


def log(cur, model_id: int, customer_id: int, score: float, at: datetime, features: dict) -> None:
    cur.execute(
        "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by, scored_at)"
        " VALUES (%s, %s, %s, %s, 'batch', %s)",
        (customer_id, model_id, score, json.dumps(features), at),
    )


def seed_history(conn) -> None:
    """A champion scored in two past months (outcomes known) and this week, a challenger this week."""
    rng = np.random.default_rng(11)
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        champion = add_model(cur, "gbdt-old", "active")
        challenger = add_model(cur, "gbdt-new", "challenger")
        for cid in range(1, 201):
            add_customer(cur, cid)
            risk = float(rng.beta(2, 5))
            features = {
                "monthly_charges": float(rng.normal(70, 25)),
                "contract_type": str(rng.choice(["month-to-month", "one-year", "quarterly"])),
            }
            for days_ago in (200, 170):
                log(cur, champion, cid, risk, now - timedelta(days=days_ago), features)
            if rng.uniform() < risk:
                cur.execute(
                    "UPDATE churn.customer_profile SET churned_at = %s WHERE customer_id = %s",
                    (now - timedelta(days=120), cid),
                )
            when = now - timedelta(days=float(rng.uniform(0, 6)))
            log(cur, champion, cid, min(risk * 1.3, 1.0), when, features)
            rival = float(np.clip(risk + rng.normal(0, 0.08), 0, 1))
            log(cur, challenger, cid, rival, when, features)
    conn.commit()


def run_report(db_url: str, path: Path):
    result = CliRunner().invoke(report_command, ["--html", str(path)], obj=Ctx(db_url))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a file:// URL, isolated profile, no network chatter."""
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
        *extra, page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)


def test_report_is_one_self_contained_page_with_four_plots(conn, db_url, tmp_path):
    seed_history(conn)
    page = tmp_path / "report.html"
    result = run_report(db_url, page)
    assert "4 plot(s)" in result.output
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text), "no external URLs"
    assert "http://" not in text and "https://" not in text
    images = IMG.findall(text)
    assert [slug for slug, _, _ in images] == PLOTS
    for _, alt, data in images:
        assert alt.strip()
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    assert "Scoring health" in text and "scores logged, last 24 h" in text
    assert "no challenger" not in text.lower()


def test_report_without_data_says_so_for_every_section(db_url, tmp_path):
    page = tmp_path / "empty.html"
    result = run_report(db_url, page)
    assert "0 plot(s)" in result.output
    text = page.read_text(encoding="utf-8")
    assert "<img" not in text
    assert "No active model with a score baseline." in text
    assert "No feature drift yet" in text and "No live performance yet" in text
    assert "No challenger" in text


def test_report_loads_and_shows_its_plots_in_headless_chromium(conn, db_url, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium: apt-get install -y chromium chromium-driver")
    seed_history(conn)
    page = tmp_path / "report.html"
    run_report(db_url, page)
    dom = chromium(page, tmp_path, "--dump-dom").stdout
    assert re.search(r'<body[^>]*data-plots-loaded="4"', dom), dom[:500]
    shot = tmp_path / "shot.png"
    chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,2400")
    with Image.open(shot) as img:
        assert img.size == (1200, 2400)
        colors = img.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colors is None or len(colors) > 50, "the screenshot is blank"
