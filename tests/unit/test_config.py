"""One way to name the database: --database-url, then PGCHURN_DATABASE_URL, then local."""

from pgchurn import config
from pgchurn.cluster import local_cluster


def test_explicit_url_wins(monkeypatch):
    monkeypatch.setenv("PGCHURN_DATABASE_URL", "postgresql://env@h/db")
    choice = config.choose_database("postgresql://flag@h/db")
    assert choice.url == "postgresql://flag@h/db"
    assert "--database-url" in choice.describe()


def test_environment_comes_next(monkeypatch):
    monkeypatch.setenv("PGCHURN_DATABASE_URL", "postgresql://env@h/db")
    choice = config.choose_database(None)
    assert choice.url == "postgresql://env@h/db"
    assert "PGCHURN_DATABASE_URL" in choice.describe()


def test_local_cluster_is_the_fallback_and_says_so(monkeypatch):
    monkeypatch.delenv("PGCHURN_DATABASE_URL", raising=False)
    monkeypatch.setenv("PGCHURN_PORT", "54999")
    choice = config.choose_database(None)
    assert choice.url == local_cluster().url
    assert ":54999/" in choice.url
    assert "local cluster" in choice.describe()


def test_password_is_never_printed():
    choice = config.DatabaseChoice("postgresql://alice:s3cret@db:5432/x", "test")
    assert "s3cret" not in choice.describe()
    assert "alice:***@db" in choice.describe()


def test_sqlalchemy_url_names_the_psycopg2_driver():
    assert config.sqlalchemy_url("postgresql://u@h/d") == "postgresql+psycopg2://u@h/d"
    assert config.sqlalchemy_url("postgres://u@h/d") == "postgresql+psycopg2://u@h/d"
