"""docs/cli.md documents every command and option, is up to date, and the exit codes hold.

Like sqlite-utils' tests/test_docs.py: the reference is generated from --help, so a command or
an option added without regenerating it fails here.
"""

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pgchurn.cli import main
from pgchurn.cli_reference import render
from tests.unit.test_cli import COMMANDS

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def sections() -> dict[str, str]:
    """The body of each `## pgchurn ...` section of docs/cli.md, by command path."""
    text = REFERENCE.read_text(encoding="utf-8")
    parts = re.split(r"^## (pgchurn.*)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_reference_is_up_to_date():
    assert REFERENCE.read_text(encoding="utf-8") == render(main), (
        "docs/cli.md is stale; fix: pgchurn dev cli-reference"
    )


@pytest.mark.parametrize(
    ("path", "cmd"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_and_option_is_in_the_reference(path, cmd):
    body = sections().get(" ".join(("pgchurn", *path)))
    assert body is not None, f"docs/cli.md has no section for pgchurn {' '.join(path)}"
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            for flag in (*param.opts, *param.secondary_opts):
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", body), (
                    f"pgchurn {' '.join(path)}: {flag} is not in docs/cli.md"
                )
        elif isinstance(param, click.Argument):
            assert param.make_metavar(click.Context(cmd)) in body


def test_a_usage_error_exits_2_and_an_error_exits_1():
    assert CliRunner().invoke(main, ["migrate", "--no-such-flag"]).exit_code == 2
    unreachable = ["--database-url", "postgresql://nobody@127.0.0.1:1/none", "migrate"]
    assert CliRunner().invoke(main, unreachable).exit_code == 1
