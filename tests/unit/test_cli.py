"""The command line: every command documented with an example; user errors are one line."""

import click
import pytest
from click.testing import CliRunner

from pgchurn.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, (*prefix, name))


COMMANDS = list(all_commands(main))


@pytest.mark.parametrize(
    ("path", "cmd"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help_with_an_example(path, cmd):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert cmd.help and len(cmd.help.strip()) > 20
    assert "\\b" not in result.output, "a raw docstring leaks click's \\b marker"
    if not isinstance(cmd, click.Group):
        assert "Example" in result.output, f"`pgchurn {' '.join(path)} --help` shows no example"


def test_foundation_commands_exist():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"db up", "db down", "db status", "db psql", "migrate"} <= names


def test_unreachable_database_is_one_line_not_a_traceback():
    url = "postgresql://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(main, ["--database-url", url, "migrate"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("pgchurn: error:")]
    assert len(lines) == 1 and "cannot connect" in lines[0] and "fix:" in lines[0]


NOWHERE = "postgresql://nobody@127.0.0.1:1/none"  # --sql connects to nothing


def migrate_sql(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["--database-url", NOWHERE, "migrate", "--sql", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_migrate_down_with_sql_prints_the_downgrade_script():
    script, said = migrate_sql("--down", "-1")
    steps = [line for line in script.splitlines() if line.startswith("-- Running")]
    assert len(steps) == 1 and steps[0].startswith("-- Running downgrade ")
    assert "downgrade script head -> -1" in said
    script, _ = migrate_sql("--down", "0010", "--from", "0012")
    steps = [line for line in script.splitlines() if line.startswith("-- Running")]
    assert steps == ["-- Running downgrade 0012 -> 0011", "-- Running downgrade 0011 -> 0010"]


def test_migrate_sql_ranges():
    script, _ = migrate_sql("--from", "0011", "--to", "0012")
    steps = [line for line in script.splitlines() if line.startswith("-- Running")]
    assert steps == ["-- Running upgrade 0011 -> 0012"]
    whole, _ = migrate_sql()
    from pgchurn.migrate import head_revision

    assert whole.count("\n-- Running upgrade ") == int(head_revision())  # 0001 .. head


def test_migrate_from_without_sql_is_a_usage_error():
    result = CliRunner().invoke(main, ["--database-url", NOWHERE, "migrate", "--from", "0011"])
    assert result.exit_code == 2 and "--from 0011 needs --sql" in result.output


def test_every_package_is_listed_for_installation():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = config["package-dir"]
    listed = set(config["packages"])
    for name, folder in mapping.items():
        for init in (root / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(root / folder).parts
            assert ".".join((name, *rel)) in listed, f"{init.parent} is not installed"
