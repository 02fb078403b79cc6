from sqlalchemy import select

from depot.auth.models import User
from depot.extensions import db


def test_create_admin_makes_the_first_admin_on_an_empty_database(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--email", "it@region.dk", "--name", "Ida IT"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "it@region.dk"))
        assert user.role == "admin" and user.organisation.kind == "region"
        assert user.password_hash != "a-long-password"


def test_create_admin_refuses_a_short_password_and_duplicates(app, region):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--email", "a@region.dk", "--name", "A", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "10" in result.output
    ok = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "a@region.dk",
            "--name",
            "A",
            "--password",
            "long-enough-pw",
            "--organisation",
            "Region Midtjylland",
        ]
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "A@region.dk",
            "--name",
            "A",
            "--password",
            "long-enough-pw",
        ]
    )
    assert again.exit_code != 0
    unknown = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "b@region.dk",
            "--name",
            "B",
            "--password",
            "long-enough-pw",
            "--organisation",
            "Nowhere",
        ]
    )
    assert unknown.exit_code != 0
