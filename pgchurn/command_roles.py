"""Which group role runs which CLI command (docs/security.md), and the fix a refusal names."""

from __future__ import annotations

# Command (as typed after `pgchurn`) -> the role kinds that may run it.
COMMAND_ROLES: dict[str, tuple[str, ...]] = {
    "rescore": ("deployer",),
    "relay": ("deployer",),
    "retrain": ("deployer",),
    "train": ("deployer",),
    "models register": ("deployer",),
    "models activate": ("deployer",),
    "models rollback": ("deployer",),
    "models retire": ("deployer",),
    "models challenger": ("deployer",),
    "models export": ("deployer", "analyst"),
    "models list": ("deployer", "analyst"),
    "models show": ("deployer", "analyst"),
    "monitor": ("analyst",),
    "report": ("analyst",),
}

# Commands that create or replace schema, data or code: the installer's, a superuser's.
INSTALLER = frozenset({"db", "demo", "dev", "example-data", "migrate", "seed"})


def permission_fix(command: str | None) -> str:
    """The fix for a permission error of `command`: run it as a member of its role."""
    kinds = COMMAND_ROLES.get(command or "")
    if command and command.split()[0] in INSTALLER:
        return f"fix: run `pgchurn {command}` as a superuser (the installer; docs/security.md)"
    if kinds is None:
        return "fix: run it as the role docs/security.md assigns to it"
    roles = " or ".join(f"pgchurn_{kind}" for kind in kinds)
    return (
        f"fix: run `pgchurn {command}` as a member of {roles} (the default name; see "
        "churn.role_binding and docs/security.md)"
    )
