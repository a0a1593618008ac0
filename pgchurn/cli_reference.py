"""docs/cli.md, written from the `--help` of every command by `pgchurn dev cli-reference`."""

from __future__ import annotations

from collections.abc import Iterator

import click

WIDTH = 100  # fixed, so that the file does not depend on the terminal it was written from
HEADER = """# pgchurn command reference

Generated from `--help` by `pgchurn dev cli-reference`; do not edit by hand
(tests/unit/test_cli_reference.py checks that it is up to date).

Exit codes: 0 healthy, 1 an error (one line on stderr, starting `pgchurn: error:`), 2 a usage
error (an unknown option, a missing argument), 3 a monitoring breach (`pgchurn monitor`).
"""


def commands(
    cmd: click.Command, ctx: click.Context
) -> Iterator[tuple[str, click.Command, click.Context]]:
    """Every visible command under cmd, depth first, with its full name and context."""
    yield ctx.command_path, cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from commands(sub, _context(sub, name, ctx))


def render(root: click.Command, name: str = "pgchurn") -> str:
    """The whole reference: one section per command, its --help in a code block."""
    parts = [HEADER]
    for path, cmd, ctx in commands(root, _context(root, name, None)):
        parts.append(f"## {path}\n\n```text\n{cmd.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


def _context(cmd: click.Command, name: str, parent: click.Context | None) -> click.Context:
    settings = {"terminal_width": WIDTH, "max_content_width": WIDTH, **cmd.context_settings}
    return click.Context(cmd, info_name=name, parent=parent, **settings)
