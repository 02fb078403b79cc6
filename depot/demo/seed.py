"""`flask --app wsgi seed-demo`: load the West cluster's demo data."""

from __future__ import annotations

import os
import textwrap
import time

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from depot.demo.generator import (
    STEPS,
    DemoSummary,
    delete_all_data,
    existing_demo_logins,
    organisation_count,
    seed_demo_data,
)
from depot.demo.reference import ReferenceDataError
from depot.errors import DomainError
from depot.extensions import db

DEFAULT_PASSWORD = "demo-password-2026"  # noqa: S105  (demo data only; refused in production)


@click.command("seed-demo")
@click.option("--seed", default=7, show_default=True, help="Seed of the random generator.")
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Multiplies the volume of generated rows (citizens, products per type).",
)
@click.option(
    "--password", default=DEFAULT_PASSWORD, show_default=True, help="Every demo user's password."
)
@click.option(
    "--reset/--no-reset",
    default=False,
    show_default=True,
    help="Delete ALL existing data first (needed when the database is not empty).",
)
@click.option(
    "--skip-if-present",
    is_flag=True,
    help="If the database already holds data, keep it and just print the demo logins.",
)
@with_appcontext
def seed_demo(seed: int, scale: float, password: str, reset: bool, skip_if_present: bool) -> None:
    """Load demo data of the West cluster (Vestklyngen); never in production."""
    if os.environ.get("DEPOT_ENV", "development") == "production":
        raise click.ClickException("Refusing to load demo data when DEPOT_ENV=production.")
    existing = organisation_count()
    if existing and skip_if_present and not reset:
        logins = existing_demo_logins(password=password)
        click.echo(f"The database already holds data ({existing} organisations); kept as it is.")
        if logins:
            _print_logins(logins)
        return
    if existing and not reset:
        raise click.ClickException(
            f"The database already holds {existing} organisation(s). Run with --reset to "
            "delete all existing data and load the demo data afresh."
        )
    started = time.perf_counter()
    try:
        if reset:
            delete_all_data()
        with click.progressbar(
            length=len(STEPS),
            label="Generating demo data",
            item_show_func=lambda label: label,
        ) as bar:
            summary = seed_demo_data(
                seed=seed,
                scale=scale,
                password=password,
                progress=lambda label: bar.update(1, label),
            )
        db.session.commit()
    except ReferenceDataError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    except IntegrityError as exc:  # e.g. catalogue rows entered before any organisation
        db.session.rollback()
        raise click.ClickException(
            "The database holds rows that conflict with the demo data; run with --reset."
        ) from exc
    except Exception:
        db.session.rollback()
        raise
    _report(summary, time.perf_counter() - started, reset=reset)


def _report(summary: DemoSummary, seconds: float, *, reset: bool) -> None:
    action = "Replaced all data with" if reset else "Loaded"
    click.echo(
        f"{action} demo data (seed {summary.seed}, scale {summary.scale:g}) in {seconds:.1f} s:"
    )
    counts = ", ".join(f"{count} {what}" for what, count in summary.counts().items())
    click.echo(textwrap.fill(counts, width=96, initial_indent="  ", subsequent_indent="  "))
    click.echo("")
    _print_logins(summary.logins)
    click.echo(
        f"Every role exists in every organisation: <role>@<{'|'.join(summary.slugs)}>.demo.dk, "
        "all with the same password."
    )


def _print_logins(logins) -> None:
    rows = [("Role", "Email", "Password")]
    rows += [(login.role, login.email, login.password) for login in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    rule = "  ".join("-" * w for w in widths)
    click.echo(f"Demo logins ({logins[0].organisation if logins else '-'}):")
    for n, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            click.echo(rule)
