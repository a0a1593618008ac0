"""`pgchurn seed`: the click command, its --now parsing, progress bar and summary line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.progress import track

from pgchurn.config import choose_database
from pgchurn.seed.generator import Chunk, SeedSpec
from pgchurn.seed.loader import SeedResult, seed_database
from pgchurn.seed.mechanism import POPULATIONS


# ---------------------------------------------------------------------------- command
def parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    """--now as an aware UTC datetime in whole seconds; naive input means UTC; default now."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time; for example 2026-11-01T00:00:00Z"
        ) from None
    aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def summary(result: SeedResult) -> str:
    """The closing line: what was loaded, and how fast."""
    r = result
    rows = r.customers + r.complaints
    return (
        f"seeded customers {r.first_id:,}..{r.first_id + r.customers - 1:,} "
        f"({r.churned / r.customers:.1%} churned) and {r.complaints:,} complaints "
        f"in {r.seconds:.1f} s: {r.customers / r.seconds:,.0f} customers/s, "
        f"{rows / r.seconds:,.0f} rows/s"
    )


def progress_bar(chunks: Iterator[Chunk], total: int) -> Iterable[Chunk]:
    """A progress bar over the chunks on stderr; it appears with the first chunk."""
    return track(chunks, total=total, description="seeding", console=Console(stderr=True))


@click.command("seed")
@click.option(
    "--customers",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Number of customers to generate (churned ones included).",
)
@click.option(
    "--complaints-per-customer",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Average complaints per customer, disputes included.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed: the same seed, --now and options give the same rows.",
)
@click.option(
    "--now",
    metavar="TIME",
    callback=parse_now,
    help="Reference time, ISO 8601 (UTC if no zone) [default: the current time]. "
    "Histories end here; pin it to reproduce the rows byte for byte.",
)
@click.option(
    "--population",
    type=click.Choice(sorted(POPULATIONS)),
    default="baseline",
    show_default=True,
    help="shifted: more fiber-optic, more month-to-month, "
    "electronic checks and higher prices (for drift demos).",
)
@click.option(
    "--replace", is_flag=True, help="Empty churn.complaint, customer_profile and score_log first."
)
@click.option(
    "--append", is_flag=True, help="Add customers after the highest existing customer_id."
)
@click.pass_obj
def seed_command(obj: object, customers: int, complaints_per_customer: float, seed: int,
                 now: datetime, population: str, replace: bool, append: bool) -> None:  # fmt: skip
    """Generate demo customers, complaints and churn, and load them with COPY.

    Customers get ids 1..N in an empty database. When customers exist the command
    refuses, unless --replace (start over) or --append (continue after the highest
    id) says what to do. Complaint counters on the profiles are exact. docs/data.md
    describes the churn mechanism.

    \b
    Examples:
      pgchurn seed --customers 100000 --seed 7
      pgchurn seed --customers 1000000 --replace --now 2026-11-01T00:00:00Z
      pgchurn seed --customers 20000 --population shifted --append
    """
    if replace and append:
        raise click.UsageError("--replace and --append exclude each other; choose one")
    choice = choose_database(getattr(obj, "explicit_url", None))
    click.echo(f"pgchurn: {choice.describe()}", err=True)
    spec = SeedSpec(customers, complaints_per_customer, seed, now, POPULATIONS[population])
    result = seed_database(choice.url, spec, replace=replace, append=append, progress=progress_bar)
    click.echo(summary(result))
