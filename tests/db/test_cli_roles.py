"""Every CLI command, run as a fresh LOGIN member of each group role, never as a superuser.

A command works for the roles pgchurn.command_roles assigns to it (and docs/security.md
lists), and is refused for the others with one line that names the role to use.
"""

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from pgchurn.train import trainer

from pgchurn.cli import main
from pgchurn.command_roles import COMMAND_ROLES, INSTALLER
from pgchurn.seed import SeedSpec, seed_database
from tests.db.helpers import activate, add_customer, complain, register

pytestmark = pytest.mark.demo_profile

KINDS = ("deployer", "analyst")
# Model 1 is active, model 2 was active before it (so rollback has somewhere to go).
ARGS = {
    "rescore": [],
    "relay": ["--once"],
    "retrain": ["--model", "logistic", "--margin", "0"],
    "train": ["--model", "logistic", "--min-holdout-churners", "10"],
    "models register": ["{pmml}", "--name", "third"],
    "models activate": ["2"],
    "models rollback": [],
    "models retire": ["2"],
    "models challenger": ["2", "--share", "0.5"],
    "models export": ["1"],
    "models list": [],
    "models show": ["1"],
    "monitor": [],
    "report": ["--html", "{html}"],
}
TRAINING = {"train", "retrain"}  # need a seeded history
BREACH = {"monitor": (2, 3)}  # a monitoring breach is a result, not a refusal
MATRIX: list[tuple[str, str, int]] = []


def test_every_command_that_needs_a_role_is_tested():
    from pgchurn.models_cli import models

    assert set(ARGS) == set(COMMAND_ROLES)
    assert set(main.commands) - INSTALLER - {"models"} == {c for c in ARGS if " " not in c}
    assert {f"models {name}" for name in models.commands} == {
        c for c in ARGS if c.startswith("models ")
    }


@pytest.fixture
def database(db_url, conn, trained):
    """Two models (1 active, 2 active before it), and customers: seeded ones for training."""

    def build(command):
        with conn.cursor() as cur:
            if command in TRAINING:
                conn.commit()
                now = datetime(2026, 10, 1, tzinfo=UTC)
                seed_database(db_url, SeedSpec(6000, seed=11, now=now))
                champion = trainer.run(
                    db_url, trainer.Options("logistic"), register_to=db_url, say=lambda s: None
                )
                first = champion.model_id
            else:
                for customer_id in range(1, 21):
                    add_customer(cur, customer_id)
                first = register(cur, trained("logistic").pmml, "lr")
            second = register(cur, trained("tree").pmml, "tree")
            activate(cur, second)
            activate(cur, first)
            if command not in TRAINING:
                complain(cur, 1)
        conn.commit()
        return first, second

    return build


def run_as(login_as, db_url, kind, command, tmp_path, trained):
    user = login_as(f"pgchurn_{kind}").info.user
    url = db_url.replace("postgres@", f"{user}@")
    (tmp_path / "third.pmml").write_text(trained("logistic", seed=1).pmml, encoding="utf-8")
    fill = {"pmml": str(tmp_path / "third.pmml"), "html": str(tmp_path / "r.html")}
    args = [a.format(**fill) for a in ARGS[command]]
    return CliRunner().invoke(main, ["--database-url", url, *command.split(), *args])


CASES = [(c, k) for c in ARGS for k in KINDS]


@pytest.mark.parametrize(("command", "kind"), CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_command_as_role(database, login_as, db_url, tmp_path, trained, command, kind):
    database(command)
    result = run_as(login_as, db_url, kind, command, tmp_path, trained)
    MATRIX.append((command, kind, result.exit_code))
    assert "Traceback" not in result.output
    if kind in COMMAND_ROLES[command]:
        assert result.exit_code in (0, *BREACH.get(command, ())), result.output
        assert "permission denied" not in result.output
    else:
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
        (line,) = [x for x in result.output.splitlines() if x.startswith("pgchurn: error:")]
        assert "permission denied" in line
        roles = " or ".join(f"pgchurn_{k}" for k in COMMAND_ROLES[command])
        assert f"fix: run `pgchurn {command}` as a member of {roles}" in line


def test_the_installer_commands_name_the_superuser(db_url, login_as):
    user = login_as("pgchurn_deployer").info.user
    url = db_url.replace("postgres@", f"{user}@")
    result = CliRunner().invoke(main, ["--database-url", url, "seed", "--customers", "10"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "permission denied" in result.output
    assert "fix: run `pgchurn seed` as a superuser" in result.output


def test_print_cli_role_matrix():
    print("\n| command | role | exit code |\n|---|---|---|")
    for command, kind, code in MATRIX:
        print(f"| pgchurn {command} | pgchurn_{kind} | {code} |")
    assert all(kind in KINDS for _, kind, _ in MATRIX)
