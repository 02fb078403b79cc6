"""Command-line commands: `flask --app wsgi create-admin`, `seed-demo`."""

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from depot.auth import services as auth_services
from depot.errors import DomainError
from depot.extensions import db
from depot.organisations.models import Organisation


@click.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", prompt=True, help="The administrator's full name.")
@click.option(
    "--organisation",
    "organisation_name",
    default=None,
    help="Name of the organisation (default: the region; created if none exists).",
)
@click.password_option(help="Asked for twice if not given.")
@with_appcontext
def create_admin(email: str, name: str, organisation_name: str | None, password: str) -> None:
    """Create an administrator account (there is no default admin password)."""
    if organisation_name:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.name == organisation_name)
        )
        if organisation is None:
            raise click.UsageError(f"No organisation named {organisation_name!r}.")
    else:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.kind == "region").order_by(Organisation.id)
        )
        if organisation is None:
            organisation = Organisation(name="Region", kind="region")
            db.session.add(organisation)
            db.session.flush()
    try:
        user = auth_services.create_user(
            email=email, name=name, password=password, role="admin", organisation_id=organisation.id
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"Administrator {user.email} created in {organisation.name}.")


@click.command("purchase-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def purchase_worker(burst: bool) -> None:
    """Solve queued purchase rounds (RQ worker; needs REDIS_URL)."""
    from flask import current_app

    from depot.purchasing.jobs import worker

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("Set REDIS_URL: without it rounds are solved in the web process.")
    worker(burst=burst)


def register_cli(app: Flask) -> None:
    from depot.demo.seed import seed_demo

    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(purchase_worker)
