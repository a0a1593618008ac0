"""A model shipped as a migration: upgrade activates it, downgrade restores the previous model."""

import hashlib
import shutil
from pathlib import Path

import psycopg2
from alembic import command

from pgchurn import migrate
from tests.db.helpers import activate, install_demo_attributes, register

ROOT = Path(__file__).resolve().parents[2]

REVISION = '''"""Ship model {name}.

Revision ID: ship1
Revises: {head}
Create Date: 2026-11-22
"""

from model_ops import ShippedModel
import pytest

pytestmark = pytest.mark.demo_profile

revision = "ship1"
down_revision = "{head}"
branch_labels = None
depends_on = None

MODEL = ShippedModel("{name}.pmml", "{sha}", name="{name}")


def upgrade() -> None:
    """Register (verified) and activate the shipped model."""
    MODEL.activate()


def downgrade() -> None:
    """Restore the model that was active before."""
    MODEL.deactivate()
'''


def active(url):
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute("SELECT name FROM churn.model WHERE status = 'active'")
        rows = [r[0] for r in cur.fetchall()]
    c.close()
    return rows


def test_a_revision_ships_and_rolls_back_a_model(tmp_path, empty_db_url, trained, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__"))
    pmml = trained("gbdt").pmml
    (migrations / "models").mkdir(exist_ok=True)
    (migrations / "models" / "gbdt-shipped.pmml").write_text(pmml)
    sha = hashlib.sha256(pmml.encode()).hexdigest()
    head = migrate.head_revision()
    text = REVISION.format(name="gbdt-shipped", head=head, sha=sha)
    (migrations / "versions" / "9999_ship_gbdt.py").write_text(text)

    migrate.upgrade(empty_db_url, head)
    install_demo_attributes(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "lr-before"))
    c.close()

    cfg = migrate.alembic_config(empty_db_url)
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("prepend_sys_path", str(migrations))
    monkeypatch.syspath_prepend(str(migrations))
    command.upgrade(cfg, "ship1")
    assert active(empty_db_url) == ["gbdt-shipped"]
    command.downgrade(cfg, head)
    assert active(empty_db_url) == ["lr-before"]
    command.upgrade(cfg, "ship1")  # again: the registered document is reused, not duplicated
    assert active(empty_db_url) == ["gbdt-shipped"]
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.model WHERE name = 'gbdt-shipped'")
        assert cur.fetchone() == (1,)
    c.close()
