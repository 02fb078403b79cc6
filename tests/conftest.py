"""Fixtures: the app on SQLite (always) or PostgreSQL (TEST_DATABASE_URL), clients, logins."""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from depot.app import create_app
from depot.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def test_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashes; production uses scrypt
        "SERVER_NAME": "localhost",
        "RATELIMIT_ENABLED": False,  # many logins from one address; tested on its own
        "REDIS_URL": None,  # purchase rounds solve in-process unless a test asks for RQ
    }


@pytest.fixture(scope="session")
def _schema(database_url):
    """Build the schema once per run through the Alembic migrations, from empty."""
    app = create_app(test_config(database_url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_config(_schema):
    return test_config(_schema)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(app_config):
    """Another app on the same database with some settings changed; its engine is closed."""
    made = []

    def _make_app(**overrides):
        other = create_app({**app_config, **overrides})
        made.append(other)
        return other

    yield _make_app
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """An app context for tests that call services directly (not through the client)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def region(app):
    return factories.make_organisation(
        app, name="Region Midtjylland", kind="region", population=None, town="Gødstrup"
    )


@pytest.fixture
def herning(app):
    return factories.make_organisation(
        app, name="Herning Kommune", population=90500, town="Herning"
    )


@pytest.fixture
def holstebro(app):
    return factories.make_organisation(
        app, name="Holstebro Kommune", population=58900, town="Holstebro"
    )


def log_in(client, email: str, password: str = factories.PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(app, client):
    """Log the test client in as a new user with the given role in the given organisation."""

    def _login_as(role: str, organisation, **kwargs):
        user = factories.make_user(app, organisation=organisation, role=role, **kwargs)
        response = log_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login_as


@pytest.fixture
def make(app):
    """Factory functions bound to the app: `make.product(name=...)`."""

    class Make:
        app = None  # the app the factories create rows in

        def __getattr__(self, name):
            fn = getattr(factories, f"make_{name}")
            return lambda **kwargs: fn(app, **kwargs)

    bound = Make()
    bound.app = app
    return bound
