"""A hook that lets the host cancel long parsing, compiling and verification.

PostgreSQL acts on a cancel or terminate request only at its own interrupt checks, which pure
Python loops never reach. The long loops of this runtime call `poll()`; at most every
`INTERVAL` seconds it calls the installed check, which inside the database runs a trivial
SPI statement (the executor checks for interrupts, so a pending cancel raises there and a
pending terminate ends the backend). Outside the database the check does nothing, so the
runtime stays importable and testable anywhere.
"""

from __future__ import annotations

from time import monotonic

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from collections.abc import Callable

INTERVAL = 0.05  # seconds of work between two checks
EVERY = 64  # calls of poll() between two looks at the clock


def _nothing() -> None:
    """The default check: nothing to interrupt outside the database."""


_check: Callable[[], None] = _nothing
_state = [EVERY, 0.0]  # countdown of calls, monotonic time of the next check


def install(check: Callable[[], None] | None) -> None:
    """Make `check` the interrupt check (None: no check); it may raise to abort the work."""
    global _check
    _check = _nothing if check is None else check
    _state[0], _state[1] = EVERY, 0.0


def poll() -> None:
    """Run the check when `INTERVAL` has passed since the last one; cheap otherwise."""
    state = _state
    state[0] -= 1
    if state[0] > 0:
        return
    state[0] = EVERY
    now = monotonic()
    if now >= state[1]:
        state[1] = now + INTERVAL
        _check()


def tick() -> None:
    """Like `poll()`, but looks at the clock on every call: for steps of milliseconds each."""
    now = monotonic()
    if now >= _state[1]:
        _state[0], _state[1] = EVERY, now + INTERVAL
        _check()


def check_now() -> None:
    """Run the check at once (before and after long operations done in C)."""
    _state[0], _state[1] = EVERY, monotonic() + INTERVAL
    _check()
